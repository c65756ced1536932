"""Checking records against a schema's top-level types, as JSON Schema defines them."""

from __future__ import annotations

import itertools
from typing import Any

import jsonschema
import pytest

from hookline.mapping import compile_validator

SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "total": {"type": "number"},
        "name": {"type": ["string", "null"]},
        "paid": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "meta": {"anyOf": [{"type": "object"}, {"type": "null"}]},
        "note": {"description": "anything goes"},
    },
    "required": ["id", "note"],
}


def split(records: list[Any], schema: dict[str, Any] = SCHEMA) -> tuple[list[Any], list[str]]:
    good, rejected = compile_validator(schema).split(records)
    return good, [r.reason for r in rejected]


def test_valid_records_are_returned_as_they_are_in_order() -> None:
    records = [
        {"id": 1, "note": None, "total": 2.5, "name": None, "paid": False, "tags": [], "meta": {}},
        {"id": 2, "note": [1], "total": 3, "extra": "not checked"},
    ]
    good, reasons = split(records)
    assert reasons == []
    assert len(good) == 2 and all(g is r for g, r in zip(good, records, strict=True))


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"id": True, "note": 1}, "field id: expected integer, got boolean"),
        ({"id": 1.5, "note": 1}, "field id: expected integer, got number"),
        ({"id": "1", "note": 1}, "field id: expected integer, got string"),
        ({"id": None, "note": 1}, "field id: expected integer, got null"),
        ({"id": 1, "note": 1, "total": False}, "field total: expected number, got boolean"),
        ({"id": 1, "note": 1, "total": "9"}, "field total: expected number, got string"),
        ({"id": 1, "note": 1, "total": None}, "field total: expected number, got null"),
        ({"id": 1, "note": 1, "name": 5}, "field name: expected string or null, got integer"),
        ({"id": 1, "note": 1, "paid": 1}, "field paid: expected boolean, got integer"),
        ({"id": 1, "note": 1, "tags": "a"}, "field tags: expected array, got string"),
        ({"id": 1, "note": 1, "meta": []}, "field meta: expected object or null, got array"),
        ({"note": 1}, "field id: required, missing"),
        ({"id": 1}, "field note: required, missing"),
    ],
)
def test_type_rules(record: dict[str, Any], reason: str) -> None:
    good, reasons = split([record])
    assert good == []
    assert reasons == [reason]


def test_an_integral_float_is_an_integer_as_json_schema_says() -> None:
    good, reasons = split([{"id": 3.0, "note": 1}])
    assert reasons == [] and len(good) == 1


def test_several_problems_in_one_short_reason() -> None:
    record = {"id": "x", "total": "x", "name": 1, "paid": "x", "tags": 1}
    _, reasons = split([record])
    assert reasons == [
        "field id: expected integer, got string; field total: expected number, got string; "
        "field name: expected string or null, got integer; and 3 more"
    ]


def test_not_an_object_and_no_schema() -> None:
    _, reasons = split([["a"]])
    assert reasons == ["the record is not an object"]
    good, reasons = split([{"any": object()}], {})
    assert len(good) == 1 and reasons == []


VALUES = [None, True, False, 0, 1, -3, 2.0, 2.5, "", "s", [], [1], {}, {"a": 1}]
TYPES = ["string", "integer", "number", "boolean", "null", "object", "array"]


@pytest.mark.parametrize(
    "declared",
    [*TYPES, ["integer", "null"], ["number", "string"], ["boolean", "object", "array"]],
)
def test_agrees_with_jsonschema_on_every_value(declared: str | list[str]) -> None:
    schema = {"type": "object", "properties": {"v": {"type": declared}}, "required": ["v"]}
    reference = jsonschema.Draft202012Validator(schema)
    validator = compile_validator(schema)
    for value in VALUES:
        record = {"v": value}
        good, _ = validator.split([record])
        assert bool(good) == reference.is_valid(record), (declared, value)


def test_agrees_with_jsonschema_on_mixed_records() -> None:
    reference = jsonschema.Draft202012Validator(SCHEMA)
    validator = compile_validator(SCHEMA)
    samples = [VALUES[i] for i in (0, 1, 3, 7, 9, 11, 13)]
    fields = ["id", "total", "name", "paid"]
    for combo in itertools.product(samples, repeat=len(fields)):
        record = dict(zip(fields, combo, strict=True), note=1)
        good, _ = validator.split([record])
        assert bool(good) == reference.is_valid(record), record
