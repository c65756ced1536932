"""JSON text that keeps integers of any size exact, and costs nothing for ordinary data."""

from __future__ import annotations

import json

import orjson
import pytest

from hookline.jsoncodec import dumps, loads

BIG = 123456789012345678901234567890


def test_orjson_alone_would_round_or_refuse_a_big_integer() -> None:
    # The reason this module exists: if orjson ever keeps them exact, it can go.
    assert isinstance(orjson.loads(f'{{"id": {BIG}}}'), dict)
    assert orjson.loads(f'{{"id": {BIG}}}')["id"] != BIG
    with pytest.raises(TypeError):
        orjson.dumps({"id": BIG})


@pytest.mark.parametrize("value", [BIG, -BIG, 2**64, -(2**63) - 1, 2**63 - 1, 0])
def test_integers_of_any_size_round_trip_exactly(value: int) -> None:
    text = dumps({"id": value, "name": "é", "nested": [value]})
    assert loads(text) == {"id": value, "name": "é", "nested": [value]}
    assert str(value).encode() in text


def test_the_fallback_keeps_options_and_defaults() -> None:
    text = dumps({"id": BIG, "at": object}, option=orjson.OPT_INDENT_2, default=lambda v: "x")
    assert json.loads(text) == {"id": BIG, "at": "x"}
    assert b'\n  "id": ' in text


def test_long_digit_runs_in_strings_stay_strings() -> None:
    assert loads(b'{"phone": "12345678901234567890", "n": 1.5}') == {
        "phone": "12345678901234567890",
        "n": 1.5,
    }
    assert loads('{"n": 12345678901234567890123}') == {"n": 12345678901234567890123}


def test_errors_are_value_and_type_errors() -> None:
    with pytest.raises(ValueError):
        loads(b"{not json")
    with pytest.raises(ValueError):
        loads(b'{"n": 12345678901234567890123')
    with pytest.raises(TypeError):
        dumps({"x": object()})
