"""A state store that cannot be read is a clear error, never a first run; a full disk too.

Real files: a files → SQLite pipeline run through the CLI in-process, with its
``.hookline/state.db`` emptied, replaced by another database, overwritten with noise, or
holding a damaged or newer state value; a full disk simulated by SQLite's own limit on
the database's size (``PRAGMA max_page_count``, the same SQLITE_FULL a full disk gives)
and, for dead letters, by ``/dev/full``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hookline import _statestore
from hookline.cli import main

ROWS = 30


@pytest.fixture
def pipeline(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    lines = [{"id": i, "n": i * 2, "at": f"2026-01-01T00:00:{i:02d}"} for i in range(ROWS)]
    (data / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    path = tmp_path / "pipeline.yaml"
    path.write_text(
        "source:\n  connector: files\n  config:\n    directory: data\n    batch_size: 5\n"
        "    streams: [{name: rows, path: rows.jsonl, primary_key: id, cursor_field: at}]\n"
        "destination: {connector: sqlite, config: {path: out.db}}\n"
        "streams: {rows: {write: append}}\n"
    )
    return path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _rows(pipeline: Path) -> int:
    with sqlite3.connect(pipeline.parent / "out.db") as db:
        return int(db.execute("SELECT count(*) FROM rows").fetchone()[0])


def _state_db(pipeline: Path) -> Path:
    return pipeline.parent / ".hookline" / "state.db"


def _empty(path: Path) -> None:
    for extra in (path.with_name("state.db-wal"), path.with_name("state.db-shm")):
        extra.unlink(missing_ok=True)
    path.write_bytes(b"")


def _other_database(path: Path) -> None:
    _empty(path)
    path.unlink()
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE unrelated (x)")


def _noise(path: Path) -> None:
    _empty(path)
    path.write_bytes(b"this is not a database, whatever its name says " * 200)


@pytest.mark.parametrize("damage", [_empty, _other_database, _noise])
def test_a_damaged_state_database_stops_the_run_before_reading_and_reset_sets_it_aside(
    pipeline: Path, capsys: pytest.CaptureFixture[str], damage: Callable[[Path], None]
) -> None:
    assert _run(capsys, "run", str(pipeline))[0] == 0
    assert _rows(pipeline) == ROWS
    state_db = _state_db(pipeline)
    damage(state_db)
    code, _, err = _run(capsys, "run", str(pipeline))
    assert code == 1
    assert str(state_db) in err and "hookline state reset" in err
    assert "Traceback" not in err and "bug" not in err
    assert len(err.strip().splitlines()) == 1
    assert _rows(pipeline) == ROWS  # not mistaken for a first run: nothing appended twice
    code, _, err = _run(capsys, "state", "show", str(pipeline))
    assert code == 1 and "hookline state reset" in err and "Traceback" not in err
    code, out, _ = _run(capsys, "state", "reset", str(pipeline))
    assert code == 0 and "set the damaged state database aside as" in out
    kept = sorted(p.name for p in state_db.parent.glob("state.db.damaged-*"))
    assert kept and not state_db.exists()
    assert _run(capsys, "run", str(pipeline))[0] == 0  # a deliberate start from scratch
    assert _rows(pipeline) == 2 * ROWS


def _set_state(pipeline: Path, text: str, form: int = 1) -> None:
    with sqlite3.connect(_state_db(pipeline)) as db:
        db.execute("UPDATE stream_state SET state = ?, format = ?", (text, form))


@pytest.mark.parametrize(
    ("text", "form", "expected"),
    [
        ("{not json", 1, "is damaged (not a JSON object)"),
        ("[1, 2]", 1, "is damaged (not a JSON object)"),
        ('{"after": 1}', 9, "written by a newer version of hookline (state format 9"),
    ],
)
def test_a_damaged_or_newer_state_value_names_the_stream_and_its_reset(
    pipeline: Path, capsys: pytest.CaptureFixture[str], text: str, form: int, expected: str
) -> None:
    assert _run(capsys, "run", str(pipeline))[0] == 0
    _set_state(pipeline, text, form)
    code, _, err = _run(capsys, "run", str(pipeline))
    assert code == 1 and expected in err
    assert "hookline state reset PIPELINE --stream rows" in err and "Traceback" not in err
    assert _rows(pipeline) == ROWS
    code, _, err = _run(capsys, "state", "show", str(pipeline), "--json")
    assert code == 1 and expected in err
    assert _run(capsys, "state", "reset", str(pipeline), "--stream", "rows")[0] == 0
    assert _run(capsys, "run", str(pipeline))[0] == 0
    assert _rows(pipeline) == 2 * ROWS


def _limited_connect(pages: int) -> Callable[..., sqlite3.Connection]:
    """sqlite3.connect for the state store, whose database may grow by ``pages`` only."""
    real = sqlite3.connect

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        db = real(*args, **kwargs)
        if not str(args[0]).endswith("state.db"):  # the destination's database
            return db
        (count,) = db.execute("PRAGMA page_count").fetchone()
        db.execute(f"PRAGMA max_page_count = {count + pages}")
        return db

    return connect


def test_a_full_disk_under_the_state_store_fails_the_run_cleanly_and_it_resumes(
    pipeline: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Many runs' history fills the few pages left; then the next commit cannot be stored.
    monkeypatch.setattr(_statestore.sqlite3, "connect", _limited_connect(1))
    (pipeline.parent / "data" / "more.jsonl").write_text("")
    codes, errors = [], []
    for _ in range(40):
        code, _, err = _run(capsys, "run", str(pipeline))
        codes.append(code)
        errors.append(err)
        if code:
            break
    assert codes[-1] == 1, "the state database never filled up"
    assert "the disk is full; free space on it and run again" in errors[-1]
    assert "Traceback" not in errors[-1] and "bug" not in errors[-1]
    monkeypatch.undo()
    assert _run(capsys, "run", str(pipeline))[0] == 0
    # Append: every row once, at most one batch again per failed commit.
    assert ROWS <= _rows(pipeline) <= ROWS + 5


def test_a_full_disk_under_the_dead_letters_fails_the_stream_and_nothing_is_lost(
    pipeline: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = pipeline.parent / "data" / "rows.jsonl"
    data.write_text(data.read_text() + '{"id": "bad", "n": "x", "at": "2026-01-02"}\n')
    pipeline.write_text(
        pipeline.read_text()
        + "max_failed_records: 10\n"
        + "streams: {rows: {write: append, map: [{cast: {n: integer}}]}}\n"
    )
    pipeline.write_text(pipeline.read_text().replace("streams: {rows: {write: append}}\n", ""))
    letters = pipeline.parent / ".hookline" / "dead-letter" / "pipeline"
    letters.mkdir(parents=True)
    (letters / "rows.jsonl").symlink_to("/dev/full")
    code, _, err = _run(capsys, "run", str(pipeline))
    assert code == 1
    assert "cannot set 1 record(s) aside in" in err and "rows.jsonl" in err
    assert "Traceback" not in err
    (letters / "rows.jsonl").unlink()
    assert _run(capsys, "run", str(pipeline))[0] == 0
    assert _rows(pipeline) == ROWS
    assert len((letters / "rows.jsonl").read_text().splitlines()) == 1
