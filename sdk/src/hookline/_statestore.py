"""The state store: a SQLite file holding each pipeline's stream states and run history.

One database per state directory (``.hookline/state.db`` next to the pipeline by default),
shared by the pipelines kept there, each under its own name. Every state commit is its
own transaction, written through (WAL, ``synchronous=FULL``) before the runner moves on,
so what the store says was delivered survives a crash of the process or the machine.

Run history: :meth:`StateStore.start_run` adds a run, numbered per pipeline (a
pipeline's first run is run 1, whatever other pipelines share the directory). Each state
commit stores, in the same transaction, the stream's counts so far in the run's summary,
so a run killed with SIGKILL (or by a power loss) still shows what it delivered once the
next run has closed it as ``interrupted``.

The layout of the database has a version, SQLite's ``user_version``
(:data:`SCHEMA_VERSION`). Opening a database of an older layout migrates it, one step
after the other, each in one transaction; a database of a newer layout is refused.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import orjson

from hookline.errors import HooklineError
from hookline.models import State

#: The first layout (version 0). Later layouts are reached by :data:`_MIGRATIONS`, so a
#: new database and an old one go through the same steps.
_BASE_SCHEMA = """
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
    summary TEXT
);
"""

#: Seconds a connection waits for another one's write transaction to end.
BUSY_TIMEOUT = 30.0


@attrs.frozen
class RunRecord:
    """A run as the history holds it.

    Attributes:
        id: the row's id (internal: unique across the pipelines of the directory; the
            other methods of :class:`StateStore` take it as ``run_id``).
        number: the run's number among its pipeline's runs (1 for the first), as shown
            to people.
    """

    id: int
    number: int


class StateStore:
    """Stream states and run history of the pipelines in one state directory.

    Safe to use from several threads: each thread gets its own SQLite connection.

    Raises:
        HooklineError: (when opened) the database has a layout newer than this version
            of hookline knows.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / "state.db"
        directory.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._connection() as db:
            db.executescript(_BASE_SCHEMA)
            migrate(db, self.path)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            self._local.db = db
        yield db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``), rolled back on error."""
        with self._connection() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

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

        Args:
            pipeline: the pipeline's name.
            stream: the stream's name.
            state: the state that holds now that its batch is delivered.
            run_id: the run (:attr:`RunRecord.id`) that delivered it.
            counts: the stream's counts so far in that run (``read``, ``written``,
                ``failed``, ``filtered``); with ``run_id``, they are stored in the run's
                summary in the same transaction as the state, so the history of a killed
                run shows what it delivered.
        """
        payload = orjson.dumps(state).decode()
        with self._transaction() as db:
            db.execute(
                "INSERT INTO stream_state (pipeline, stream, state, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (pipeline, stream) DO UPDATE SET "
                "state = excluded.state, updated_at = excluded.updated_at",
                (pipeline, stream, payload, time.time()),
            )
            if run_id is not None and counts is not None:
                _merge_summary(db, run_id, {stream: dict(counts)})

    def record_counts(self, run_id: int, stream: str, counts: Mapping[str, int]) -> None:
        """Store a stream's counts so far in the run's summary (for streams without state).

        The same as the counts :meth:`commit` stores, durably, without a state.
        """
        with self._transaction() as db:
            _merge_summary(db, run_id, {stream: dict(counts)})

    def reset(self, pipeline: str, streams: list[str] | None = None) -> list[str]:
        """Forget the state of the given streams (all when ``None``); return their names."""
        with self._transaction() as db:
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
        """Record a run of ``pipeline`` as started and return it.

        The pipeline's runs still marked ``running`` were left so by a process that died
        (the caller holds the pipeline's lock, so no other run of it is alive): they are
        closed as ``interrupted``, keeping the counts their commits recorded. Runs are
        numbered per pipeline, the first run of each being run 1; the number is taken in
        the insert's transaction, so two pipelines starting at once never share one.
        """
        with self._transaction() as db:
            db.execute(
                "UPDATE runs SET status = 'interrupted' WHERE pipeline = ? AND status = 'running'",
                (pipeline,),
            )
            (number,) = db.execute(
                "SELECT coalesce(max(number), 0) + 1 FROM runs WHERE pipeline = ?",
                (pipeline,),
            ).fetchone()
            cursor = db.execute(
                "INSERT INTO runs (pipeline, number, started_at, status) "
                "VALUES (?, ?, ?, 'running')",
                (pipeline, number, time.time()),
            )
            run_id = cursor.lastrowid
        assert run_id is not None
        return RunRecord(id=int(run_id), number=int(number))

    def finish_run(self, run_id: int, status: str, summary: dict[str, Any]) -> None:
        """Record how a run ended and its per-stream counts.

        ``summary`` holds one mapping per stream; it is merged over what the run's
        commits recorded, so a stream missing from it keeps its committed counts.
        """
        with self._transaction() as db:
            db.execute(
                "UPDATE runs SET finished_at = ?, status = ? WHERE id = ?",
                (time.time(), status, run_id),
            )
            _merge_summary(db, run_id, summary)

    def runs(self, pipeline: str, limit: int = 20) -> list[dict[str, Any]]:
        """Return the pipeline's most recent runs, newest first.

        Each run is a mapping with ``number`` (its number among the pipeline's runs,
        the one to show), ``started_at`` and ``finished_at`` (Unix times; ``finished_at``
        is ``None`` while it runs and for a run that was killed), ``status`` (``running``,
        ``succeeded``, ``failed`` or ``interrupted``), ``summary`` (per stream, its
        counts: what the run's commits recorded, or how it ended; ``None`` before the
        first) and ``id`` (:attr:`RunRecord.id`, internal).
        """
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


def _merge_summary(db: sqlite3.Connection, run_id: int, update: Mapping[str, Any]) -> None:
    """Merge ``update`` (per stream, its figures) into the run's summary, stream by stream."""
    row = db.execute("SELECT summary FROM runs WHERE id = ?", (run_id,)).fetchone()
    if row is None:
        return
    summary: dict[str, Any] = orjson.loads(row[0]) if row[0] else {}
    for stream, figures in update.items():
        known = summary.get(stream)
        if isinstance(known, dict) and isinstance(figures, Mapping):
            summary[stream] = {**known, **figures}
        else:
            summary[stream] = figures
    db.execute("UPDATE runs SET summary = ? WHERE id = ?", (orjson.dumps(summary).decode(), run_id))


# -- layout versions ---------------------------------------------------------------------


def _number_runs(db: sqlite3.Connection) -> None:
    """Version 1: runs are numbered per pipeline; existing runs in the order they started."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
    if "number" not in columns:
        db.execute("ALTER TABLE runs ADD COLUMN number INTEGER")
    db.execute(
        "UPDATE runs SET number = (SELECT count(*) FROM runs AS earlier "
        "WHERE earlier.pipeline = runs.pipeline AND earlier.id <= runs.id) "
        "WHERE number IS NULL"
    )


def _unique_numbers(db: sqlite3.Connection) -> None:
    """Version 2: a run's number is unique in its pipeline (and its history is indexed)."""
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS runs_by_number ON runs (pipeline, number)")


#: The steps from one layout to the next: step ``i`` brings version ``i`` to ``i + 1``.
_MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_number_runs, _unique_numbers)

#: The version of the database's layout this module writes (SQLite's ``user_version``).
#: 0: the first layout; 1: runs numbered per pipeline (``runs.number``); 2: those
#: numbers unique per pipeline.
SCHEMA_VERSION = len(_MIGRATIONS)


def migrate(db: sqlite3.Connection, path: Path | str = "state.db") -> int:
    """Bring a state database of an earlier layout up to :data:`SCHEMA_VERSION`.

    Each step runs in its own transaction with the version it reaches, so a process
    killed during a migration leaves the database at a whole version, and two processes
    opening the same old database migrate it once. Returns the version found.

    Raises:
        HooklineError: the database has a newer layout than this hookline knows (it was
            written by a later version; this one must not change it).
    """
    found: int = db.execute("PRAGMA user_version").fetchone()[0]
    _refuse_newer(found, path)
    version = found
    while version < SCHEMA_VERSION:
        db.execute("BEGIN IMMEDIATE")
        try:
            # Read again under the write lock: another process may have migrated it.
            (version,) = db.execute("PRAGMA user_version").fetchone()
            _refuse_newer(version, path)
            if version < SCHEMA_VERSION:
                _MIGRATIONS[version](db)
                version += 1
                db.execute(f"PRAGMA user_version = {version:d}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    return found


def _refuse_newer(version: int, path: Path | str) -> None:
    if version > SCHEMA_VERSION:
        raise HooklineError(
            f"{path} was written by a newer version of hookline (state layout {version}; "
            f"this one knows layouts up to {SCHEMA_VERSION}): upgrade hookline"
        )
