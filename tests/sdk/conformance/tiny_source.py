"""A tiny source with a conformance fixture, tested as a Python file (`hookline test PATH`).

``TINY_DEFECT`` in the environment switches one defect on: ``leak`` logs the token,
``no-capability`` stops declaring ``check``.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
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
    hookimpl,
)
from hookline.conformance import ConformanceFixture, canary
from hookline.errors import AuthError, ReadError

log = logging.getLogger("tiny_source")
DEFECT = os.environ.get("TINY_DEFECT", "")
SCHEMA = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "seen": {"type": "integer"}},
    "required": ["id", "seen"],
}


@attrs.frozen
class TinyConfig:
    """Where the numbers are, and the token that guards them."""

    directory: str
    token: Secret
    batch_size: int = attrs.field(default=3, validator=attrs.validators.ge(1))


@hookimpl
def hookline_describe() -> ConnectorInfo:
    """A tiny source of numbers."""
    capabilities = ["discover", "read", "incremental", "check"]
    if DEFECT == "no-capability":
        capabilities.remove("check")
    return ConnectorInfo(
        id="tiny",
        version="0.0.1",
        kind="source",
        config_model=TinyConfig,
        capabilities=capabilities,
    )


@hookimpl
def hookline_auth(config: TinyConfig, context: ConnectorContext) -> Path:
    """Compare the token with the one stored next to the numbers."""
    directory = Path(context.base_dir) / config.directory
    if DEFECT == "leak":
        log.info("connecting with token %s", config.token.reveal())
    if not directory.is_dir():
        raise AuthError(f"directory {directory} does not exist")
    if (directory / "token").read_text() != config.token.reveal():
        raise AuthError("the token is refused: set token to the right one")
    return directory


@hookimpl
def hookline_check(config: TinyConfig, connection: Path) -> CheckResult:
    """Count the numbers."""
    return CheckResult(ok=True, message=f"{len(_numbers(connection))} numbers")


@hookimpl
def hookline_discover(config: TinyConfig, connection: Path) -> Catalog:
    """One stream, numbers."""
    return Catalog(
        [
            Stream(
                "numbers",
                SCHEMA,
                primary_key="id",
                cursor_field="seen",
                sync_modes=("full", "incremental"),
            )
        ]
    )


@hookimpl
def hookline_read(
    config: TinyConfig, connection: Path, stream: ConfiguredStream, state: Any
) -> Iterator[Batch]:
    """Yield the numbers after the state's position, a few at a time."""
    numbers = _numbers(connection)
    start = (state or {}).get("position", 0) if stream.sync_mode == "incremental" else 0
    if not isinstance(start, int) or isinstance(start, bool) or start < 0:
        raise ReadError("the state's position is not one this connector wrote; reset it")
    for first in range(start, len(numbers), config.batch_size):
        chunk = numbers[first : first + config.batch_size]
        yield Batch(chunk, {"position": first + len(chunk)})


@hookimpl
def hookline_conformance_fixture(workdir: Path) -> ConformanceFixture:
    """Seven numbers and a canary token."""
    token = canary("token")
    data = workdir / "numbers"
    data.mkdir()
    (data / "token").write_text(token)
    records = [{"id": i, "seen": 100 + i} for i in range(7)]
    (data / "numbers.json").write_text(json.dumps(records))
    return ConformanceFixture(
        config={"directory": "numbers", "token": token},
        bad_credentials={"token": "not-the-token"},
        invalid_config={"directory": "missing", "token": token},
        record_counts={"numbers": len(records)},
        change_data=lambda: _append(data, 3),
    )


def _append(directory: Path, count: int) -> dict[str, list[dict[str, Any]]]:
    """Add ``count`` numbers at the end (the stream is append-only); return them."""
    numbers = _numbers(directory)
    added = [{"id": i, "seen": 100 + i} for i in range(len(numbers), len(numbers) + count)]
    (directory / "numbers.json").write_text(json.dumps(numbers + added))
    return {"numbers": added}


def _numbers(directory: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads((directory / "numbers.json").read_text())
    return records
