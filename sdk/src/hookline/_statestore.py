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

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import attrs

from hookline import jsoncodec
from hookline.errors import StateStoreDamaged, StateStoreError
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

#: The encoding of a state value as stored in ``stream_state.format``: 1 is a JSON
#: object (integers of any size exact). A row of a later format is refused, not guessed.
STATE_FORMAT = 1

#: The tables a state database holds; a file without them is not taken for a new one.
_TABLES = frozenset({"stream_state", "runs"})


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
        StateStoreError: (when opened, and from every method) the database cannot be
            read or written: it is empty or damaged, has a layout newer than this version
            of hookline knows, the disk is full, or it is locked for too long.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / "state.db"
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._opened_lock = threading.Lock()
        try:
            directory.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                _create(self.path)
        except OSError as exc:
            raise StateStoreError(_os_problem(self.path, exc)) from None
        with self._connection() as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            if not tables >= _TABLES:
                raise StateStoreDamaged(
                    f"{self.path} holds no hookline state (it is empty or damaged), so it "
                    "cannot say what was delivered: run `hookline state reset PIPELINE` "
                    "to set it aside and read every stream again from the start"
                )
            migrate(db, self.path)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection; SQLite's errors become :class:`StateStoreError`."""
        try:
            db: sqlite3.Connection | None = getattr(self._local, "db", None)
            if db is None:
                # Each thread uses only its own; close() may end them all from one thread.
                db = sqlite3.connect(
                    self.path,
                    timeout=BUSY_TIMEOUT,
                    isolation_level=None,
                    check_same_thread=False,
                )
                self._local.db = db
                with self._opened_lock:
                    self._opened.append(db)
                _use_wal(db)
                db.execute("PRAGMA synchronous=FULL")
            yield db
        except sqlite3.DatabaseError as exc:
            raise _sqlite_problem(self.path, exc) from None
        except OSError as exc:
            raise StateStoreError(_os_problem(self.path, exc)) from None

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``), rolled back on error."""
        with self._connection() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                _roll_back(db)
                raise

    def get(self, pipeline: str, stream: str) -> State | None:
        """Return the committed state of one stream, or ``None``."""
        with self._connection() as db:
            row = db.execute(
                "SELECT state, format FROM stream_state WHERE pipeline = ? AND stream = ?",
                (pipeline, stream),
            ).fetchone()
        return None if row is None else self._state(pipeline, stream, row[0], row[1])

    def all(self, pipeline: str) -> dict[str, tuple[State, float]]:
        """Return every stream's state and when it was committed."""
        with self._connection() as db:
            rows = db.execute(
                "SELECT stream, state, format, updated_at FROM stream_state WHERE pipeline = ? "
                "ORDER BY stream",
                (pipeline,),
            ).fetchall()
        return {
            stream: (self._state(pipeline, stream, state, form), at)
            for stream, state, form, at in rows
        }

    def _state(self, pipeline: str, stream: str, text: Any, form: Any) -> State:
        """Decode one stored state, checking its format; damage is a clear error."""
        reset = f"`hookline state reset PIPELINE --stream {stream}`"
        if form != STATE_FORMAT:
            if isinstance(form, int) and form > STATE_FORMAT:
                raise StateStoreError(
                    f"{self.path}: the state of {pipeline}/{stream} was written by a newer "
                    f"version of hookline (state format {form}; this one reads "
                    f"{STATE_FORMAT}): upgrade hookline, or reset it with {reset}"
                )
            raise StateStoreError(
                f"{self.path}: the state of {pipeline}/{stream} has an unknown format "
                f"({form!r}): reset it with {reset}"
            )
        try:
            value = jsoncodec.loads(text if isinstance(text, bytes | str) else b"")
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise StateStoreError(
                f"{self.path}: the state of {pipeline}/{stream} is damaged (not a JSON "
                f"object): reset it with {reset} (the stream is then read from the start)"
            )
        return value

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
        payload = jsoncodec.dumps(state).decode()
        with self._transaction() as db:
            db.execute(
                "INSERT INTO stream_state (pipeline, stream, state, format, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (pipeline, stream) DO UPDATE SET "
                "state = excluded.state, format = excluded.format, "
                "updated_at = excluded.updated_at",
                (pipeline, stream, payload, STATE_FORMAT, time.time()),
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
                "summary": _summary(summary),
            }
            for run_id, number, started, finished, status, summary in rows
        ]

    def close(self) -> None:
        """Close every connection the store opened, in every thread (call it once the
        threads that used the store are done)."""
        with self._opened_lock:
            opened, self._opened = self._opened, []
        for db in opened:
            db.close()
        self._local = threading.local()


def _merge_summary(db: sqlite3.Connection, run_id: int, update: Mapping[str, Any]) -> None:
    """Merge ``update`` (per stream, its figures) into the run's summary, stream by stream."""
    row = db.execute("SELECT summary FROM runs WHERE id = ?", (run_id,)).fetchone()
    if row is None:
        return
    summary: dict[str, Any] = _summary(row[0]) or {}
    for stream, figures in update.items():
        known = summary.get(stream)
        if isinstance(known, dict) and isinstance(figures, Mapping):
            summary[stream] = {**known, **figures}
        else:
            summary[stream] = figures
    text = jsoncodec.dumps(summary).decode()
    db.execute("UPDATE runs SET summary = ? WHERE id = ?", (text, run_id))


def _summary(text: Any) -> dict[str, Any] | None:
    """A run's stored summary; a damaged one reads as none (it is history, not state)."""
    if not text:
        return None
    try:
        value = jsoncodec.loads(text if isinstance(text, bytes | str) else b"")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _roll_back(db: sqlite3.Connection) -> None:
    """End a failed transaction; SQLite may have rolled it back itself (a full disk)."""
    if db.in_transaction:
        with suppress(sqlite3.Error):
            db.execute("ROLLBACK")


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


def _state_formats(db: sqlite3.Connection) -> None:
    """Version 3: each state row says its format (:data:`STATE_FORMAT`), checked on read."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(stream_state)")}
    if "format" not in columns:
        db.execute("ALTER TABLE stream_state ADD COLUMN format INTEGER NOT NULL DEFAULT 1")


#: The steps from one layout to the next: step ``i`` brings version ``i`` to ``i + 1``.
_MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _number_runs,
    _unique_numbers,
    _state_formats,
)

#: The version of the database's layout this module writes (SQLite's ``user_version``).
#: 0: the first layout; 1: runs numbered per pipeline (``runs.number``); 2: those
#: numbers unique per pipeline; 3: state rows carry their format.
SCHEMA_VERSION = len(_MIGRATIONS)


def migrate(db: sqlite3.Connection, path: Path | str = "state.db") -> int:
    """Bring a state database of an earlier layout up to :data:`SCHEMA_VERSION`.

    Each step runs in its own transaction with the version it reaches, so a process
    killed during a migration leaves the database at a whole version, and two processes
    opening the same old database migrate it once. Returns the version found.

    Raises:
        StateStoreError: the database has a newer layout than this hookline knows (it was
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
            db.execute("COMMIT")
        except BaseException:
            _roll_back(db)
            raise
    return found


def _use_wal(db: sqlite3.Connection) -> None:
    """Put the database in WAL mode, waiting while other connections hold it.

    Switching a database of an earlier hookline (rollback journal) to WAL needs it to
    itself, and SQLite reports "locked" at once rather than calling its busy handler
    when another connection opens it at the same moment; so wait here, as for any lock.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT
    pause = 0.005
    while True:
        try:
            (mode,) = db.execute("PRAGMA journal_mode").fetchone()
            if str(mode).lower() != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            busy = getattr(exc, "sqlite_errorcode", 0) & 0xFF == _SQLITE_BUSY or (
                "locked" in str(exc)
            )
            if not busy or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.2)


def _refuse_newer(version: int, path: Path | str) -> None:
    if version > SCHEMA_VERSION:
        raise StateStoreError(
            f"{path} was written by a newer version of hookline (state layout {version}; "
            f"this one knows layouts up to {SCHEMA_VERSION}): upgrade hookline"
        )


def _create(path: Path) -> None:
    """Create a state database at ``path`` whole, or not at all.

    The tables are made in a file of its own, synced, then linked into place: a process
    killed while creating leaves no half-made ``state.db`` (an empty file would otherwise
    be indistinguishable from a damaged one), and when two processes create it at once
    the first link wins and the second opens that one.
    """
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.new")
    partial.unlink(missing_ok=True)
    try:
        db = sqlite3.connect(partial, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=DELETE")
            db.executescript(_BASE_SCHEMA)
            db.execute("BEGIN IMMEDIATE")
            for step in _MIGRATIONS:
                step(db)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")
            db.execute("COMMIT")
        finally:
            db.close()
        with open(partial, "rb+") as handle:
            os.fsync(handle.fileno())
        try:
            os.link(partial, path)
        except FileExistsError:
            return
        _sync_directory(path.parent)
    finally:
        partial.unlink(missing_ok=True)


def _sync_directory(directory: Path) -> None:
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


# SQLite's primary result codes (sqlite3 names them only from Python 3.11).
_SQLITE_BUSY, _SQLITE_READONLY, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_NOTADB = 5, 8, 11, 13, 26


def _sqlite_problem(path: Path, exc: sqlite3.DatabaseError) -> StateStoreError:
    """Say what went wrong with the state database, and what to do, in one line."""
    message = _sqlite_message(path, exc)
    return StateStoreDamaged(message) if " is damaged (" in message else StateStoreError(message)


def _sqlite_message(path: Path, exc: sqlite3.DatabaseError) -> str:
    text = str(exc)
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF  # the primary code (Python 3.11+)
    if code == _SQLITE_FULL or "disk is full" in text:
        return (
            f"cannot write {path}: the disk is full; free space on it and run again (what "
            "was delivered and committed before is kept)"
        )
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or any(
        word in text for word in ("malformed", "not a database", "file is encrypted")
    ):
        return (
            f"{path} is damaged ({text}): run `hookline state reset PIPELINE` to set it "
            "aside and read every stream again from the start"
        )
    if code == _SQLITE_READONLY or "readonly" in text:
        return f"cannot write {path} ({text}): make it and its folder writable"
    if code == _SQLITE_BUSY or "locked" in text:
        return (
            f"{path} stayed locked by another process for {BUSY_TIMEOUT:.0f} s ({text}): "
            "let it finish, then run again"
        )
    return f"the state database {path} failed: {text}"


def _os_problem(path: Path, exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    return f"cannot use the state database {path}: {reason}; check the state_dir folder"


def set_aside(directory: Path) -> Path | None:
    """Rename a damaged ``state.db`` (and its WAL files) out of the way; return its new name.

    Nothing is deleted: the file keeps its content under ``state.db.damaged-<time>`` for
    whoever wants to look into it. Returns ``None`` when there is no ``state.db``.
    """
    path = directory / "state.db"
    if not path.exists():
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{counter}")
    for suffix in ("-wal", "-shm"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            os.replace(extra, target.with_name(target.name + suffix))
    os.replace(path, target)
    _sync_directory(directory)
    return target
