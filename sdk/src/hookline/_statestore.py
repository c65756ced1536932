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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
    summary TEXT
);
"""


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

    def commit(self, pipeline: str, stream: str, state: State) -> None:
        """Store ``state`` as delivered, durably, in its own transaction."""
        payload = orjson.dumps(state).decode()
        with self._connection() as db:
            db.execute(
                "INSERT INTO stream_state (pipeline, stream, state, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (pipeline, stream) DO UPDATE SET "
                "state = excluded.state, updated_at = excluded.updated_at",
                (pipeline, stream, payload, time.time()),
            )

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

    def start_run(self, pipeline: str) -> int:
        """Record a run as started; runs left ``running`` by a killed process are closed."""
        with self._connection() as db:
            db.execute(
                "UPDATE runs SET status = 'interrupted' WHERE pipeline = ? AND status = 'running'",
                (pipeline,),
            )
            cursor = db.execute(
                "INSERT INTO runs (pipeline, started_at, status) VALUES (?, ?, 'running')",
                (pipeline, time.time()),
            )
            return int(cursor.lastrowid or 0)

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
                "SELECT id, started_at, finished_at, status, summary FROM runs "
                "WHERE pipeline = ? ORDER BY id DESC LIMIT ?",
                (pipeline, limit),
            ).fetchall()
        return [
            {
                "id": run_id,
                "started_at": started,
                "finished_at": finished,
                "status": status,
                "summary": orjson.loads(summary) if summary else None,
            }
            for run_id, started, finished, status, summary in rows
        ]

    def close(self) -> None:
        """Close this thread's connection."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None
