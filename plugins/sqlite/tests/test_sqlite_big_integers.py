"""Integers beyond 64 bits: refused per record in numeric columns, exact as JSON text.

SQLite's INTEGER holds a signed 64-bit integer and a REAL rounds beyond 2**53. A record
with a bigger integer in such a column is set aside with a reason naming the field (the
column never becomes REAL, the value is never rounded); in a column of TEXT affinity (a
``json`` column, objects, arrays) the integer is stored as its exact digits and read back
exactly.
"""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Sqlite

BIG = [123456789012345678901234, 123456789012345678901235, 123456789012345678901236]
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
LIMIT = getattr(sys, "get_int_max_str_digits", lambda: 0)()


def columns(db: Sqlite, table: str) -> dict[str, str]:
    return dict(db.sql(f"SELECT name, type FROM pragma_table_info('{table}')"))


def test_big_primary_keys_are_refused_per_record_naming_the_field(db: Sqlite) -> None:
    props = {"id": {"type": "integer"}, "v": {"type": "string"}}
    stream = db.stream("big", props, key="id", write_mode="upsert")
    records = [{"id": n, "v": str(i)} for i, n in enumerate(BIG)] + [{"id": 1, "v": "ok"}]
    [result] = db.write(stream, records)
    assert result.written == 1
    assert [r.record for r in result.rejected] == records[:3]
    for rejected in result.rejected:
        assert rejected.reason.startswith(f"field 'id' holds the integer {rejected.record['id']}")
        assert "exceeds SQLite's 64-bit integer range (-2**63 to 2**63-1)" in rejected.reason
        assert "INTEGER column" in rejected.reason
        assert "cast: {id: string}" in rejected.reason
    assert columns(db, "big") == {"id": "INTEGER", "v": "TEXT"}
    assert db.sql("SELECT typeof(id), id FROM big") == [("integer", 1)]


def test_the_64_bit_edges_are_stored_and_one_beyond_is_refused(db: Sqlite) -> None:
    stream = db.stream("edges", {"n": {"type": "integer"}})
    inside = [{"n": INT64_MAX}, {"n": INT64_MIN}, {"n": 0}, {"n": None}]
    outside = [{"n": INT64_MAX + 1}, {"n": INT64_MIN - 1}, {"n": 2**64}]
    [result] = db.write(stream, [*inside, *outside])
    assert result.written == 4
    assert [r.record for r in result.rejected] == outside
    assert all("field 'n' holds the integer" in r.reason for r in result.rejected)
    stored = db.sql("SELECT n FROM edges ORDER BY rowid")
    assert stored == [(INT64_MAX,), (INT64_MIN,), (0,), (None,)]
    assert db.records("edges", sync_mode="full") == inside


def test_a_new_column_of_big_integers_never_becomes_real(db: Sqlite) -> None:
    stream = db.stream("t", {"id": {"type": "integer"}})
    [result] = db.write(stream, [{"id": 1, "n": 5}, {"id": 2, "n": BIG[0]}])
    assert result.written == 1
    [rejected] = result.rejected
    assert rejected.record == {"id": 2, "n": BIG[0]}
    assert "field 'n' holds the integer 123456789012345678901234" in rejected.reason
    assert columns(db, "t") == {"id": "INTEGER", "n": "INTEGER"}
    assert db.sql("SELECT typeof(n), n FROM t") == [("integer", 5)]


def test_a_real_column_refuses_them_too(db: Sqlite) -> None:
    stream = db.stream("t", {"x": {"type": "number"}})
    [result] = db.write(stream, [{"x": 1.5}, {"x": BIG[0]}])
    assert result.written == 1
    [rejected] = result.rejected
    assert "field 'x' holds the integer 123456789012345678901234" in rejected.reason
    assert "REAL column would round" in rejected.reason
    assert db.sql("SELECT x FROM t") == [(1.5,)]


@pytest.mark.skipif(not LIMIT, reason="Python converts integers of any length here")
def test_integers_too_long_to_print_give_a_short_reason(db: Sqlite) -> None:
    huge = 10 ** (LIMIT + 1)
    stream = db.stream("t", {"i": {"type": "integer"}, "x": {"type": "number"}})
    [result] = db.write(stream, [{"i": huge, "x": 1.0}, {"i": 1, "x": -huge}, {"i": 2, "x": 2}])
    assert result.written == 1
    reasons = [r.reason for r in result.rejected]
    assert re.match(r"field 'i' holds an integer of about \d+ digits, which exceeds", reasons[0])
    assert re.match(r"field 'x' holds an integer of about \d+ digits, which its REAL", reasons[1])
    assert all(len(reason) < 300 for reason in reasons)


def test_long_integers_are_shortened_in_the_reason(db: Sqlite) -> None:
    stream = db.stream("t", {"i": {"type": "integer"}})
    value = 10**60 + 7
    [result] = db.write(stream, [{"i": value}])
    [rejected] = result.rejected
    assert "the integer 10000000000000000000...000007 (61 digits)" in rejected.reason


def test_a_json_column_stores_big_integers_exactly_as_text(db: Sqlite) -> None:
    stream = db.stream("t", {"id": {"type": "integer"}, "code": {"type": ["integer", "string"]}})
    records = [{"id": 1, "code": BIG[0]}, {"id": 2, "code": "abc"}, {"id": 3, "code": -BIG[1]}]
    [result] = db.write(stream, records)
    assert (result.written, result.rejected) == (3, ())
    assert db.sql("SELECT typeof(code), code FROM t ORDER BY id") == [
        ("text", str(BIG[0])),
        ("text", '"abc"'),
        ("text", str(-BIG[1])),
    ]
    assert db.records("t", sync_mode="full") == records


def test_objects_and_arrays_keep_big_integers_exactly(db: Sqlite) -> None:
    props = {"id": {"type": "integer"}, "meta": {"type": "object"}, "list": {"type": "array"}}
    stream = db.stream("t", props, key="id", write_mode="upsert")
    records = [
        {"id": 1, "meta": {"account": BIG[0], "ok": True}, "list": [BIG[1], 1.5, None]},
        {"id": 2, "meta": None, "list": [1, 2]},
    ]
    [result] = db.write(stream, records)
    assert (result.written, result.rejected) == (2, ())
    stored = db.sql("SELECT meta FROM t WHERE id = 1")[0][0]
    assert f'"account":{BIG[0]}' in stored
    assert db.records("t", sync_mode="full") == records


def test_a_string_column_widened_by_a_big_integer_keeps_it_exactly(db: Sqlite) -> None:
    stream = db.stream("t", {"id": {"type": "integer"}, "ref": {"type": "string"}})
    db.write(stream, [{"id": 1, "ref": "A-1"}], [{"id": 2, "ref": BIG[2]}])
    assert db.sql("SELECT json_type FROM _hookline_columns WHERE column_name = 'ref'") == [
        ("json",)
    ]
    assert db.records("t", sync_mode="full") == [{"id": 1, "ref": "A-1"}, {"id": 2, "ref": BIG[2]}]


def test_a_schema_with_a_big_integer_is_recorded_and_discovered(db: Sqlite) -> None:
    props = {"n": {"type": "integer", "maximum": 2**70}}
    db.write(db.stream("t", props), [{"n": 3}])
    assert db.discover()["t"].schema["properties"]["n"]["maximum"] == 2**70


def test_reading_big_digits_stored_as_text_gives_text(db: Sqlite) -> None:
    db.path.parent.mkdir()
    digits = str(BIG[0])
    db.sql("CREATE TABLE made (id INTEGER PRIMARY KEY, code TEXT, raw, blob BLOB)")
    db.sql("INSERT INTO made VALUES (1, ?, ?, ?)", digits, digits, digits)
    assert db.sql("SELECT typeof(code), typeof(raw), typeof(blob) FROM made") == [
        ("text", "text", "text")
    ]
    assert db.records("made", sync_mode="full") == [
        {"id": 1, "code": digits, "raw": digits, "blob": digits}
    ]
    # And a string column of a table the connector made.
    db.write(db.stream("s", {"code": {"type": "string"}}), [{"code": digits}])
    assert db.records("s", sync_mode="full") == [{"code": digits}]
