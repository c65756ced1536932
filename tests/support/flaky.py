"""A destination kept in memory that can be told to fail on its n-th batch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from hookline import Batch, ConfiguredStream, ConnectorInfo, WriteResult, hookimpl
from hookline.errors import WriteError

#: What every FlakyDestination stored, by stream then primary key (or position).
STORED: dict[str, dict[Any, dict[str, Any]]] = {}
#: Every call, in order, for assertions about the write lifecycle.
CALLS: list[str] = []
#: Called with the number of the batch about to be written (for tests that watch timing).
OBSERVERS: list[Callable[[int], None]] = []


@attrs.frozen
class FlakyConfig:
    """Settings of the flaky destination."""

    fail_on_batch: int = 0


class FlakyDestination:
    """Upserts on the primary key into ``STORED``; raises on batch ``fail_on_batch``."""

    def __init__(self) -> None:
        self.batches = 0

    @hookimpl
    def hookline_describe(self) -> ConnectorInfo:
        return ConnectorInfo(
            id="flaky",
            version="1.0",
            kind="destination",
            config_model=FlakyConfig,
            capabilities=("write", "append", "upsert"),
        )

    @hookimpl
    def hookline_write_start(self, stream: ConfiguredStream) -> None:
        CALLS.append(f"start {stream.name}")
        STORED.setdefault(stream.name, {})

    @hookimpl
    def hookline_write(
        self, config: FlakyConfig, stream: ConfiguredStream, batch: Batch
    ) -> WriteResult:
        self.batches += 1
        for observe in OBSERVERS:
            observe(self.batches)
        CALLS.append(f"write {stream.name} {len(batch.records)}")
        if self.batches == config.fail_on_batch:
            raise WriteError("the disk is full: free some space and run again")
        table = STORED.setdefault(stream.name, {})
        key = stream.stream.primary_key
        for record in batch.records:
            table[tuple(record[k] for k in key) if key else len(table)] = dict(record)
        return WriteResult(written=len(batch.records))

    @hookimpl
    def hookline_write_finish(self, stream: ConfiguredStream) -> None:
        CALLS.append(f"finish {stream.name}")


plugin = FlakyDestination()
