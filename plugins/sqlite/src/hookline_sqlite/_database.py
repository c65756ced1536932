"""The connection object: one database file, used from many threads.

hookline runs streams concurrently, in threads, with the one object :func:`hookline_auth`
returned. An ``sqlite3.Connection`` must not be shared between threads, so
:class:`SqliteDatabase` opens one per thread (``threading.local``) and closes them all in
:meth:`SqliteDatabase.close`.

SQLite lets one writer at a time into a database file. Writers in this process take a
lock per file (shared by every :class:`SqliteDatabase` on that file) around each write
transaction, so they queue instead of failing with "database is locked"; writers in other
processes are waited for up to :data:`BUSY_TIMEOUT` seconds. Readers never wait: the
database is in WAL mode, so they read the last committed state while a writer writes.

Every write transaction starts with ``BEGIN IMMEDIATE`` (it takes the write lock at once,
so it cannot fail half-way for want of it) and ends with ``COMMIT``. With
``synchronous=FULL`` (the default) the commit syncs the WAL to disk before it returns, so
a batch survives a crash of the operating system or a power loss too; with ``NORMAL`` it
survives the process being killed only (SQLite syncs the WAL at checkpoints, not at each
commit).
"""

from __future__ import annotations

__all__ = ["BUSY_TIMEOUT", "JSON_FUNCTION", "MIN_SQLITE", "PAGE_SIZE", "SqliteDatabase"]

import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

#: Seconds a writer waits for another process's write transaction to end.
BUSY_TIMEOUT = 60.0
#: The oldest SQLite the connector works with (``INSERT ... ON CONFLICT DO UPDATE``).
MIN_SQLITE = (3, 24, 0)
#: The page size of the databases the connector creates (SQLite's default is 4096; larger
#: pages make bulk inserts and upserts of wide rows about a fifth faster).
PAGE_SIZE = 16384
#: An SQL function on writer connections: the JSON text of a value (for widening).
JSON_FUNCTION = "hookline_json"

_registry_lock = threading.Lock()
_file_locks: dict[str, threading.Lock] = {}


def _file_lock(path: Path) -> threading.Lock:
    """Return the process-wide writer lock of the database file ``path``."""
    key = os.path.normcase(os.path.realpath(path))
    with _registry_lock:
        return _file_locks.setdefault(key, threading.Lock())


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    text: str = orjson.dumps(value).decode()
    return text


class SqliteDatabase:
    """What :func:`~hookline_sqlite.connector.hookline_auth` returns: one database file.

    Attributes:
        path: the absolute path of the database file.
        synchronous: ``"full"`` or ``"normal"`` (SQLite's ``PRAGMA synchronous``).
        logger: where the connector logs.
        plans: the write plan of each stream being written, by stream name (see
            :mod:`hookline_sqlite._writing`).
    """

    def __init__(
        self, path: Path, *, synchronous: str = "full", logger: logging.Logger | None = None
    ) -> None:
        self.path = path
        self.synchronous = synchronous
        self.logger = logger or logging.getLogger("hookline_sqlite")
        self.plans: dict[str, Any] = {}
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._opened_lock = threading.Lock()
        self._write_lock = _file_lock(path)

    def __repr__(self) -> str:
        return f"SqliteDatabase({str(self.path)!r})"

    def reader(self) -> sqlite3.Connection:
        """Return this thread's connection; the file must exist (it is never created).

        Raises:
            FileNotFoundError: there is no database file at :attr:`path`.
        """
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            if not self.path.is_file():
                raise FileNotFoundError(self.path)
            uri = self.path.as_uri() + "?mode=rw"
            connection = self._open(uri, uri=True)
        return connection

    def writer(self) -> sqlite3.Connection:
        """Return this thread's connection, ready to write (file and folder created)."""
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = self._open(str(self.path), uri=False)
        if not getattr(self._local, "wal", False):
            # Switching to WAL needs the file to itself: writers of this process queue
            # here, and a database already in WAL mode is left as it is.
            with self._write_lock:
                mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
                if mode != "wal":
                    if self.path.stat().st_size == 0:  # only a new database may change it
                        connection.execute(f"PRAGMA page_size={PAGE_SIZE}")
                    connection.execute("PRAGMA journal_mode=WAL")
            self._local.wal = True
        return connection

    def _open(self, target: str, *, uri: bool) -> sqlite3.Connection:
        connection = sqlite3.connect(
            target,
            timeout=BUSY_TIMEOUT,
            isolation_level=None,
            check_same_thread=False,  # only so that close() may close it from any thread
            uri=uri,
        )
        try:
            connection.execute(f"PRAGMA synchronous={self.synchronous.upper()}")
            # A replace renames its staging table over the old one; the legacy rename
            # leaves views and triggers alone (they must not stop it, see _writing).
            connection.execute("PRAGMA legacy_alter_table=ON")
            connection.create_function(JSON_FUNCTION, 1, _json_text, deterministic=True)
        except BaseException:
            connection.close()
            raise
        self._local.connection = connection
        with self._opened_lock:
            self._opened.append(connection)
        return connection

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a write transaction: ``BEGIN IMMEDIATE`` ... ``COMMIT``, or roll back.

        Writers in this process queue on the file's lock; the transaction commits when
        the block ends and rolls back if it raises.
        """
        connection = self.writer()
        with self._write_lock:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        connection.execute("ROLLBACK")
                raise

    def close(self) -> None:
        """Close every connection opened by any thread (the host calls it after a run)."""
        with self._opened_lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            with contextlib.suppress(sqlite3.Error):
                connection.close()
        self._local = threading.local()
        self.plans.clear()
