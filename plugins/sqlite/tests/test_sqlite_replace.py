"""Replace: batches go to a staging table, swapped in atomically when the stream ends."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

import pytest

from hookline.errors import WriteError
from hookline.models import Batch

if TYPE_CHECKING:
    from conftest import Sqlite

PROPS = {"id": {"type": "integer"}, "v": {"type": "string"}}


def rows(count: int, start: int = 1, tag: str = "old") -> list[dict[str, Any]]:
    return [{"id": i, "v": tag} for i in range(start, start + count)]


def test_replace_swaps_in_the_new_rows_only_at_the_end(db: Sqlite) -> None:
    db.write(db.stream("items", PROPS, key="id"), rows(3))
    config = db.config()
    connection = db.auth(config)
    replace = db.stream("items", PROPS, key="id", write_mode="replace")
    reader = sqlite3.connect(db.path)
    db.connector.write_start(config, connection, replace)
    db.connector.write(config, connection, replace, Batch(rows(2, 10, "new")))
    # A reader during the staged writes sees the old table, whole.
    assert reader.execute("SELECT id, v FROM items ORDER BY id").fetchall() == [
        (1, "old"),
        (2, "old"),
        (3, "old"),
    ]
    db.connector.write(config, connection, replace, Batch(rows(1, 12, "new")))
    assert reader.execute("SELECT count(*) FROM items").fetchone() == (3,)
    db.connector.write_finish(config, connection, replace)
    assert reader.execute("SELECT id, v FROM items ORDER BY id").fetchall() == [
        (10, "new"),
        (11, "new"),
        (12, "new"),
    ]
    reader.close()
    tables = db.sql("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    assert tables == [("_hookline_columns",), ("items",)]
    assert db.records("items") == rows(3, 10, "new")


def test_a_reader_in_a_transaction_keeps_its_snapshot(db: Sqlite) -> None:
    db.write(db.stream("items", PROPS, key="id"), rows(2))
    reader = sqlite3.connect(db.path, isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM items").fetchone() == (2,)
    db.write(db.stream("items", PROPS, key="id", write_mode="replace"), rows(5, 10, "new"))
    # WAL: the open read transaction still sees the old table, never a half-replaced one.
    assert reader.execute("SELECT id FROM items ORDER BY id").fetchall() == [(1,), (2,)]
    reader.execute("COMMIT")
    assert reader.execute("SELECT count(*) FROM items").fetchone() == (5,)
    reader.close()


def test_a_replace_that_fails_before_finish_leaves_the_old_table(db: Sqlite) -> None:
    db.write(db.stream("items", PROPS, key="id"), rows(3))
    config = db.config()
    connection = db.auth(config)
    replace = db.stream("items", PROPS, key="id", write_mode="replace")
    db.connector.write_start(config, connection, replace)
    db.connector.write(config, connection, replace, Batch(rows(2, 10, "new")))
    db.connector.close(connection)  # the run dies here: write_finish never comes
    assert db.sql("SELECT id, v FROM items ORDER BY id") == [(1, "old"), (2, "old"), (3, "old")]
    # The next run starts a fresh staging table, so the leftover rows never appear.
    db.write(replace, rows(1, 20, "next"))
    assert db.sql("SELECT id, v FROM items") == [(20, "next")]
    staging = db.sql("SELECT name FROM sqlite_master WHERE name LIKE '_hookline_staging%'")
    assert staging == []


def test_replace_creates_a_table_that_did_not_exist(db: Sqlite) -> None:
    db.write(db.stream("items", PROPS, write_mode="replace"), rows(2), rows(1, 3))
    assert db.sql("SELECT id FROM items ORDER BY id") == [(1,), (2,), (3,)]


def test_replace_with_no_records_empties_the_table(db: Sqlite) -> None:
    db.write(db.stream("items", PROPS, key="id"), rows(3))
    db.write(db.stream("items", PROPS, key="id", write_mode="replace"))
    assert db.sql("SELECT count(*) FROM items") == [(0,)]


def test_replace_with_a_key_keeps_the_last_record_per_key(db: Sqlite) -> None:
    replace = db.stream("items", PROPS, key="id", write_mode="replace")
    db.write(replace, [{"id": 1, "v": "a"}], [{"id": 1, "v": "b"}])
    assert db.sql("SELECT id, v FROM items") == [(1, "b")]


def test_replace_takes_the_new_schema(db: Sqlite) -> None:
    db.write(db.stream("items", {"id": {"type": "integer"}, "gone": {}}), [{"id": 1, "gone": 1}])
    new_props = {"id": {"type": "string"}, "fresh": {"type": "boolean"}}
    db.write(db.stream("items", new_props, write_mode="replace"), [{"id": "a", "fresh": True}])
    assert db.records("items") == [{"id": "a", "fresh": True}]
    assert db.sql("SELECT name, type FROM pragma_table_info('items')") == [
        ("id", "TEXT"),
        ("fresh", "INTEGER"),
    ]


def test_views_on_the_table_survive_a_replace(db: Sqlite) -> None:
    db.write(db.stream("items", PROPS), rows(2))
    db.sql("CREATE VIEW item_ids AS SELECT id FROM items")
    db.write(db.stream("items", PROPS, write_mode="replace"), rows(1, 7))
    assert db.sql("SELECT id FROM item_ids") == [(7,)]


def test_finish_without_start_is_refused(db: Sqlite) -> None:
    db.write(db.stream("items", PROPS), rows(2))
    config = db.config()
    replace = db.stream("items", PROPS, write_mode="replace")
    with pytest.raises(WriteError, match="nothing is staged"):
        db.connector.write_finish(config, db.auth(config), replace)
    assert db.sql("SELECT count(*) FROM items") == [(2,)]


def test_replace_under_freeze_checks_the_old_table(db: Sqlite) -> None:
    db.write(db.stream("items", PROPS), rows(1))
    wider = {**PROPS, "extra": {"type": "string"}}
    frozen = db.stream("items", wider, write_mode="replace", schema_policy="freeze")
    with pytest.raises(WriteError, match="field 'extra' \\(string\\) is not a column"):
        db.write(frozen, rows(1, 5))
    assert db.sql("SELECT id FROM items") == [(1,)]
