"""The state store: run history that survives a kill, runs numbered per pipeline, migrations."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hookline._statestore import SCHEMA_VERSION, RunRecord, StateStore
from hookline.cli._run import runs as runs_command
from hookline.errors import HooklineError, StateStoreError

COUNTS = {"read": 500, "written": 480, "failed": 20, "filtered": 0}

#: The layout of state.db before runs were numbered per pipeline (user_version 0).
LAYOUT_0 = """
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

#: The first numbered layout (user_version 1): a number column, no index on it.
LAYOUT_1 = """
CREATE TABLE stream_state (
    pipeline TEXT NOT NULL,
    stream TEXT NOT NULL,
    state TEXT NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (pipeline, stream)
);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pipeline TEXT NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL,
    status TEXT NOT NULL,
    summary TEXT,
    number INTEGER
);
PRAGMA user_version = 1;
"""


@pytest.fixture
def store(tmp_path: Path) -> Any:
    opened = StateStore(tmp_path / "state")
    yield opened
    opened.close()


def _sql(path: Path, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute(query, params).fetchall()


def _old_database(path: Path, layout: str, runs: list[tuple[str, str]]) -> None:
    """A state.db made by an earlier hookline: ``runs`` as (pipeline, status), in order."""
    path.parent.mkdir(parents=True)
    with sqlite3.connect(path) as db:
        db.executescript(layout)
        for at, (pipeline, status) in enumerate(runs):
            db.execute(
                "INSERT INTO runs (pipeline, started_at, finished_at, status, summary) "
                "VALUES (?, ?, ?, ?, ?)",
                (pipeline, 1000.0 + at, 1000.5 + at, status, json.dumps({"s": {"read": at}})),
            )
        db.execute("INSERT INTO stream_state VALUES ('shop', 'orders', '{\"after\": 7}', 1000.0)")


# -- run numbers -------------------------------------------------------------------------


def test_runs_are_numbered_per_pipeline(store: StateStore) -> None:
    first = store.start_run("shop")
    other = store.start_run("noname")
    second = store.start_run("shop")
    assert (first.number, other.number, second.number) == (1, 1, 2)
    assert len({first.id, other.id, second.id}) == 3
    assert isinstance(first, RunRecord)
    assert [r["number"] for r in store.runs("shop")] == [2, 1]
    assert [r["number"] for r in store.runs("noname")] == [1]


def test_a_run_record_is_frozen(store: StateStore) -> None:
    record = store.start_run("shop")
    with pytest.raises(AttributeError):
        record.number = 5  # type: ignore[misc]


def test_run_numbers_go_on_in_a_reopened_store(tmp_path: Path) -> None:
    first = StateStore(tmp_path)
    first.start_run("shop")
    first.start_run("shop")
    first.close()
    again = StateStore(tmp_path)
    assert again.start_run("shop").number == 3
    assert again.start_run("other").number == 1
    again.close()


# -- counts committed with the state -----------------------------------------------------


def test_a_killed_run_keeps_its_committed_counts(tmp_path: Path) -> None:
    dying = StateStore(tmp_path)
    run = dying.start_run("shop")
    dying.commit("shop", "orders", {"after": 1}, run_id=run.id, counts=COUNTS)
    dying.commit("shop", "orders", {"after": 2}, run_id=run.id, counts={**COUNTS, "read": 1000})
    dying.record_counts(run.id, "events", {"read": 30, "written": 30, "failed": 0})
    # The process dies here: finish_run is never called.
    [running] = dying.runs("shop")
    assert running["status"] == "running"
    assert running["summary"]["orders"] == {**COUNTS, "read": 1000}

    later = StateStore(tmp_path)
    nxt = later.start_run("shop")
    assert nxt.number == 2
    newest, killed = later.runs("shop")
    assert newest["status"] == "running" and newest["summary"] is None
    assert killed["number"] == 1
    assert killed["status"] == "interrupted"
    assert killed["finished_at"] is None
    assert killed["summary"] == {
        "orders": {**COUNTS, "read": 1000},
        "events": {"read": 30, "written": 30, "failed": 0},
    }
    assert later.get("shop", "orders") == {"after": 2}
    later.close()
    dying.close()


def test_state_and_counts_are_one_transaction(store: StateStore) -> None:
    run = store.start_run("shop")
    store.commit("shop", "orders", {"after": 1}, run_id=run.id, counts=COUNTS)
    # Make storing the counts fail: the state must not move either.
    _sql(
        store.path,
        "CREATE TRIGGER no_counts BEFORE UPDATE OF summary ON runs "
        "BEGIN SELECT RAISE(ABORT, 'counts refused'); END",
    )
    with pytest.raises(StateStoreError, match="counts refused"):
        store.commit("shop", "orders", {"after": 2}, run_id=run.id, counts=COUNTS)
    assert store.get("shop", "orders") == {"after": 1}
    # The store is usable afterwards (the failed transaction was rolled back).
    _sql(store.path, "DROP TRIGGER no_counts")
    store.commit("shop", "orders", {"after": 3})
    assert store.get("shop", "orders") == {"after": 3}


def test_commit_without_a_run_stores_the_state_only(store: StateStore) -> None:
    run = store.start_run("shop")
    store.commit("shop", "orders", {"after": 1})
    store.commit("shop", "orders", {"after": 2}, run_id=run.id)  # no counts: nothing to add
    assert store.get("shop", "orders") == {"after": 2}
    assert store.runs("shop")[0]["summary"] is None


def test_starting_a_run_leaves_other_pipelines_running(store: StateStore) -> None:
    other = store.start_run("other")
    store.commit("other", "s", {"n": 1}, run_id=other.id, counts=COUNTS)
    store.start_run("shop")
    [still] = store.runs("other")
    assert still["status"] == "running"
    assert still["summary"] == {"s": COUNTS}


def test_finish_run_keeps_streams_missing_from_the_final_summary(store: StateStore) -> None:
    run = store.start_run("shop")
    store.commit("shop", "orders", {"after": 1}, run_id=run.id, counts=COUNTS)
    store.record_counts(run.id, "events", {"read": 3, "written": 3})
    final = {"orders": {**COUNTS, "read": 900, "status": "succeeded", "seconds": 1.5}}
    store.finish_run(run.id, "failed", final)
    [finished] = store.runs("shop")
    assert finished["status"] == "failed"
    assert finished["finished_at"] is not None
    assert finished["summary"] == {
        "orders": {**COUNTS, "read": 900, "status": "succeeded", "seconds": 1.5},
        "events": {"read": 3, "written": 3},
    }


def test_runs_limit_and_order(store: StateStore) -> None:
    for _ in range(5):
        store.finish_run(store.start_run("shop").id, "succeeded", {})
    assert [r["number"] for r in store.runs("shop", limit=3)] == [5, 4, 3]
    assert set(store.runs("shop")[0]) == {
        "id",
        "number",
        "started_at",
        "finished_at",
        "status",
        "summary",
    }


# -- migrations --------------------------------------------------------------------------


def test_a_state_database_of_the_first_layout_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "state" / "state.db"
    _old_database(
        path,
        LAYOUT_0,
        [
            ("shop", "succeeded"),
            ("noname", "succeeded"),
            ("shop", "failed"),
            ("noname", "running"),
            ("shop", "succeeded"),
        ],
    )
    store = StateStore(path.parent)
    assert _sql(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert _sql(path, "SELECT id, pipeline, number FROM runs ORDER BY id") == [
        (1, "shop", 1),
        (2, "noname", 1),
        (3, "shop", 2),
        (4, "noname", 2),
        (5, "shop", 3),
    ]
    # Everything else is kept: the state, each run's times, status and summary.
    assert store.get("shop", "orders") == {"after": 7}
    shop = store.runs("shop")
    assert [(r["number"], r["status"]) for r in shop] == [
        (3, "succeeded"),
        (2, "failed"),
        (1, "succeeded"),
    ]
    assert shop[-1]["summary"] == {"s": {"read": 0}}
    assert shop[-1]["started_at"] == 1000.0
    # New runs go on from there, and the dead run of the old layout is closed.
    assert store.start_run("shop").number == 4
    assert store.start_run("noname").number == 3
    assert store.runs("noname")[1]["status"] == "interrupted"
    store.close()


def test_the_first_numbered_layout_gets_its_numbers_made_unique(tmp_path: Path) -> None:
    path = tmp_path / "state" / "state.db"
    _old_database(path, LAYOUT_1, [("shop", "succeeded")])
    _sql(path, "UPDATE runs SET number = 1")
    store = StateStore(path.parent)
    assert _sql(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert store.start_run("shop").number == 2
    with pytest.raises(sqlite3.IntegrityError):
        _sql(
            path,
            "INSERT INTO runs (pipeline, started_at, status, number) VALUES ('shop', 1, 'x', 2)",
        )
    store.close()


def test_a_migrated_database_opens_again_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "state" / "state.db"
    _old_database(path, LAYOUT_0, [("shop", "succeeded"), ("shop", "succeeded")])
    StateStore(path.parent).close()
    before = _sql(path, "SELECT * FROM runs ORDER BY id")
    StateStore(path.parent).close()
    assert _sql(path, "SELECT * FROM runs ORDER BY id") == before
    assert [n for (n,) in _sql(path, "SELECT number FROM runs ORDER BY id")] == [1, 2]


def test_many_openers_of_an_old_database_migrate_it_once(tmp_path: Path) -> None:
    # Eight processes' worth of openers race to switch the old rollback-journal
    # database to WAL and migrate it; SQLite reports "locked" at once (no busy wait)
    # to some of them, so the race is run often enough to meet that case.
    errors: list[BaseException] = []
    for attempt in range(100):
        path = tmp_path / str(attempt) / "state" / "state.db"
        _old_database(path, LAYOUT_0, [("shop", "succeeded")] * 3)
        start = threading.Barrier(8)

        def open_store(path: Path = path, start: threading.Barrier = start) -> None:
            start.wait()
            try:
                StateStore(path.parent).close()
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=open_store) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert [n for (n,) in _sql(path, "SELECT number FROM runs ORDER BY id")] == [1, 2, 3]


def test_a_database_of_a_newer_layout_is_refused(tmp_path: Path) -> None:
    StateStore(tmp_path).close()
    _sql(tmp_path / "state.db", f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(HooklineError, match="newer version of hookline"):
        StateStore(tmp_path)


# -- hookline runs -----------------------------------------------------------------------


def _pipeline(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    path = tmp_path / "shop.yaml"
    path.write_text(
        "source: {connector: files, config: {directory: data, streams: "
        "[{name: orders, path: '*.jsonl'}]}}\n"
        "destination: {connector: sqlite, config: {path: w.db}}\n"
        "streams: {orders: {}}\n"
    )
    return path


def test_hookline_runs_shows_the_pipeline_s_own_numbers(tmp_path: Path) -> None:
    pipeline = _pipeline(tmp_path)
    store = StateStore(tmp_path / ".hookline")
    for _ in range(3):
        store.finish_run(store.start_run("other").id, "succeeded", {})
    first = store.start_run("shop")
    store.finish_run(first.id, "succeeded", {"orders": {**COUNTS, "status": "succeeded"}})
    killed = store.start_run("shop")
    store.commit("shop", "orders", {"n": 1}, run_id=killed.id, counts={**COUNTS, "read": 1234})
    store.close()

    shown = CliRunner().invoke(runs_command, [str(pipeline), "--json"])
    assert shown.exit_code == 0, shown.output
    history = json.loads(shown.output)
    assert [(r["number"], r["status"]) for r in history] == [(2, "running"), (1, "succeeded")]
    assert history[0]["summary"]["orders"]["read"] == 1234
    assert "id" not in history[0]

    table = CliRunner().invoke(runs_command, [str(pipeline)])
    assert table.exit_code == 0, table.output
    rows = [line.split() for line in table.output.splitlines()[1:] if line.strip()]
    rows = [row for row in rows if row[0].isdigit()]
    assert [row[0] for row in rows] == ["2", "1"]
    # run, date, time, status, read, written, failed, seconds
    assert rows[0][3:] == ["running", "1,234", "480", "20", "-"]
    assert rows[1][3:7] == ["succeeded", "500", "480", "20"]
