"""Writing: tables from schemas, append, upsert, rejected records, names, durability."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from hookline.errors import WriteError
from hookline.models import Batch

if TYPE_CHECKING:
    from conftest import Sqlite

ORDER = {
    "id": {"type": "integer"},
    "customer": {"type": "string"},
    "total": {"type": "number"},
    "paid": {"type": "boolean"},
    "items": {"type": "array", "items": {"type": "object"}},
    "address": {"type": ["object", "null"]},
    "note": {"type": ["string", "integer"]},
    "anything": {},
}


def order(i: int, **changes: Any) -> dict[str, Any]:
    record = {
        "id": i,
        "customer": f"c{i}",
        "total": i * 1.5,
        "paid": i % 2 == 0,
        "items": [{"sku": f"s{i}", "qty": i}],
        "address": {"city": "Lyon"} if i % 3 else None,
        "note": "hello",
        "anything": [i, "x"],
    }
    record.update(changes)
    return record


def test_table_is_created_from_the_schema(db: Sqlite) -> None:
    db.write(db.stream("orders", ORDER, key="id", write_mode="upsert"))
    columns = db.sql("SELECT name, type, \"notnull\", pk FROM pragma_table_info('orders')")
    assert columns == [
        ("id", "INTEGER", 1, 1),
        ("customer", "TEXT", 0, 0),
        ("total", "REAL", 0, 0),
        ("paid", "INTEGER", 0, 0),
        ("items", "TEXT", 0, 0),
        ("address", "TEXT", 0, 0),
        ("note", "TEXT", 0, 0),
        ("anything", "TEXT", 0, 0),
    ]
    kinds = db.sql(
        "SELECT column_name, json_type FROM _hookline_columns WHERE table_name = 'orders'"
    )
    assert dict(kinds) == {
        "id": "integer",
        "customer": "string",
        "total": "number",
        "paid": "boolean",
        "items": "array",
        "address": "object",
        "note": "json",
        "anything": "json",
    }


def test_values_are_stored_in_their_sql_form(db: Sqlite) -> None:
    db.write(db.stream("orders", ORDER, key="id"), [order(2), order(3, note=7)])
    rows = db.sql("SELECT * FROM orders ORDER BY id")
    assert rows == [
        (2, "c2", 3.0, 1, '[{"sku":"s2","qty":2}]', '{"city":"Lyon"}', '"hello"', '[2,"x"]'),
        (3, "c3", 4.5, 0, '[{"sku":"s3","qty":3}]', None, "7", '[3,"x"]'),
    ]


def test_append_adds_every_batch(db: Sqlite) -> None:
    orders = db.stream("orders", ORDER, key="id")
    results = db.write(orders, [order(1), order(2)], [order(3)])
    assert [r.written for r in results] == [2, 1]
    assert all(r.rejected == () for r in results)
    # Append keeps what it is given, a record written twice included (at least once).
    db.write(orders, [order(3)])
    assert db.sql("SELECT id FROM orders ORDER BY rowid") == [(1,), (2,), (3,), (3,)]


def test_upsert_twice_does_not_duplicate(db: Sqlite) -> None:
    orders = db.stream("orders", ORDER, key="id", write_mode="upsert")
    batch = [order(1), order(2), order(3)]
    db.write(orders, batch)
    db.write(orders, batch)
    assert db.sql("SELECT count(*) FROM orders") == [(3,)]
    # An upsert replaces the record: changed values and fields left out both count.
    changed = order(2, customer="new")
    del changed["note"]
    [result] = db.write(orders, [changed])
    assert result.written == 1
    assert db.sql("SELECT customer, note FROM orders WHERE id = 2") == [("new", None)]
    assert db.sql("SELECT count(*) FROM orders") == [(3,)]


def test_upsert_on_a_compound_key(db: Sqlite) -> None:
    props = {"region": {"type": "string"}, "id": {"type": "integer"}, "v": {"type": "string"}}
    lines = db.stream("lines", props, key=("region", "id"), write_mode="upsert")
    db.write(lines, [{"region": "eu", "id": 1, "v": "a"}, {"region": "us", "id": 1, "v": "b"}])
    db.write(lines, [{"region": "us", "id": 1, "v": "B"}])
    assert db.sql("SELECT region, id, v FROM lines ORDER BY region") == [
        ("eu", 1, "a"),
        ("us", 1, "B"),
    ]


def test_upsert_into_a_table_without_a_key_adds_a_unique_index(db: Sqlite) -> None:
    props = {"id": {"type": "integer"}, "v": {"type": "string"}}
    db.write(db.stream("t", props, key="id"), [{"id": 1, "v": "a"}])  # append: no key
    db.write(db.stream("t", props, key="id", write_mode="upsert"), [{"id": 1, "v": "b"}])
    assert db.sql("SELECT id, v FROM t") == [(1, "b")]


def test_upsert_into_a_table_with_duplicate_keys_is_refused(db: Sqlite) -> None:
    props = {"id": {"type": "integer"}}
    db.write(db.stream("t", props), [{"id": 1}, {"id": 1}])
    with pytest.raises(WriteError, match=r"rows with the same primary key \(id\)"):
        db.write(db.stream("t", props, key="id", write_mode="upsert"), [{"id": 2}])
    assert db.sql("SELECT id FROM t") == [(1,), (1,)]


def test_upsert_without_a_primary_key_is_refused(db: Sqlite) -> None:
    with pytest.raises(WriteError) as caught:
        db.write(db.stream("orders", ORDER, write_mode="upsert"), [order(1)])
    message = str(caught.value)
    assert "stream 'orders'" in message
    assert "upsert needs a primary key" in message
    assert "primary_key" in message
    assert not db.path.exists() or db.sql("SELECT name FROM sqlite_master") == []


def test_records_that_cannot_be_written_are_rejected_with_reasons(db: Sqlite) -> None:
    orders = db.stream("orders", ORDER, key="id", write_mode="upsert")
    bad = [
        order(2, id=None),
        {"customer": "no id"},
        order(3, note={1, 2}),
        order(4, total=float("nan")),
        order(5, total=2**60),
        order(6, items=[{"when": {1}}]),
        order(7, customer="\ud800"),
        order(8, id=2**64),
        "not a record",
    ]
    good = [order(1), order(9)]
    [result] = db.write(orders, [good[0], *bad, good[1]])
    assert result.written == 2
    # Each bad record once, with its own reason (in the order the checks found them).
    by_record = {id(r.record): r.reason for r in result.rejected}
    assert len(result.rejected) == len(bad) and set(by_record) == {id(r) for r in bad}
    reasons = [by_record[id(r)] for r in bad]
    assert reasons[8] == "not a record (a mapping of fields)"
    assert "primary key field 'id' is missing or null" in reasons[0]
    assert "primary key field 'id' is missing or null" in reasons[1]
    assert "field 'note' holds a set, which has no JSON form" in reasons[2]
    assert "field 'total' is NaN or infinite" in reasons[3]
    assert "field 'total' holds the integer 1152921504606846976" in reasons[4]
    assert "REAL column would round" in reasons[4]
    assert "field 'items' cannot be written as JSON" in reasons[5]
    assert "lone surrogate" in reasons[6]
    assert "field 'id' holds the integer 18446744073709551616" in reasons[7]
    assert "exceeds SQLite's 64-bit integer range" in reasons[7]
    assert db.sql("SELECT id FROM orders ORDER BY id") == [(1,), (9,)]


def test_a_constraint_rejects_only_its_record(db: Sqlite) -> None:
    db.path.parent.mkdir()
    db.sql("CREATE TABLE people (id INTEGER, email TEXT UNIQUE)")
    people = db.stream("people", {"id": {"type": "integer"}, "email": {"type": "string"}})
    [result] = db.write(
        people, [{"id": 1, "email": "a@x"}, {"id": 2, "email": "a@x"}, {"id": 3, "email": "c@x"}]
    )
    assert result.written == 2
    [rejected] = result.rejected
    assert rejected.record["id"] == 2
    assert "UNIQUE constraint failed" in rejected.reason
    assert db.sql("SELECT id FROM people ORDER BY id") == [(1,), (3,)]


def test_an_empty_batch_writes_nothing(db: Sqlite) -> None:
    [result] = db.write(db.stream("orders", ORDER), [])
    assert result.written == 0
    assert db.sql("SELECT count(*) FROM orders") == [(0,)]


def test_a_stream_without_schema_gets_its_table_from_the_records(db: Sqlite) -> None:
    free = db.stream("free")
    db.write(free)
    assert db.sql("SELECT name FROM sqlite_master WHERE name = 'free'") == []
    db.write(free, [{"a": 1, "b": {"c": True}}, {"a": 2, "d": None}])
    assert db.sql("SELECT a, b, d FROM free") == [(1, '{"c":true}', None), (2, None, None)]
    assert db.records("free") == [
        {"a": 1, "b": {"c": True}, "d": None},
        {"a": 2, "b": None, "d": None},
    ]


@pytest.mark.parametrize(
    "name", ["with space", 'quote"inside', "it's", "select", "naïve ✓", "a.b", "[x]"]
)
def test_names_are_quoted(db: Sqlite, name: str) -> None:
    odd = db.stream(name, {name: {"type": "string"}, "id": {"type": "integer"}}, key="id")
    db.write(odd, [{"id": 1, name: "v"}])
    odd_upsert = db.stream(name, {name: {"type": "string"}, "id": {"type": "integer"}}, key="id",
                        write_mode="upsert")  # fmt: skip
    db.write(odd_upsert, [{"id": 1, name: "w"}, {"id": 2, name: "x", "new " + name: 1}])
    assert db.records(name) == [
        {name: "w", "id": 1, "new " + name: None},
        {name: "x", "id": 2, "new " + name: 1},
    ]


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("a\x00b", "NUL character"),
        ("sqlite_stat1", "reserved by SQLite"),
        ("_hookline_columns", "reserved for hookline's own tables"),
    ],
)
def test_unusable_table_names_are_refused(db: Sqlite, name: str, problem: str) -> None:
    with pytest.raises(WriteError) as caught:
        db.write(db.stream(name, {"id": {"type": "integer"}}), [{"id": 1}])
    message = str(caught.value)
    assert f"table name {name!r} cannot be used" in message
    assert problem in message


def test_unusable_field_names(db: Sqlite) -> None:
    with pytest.raises(WriteError, match=r"field name 'a\\x00b' cannot be a column name"):
        db.write(db.stream("s", {"a\x00b": {"type": "string"}}))
    with pytest.raises(WriteError, match="differ only in letter case"):
        db.write(db.stream("s", {"Id": {}, "id": {}}))
    [result] = db.write(
        db.stream("s", {"id": {"type": "integer"}}), [{"id": 1}, {"id": 2, "x\x00": 1}, {"ID": 3}]
    )
    assert result.written == 1
    assert "cannot be a column name (it contains a NUL character)" in result.rejected[0].reason
    assert "field 'ID' and column 'id' differ only in letter case" in result.rejected[1].reason


def test_table_prefix(db: Sqlite) -> None:
    config = db.config(table_prefix="shop_")
    db.write(db.stream("orders", ORDER), [order(1)], config=config)
    assert db.sql("SELECT id FROM shop_orders") == [(1,)]
    assert list(db.discover(config)) == ["orders"]
    assert db.records("orders", config=config) == [order(1)]


def test_writes_without_write_start_still_land(db: Sqlite) -> None:
    config = db.config()
    connection = db.auth(config)
    orders = db.stream("orders", ORDER, key="id", write_mode="upsert")
    result = db.connector.write(config, connection, orders, Batch([order(1)]))
    assert result.written == 1
    assert db.sql("SELECT id FROM orders") == [(1,)]


def test_each_batch_is_committed_when_write_returns(db: Sqlite) -> None:
    config = db.config()
    connection = db.auth(config)
    orders = db.stream("orders", ORDER, key="id", write_mode="upsert")
    db.connector.write_start(config, connection, orders)
    db.connector.write(config, connection, orders, Batch([order(1), order(2)]))
    # Another connection sees the batch at once: it is committed, not pending.
    assert db.sql("SELECT count(*) FROM orders") == [(2,)]


def test_a_failing_batch_leaves_nothing_behind(db: Sqlite, monkeypatch: pytest.MonkeyPatch) -> None:
    import hookline_sqlite._writing as writing

    config = db.config()
    connection = db.auth(config)
    orders = db.stream("orders", ORDER, key="id", write_mode="upsert")
    db.connector.write_start(config, connection, orders)
    db.connector.write(config, connection, orders, Batch([order(1)]))

    def failing_insert(*args: Any) -> Any:
        raise writing.sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(writing, "_insert", failing_insert)
    with pytest.raises(WriteError, match="disk I/O error") as caught:
        db.connector.write(config, connection, orders, Batch([order(2, x=1)]))
    assert str(db.path) in str(caught.value)
    # Neither the new column nor any row of the failed batch was committed.
    assert db.sql("SELECT id FROM orders") == [(1,)]
    assert "x" not in [c[0] for c in db.sql("SELECT name FROM pragma_table_info('orders')")]
    monkeypatch.undo()
    db.connector.write(config, connection, orders, Batch([order(2, x=1)]))
    assert db.sql("SELECT id, x FROM orders ORDER BY id") == [(1, None), (2, 1)]


def test_nested_values_are_json(db: Sqlite) -> None:
    record = order(1, items=[{"sku": "é ✓", "qty": 1, "tags": [None, True, 1.25]}])
    db.write(db.stream("orders", ORDER), [record])
    [(items,)] = db.sql("SELECT items FROM orders")
    assert json.loads(items) == record["items"]
    assert db.sql("SELECT items ->> '$[0].sku' FROM orders") == [("é ✓",)]
