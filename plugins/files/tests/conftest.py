"""Fixtures for the files connector's tests: the connector, registered directly."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

import hookline_files.connector
from hookline.host import Connector, connector_from_plugin
from hookline.models import Batch, ConfiguredStream, ConnectorContext, Record, Stream


class Files:
    """A files connector working in one temporary directory."""

    def __init__(self, connector: Connector, root: Path) -> None:
        self.connector = connector
        self.root = root
        self.data = root / "data"
        self.data.mkdir()

    def write_lines(self, relative: str, records: Iterable[Any], *, mode: str = "w") -> Path:
        """Write (or with mode "a", append) records as JSON Lines under data/."""
        path = self.data / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open(mode, encoding="utf-8", newline="\n") as file:
            for record in records:
                file.write((record if isinstance(record, str) else json.dumps(record)) + "\n")
        return path

    def write_text(self, relative: str, text: str) -> Path:
        """Write raw text under data/ (no newline translation)."""
        path = self.data / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        return path

    def config(self, **settings: Any) -> Any:
        """Structure a configuration (directory defaults to data/), as hookline would."""
        settings.setdefault("directory", "data")
        return self.connector.parse_config(settings, source="test.yaml", base_dir=self.root)

    def auth(self, config: Any) -> Any:
        """Return the connection for ``config``, relative to the temporary directory."""
        return self.connector.auth(config, ConnectorContext(base_dir=self.root))

    def discover(self, config: Any) -> dict[str, Stream]:
        """Return the discovered streams by name."""
        catalog = self.connector.discover(config, self.auth(config))
        return {s.name: s for s in catalog.streams}

    def read(
        self, config: Any, stream: str, state: Any = None, *, sync_mode: str = "incremental"
    ) -> list[Batch]:
        """Read a stream (discovered first) and return all its batches."""
        connection = self.auth(config)
        discovered = self.discover(config)[stream]
        configured = ConfiguredStream(discovered, sync_mode=sync_mode)
        return list(self.connector.read(config, connection, configured, state))

    def records(
        self, config: Any, stream: str, state: Any = None, *, sync_mode: str = "incremental"
    ) -> list[Record]:
        """Read a stream and return all its records, in order."""
        batches = self.read(config, stream, state, sync_mode=sync_mode)
        return [record for batch in batches for record in batch.records]

    def write(
        self,
        config: Any,
        stream: str,
        records: list[Record],
        *,
        write_mode: str = "append",
        primary_key: tuple[str, ...] = (),
        schema: dict[str, Any] | None = None,
    ) -> Any:
        """Write one batch of ``stream`` and return the WriteResult."""
        definition = Stream(stream, primary_key=primary_key)
        if schema is not None:
            definition = Stream(stream, schema=schema, primary_key=primary_key)
        configured = ConfiguredStream(definition, write_mode=write_mode)
        return self.connector.write(config, self.auth(config), configured, Batch(records))


@pytest.fixture
def connector() -> Connector:
    """The files connector, registered from its module (no entry points)."""
    return connector_from_plugin(hookline_files.connector)


@pytest.fixture
def files(connector: Connector, tmp_path: Path) -> Files:
    """The files connector with a data/ directory in a fresh temporary folder."""
    return Files(connector, tmp_path)
