"""A small in-memory connector, registered directly (no entry points), for hook tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs

from hookline import (
    Batch,
    Catalog,
    CheckResult,
    ConfiguredStream,
    ConnectorContext,
    ConnectorInfo,
    Secret,
    Stream,
    WriteResult,
    hookimpl,
)
from hookline.errors import AuthError
from hookline.models import RejectedRecord, State


@attrs.frozen
class MemoryConfig:
    """Settings of the in-memory connector."""

    token: Secret
    rows: int = 5
    batch_size: int = 2


class MemoryConnector:
    """Source and destination over Python lists; records have ``id`` and ``n``."""

    def __init__(self) -> None:
        self.written: dict[str, list[dict[str, Any]]] = {}
        self.staged: dict[str, list[dict[str, Any]]] = {}
        self.calls: list[str] = []

    @hookimpl
    def hookline_describe(self) -> ConnectorInfo:
        return ConnectorInfo(
            id="memory",
            version="1.2.3",
            kind="both",
            title="Memory",
            config_model=MemoryConfig,
            capabilities=("discover", "read", "incremental", "check", "write", "append", "upsert"),
        )

    @hookimpl
    def hookline_auth(self, config: MemoryConfig, context: ConnectorContext) -> dict[str, Any]:
        self.calls.append("auth")
        if config.token.reveal() == "wrong":
            raise AuthError("token refused: set a valid token")
        # The header holds the revealed token, as a real client's would: anything that
        # prints the connection must rely on redaction. It comes first, so a trace that
        # shortens long values still shows it, however long base_dir is.
        authorization = f"Bearer {config.token.reveal()}"
        return {"header": authorization, "token": config.token, "base_dir": context.base_dir}

    @hookimpl
    def hookline_check(self, config: MemoryConfig, connection: Any) -> CheckResult:
        return CheckResult(ok=config.rows > 0, message=f"{config.rows} rows")

    @hookimpl
    def hookline_discover(self, config: MemoryConfig, connection: Any) -> Catalog:
        schema = {
            "type": "object",
            "properties": {"id": {"type": "integer"}, "n": {"type": "integer"}},
        }
        return Catalog(
            [Stream("numbers", schema, primary_key="id", sync_modes=("full", "incremental"))]
        )

    @hookimpl
    def hookline_read(
        self, config: MemoryConfig, stream: ConfiguredStream, state: State | None
    ) -> Iterator[Batch]:
        start = 0
        if state and stream.sync_mode == "incremental":
            start = state["next"]
        for low in range(start, config.rows, config.batch_size):
            high = min(low + config.batch_size, config.rows)
            records = [{"id": i, "n": i * i} for i in range(low, high)]
            yield Batch(records, {"next": high})

    @hookimpl
    def hookline_write_start(self, stream: ConfiguredStream) -> None:
        self.calls.append(f"start {stream.name}")
        if stream.write_mode == "replace":
            self.staged[stream.name] = []

    @hookimpl
    def hookline_write(self, stream: ConfiguredStream, batch: Batch) -> WriteResult:
        good = [r for r in batch.records if isinstance(r.get("id"), int)]
        bad = [RejectedRecord(r, "id is not an integer") for r in batch.records if r not in good]
        if stream.write_mode == "replace":
            self.staged[stream.name].extend(good)
        else:
            self.written.setdefault(stream.name, []).extend(good)
        return WriteResult(written=len(good), rejected=bad)

    @hookimpl
    def hookline_write_finish(self, stream: ConfiguredStream) -> None:
        self.calls.append(f"finish {stream.name}")
        if stream.write_mode == "replace":
            self.written[stream.name] = self.staged.pop(stream.name)
