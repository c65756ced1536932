"""Discovery: streams, inferred and declared schemas, keys, cursors and sync modes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from hookline.errors import DiscoveryError
from hookline_files._inference import infer_schema

if TYPE_CHECKING:
    from conftest import Files


def properties(files: Files, config: object, stream: str) -> dict[str, object]:
    schema = files.discover(config)[stream].schema
    assert schema["type"] == "object"
    return dict(schema["properties"])


def test_streams_keys_cursor_and_sync_modes(files: Files) -> None:
    files.write_lines("orders/1.jsonl", [{"id": 1, "updated_at": "2024-01-01T00:00:00Z"}])
    files.write_lines("notes.jsonl", [{"text": "hello"}])
    config = files.config(
        streams=[
            {"name": "orders", "path": "orders/*.jsonl", "primary_key": "id",
             "cursor_field": "updated_at"},
            {"name": "notes", "path": "notes.jsonl"},
        ]
    )  # fmt: skip
    streams = files.discover(config)
    assert list(streams) == ["orders", "notes"]
    orders, notes = streams["orders"], streams["notes"]
    assert orders.primary_key == ("id",)
    assert orders.cursor_field == "updated_at"
    assert orders.sync_modes == ("full", "incremental")
    # Per-file positions make every stream incremental, with or without a cursor.
    assert notes.primary_key == ()
    assert notes.cursor_field is None
    assert notes.sync_modes == ("full", "incremental")


def test_jsonl_inference(files: Files) -> None:
    files.write_lines(
        "a.jsonl",
        [
            {"id": 1, "price": 3, "ok": True, "when": "2024-01-01T10:00:00Z", "day": "2024-01-01",
             "customer": {"name": "Ann", "tags": ["x"]}, "note": None, "mixed": 1},
            {"id": 2, "price": 2.5, "ok": False, "when": "2024-01-02T10:00:00.5+01:00",
             "day": "2024-01-02", "customer": {"name": "Bo", "vip": True, "tags": []},
             "mixed": "one", "only_here": [1, 2.5]},
        ],
    )  # fmt: skip
    config = files.config(streams=[{"name": "a", "path": "a.jsonl"}])
    props = properties(files, config, "a")
    assert list(props) == [
        "id", "price", "ok", "when", "day", "customer", "note", "mixed", "only_here",
    ]  # fmt: skip
    assert props["id"] == {"type": "integer"}
    assert props["price"] == {"type": "number"}  # integer and number widen to number
    assert props["ok"] == {"type": "boolean"}
    assert props["when"] == {"type": "string", "format": "date-time"}
    assert props["day"] == {"type": "string", "format": "date"}
    assert props["customer"] == {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "vip": {"type": ["boolean", "null"]},  # missing in the first record
        },
    }
    assert props["note"] == {"type": "null"}
    assert props["mixed"] == {"type": ["integer", "string"]}  # conflicts stay a list
    assert props["only_here"] == {"type": ["array", "null"], "items": {"type": "number"}}


def test_date_time_format_needs_every_value_to_match() -> None:
    schema = infer_schema([{"t": "2024-01-01T10:00:00Z"}, {"t": "yesterday"}])
    assert schema["properties"]["t"] == {"type": "string"}
    # No time zone: not an RFC 3339 date-time.
    schema = infer_schema([{"t": "2024-01-01T10:00:00"}])
    assert schema["properties"]["t"] == {"type": "string"}


def test_csv_inference_types_cells_by_their_text(files: Files) -> None:
    files.write_text(
        "people.csv",
        "id,zip,score,active,nickname,meta,joined\n"
        '1,01234,1.5,true,,"{""a"": 1}",2024-05-01T00:00:00Z\n'
        "2,98765,2,FALSE,Bee,,2024-05-02T00:00:00Z\n",
    )
    config = files.config(streams=[{"name": "people", "path": "people.csv"}])
    props = properties(files, config, "people")
    assert props["id"] == {"type": "integer"}
    assert props["zip"] == {"type": ["integer", "string"]}  # "01234" is a code
    assert props["score"] == {"type": "number"}
    assert props["active"] == {"type": "boolean"}
    assert props["nickname"] == {"type": ["string", "null"]}  # an empty cell is null
    assert props["meta"] == {
        "type": ["object", "null"],
        "properties": {"a": {"type": "integer"}},
    }
    assert props["joined"] == {"type": "string", "format": "date-time"}


def test_declared_schema_wins(files: Files) -> None:
    files.write_lines("a.jsonl", [{"id": 1, "name": "x"}])
    declared = {"type": "object", "properties": {"id": {"type": "string"}}}
    config = files.config(streams=[{"name": "a", "path": "a.jsonl", "schema": declared}])
    assert files.discover(config)["a"].schema == declared


def test_discovery_is_deterministic(files: Files) -> None:
    # Written in reverse order: inference must follow the sorted file order.
    files.write_lines("b.jsonl", [{"late": 1, "id": "x"}])
    files.write_lines("a.jsonl", [{"id": 1, "first": True}])
    config = files.config(streams=[{"name": "s", "path": "*.jsonl"}])
    first = files.connector.discover(config, files.auth(config))
    second = files.connector.discover(config, files.auth(config))
    assert first == second
    assert first.to_dict() == second.to_dict()
    props = first.streams[0].schema["properties"]
    assert list(props) == ["id", "first", "late"]


def test_inference_looks_at_the_first_records_only(files: Files) -> None:
    files.write_lines("a.jsonl", [{"n": i} for i in range(5)] + [{"n": "five"}])
    narrow = files.config(infer_records=5, streams=[{"name": "a", "path": "a.jsonl"}])
    wide = files.config(infer_records=6, streams=[{"name": "a", "path": "a.jsonl"}])
    assert properties(files, narrow, "a")["n"] == {"type": "integer"}
    assert properties(files, wide, "a")["n"] == {"type": ["integer", "string"]}


def test_stream_without_files_says_no_file_matches_the_glob(files: Files) -> None:
    config = files.config(streams=[{"name": "a", "path": "none/*.jsonl", "primary_key": "id"}])
    with pytest.raises(DiscoveryError) as caught:
        files.discover(config)
    message = str(caught.value)
    assert "stream 'a'" in message
    assert "no file matches the glob 'none/*.jsonl'" in message
    assert "declare schema" in message


def test_stream_without_files_but_a_declared_schema_reads_nothing_and_says_so(
    files: Files, caplog: pytest.LogCaptureFixture
) -> None:
    schema = {"type": "object", "properties": {"id": {"type": "integer"}}}
    config = files.config(
        streams=[{"name": "a", "path": "none/*.jsonl", "primary_key": "id", "schema": schema}]
    )
    assert files.discover(config)["a"].schema == schema
    with caplog.at_level("WARNING"):
        assert files.records(config, "a") == []
    assert "stream a: no file matches the glob 'none/*.jsonl'" in caplog.text


def test_unknown_key_field_is_a_discovery_error(files: Files) -> None:
    files.write_lines("a.jsonl", [{"id": 1, "updated": "x"}])
    config = files.config(
        streams=[{"name": "a", "path": "a.jsonl", "primary_key": "idd", "cursor_field": "upd"}]
    )
    with pytest.raises(DiscoveryError) as caught:
        files.discover(config)
    message = str(caught.value)
    assert "'idd'" in message and "'upd'" in message
    assert "stream 'a'" in message


def test_malformed_line_during_inference_names_file_and_line(files: Files) -> None:
    files.write_lines("a.jsonl", ['{"id": 1}', "{oops", '{"id": 3}'])
    config = files.config(streams=[{"name": "a", "path": "a.jsonl"}])
    with pytest.raises(DiscoveryError) as caught:
        files.discover(config)
    message = str(caught.value)
    assert "a.jsonl, line 2" in message
    assert "not valid JSON" in message
