"""Rows from batches: each value lands in its own column and row; refused rows alone drop."""

from __future__ import annotations

import collections
import json
import sqlite3
from typing import TYPE_CHECKING, Any

import pytest

from hookline.errors import WriteError
from hookline.models import Batch
from hookline_sqlite._batch import TableShape, prepare_batch
from hookline_sqlite._tables import Column

if TYPE_CHECKING:
    from conftest import Sqlite

PROPS = {
    "id": {"type": "integer"},
    "name": {"type": ["string", "null"]},
    "tags": {"type": ["array", "null"]},
    "meta": {"type": ["object", "null"]},
    "paid": {"type": ["boolean", "null"]},
    "total": {"type": ["number", "null"]},
}


def test_a_mixed_batch_stores_each_value_in_its_column(db: Sqlite) -> None:
    stream = db.stream("t", PROPS, key="id", write_mode="upsert")
    batch = [
        {"id": 1, "name": "a", "tags": ["x"], "meta": {"k": 1}, "paid": True, "total": 1.5},
        {"id": 2, "tags": None, "total": 2},  # fields missing, a null
        {"id": 3, "name": None, "color": "red", "meta": {"k": [None, 3]}},  # a new field
        {"color": "blue", "id": 4, "size": 7, "paid": False},  # another new field
        {"name": "e", "id": 5, "tags": [], "meta": {}, "total": -0.25, "size": None},
        {"id": 6, "name": "f", "tags": [1, "y"], "meta": None, "paid": None, "total": None},
    ]
    [result] = db.write(stream, batch)
    assert result.written == 6 and not result.rejected
    names = [c[0] for c in db.sql("SELECT name FROM pragma_table_info('t') ORDER BY cid")]
    # New columns after the table's, in the order the batch first shows them.
    assert names == [*PROPS, "color", "size"]
    stored = db.sql(f"SELECT {', '.join(names)} FROM t ORDER BY id")
    assert stored == [
        (1, "a", '["x"]', '{"k":1}', 1, 1.5, None, None),
        (2, None, None, None, None, 2.0, None, None),
        (3, None, None, '{"k":[null,3]}', None, None, "red", None),
        (4, None, None, None, 0, None, "blue", 7),
        (5, "e", "[]", "{}", None, -0.25, None, None),
        (6, "f", '[1,"y"]', None, None, None, None, None),
    ]
    assert tuple(map(type, stored[0][:6])) == (int, str, str, str, int, float)
    assert db.records("t", sync_mode="full") == [
        {name: record.get(name) for name in names} for record in batch
    ]


def test_a_field_in_place_of_a_column_is_a_new_column_and_a_null(db: Sqlite) -> None:
    # As many fields as the table has columns, but not the same ones.
    stream = db.stream("t", {"id": {"type": "integer"}, "a": {"type": "string"}}, key="id")
    [result] = db.write(stream, [{"id": 1, "a": "x"}, {"id": 2, "b": [1]}, {"id": 3, "a": "z"}])
    assert result.written == 3
    assert db.sql("SELECT id, a, b FROM t ORDER BY id") == [
        (1, "x", None),
        (2, None, "[1]"),
        (3, "z", None),
    ]


def test_a_column_widened_in_the_batch_stores_every_value_in_its_json_form(db: Sqlite) -> None:
    stream = db.stream("t", {"id": {"type": "integer"}, "v": {"type": "string"}}, key="id")
    db.write(stream, [{"id": 1, "v": "old"}])
    db.write(stream, [{"id": 2, "v": "s"}, {"id": 3, "v": 4}, {"id": 4}, {"id": 5, "v": [True]}])
    assert db.sql("SELECT id, v FROM t ORDER BY id") == [
        (1, '"old"'),
        (2, '"s"'),
        (3, "4"),
        (4, None),
        (5, "[true]"),
    ]
    assert [r["v"] for r in db.records("t", sync_mode="full")] == ["old", "s", 4, None, [True]]


@pytest.mark.parametrize("position", [0, 2, 4])
def test_a_record_set_aside_keeps_the_others_rows_aligned(db: Sqlite, position: int) -> None:
    stream = db.stream("t", PROPS, key="id", write_mode="upsert")
    batch: list[Any] = [
        {"id": i, "name": f"n{i}", "tags": [i], "meta": {"i": i}, "paid": i % 2 == 0, "total": i}
        for i in range(1, 6)
    ]
    bad = dict(batch[position], total=float("nan"))
    batch[position] = bad
    [result] = db.write(stream, batch)
    assert [r.record for r in result.rejected] == [bad]
    kept = [r for r in batch if r is not bad]
    assert db.sql("SELECT id, name, tags, meta, paid, total FROM t ORDER BY id") == [
        (r["id"], r["name"], json.dumps(r["tags"]), json.dumps(r["meta"]).replace(" ", ""),
         int(r["paid"]), float(r["total"]))
        for r in kept
    ]  # fmt: skip


def test_prepared_rows_follow_their_records() -> None:
    columns = (
        Column("id", "integer", "INTEGER", "INTEGER", not_null=True),
        Column("doc", "object", "TEXT", "TEXT"),
        Column("n", "integer", "INTEGER", "INTEGER"),
    )
    shape = TableShape(stream="s", table="t", columns=columns, key=("id",))
    records: list[Any] = [
        {"id": 1, "doc": {"a": 1}, "n": 1},
        "not a record",
        {"id": 2, "doc": {"b": {1, 2}}, "n": 2},  # no JSON form: set aside
        {"id": None, "doc": None, "n": 3},  # null key: set aside
        {"id": 4, "n": 2**70},  # beyond 64 bits: set aside
        {"id": 5, "extra": True},
        {"n": 6, "doc": [], "id": 6},
    ]
    batch = prepare_batch(shape, records)
    # In the order found: not a record; then the key and range checks; then the encoding.
    assert [r.record for r in batch.rejected] == [records[i] for i in (1, 3, 4, 2)]
    assert "no JSON form" in batch.rejected[3].reason or "JSON" in batch.rejected[3].reason
    assert batch.records == [records[0], records[5], records[6]]
    assert [c.name for c in batch.columns] == ["id", "doc", "n", "extra"]
    assert [c.name for c in batch.new_columns] == ["extra"]
    assert batch.widen == (Column("doc", "object", "TEXT", "TEXT"),)  # the array
    assert (
        batch.bound()
        == batch.rows
        == [
            (1, '{"a":1}', 1, None),
            (5, None, None, True),
            (6, "[]", 6, None),
        ]
    )


def test_records_that_are_dict_subclasses_are_read_without_changing_them(db: Sqlite) -> None:
    stream = db.stream("t", {"id": {"type": "integer"}, "a": {"type": "integer"}}, key="id")
    lacking = collections.defaultdict(lambda: 99, {"id": 2})
    swapped = collections.defaultdict(lambda: 99, {"id": 3, "b": 1})
    ordered = collections.OrderedDict([("a", 4), ("id", 4)])
    # Every record with as many fields as the table has columns, then not.
    results = db.write(stream, [{"id": 1, "a": 1}, swapped], [lacking, ordered])
    assert [r.written for r in results] == [2, 2]
    assert dict(lacking) == {"id": 2} and dict(swapped) == {"id": 3, "b": 1}
    assert db.sql("SELECT id, a, b FROM t ORDER BY id") == [
        (1, 1, None),
        (2, None, None),
        (3, None, 1),
        (4, 4, None),
    ]


@pytest.mark.parametrize(
    "refused",
    [{0}, {3}, {9}, {0, 1}, {4, 5, 6}, {0, 9}, {1, 3, 5, 7, 9}, set(range(10))],
)
def test_rows_the_database_refuses_are_rejected_and_the_rest_written(
    db: Sqlite, refused: set[int]
) -> None:
    db.path.parent.mkdir()
    db.sql("CREATE TABLE people (id INTEGER, email TEXT UNIQUE, note TEXT)")
    db.sql("INSERT INTO people VALUES (0, 'taken', NULL)")
    stream = db.stream("people", {"id": {"type": "integer"}, "email": {"type": "string"}})
    batch = [
        {"id": i + 1, "email": "taken" if i in refused else f"p{i}", "note": f"n{i}"}
        for i in range(10)
    ]
    [result] = db.write(stream, batch)
    assert [r.record for r in result.rejected] == [batch[i] for i in sorted(refused)]
    assert all("UNIQUE constraint failed" in r.reason for r in result.rejected)
    assert result.written == 10 - len(refused)
    assert db.sql("SELECT id, email, note FROM people WHERE id > 0 ORDER BY id") == [
        (i + 1, f"p{i}", f"n{i}") for i in range(10) if i not in refused
    ]


def test_refusals_of_the_binding_and_of_the_database_mix(db: Sqlite) -> None:
    db.path.parent.mkdir()
    db.sql("CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT UNIQUE)")
    stream = db.stream("people", {"id": {"type": "integer"}, "email": {"type": "string"}})
    batch = [
        {"id": 1, "email": "a"},
        {"id": 2, "email": "\ud800"},  # not valid Unicode: refused when bound
        {"id": 3, "email": "a"},  # refused by the UNIQUE constraint
        {"id": 4, "email": "d"},
        {"id": 1, "email": "e"},  # refused by the primary key
    ]
    [result] = db.write(stream, batch)
    assert [r.record["id"] for r in result.rejected] == [2, 3, 1]
    assert "lone surrogate" in result.rejected[0].reason
    assert "UNIQUE constraint failed: people.email" in result.rejected[1].reason
    assert "UNIQUE constraint failed: people.id" in result.rejected[2].reason
    assert db.sql("SELECT id, email FROM people ORDER BY id") == [(1, "a"), (4, "d")]


def test_an_upsert_refusing_rows_keeps_the_others_updates(db: Sqlite) -> None:
    stream = db.stream(
        "t", {"id": {"type": "integer"}, "v": {"type": "integer"}}, key="id", write_mode="upsert"
    )
    db.write(stream, [{"id": 1, "v": 1}, {"id": 2, "v": 2}])
    db.sql("CREATE TRIGGER no_sevens BEFORE UPDATE ON t WHEN new.v = 7 BEGIN "
           "SELECT RAISE(ABORT, 'no sevens'); END")  # fmt: skip
    [result] = db.write(stream, [{"id": 1, "v": 7}, {"id": 2, "v": 20}, {"id": 3, "v": 30}])
    assert [(r.record["id"], r.reason) for r in result.rejected] == [
        (1, "the database refused it: no sevens")
    ]
    assert db.sql("SELECT id, v FROM t ORDER BY id") == [(1, 1), (2, 20), (3, 30)]


def test_a_table_that_rolls_back_on_a_conflict_fails_the_batch_whole(db: Sqlite) -> None:
    db.path.parent.mkdir()
    db.sql("CREATE TABLE people (id INTEGER, email TEXT UNIQUE ON CONFLICT ROLLBACK)")
    stream = db.stream("people", {"id": {"type": "integer"}, "email": {"type": "string"}})
    config = db.config()
    connection = db.auth(config)
    db.connector.write_start(config, connection, stream)
    db.connector.write(config, connection, stream, Batch([{"id": 1, "email": "a"}]))
    batch = [{"id": 2, "email": "b", "new": 1}, {"id": 3, "email": "a"}, {"id": 4, "email": "d"}]
    with pytest.raises(WriteError, match="rolled the batch's transaction back") as caught:
        db.connector.write(config, connection, stream, Batch(batch))
    assert "UNIQUE constraint failed: people.email" in str(caught.value)
    # Nothing of the batch, not even its new column, and no row after the refused one.
    assert db.sql("SELECT id FROM people") == [(1,)]
    assert [c[0] for c in db.sql("SELECT name FROM pragma_table_info('people')")] == [
        "id",
        "email",
    ]
    result = db.connector.write(config, connection, stream, Batch([{"id": 5, "email": "e"}]))
    assert result.written == 1
    assert db.sql("SELECT id FROM people ORDER BY id") == [(1,), (5,)]


def test_a_batch_runs_its_rows_and_only_three_other_statements(db: Sqlite) -> None:
    config = db.config()
    connection = db.auth(config)
    stream = db.stream("t", {"id": {"type": "integer"}, "v": {"type": "string"}}, key="id")
    db.connector.write_start(config, connection, stream)
    statements: list[str] = []
    writer: sqlite3.Connection = connection.writer()
    writer.set_trace_callback(statements.append)
    try:
        db.connector.write(
            config, connection, stream, Batch([{"id": 1, "v": "a"}, {"id": 2, "v": "b"}])
        )
    finally:
        writer.set_trace_callback(None)
    others = [s for s in statements if not s.startswith("INSERT")]
    assert others == ["BEGIN IMMEDIATE", "PRAGMA schema_version", "COMMIT"]
    assert len(statements) == 5  # one INSERT per row
    assert db.sql("SELECT id, v FROM t ORDER BY id") == [(1, "a"), (2, "b")]
