"""Integers beyond 64 bits: read, inferred, written and upserted with their exact digits.

orjson reads an integer outside -2**63 .. 2**64-1 as a float and refuses to write one; the
files connector must keep every integer exact, both ways, in JSON Lines and in CSV.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import pytest

from hookline.errors import DiscoveryError, ReadError
from hookline_files.conformance import read_written

if TYPE_CHECKING:
    from conftest import Files

BIG = [123456789012345678901234, 123456789012345678901235, 123456789012345678901236]
# Just outside what orjson keeps exact, on both sides, and far outside.
EDGES = [2**64, -(2**63) - 1, -(10**30), 10**40 + 1]


def test_big_integers_in_json_lines_are_read_exactly(files: Files) -> None:
    files.write_lines(
        "big.jsonl",
        [{"id": n, "v": i} for i, n in enumerate(BIG)] + [{"id": 7, "v": 3}],
    )
    records = files.records(files.config(streams=[{"name": "big", "path": "big.jsonl"}]), "big")
    assert [r["id"] for r in records] == [*BIG, 7]
    assert all(type(r["id"]) is int for r in records)


@pytest.mark.parametrize("value", EDGES)
def test_integers_just_beyond_orjsons_range_stay_exact(files: Files, value: int) -> None:
    files.write_lines("edge.jsonl", [{"id": value, "nested": {"list": [value, 1.5]}}])
    config = files.config(streams=[{"name": "edge", "path": "edge.jsonl"}])
    [record] = files.records(config, "edge")
    assert record == {"id": value, "nested": {"list": [value, 1.5]}}
    assert type(record["id"]) is int and type(record["nested"]["list"][1]) is float


def test_a_big_integer_among_many_plain_lines_and_chunks(files: Files) -> None:
    # Enough lines for several 1 MiB chunks; one big integer in the middle of them.
    plain = [{"id": n, "pad": "x" * 200, "when": "2024-01-01T00:00:00Z"} for n in range(12000)]
    plain[7000] = {"id": BIG[0], "pad": "y", "when": None}
    files.write_lines("many.jsonl", plain)
    config = files.config(batch_size=500, streams=[{"name": "m", "path": "many.jsonl"}])
    records = files.records(config, "m")
    assert [r["id"] for r in records] == [r["id"] for r in plain]


def test_long_digit_runs_in_strings_are_read_unchanged(files: Files) -> None:
    # 20 digits inside a string trip the check; the line still reads the same.
    records = [{"code": "12345678901234567890123", "n": 0.1, "t": "a\u00e9\U0001f600"}]
    files.write_lines("codes.jsonl", records)
    config = files.config(streams=[{"name": "c", "path": "codes.jsonl"}])
    assert files.records(config, "c") == records


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"id": 123456789012345678901234, "x": NaN}', "not valid JSON"),
        ('{"id": 123456789012345678901234, "x": 1e400}', "not valid JSON"),
        ('{"id": 123456789012345678901234, "s": "\\ud800"}', "not valid JSON"),
        ('{"id": 123456789012345678901234,}', "not valid JSON"),
        ("[123456789012345678901234]", "a JSON list where a JSON object"),
    ],
)
def test_bad_lines_with_big_integers_are_read_errors_naming_the_line(
    files: Files, line: str, problem: str
) -> None:
    # Such lines are parsed by the json module, which must refuse what orjson refuses.
    path = files.write_lines("bad.jsonl", [{"id": 1}, line])
    config = files.config(
        streams=[{"name": "b", "path": "bad.jsonl", "schema": {"type": "object"}}]
    )
    with pytest.raises(ReadError) as caught:
        files.records(config, "b")
    message = str(caught.value)
    assert f"file {path}, line 2:" in message
    assert problem in message
    assert "fix or remove that line" in message


LIMIT = getattr(sys, "get_int_max_str_digits", lambda: 0)()


@pytest.mark.skipif(not LIMIT, reason="Python converts integers of any length here")
def test_an_integer_with_more_digits_than_python_reads_is_a_read_error(files: Files) -> None:
    path = files.write_lines("huge.jsonl", ['{"id": ' + "9" * (LIMIT + 1) + "}"])
    config = files.config(
        streams=[{"name": "h", "path": "huge.jsonl", "schema": {"type": "object"}}]
    )
    with pytest.raises(ReadError) as caught:
        files.records(config, "h")
    assert f"file {path}, line 1: not valid JSON" in str(caught.value)
    assert f"more than {LIMIT} digits" in str(caught.value)


def test_inference_keeps_big_integers_integer(files: Files) -> None:
    files.write_lines("big.jsonl", [{"id": n, "small": 1} for n in BIG])
    config = files.config(streams=[{"name": "big", "path": "big.jsonl", "primary_key": "id"}])
    properties = files.discover(config)["big"].schema["properties"]
    assert properties["id"] == {"type": "integer"}
    assert properties["small"] == {"type": "integer"}


@pytest.mark.skipif(not LIMIT, reason="Python converts integers of any length here")
def test_a_line_too_big_to_infer_from_is_a_discovery_error(files: Files) -> None:
    files.write_lines("huge.jsonl", ['{"id": ' + "1" * (LIMIT + 1) + "}"])
    config = files.config(streams=[{"name": "h", "path": "huge.jsonl"}])
    with pytest.raises(DiscoveryError, match="line 1: not valid JSON"):
        files.discover(config)


def test_big_integers_in_csv_cells_are_read_exactly(files: Files) -> None:
    files.write_text(
        "big.csv",
        f'id,amount,meta\n{BIG[0]},1.5,"{{""k"": {BIG[1]}}}"\n{BIG[2]},{BIG[1]},\n3,2,\n',
    )
    config = files.config(streams=[{"name": "big", "path": "big.csv"}])
    properties = files.discover(config)["big"].schema["properties"]
    assert properties["id"] == {"type": "integer"}
    assert properties["amount"] == {"type": "number"}  # integers and numbers: number
    records = files.records(config, "big")
    assert [r["id"] for r in records] == [BIG[0], BIG[2], 3]
    assert records[0]["meta"] == {"k": BIG[1]}
    # A float would round it: a big integer in a number column stays an exact int.
    assert records[1]["amount"] == BIG[1] and type(records[1]["amount"]) is int
    assert records[2]["amount"] == 2.0 and type(records[2]["amount"]) is float


def test_big_integers_are_written_to_json_lines_with_their_digits(files: Files) -> None:
    config = files.config()
    records = [{"id": n, "nested": {"values": [n, -n]}} for n in BIG]
    result = files.write(config, "big", records)
    assert (result.written, result.rejected) == (3, ())
    text = (files.data / "big.jsonl").read_text()
    assert f'"id":{BIG[0]}' in text and f"-{BIG[2]}" in text
    assert [json.loads(line) for line in text.splitlines()] == records
    assert read_written(files.data, "big") == records


def test_upsert_keeps_distinct_big_keys_apart_and_replaces_equal_ones(files: Files) -> None:
    config = files.config()
    first = [{"id": n, "v": "old"} for n in BIG]
    assert files.write(config, "big", first, write_mode="upsert", primary_key=("id",)).written == 3
    again = [{"id": BIG[1], "v": "new"}, {"id": 2**64, "v": "edge"}]
    assert files.write(config, "big", again, write_mode="upsert", primary_key=("id",)).written == 2
    assert read_written(files.data, "big") == [
        {"id": BIG[0], "v": "old"},
        {"id": BIG[1], "v": "new"},
        {"id": BIG[2], "v": "old"},
        {"id": 2**64, "v": "edge"},
    ]


def test_big_integers_are_written_to_csv_and_read_back(files: Files) -> None:
    config = files.config(output_format="csv")
    records = [{"id": n, "meta": {"k": n}} for n in BIG]
    assert files.write(config, "big", records, write_mode="upsert", primary_key=("id",)).written
    text = (files.data / "big.csv").read_text()
    assert str(BIG[0]) in text and f'""k"":{BIG[0]}' in text
    source = files.config(streams=[{"name": "big", "path": "big.csv"}])
    assert files.records(source, "big") == records


@pytest.mark.skipif(not LIMIT, reason="Python converts integers of any length here")
def test_integers_too_long_to_write_are_rejected_with_a_reason(files: Files) -> None:
    huge = 10 ** (LIMIT + 1)  # more digits than Python turns into text
    for output_format in ("jsonl", "csv"):
        config = files.config(output_format=output_format)
        result = files.write(config, f"huge_{output_format}", [{"id": 1}, {"id": huge}])
        assert result.written == 1
        [rejected] = result.rejected
        assert rejected.record == {"id": huge}
        assert "digits" in rejected.reason
