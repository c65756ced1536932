"""Fixtures for the sqlite connector's tests: the connector, registered directly."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import hookline_sqlite.connector
from hookline.host import Connector, connector_from_plugin
from hookline.models import Batch, ConfiguredStream, ConnectorContext, Record, Stream


class Sqlite:
    """The sqlite connector working on one database file in a temporary folder."""

    def __init__(self, connector: Connector, root: Path) -> None:
        self.connector = connector
        self.root = root
        self.path = root / "db" / "warehouse.db"
        self._connections: list[Any] = []

    @staticmethod
    def stream(
        name: str,
        properties: dict[str, Any] | None = None,
        *,
        key: tuple[str, ...] | str = (),
        write_mode: str = "append",
        schema_policy: str = "evolve",
        sync_mode: str = "full",
    ) -> ConfiguredStream:
        """Return a configured stream whose schema has ``properties``."""
        schema = {"type": "object", "properties": properties or {}}
        return ConfiguredStream(
            Stream(name, schema=schema, primary_key=key),
            sync_mode=sync_mode,
            write_mode=write_mode,
            schema_policy=schema_policy,
        )

    def config(self, **settings: Any) -> Any:
        """Structure a configuration (path defaults to db/warehouse.db), as hookline would."""
        settings.setdefault("path", "db/warehouse.db")
        return self.connector.parse_config(settings, source="test.yaml", base_dir=self.root)

    def auth(self, config: Any = None) -> Any:
        """Return a connection (closed when the test ends)."""
        config = config if config is not None else self.config()
        connection = self.connector.auth(config, ConnectorContext(base_dir=self.root))
        self._connections.append(connection)
        return connection

    def write(
        self,
        configured: ConfiguredStream,
        *batches: list[Record],
        config: Any = None,
        connection: Any = None,
    ) -> list[Any]:
        """Write a stream as a run does (start, each batch, finish); return the results."""
        config = config if config is not None else self.config()
        connection = connection if connection is not None else self.auth(config)
        self.connector.write_start(config, connection, configured)
        results = [
            self.connector.write(config, connection, configured, Batch(records))
            for records in batches
        ]
        self.connector.write_finish(config, connection, configured)
        return results

    def discover(self, config: Any = None) -> dict[str, Stream]:
        """Return the discovered streams by name."""
        config = config if config is not None else self.config()
        catalog = self.connector.discover(config, self.auth(config))
        return {s.name: s for s in catalog.streams}

    def read(
        self, name: str, state: Any = None, *, sync_mode: str = "incremental", config: Any = None
    ) -> list[Batch]:
        """Read a stream (discovered first) and return all its batches."""
        config = config if config is not None else self.config()
        discovered = self.discover(config)[name]
        configured = ConfiguredStream(discovered, sync_mode=sync_mode)
        return list(self.connector.read(config, self.auth(config), configured, state))

    def records(self, name: str, state: Any = None, **options: Any) -> list[Record]:
        """Read a stream and return all its records, in order."""
        return [r for batch in self.read(name, state, **options) for r in batch.records]

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        """Run a query on a connection of its own (as another program would)."""
        with sqlite3.connect(self.path) as other:
            return other.execute(query, params).fetchall()

    def close(self) -> None:
        """Close every connection the test opened."""
        for connection in self._connections:
            self.connector.close(connection)


@pytest.fixture
def connector() -> Connector:
    """The sqlite connector, registered from its module (no entry points)."""
    return connector_from_plugin(hookline_sqlite.connector)


@pytest.fixture
def db(connector: Connector, tmp_path: Path) -> Iterator[Sqlite]:
    """The sqlite connector with its database file in a fresh temporary folder."""
    helper = Sqlite(connector, tmp_path)
    yield helper
    helper.close()
