"""Reading: discovery, batches and state, resuming, cursor columns, round trips."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from hookline.errors import DiscoveryError, ReadError
from hookline.models import ConfiguredStream, Stream

if TYPE_CHECKING:
    from conftest import Sqlite

ORDER = {
    "id": {"type": "integer"},
    "customer": {"type": ["string", "null"]},
    "total": {"type": "number"},
    "paid": {"type": "boolean"},
    "items": {
        "type": "array",
        "items": {"type": "object", "properties": {"sku": {"type": "string"}}},
    },
    "address": {"type": ["object", "null"]},
    "mixed": {},
    "updated_at": {"type": "string", "format": "date-time"},
}


def order(i: int, **changes: Any) -> dict[str, Any]:
    record = {
        "id": i,
        "customer": f"c{i}" if i % 4 else None,
        "total": i * 1.25,
        "paid": i % 2 == 0,
        "items": [{"sku": f"s{i}", "qty": i, "tags": ["a", None]}] if i % 5 else [],
        "address": {"city": "Lyon", "zip": [6, 9]} if i % 3 else None,
        "mixed": [i, "x", {"y": True}] if i % 2 else "text",
        "updated_at": f"2024-01-01T00:00:{i % 60:02d}Z",
    }
    record.update(changes)
    return record


def orders(first: int, count: int) -> list[dict[str, Any]]:
    return [order(i) for i in range(first, first + count)]


def ids(records: list[dict[str, Any]]) -> list[Any]:
    return [r["id"] for r in records]


def test_round_trip_restores_every_value(db: Sqlite) -> None:
    written = [*orders(1, 30), order(31, mixed=None, paid=None, items=None, total=0.1 + 0.2)]
    db.write(db.stream("orders", ORDER, key="id", write_mode="upsert"), written[:10], written[10:])
    assert db.records("orders") == written
    # Types too, not only equality: booleans stay booleans, nested values are restored.
    back = db.records("orders")[1]
    assert back["paid"] is True
    assert isinstance(back["items"], list)
    assert isinstance(back["address"], dict)


def test_discover_reports_schema_key_and_sync_modes(db: Sqlite) -> None:
    db.write(db.stream("orders", ORDER, key="id", write_mode="upsert"), orders(1, 3))
    [stream] = db.discover().values()
    assert stream.name == "orders"
    assert stream.primary_key == ("id",)
    assert stream.cursor_field is None
    assert stream.sync_modes == ("full", "incremental")
    properties = stream.schema["properties"]
    assert list(properties) == list(ORDER)
    assert properties["id"] == {"type": "integer"}  # the key: never null
    assert properties["total"] == {"type": ["number", "null"]}
    assert properties["paid"] == {"type": ["boolean", "null"]}
    assert properties["items"] == {**ORDER["items"], "type": ["array", "null"]}
    assert properties["updated_at"] == {"type": ["string", "null"], "format": "date-time"}
    assert properties["mixed"] == {}
    assert json.loads(json.dumps(stream.to_dict())) == stream.to_dict()


def test_discover_skips_internal_tables_and_views(db: Sqlite) -> None:
    db.write(db.stream("b", {"x": {}}, write_mode="replace"), [{"x": 1}])
    db.write(db.stream("a", {"x": {}}), [{"x": 1}])
    db.sql("CREATE VIEW v AS SELECT * FROM a")
    db.sql("CREATE INDEX ax ON a (x)")
    db.sql("ANALYZE")  # makes sqlite_stat1
    assert db.sql("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
    db.sql("CREATE TABLE _hookline_staging_c (x)")  # a crashed replace's leftovers
    assert list(db.discover()) == ["a", "b"]


def test_discover_tables_of_other_programs(db: Sqlite) -> None:
    db.path.parent.mkdir()
    db.sql(
        "CREATE TABLE people (id INTEGER PRIMARY KEY, name VARCHAR(30) NOT NULL, "
        "height DOUBLE, born DATE, photo BLOB, misc)"
    )
    db.sql("INSERT INTO people VALUES (1, 'Ann', 1.7, '1990-01-01', x'00ff', 5)")
    db.sql("CREATE TABLE pairs (a TEXT, b TEXT, PRIMARY KEY (b, a)) WITHOUT ROWID")
    db.sql("INSERT INTO pairs VALUES ('x', 'y')")
    streams = db.discover()
    people = streams["people"]
    assert people.schema["properties"] == {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "height": {"type": ["number", "null"]},
        "born": {"type": ["number", "null"]},  # NUMERIC affinity
        "photo": {"type": ["string", "null"], "contentEncoding": "base64"},
        "misc": {},
    }
    assert db.records("people") == [
        {"id": 1, "name": "Ann", "height": 1.7, "born": "1990-01-01", "photo": "AP8=", "misc": 5}
    ]
    pairs = streams["pairs"]
    assert pairs.primary_key == ("b", "a")
    assert pairs.sync_modes == ("full",)  # no rowid, no cursor: new keys may sort anywhere
    assert db.records("pairs", sync_mode="full") == [{"a": "x", "b": "y"}]
    with pytest.raises(ReadError, match="WITHOUT ROWID"):
        db.read("pairs", sync_mode="incremental")


def test_tables_setting_chooses_streams(db: Sqlite) -> None:
    for name in ("a", "b", "c"):
        db.write(db.stream(name, {"x": {}}), [{"x": 1}])
    assert list(db.discover(db.config(tables=["c", "a"]))) == ["c", "a"]
    with pytest.raises(DiscoveryError) as caught:
        db.discover(db.config(tables=["a", "zz"]))
    assert "no table for stream(s) 'zz'" in str(caught.value)
    assert "tables: a, b, c" in str(caught.value)


def test_discover_without_a_file(db: Sqlite) -> None:
    with pytest.raises(DiscoveryError, match="does not exist"):
        db.discover()
    assert not db.path.exists()  # reading never creates the file


@pytest.mark.parametrize("batch_size", [1, 3, 7, 40])
def test_resuming_from_every_state_yields_exactly_the_rest(db: Sqlite, batch_size: int) -> None:
    db.write(db.stream("orders", ORDER, key="id", write_mode="upsert"), orders(1, 20))
    config = db.config(batch_size=batch_size)
    batches = db.read("orders", config=config)
    assert [len(b.records) for b in batches] == [
        min(batch_size, 20 - i) for i in range(0, 20, batch_size)
    ]
    assert ids([r for b in batches for r in b.records]) == list(range(1, 21))
    for position, batch in enumerate(batches):
        assert batch.state is not None
        assert json.loads(json.dumps(batch.state)) == batch.state
        rest = [r for b in batches[position + 1 :] for r in b.records]
        assert db.records("orders", batch.state, config=config) == rest


def test_incremental_reads_new_rows_after_the_state(db: Sqlite) -> None:
    append = db.stream("events", ORDER)
    db.write(append, orders(1, 5))
    [batch] = db.read("events")
    assert batch.state == {"order": ["rowid"], "after": [5]}
    db.write(append, orders(6, 2))
    [later] = db.read("events", batch.state)
    assert ids(later.records) == [6, 7]
    # Nothing new: one empty batch that keeps the state.
    [empty] = db.read("events", later.state)
    assert empty.records == []
    assert empty.state == later.state


def test_each_batch_says_rows_read_of_rows_to_read(db: Sqlite) -> None:
    append = db.stream("events", ORDER)
    db.write(append, orders(1, 7))
    config = db.config(batch_size=3)
    batches = db.read("events", config=config)
    shown = [(b.progress.done, b.progress.total, b.progress.unit) for b in batches if b.progress]
    assert shown == [(3, 7, "rows"), (6, 7, "rows"), (7, 7, "rows")]
    db.write(append, orders(8, 2))
    # Resuming: the rows after the state are what is left to read.
    later = db.read("events", batches[-1].state, config=config)
    assert [(b.progress.done, b.progress.total) for b in later if b.progress] == [(2, 2)]


def test_full_mode_ignores_the_state(db: Sqlite) -> None:
    db.write(db.stream("events", ORDER), orders(1, 5))
    [batch] = db.read("events")
    [full] = db.read("events", batch.state, sync_mode="full")
    assert ids(full.records) == [1, 2, 3, 4, 5]
    assert full.state == batch.state


def test_a_cursor_column_sees_updated_rows(db: Sqlite) -> None:
    upsert = db.stream("orders", ORDER, key="id", write_mode="upsert")
    db.write(
        upsert, [order(1, updated_at="t1"), order(2, updated_at="t3"), order(3, updated_at=None)]
    )
    config = db.config(cursor_fields={"orders": "updated_at"}, batch_size=2)
    assert db.discover(config)["orders"].cursor_field == "updated_at"
    batches = db.read("orders", config=config)
    # Rows without a cursor value come first, then by cursor, then by rowid.
    assert ids([r for b in batches for r in b.records]) == [3, 1, 2]
    assert batches[0].state == {"order": ["updated_at", "rowid"], "after": ["t1", 1]}
    db.write(upsert, [order(1, updated_at="t4"), order(4, updated_at="t2")])
    again = db.records("orders", batches[-1].state, config=config)
    assert [(r["id"], r["updated_at"]) for r in again] == [(1, "t4")]
    # Resuming in the middle of the rows without a cursor value.
    first = db.read(
        "orders", config=db.config(cursor_fields={"orders": "updated_at"}, batch_size=1)
    )[0]
    assert first.state == {"order": ["updated_at", "rowid"], "after": [None, 3]}
    assert ids(db.records("orders", first.state, config=config)) == [4, 2, 1]


def test_a_cursor_field_that_is_no_column(db: Sqlite) -> None:
    db.write(db.stream("orders", ORDER), orders(1, 1))
    with pytest.raises(DiscoveryError, match="cursor field 'nope' is not a column"):
        db.discover(db.config(cursor_fields={"orders": "nope"}))
    with pytest.raises(DiscoveryError, match="cursor_fields names stream"):
        db.discover(db.config(cursor_fields={"other": "id"}))


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ({"files": {}}, "not an sqlite-connector state"),
        ({"order": ["id"], "after": [1]}, "now read by ['rowid']"),
        ({"order": ["rowid"], "after": [1, 2]}, "damaged"),
    ],
)
def test_a_foreign_state_is_refused(db: Sqlite, state: dict[str, Any], expected: str) -> None:
    db.write(db.stream("orders", ORDER), orders(1, 1))
    with pytest.raises(ReadError) as caught:
        db.read("orders", state)
    assert expected in str(caught.value)
    assert "reset the stream's state" in str(caught.value)


def test_reading_a_missing_table(db: Sqlite) -> None:
    db.write(db.stream("orders", ORDER), orders(1, 1))
    config = db.config()
    stream = ConfiguredStream(Stream("gone"))
    with pytest.raises(ReadError, match="no table 'gone'"):
        list(db.connector.read(config, db.auth(config), stream, None))


def test_reading_needs_the_file(db: Sqlite) -> None:
    config = db.config()
    stream = ConfiguredStream(Stream("orders"))
    with pytest.raises(ReadError, match="does not exist"):
        list(db.connector.read(config, db.auth(config), stream, None))
