"""Schema policy: evolve adds columns and widens types without losing data; freeze refuses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from hookline.errors import WriteError
from hookline.models import Batch

if TYPE_CHECKING:
    from conftest import Sqlite

PROPS = {"id": {"type": "integer"}, "n": {"type": "integer"}, "s": {"type": "string"}}


def columns(db: Sqlite, table: str) -> dict[str, str]:
    return dict(db.sql("SELECT name, type FROM pragma_table_info(?)", table))


def kinds(db: Sqlite, table: str) -> dict[str, str]:
    query = "SELECT column_name, json_type FROM _hookline_columns WHERE table_name = ?"
    return dict(db.sql(query, table))


def test_a_new_field_in_a_batch_adds_a_column(db: Sqlite) -> None:
    s = db.stream("t", PROPS, key="id", write_mode="upsert")
    db.write(s, [{"id": 1, "n": 1, "s": "a"}])
    db.write(s, [{"id": 2, "n": 2, "s": "b", "flag": True, "tags": ["x"], "price": 1.5}])
    assert columns(db, "t") == {
        "id": "INTEGER",
        "n": "INTEGER",
        "s": "TEXT",
        "flag": "INTEGER",
        "tags": "TEXT",
        "price": "REAL",
    }
    assert kinds(db, "t")["flag"] == "boolean"
    assert db.records("t") == [
        {"id": 1, "n": 1, "s": "a", "flag": None, "tags": None, "price": None},
        {"id": 2, "n": 2, "s": "b", "flag": True, "tags": ["x"], "price": 1.5},
    ]


def test_a_new_field_in_the_schema_adds_a_column_at_start(db: Sqlite) -> None:
    db.write(db.stream("t", PROPS), [{"id": 1, "n": 1, "s": "a"}])
    wider = {**PROPS, "extra": {"type": "object"}}
    db.write(db.stream("t", wider))
    assert columns(db, "t")["extra"] == "TEXT"
    assert kinds(db, "t")["extra"] == "object"
    assert db.records("t") == [{"id": 1, "n": 1, "s": "a", "extra": None}]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (1, "one"),  # integer column, a string comes
        (2, 2.5),  # integer column, a number comes
        (3, True),  # integer column, a boolean comes
        (4, {"a": 1}),  # integer column, an object comes
    ],
)
def test_a_type_conflict_widens_an_integer_column(db: Sqlite, old: Any, new: Any) -> None:
    s = db.stream("t", PROPS, key="id", write_mode="upsert")
    db.write(s, [{"id": 1, "n": old, "s": "a"}])
    [result] = db.write(s, [{"id": 2, "n": new, "s": "b"}])
    assert result.written == 1
    assert kinds(db, "t")["n"] == "json"
    assert columns(db, "t")["n"] == "INTEGER"  # SQLite keeps the declared type
    assert [r["n"] for r in db.records("t")] == [old, new]


@pytest.mark.parametrize("new", [5, 2.5, True, None, ["a"], {"k": "v"}, "plain"])
def test_a_type_conflict_widens_a_string_column(db: Sqlite, new: Any) -> None:
    s = db.stream("t", PROPS, key="id", write_mode="upsert")
    old = ["a", "5", "true", '{"looks": "like json"}', "", None]
    db.write(s, [{"id": i, "n": 0, "s": v} for i, v in enumerate(old)])
    db.write(s, [{"id": 100, "n": 0, "s": new}, {"id": 101, "n": 0, "s": "after"}])
    values = [r["s"] for r in db.records("t")]
    assert values == [*old, new, "after"]
    if new is not None and not isinstance(new, str):
        assert kinds(db, "t")["s"] == "json"


def test_widening_a_boolean_column_keeps_the_booleans(db: Sqlite) -> None:
    s = db.stream("t", {"id": {"type": "integer"}, "b": {"type": "boolean"}}, key="id")
    db.write(s, [{"id": 1, "b": True}, {"id": 2, "b": False}, {"id": 3, "b": None}])
    db.write(s, [{"id": 4, "b": 7}, {"id": 5, "b": "yes"}])
    assert [r["b"] for r in db.records("t")] == [True, False, None, 7, "yes"]
    assert db.sql("SELECT b FROM t ORDER BY id") == [
        ("true",),
        ("false",),
        (None,),
        (7,),
        ('"yes"',),
    ]


def test_widening_a_number_column_keeps_the_numbers(db: Sqlite) -> None:
    s = db.stream("t", {"id": {"type": "integer"}, "x": {"type": "number"}}, key="id")
    db.write(s, [{"id": 1, "x": 0.30000000000000004}, {"id": 2, "x": 3}])
    db.write(s, [{"id": 3, "x": "three"}, {"id": 4, "x": 1e-300}])
    assert [r["x"] for r in db.records("t")] == [0.30000000000000004, 3.0, "three", 1e-300]


def test_a_declared_type_change_widens_at_start(db: Sqlite) -> None:
    db.write(db.stream("t", PROPS), [{"id": 1, "n": 5, "s": "a"}])
    changed = {**PROPS, "n": {"type": "string"}}
    db.write(db.stream("t", changed))
    assert kinds(db, "t")["n"] == "json"
    db.write(db.stream("t", changed), [{"id": 2, "n": "five", "s": "b"}])
    assert [r["n"] for r in db.records("t")] == [5, "five"]


def test_integers_fit_a_number_column(db: Sqlite) -> None:
    s = db.stream("t", {"x": {"type": "number"}})
    db.write(s, [{"x": 1.5}, {"x": 2}])
    assert kinds(db, "t") == {"x": "number"}
    assert [r["x"] for r in db.records("t")] == [1.5, 2.0]


def test_a_key_column_never_widens(db: Sqlite) -> None:
    s = db.stream("t", PROPS, key="id", write_mode="upsert")
    db.write(s, [{"id": 1, "n": 1, "s": "a"}])
    [result] = db.write(s, [{"id": "two", "n": 2, "s": "b"}, {"id": 3, "n": 3, "s": "c"}])
    assert result.written == 1
    [rejected] = result.rejected
    assert "primary key field 'id' is string, but its column holds integer" in rejected.reason
    assert kinds(db, "t")["id"] == "integer"
    with pytest.raises(WriteError, match="a primary key column never changes type"):
        db.write(db.stream("t", {**PROPS, "id": {"type": "string"}}, key="id"))


def test_freeze_refuses_a_new_field_and_writes_nothing(db: Sqlite) -> None:
    frozen = db.stream("t", PROPS, key="id", write_mode="upsert", schema_policy="freeze")
    db.write(frozen, [{"id": 1, "n": 1, "s": "a"}])
    batch = [{"id": 2, "n": 2, "s": "b"}, {"id": 3, "n": 3, "s": "c", "coupon": "X1"}]
    with pytest.raises(WriteError) as caught:
        db.write(frozen, batch)
    message = str(caught.value)
    assert "stream 't'" in message
    assert "field 'coupon' (string) is not a column of table 't'" in message
    assert "schema_policy freeze" in message
    assert db.sql("SELECT id FROM t") == [(1,)]
    assert "coupon" not in columns(db, "t")


def test_freeze_refuses_a_type_conflict_and_writes_nothing(db: Sqlite) -> None:
    frozen = db.stream("t", PROPS, key="id", write_mode="upsert", schema_policy="freeze")
    db.write(frozen, [{"id": 1, "n": 1, "s": "a"}])
    with pytest.raises(WriteError) as caught:
        db.write(frozen, [{"id": 2, "n": 2, "s": "b"}, {"id": 3, "n": "three", "s": "c"}])
    message = str(caught.value)
    assert "field 'n' holds string values, but its column in table 't' holds integer" in message
    assert "schema_policy freeze" in message
    assert db.sql("SELECT id FROM t") == [(1,)]
    assert kinds(db, "t")["n"] == "integer"


def test_freeze_checks_the_schema_at_start(db: Sqlite) -> None:
    db.write(db.stream("t", PROPS), [{"id": 1, "n": 1, "s": "a"}])
    with pytest.raises(WriteError, match="field 'n' is declared string, but its column"):
        db.write(db.stream("t", {**PROPS, "n": {"type": "string"}}, schema_policy="freeze"))
    with pytest.raises(WriteError, match=r"field 'new' \(boolean\) is not a column"):
        db.write(db.stream("t", {**PROPS, "new": {"type": "boolean"}}, schema_policy="freeze"))
    assert kinds(db, "t") == {"id": "integer", "n": "integer", "s": "string"}


def test_freeze_creates_a_missing_table_from_the_schema(db: Sqlite) -> None:
    frozen = db.stream("t", PROPS, schema_policy="freeze")
    db.write(frozen, [{"id": 1, "n": 1, "s": "a"}])
    assert db.sql("SELECT id, n, s FROM t") == [(1, 1, "a")]


def test_a_table_hookline_did_not_create_is_adopted(db: Sqlite) -> None:
    db.path.parent.mkdir()
    db.sql("CREATE TABLE legacy (id INTEGER PRIMARY KEY, name VARCHAR(20), score DOUBLE)")
    db.sql("INSERT INTO legacy VALUES (1, 'ann', 2.5)")
    s = db.stream("legacy", {"id": {"type": "integer"}}, key="id", write_mode="upsert")
    db.write(s, [{"id": 2, "name": "bob", "score": 3, "vip": True}])
    assert kinds(db, "legacy") == {
        "id": "integer",
        "name": "string",
        "score": "number",
        "vip": "boolean",
    }
    assert db.records("legacy") == [
        {"id": 1, "name": "ann", "score": 2.5, "vip": None},
        {"id": 2, "name": "bob", "score": 3.0, "vip": True},
    ]


def test_a_schema_change_by_another_writer_is_picked_up(db: Sqlite) -> None:
    config = db.config()
    connection = db.auth(config)
    s = db.stream("t", PROPS, key="id", write_mode="upsert")
    db.connector.write_start(config, connection, s)
    db.connector.write(config, connection, s, Batch([{"id": 1, "n": 1, "s": "a"}]))
    db.sql('ALTER TABLE t ADD COLUMN "added elsewhere" TEXT')
    db.sql("CREATE TABLE unrelated (x)")
    result = db.connector.write(
        config, connection, s, Batch([{"id": 2, "n": 2, "s": "b", "added elsewhere": "yes"}])
    )
    assert result.written == 1
    db.connector.write_finish(config, connection, s)
    assert db.sql('SELECT id, "added elsewhere" FROM t ORDER BY id') == [(1, None), (2, "yes")]
    assert kinds(db, "t")["s"] == "string"


def test_a_column_of_blobs_cannot_widen(db: Sqlite) -> None:
    db.path.parent.mkdir()
    db.sql("CREATE TABLE files (id INTEGER PRIMARY KEY, content)")
    db.sql("INSERT INTO files VALUES (1, x'00ff')")
    s = db.stream("files", {"id": {"type": "integer"}}, key="id", write_mode="upsert")
    db.write(s, [{"id": 2, "content": "text is fine"}])
    with pytest.raises(WriteError, match="holds BLOB values, which JSON cannot hold"):
        db.write(s, [{"id": 3, "content": {"an": "object"}}])
    assert db.sql("SELECT id FROM files ORDER BY id") == [(1,), (2,)]
