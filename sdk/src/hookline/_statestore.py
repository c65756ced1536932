"""The state store: a SQLite file holding each pipeline's stream states and run history.

One database per state directory (``.hookline/state.db`` next to the pipeline by default),
shared by the pipelines kept there, each under its own name. Every state commit is its
own transaction, written through (WAL, ``synchronous=FULL``) before the runner moves on,
so what the store says was delivered survives a crash of the process or the machine.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import orjson

from hookline.models import State

_SCHEMA = """
CREATE TABLE IF NOT EXISTS stream_state (
    pipeline TEXT NOT NULL,
    stream TEXT NOT NULL,
    state TEXT NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (pipeline, stream)
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pipeline TEXT NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL,
    status TEXT NOT NULL,
    summary TEXT,
    number INTEGER
);
"""

#: The version of the database's layout, kept in SQLite's ``user_version``.
#: 1: runs are numbered per pipeline (``runs.number``).
SCHEMA_VERSION = 1


@attrs.frozen
class RunRecord:
    """A run as the history holds it.

    Attributes:
        id: the row's id (internal: unique across the pipelines of the directory).
        number: the run's number among its pipeline's runs (1 for the first), as shown.
    """

    id: int
    number: int


class StateStore:
    """Stream states and run history of the pipelines in one state directory.

    Safe to use from several threads: each thread gets its own SQLite connection.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / "state.db"
        directory.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._connection() as db:
            db.executescript(_SCHEMA)
            _migrate(db)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            self._local.db = db
        yield db

    def get(self, pipeline: str, stream: str) -> State | None:
        """Return the committed state of one stream, or ``None``."""
        with self._connection() as db:
            row = db.execute(
                "SELECT state FROM stream_state WHERE pipeline = ? AND stream = ?",
                (pipeline, stream),
            ).fetchone()
        return None if row is None else dict(orjson.loads(row[0]))

    def all(self, pipeline: str) -> dict[str, tuple[State, float]]:
        """Return every stream's state and when it was committed."""
        with self._connection() as db:
            rows = db.execute(
                "SELECT stream, state, updated_at FROM stream_state WHERE pipeline = ? "
                "ORDER BY stream",
                (pipeline,),
            ).fetchall()
        return {stream: (orjson.loads(state), at) for stream, state, at in rows}

    def commit(
        self,
        pipeline: str,
        stream: str,
        state: State,
        *,
        run_id: int | None = None,
        counts: Mapping[str, int] | None = None,
    ) -> None:
        """Store ``state`` as delivered, durably, in its own transaction.

        With ``run_id`` and ``counts``, the stream's counts so far are stored in that
        run's summary in the same transaction, so the history of a killed run shows what
        it delivered.
        """
        payload = orjson.dumps(state).decode()
        with self._connection() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(
                    "INSERT INTO stream_state (pipeline, stream, state, updated_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (pipeline, stream) DO UPDATE SET "
                    "state = excluded.state, updated_at = excluded.updated_at",
                    (pipeline, stream, payload, time.time()),
                )
                if run_id is not None and counts is not None:
                    _merge_counts(db, run_id, stream, counts)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def record_counts(self, run_id: int, stream: str, counts: Mapping[str, int]) -> None:
        """Store a stream's counts so far in the run's summary (for streams without state)."""
        with self._connection() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                _merge_counts(db, run_id, stream, counts)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def reset(self, pipeline: str, streams: list[str] | None = None) -> list[str]:
        """Forget the state of the given streams (all when ``None``); return their names."""
        with self._connection() as db:
            known = [
                row[0]
                for row in db.execute(
                    "SELECT stream FROM stream_state WHERE pipeline = ? ORDER BY stream",
                    (pipeline,),
                )
            ]
            chosen = known if streams is None else [s for s in known if s in streams]
            db.executemany(
                "DELETE FROM stream_state WHERE pipeline = ? AND stream = ?",
                [(pipeline, s) for s in chosen],
            )
        return chosen

    def start_run(self, pipeline: str) -> RunRecord:
        """Record a run as started; runs left ``running`` by a killed process are closed.

        A closed run keeps the counts its commits recorded. Runs are numbered per
        pipeline: the first run of each is run 1.
        """
        with self._connection() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(
                    "UPDATE runs SET status = 'interrupted' "
                    "WHERE pipeline = ? AND status = 'running'",
                    (pipeline,),
                )
                (number,) = db.execute(
                    "SELECT coalesce(max(number), 0) + 1 FROM runs WHERE pipeline = ?",
                    (pipeline,),
                ).fetchone()
                cursor = db.execute(
                    "INSERT INTO runs (pipeline, started_at, status, number) "
                    "VALUES (?, ?, 'running', ?)",
                    (pipeline, time.time(), number),
                )
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
            return RunRecord(int(cursor.lastrowid or 0), int(number))

    def finish_run(self, run_id: int, status: str, summary: dict[str, Any]) -> None:
        """Record how a run ended and its per-stream counts."""
        with self._connection() as db:
            db.execute(
                "UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE id = ?",
                (time.time(), status, orjson.dumps(summary).decode(), run_id),
            )

    def runs(self, pipeline: str, limit: int = 20) -> list[dict[str, Any]]:
        """Return the most recent runs, newest first."""
        with self._connection() as db:
            rows = db.execute(
                "SELECT id, number, started_at, finished_at, status, summary FROM runs "
                "WHERE pipeline = ? ORDER BY id DESC LIMIT ?",
                (pipeline, limit),
            ).fetchall()
        return [
            {
                "id": run_id,
                "number": number,
                "started_at": started,
                "finished_at": finished,
                "status": status,
                "summary": orjson.loads(summary) if summary else None,
            }
            for run_id, number, started, finished, status, summary in rows
        ]

    def close(self) -> None:
        """Close this thread's connection."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


def _merge_counts(
    db: sqlite3.Connection, run_id: int, stream: str, counts: Mapping[str, int]
) -> None:
    row = db.execute("SELECT summary FROM runs WHERE id = ?", (run_id,)).fetchone()
    if row is None:
        return
    summary = orjson.loads(row[0]) if row[0] else {}
    summary[stream] = {**summary.get(stream, {}), **counts}
    db.execute("UPDATE runs SET summary = ? WHERE id = ?", (orjson.dumps(summary).decode(), run_id))


def _migrate(db: sqlite3.Connection) -> None:
    """Bring a state database of an earlier layout up to :data:`SCHEMA_VERSION`."""
    (version,) = db.execute("PRAGMA user_version").fetchone()
    if version >= SCHEMA_VERSION:
        return
    columns = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
    db.execute("BEGIN IMMEDIATE")
    try:
        if "number" not in columns:
            db.execute("ALTER TABLE runs ADD COLUMN number INTEGER")
        db.execute(
            "UPDATE runs SET number = (SELECT count(*) FROM runs AS earlier "
            "WHERE earlier.pipeline = runs.pipeline AND earlier.id <= runs.id) "
            "WHERE number IS NULL"
        )
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
