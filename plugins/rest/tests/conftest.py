"""Fixtures for the REST connector's tests: the connector registered directly, and helpers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import hookline_rest.connector
from hookline.host import Connector, connector_from_plugin
from hookline.models import Batch, ConfiguredStream, ConnectorContext, Record, Stream

#: Retries fast enough for tests.
FAST_RETRY = {"max_attempts": 4, "base_delay": 0.01, "max_delay": 0.05, "max_elapsed": 5}


class Rest:
    """The REST connector, with shortcuts for each phase.

    Connections are opened with ``base_dir`` (the folder a configuration file would be
    in): a rotated OAuth2 refresh token is kept there, never in the working directory.
    """

    def __init__(self, connector: Connector, base_dir: Path) -> None:
        self.connector = connector
        self.base_dir = base_dir

    def config(self, base_url: str, **settings: Any) -> Any:
        """Structure a configuration, as hookline would (fast retries unless given)."""
        settings.setdefault("retry", FAST_RETRY)
        return self.connector.parse_config({"base_url": base_url, **settings}, source="rest.yaml")

    def auth(self, config: Any) -> Any:
        """Return the connection (the HTTP client) for ``config``."""
        return self.connector.auth(config, ConnectorContext(base_dir=self.base_dir))

    def discover(self, config: Any) -> dict[str, Stream]:
        """Return the discovered streams by name."""
        with self.auth(config) as client:
            catalog = self.connector.discover(config, client)
        return {s.name: s for s in catalog.streams}

    def read(
        self,
        config: Any,
        stream: str,
        state: Any = None,
        *,
        sync_mode: str = "incremental",
    ) -> list[Batch]:
        """Read a stream (declared as configured, not discovered) and return its batches."""
        configured = config.stream(stream)
        definition = Stream(
            stream,
            primary_key=configured.primary_key,
            cursor_field=configured.cursor.field if configured.cursor else None,
            sync_modes=("full", "incremental"),
        )
        with self.auth(config) as client:
            return list(
                self.connector.read(
                    config, client, ConfiguredStream(definition, sync_mode=sync_mode), state
                )
            )

    def records(self, config: Any, stream: str, state: Any = None, **kwargs: Any) -> list[Record]:
        """Read a stream and return all its records, in order."""
        return [r for b in self.read(config, stream, state, **kwargs) for r in b.records]

    def write(self, config: Any, stream: str, records: list[Record]) -> Any:
        """Write one batch of ``stream`` and return the WriteResult."""
        configured = ConfiguredStream(Stream(stream), write_mode="append")
        with self.auth(config) as client:
            return self.connector.write(config, client, configured, Batch(records))


@pytest.fixture
def connector() -> Connector:
    """The REST connector, registered from its module (no entry points)."""
    return connector_from_plugin(hookline_rest.connector)


@pytest.fixture
def rest(connector: Connector, tmp_path: Path) -> Rest:
    """The REST connector with shortcuts."""
    return Rest(connector, tmp_path)


def hookline(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> Any:
    """Run ``python -m hookline ARGS`` in ``cwd``; return the completed process (text)."""
    return subprocess.run(
        [sys.executable, "-m", "hookline", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


@pytest.fixture
def cli() -> Any:
    """:func:`hookline`: runs the CLI in a subprocess."""
    return hookline
