"""The hook implementations of the sqlite connector (entry point ``sqlite``).

Source: every table of the database file is a stream, read in rowid (or cursor) order in
batches whose state resumes right after them. Destination: each stream is written to a
table made from its schema, one transaction per batch, by ``append``, ``upsert`` or an
atomic ``replace``, with the schema evolving (or frozen) as the stream's policy says.
"""

from __future__ import annotations

__all__ = [
    "CAPABILITIES",
    "hookline_auth",
    "hookline_check",
    "hookline_conformance_fixture",
    "hookline_describe",
    "hookline_discover",
    "hookline_read",
    "hookline_write",
    "hookline_write_finish",
    "hookline_write_start",
]

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from hookline import hookimpl
from hookline.errors import AuthError
from hookline.models import (
    Batch,
    Catalog,
    CheckResult,
    ConfiguredStream,
    ConnectorContext,
    ConnectorInfo,
    State,
    WriteResult,
)
from hookline_sqlite import __version__
from hookline_sqlite._database import MIN_SQLITE, SqliteDatabase
from hookline_sqlite._reading import discover_streams, read_table
from hookline_sqlite._tables import list_tables
from hookline_sqlite._writing import finish_stream, start_stream, write_records
from hookline_sqlite.config import SqliteConfig

if TYPE_CHECKING:
    from hookline.conformance import ConformanceFixture

#: What the connector can do, as :class:`~hookline.models.ConnectorInfo` reports it.
CAPABILITIES = (
    "discover",
    "read",
    "incremental",
    "check",
    "write",
    "append",
    "upsert",
    "replace",
    "freeze",
    "x-schema-evolution",
)


@hookimpl
def hookline_describe() -> ConnectorInfo:
    """Describe the connector: an SQLite database file, source and destination."""
    return ConnectorInfo(
        id="sqlite",
        version=__version__,
        kind="both",
        title="SQLite",
        description=(
            "Reads the tables of an SQLite database file as streams, incrementally, and "
            "writes streams into tables: append, upsert or replace, one transaction per batch."
        ),
        config_model=SqliteConfig,
        capabilities=CAPABILITIES,
        hosts=(),
    )


@hookimpl
def hookline_auth(config: SqliteConfig, context: ConnectorContext) -> SqliteDatabase:
    """Resolve ``path`` against the config file's folder; open the file if it exists.

    Nothing is created here: the file and its folder are created on the first write.
    With ``synchronous: normal`` one warning says what that setting does not guarantee.

    Raises:
        AuthError: the path is a directory, the file is not an SQLite database, or the
            SQLite library is older than 3.24.
    """
    if sqlite3.sqlite_version_info < MIN_SQLITE:
        raise AuthError(
            f"the SQLite library is version {sqlite3.sqlite_version}; the sqlite connector "
            f"needs {'.'.join(map(str, MIN_SQLITE))} or later: use a newer Python build"
        )
    path = config.path.expanduser()
    if not path.is_absolute():
        path = Path(context.base_dir) / path
    path = Path(os.path.abspath(path))
    if path.is_dir():
        raise AuthError(f"path {path} is a directory: set path to a database file in it")
    database = SqliteDatabase(path, synchronous=config.synchronous, logger=context.logger)
    if config.synchronous == "normal":
        context.logger.warning(
            "sqlite: synchronous is normal for %s: a written batch survives a crash of the "
            "process, not of the operating system or a power loss; after one, batches the "
            "pipeline's state counts as delivered can be missing. Remove the setting for "
            "the default, full, which survives both",
            path,
        )
    if path.exists():
        try:
            database.reader().execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as exc:
            database.close()
            raise AuthError(
                f"cannot open {path} as an SQLite database ({exc}); check path"
            ) from None
    return database


@hookimpl
def hookline_check(config: SqliteConfig, connection: SqliteDatabase) -> CheckResult:
    """Probe the database: the file opens and its tables can be listed, or it can be made.

    A missing file passes when its nearest existing folder is writable (the file is
    created on the first write).
    """
    path = connection.path
    if path.exists():
        try:
            tables = list_tables(connection.reader())
        except (OSError, sqlite3.Error) as exc:
            return CheckResult(ok=False, message=f"cannot read {path}: {exc}")
        writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)
        note = "" if writable else " (read-only: it can be read, not written)"
        return CheckResult(ok=True, message=f"{path}: {len(tables)} table(s){note}")
    existing = path.parent
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        return CheckResult(ok=False, message=f"{existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        return CheckResult(
            ok=False, message=f"{path} does not exist and {existing} is not writable"
        )
    return CheckResult(ok=True, message=f"{path} will be created on the first write")


@hookimpl
def hookline_discover(config: SqliteConfig, connection: SqliteDatabase) -> Catalog:
    """List the tables as streams: schema from the columns, key, cursor, sync modes."""
    return discover_streams(connection, config)


@hookimpl
def hookline_read(
    config: SqliteConfig,
    connection: SqliteDatabase,
    stream: ConfiguredStream,
    state: State | None,
) -> Iterator[Batch]:
    """Read one table in batches of ``batch_size``; incremental reads continue after ``state``."""
    return read_table(connection, config, stream, state)


@hookimpl
def hookline_write_start(
    config: SqliteConfig, connection: SqliteDatabase, stream: ConfiguredStream
) -> None:
    """Create or evolve the stream's table from its schema; for ``replace``, a staging table."""
    start_stream(connection, config, stream)


@hookimpl
def hookline_write(
    config: SqliteConfig, connection: SqliteDatabase, stream: ConfiguredStream, batch: Batch
) -> WriteResult:
    """Store one batch in one transaction: ``append``, ``upsert`` or into the staging table."""
    return write_records(connection, config, stream, batch.records)


@hookimpl
def hookline_write_finish(
    config: SqliteConfig, connection: SqliteDatabase, stream: ConfiguredStream
) -> None:
    """End a stream's writing; a ``replace`` swaps its staging table in, atomically."""
    finish_stream(connection, config, stream)


@hookimpl
def hookline_conformance_fixture(workdir: Path) -> ConformanceFixture:
    """Create a sample database under ``workdir`` for the conformance suite; return the fixture.

    See :func:`hookline_sqlite.conformance.conformance_fixture`; imported here, on use, so
    loading the connector stays cheap.
    """
    from hookline_sqlite.conformance import conformance_fixture

    return conformance_fixture(workdir)
