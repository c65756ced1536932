"""The suite's own connector: a source the write checks feed, a destination reads go to.

It keeps everything in one directory: the source reads ``streams.json`` (each stream's
schema, primary key and batches, written by a check) and the destination appends what it
receives to ``received/<stream>.jsonl``. The runner drives it like any other connector.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

from hookline._markers import hookimpl
from hookline.models import (
    Batch,
    Catalog,
    ConfiguredStream,
    ConnectorContext,
    ConnectorInfo,
    Record,
    State,
    Stream,
    WriteResult,
)

#: The id the suite's own connector runs under.
MEMORY_ID = "hookline-conformance-memory"


@attrs.frozen
class MemoryConfig:
    """Where the suite's connector keeps its streams."""

    directory: str


class MemoryConnector:
    """A source of scripted batches and a destination that records what it receives."""

    @hookimpl
    def hookline_describe(self) -> ConnectorInfo:
        """The suite's in-process connector."""
        return ConnectorInfo(
            id=MEMORY_ID,
            version="1",
            kind="both",
            config_model=MemoryConfig,
            capabilities=("discover", "read", "incremental", "write", "append"),
        )

    @hookimpl
    def hookline_auth(self, config: MemoryConfig, context: ConnectorContext) -> Path:
        """Return the directory."""
        return Path(config.directory)

    @hookimpl
    def hookline_discover(self, config: MemoryConfig, connection: Path) -> Catalog:
        """List the scripted streams."""
        return Catalog(
            Stream(
                name=item["name"],
                schema=item["schema"],
                primary_key=item.get("primary_key", ()),
                sync_modes=("full", "incremental"),
            )
            for item in _script(connection)
        )

    @hookimpl
    def hookline_read(
        self, config: MemoryConfig, connection: Path, stream: ConfiguredStream, state: State | None
    ) -> Iterator[Batch]:
        """Yield the scripted batches after the one the state names."""
        done = int((state or {}).get("batches", 0)) if stream.sync_mode == "incremental" else 0
        for item in _script(connection):
            if item["name"] == stream.name:
                for number, records in enumerate(item["batches"], start=1):
                    if number > done:
                        yield Batch(records, {"batches": number})

    @hookimpl
    def hookline_write(
        self, config: MemoryConfig, connection: Path, stream: ConfiguredStream, batch: Batch
    ) -> WriteResult:
        """Append the batch to ``received/<stream>.jsonl``."""
        target = connection / "received" / f"{stream.name}.jsonl"
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8") as out:
            for record in batch.records:
                out.write(json.dumps(record) + "\n")
        return WriteResult(written=len(batch.records))


def write_script(directory: Path, streams: list[dict[str, Any]]) -> None:
    """Set the streams the source offers: name, schema, primary_key and batches."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "streams.json").write_text(json.dumps(streams), encoding="utf-8")


def received(directory: Path, stream: str) -> list[Record]:
    """Return what the destination received for ``stream``, in order."""
    target = directory / "received" / f"{stream}.jsonl"
    if not target.exists():
        return []
    return [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]


def _script(directory: Path) -> list[dict[str, Any]]:
    path = directory / "streams.json"
    if not path.exists():
        return []
    data: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return data
