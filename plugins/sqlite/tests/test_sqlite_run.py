"""``hookline run`` of a files-to-sqlite pipeline whose keys are integers beyond 64 bits.

SQLite cannot store them as INTEGER: every such record is refused with a reason naming
the field, lands in the dead-letter store with its exact digits, and the key column stays
INTEGER (never REAL, never a rounded value, never distinct keys merged into one row).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from hookline.cli import main

BIG = [123456789012345678901234, 123456789012345678901235, 123456789012345678901236]


def _pipeline(tmp_path: Path, **settings: Any) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    lines = [json.dumps({"id": n, "name": f"n{i}"}) for i, n in enumerate(BIG)]
    (data / "big.jsonl").write_text("".join(line + "\n" for line in lines))
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(
        json.dumps(
            {
                "source": {
                    "connector": "files",
                    "config": {
                        "directory": "data",
                        "streams": [{"name": "big", "path": "big.jsonl", "primary_key": "id"}],
                    },
                },
                "destination": {"connector": "sqlite", "config": {"path": "out.db"}},
                **settings,
            }
        )
    )
    return pipeline


def _run(pipeline: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, Any, str]:
    code = main(["run", str(pipeline), "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def _table(database: Path) -> tuple[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(database) as connection:
        (sql,) = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'big'").fetchone()
        rows = connection.execute("SELECT typeof(id), id FROM big").fetchall()
    return sql, rows


def test_big_keys_are_refused_into_the_dead_letter_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, summary, err = _run(_pipeline(tmp_path), capsys)
    assert code == 1
    stream = summary["streams"]["big"]
    assert (stream["read"], stream["written"], stream["failed"]) == (3, 0, 3)
    assert "3 records failed, more than max_failed_records (0)" in stream["error"]
    assert "Traceback" not in err and "bug" not in err

    dead = Path(summary["dead_letter_dir"]) / "big.jsonl"
    entries = [json.loads(line) for line in dead.read_text().splitlines()]
    assert [e["record"] for e in entries] == [{"id": n, "name": f"n{i}"} for i, n in enumerate(BIG)]
    for entry, value in zip(entries, BIG, strict=True):
        assert entry["stage"] == "write"
        assert entry["reason"].startswith(
            f"field 'id' holds the integer {value}, which exceeds SQLite's 64-bit integer "
            "range (-2**63 to 2**63-1)"
        )

    sql, rows = _table(tmp_path / "out.db")
    assert '"id" INTEGER NOT NULL' in sql and "REAL" not in sql
    assert rows == []


def test_allowed_failures_let_the_run_succeed_without_storing_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, summary, err = _run(_pipeline(tmp_path, max_failed_records=3), capsys)
    assert code == 0, err
    stream = summary["streams"]["big"]
    assert (stream["status"], stream["written"], stream["failed"]) == ("succeeded", 0, 3)
    sql, rows = _table(tmp_path / "out.db")
    assert '"id" INTEGER' in sql and rows == []


def test_cast_to_string_stores_them_exactly_as_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # What the reason suggests: a mapping that casts the field to a string.
    pipeline = _pipeline(tmp_path, streams={"big": {"map": {"cast": {"id": "string"}}}})
    code, summary, err = _run(pipeline, capsys)
    assert code == 0, err
    assert summary["streams"]["big"]["written"] == 3
    sql, rows = _table(tmp_path / "out.db")
    assert '"id" TEXT NOT NULL' in sql
    assert rows == [("text", str(n)) for n in BIG]
