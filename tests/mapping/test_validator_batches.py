"""A batch is checked a chunk at a time in one call each, record by record where one fails.

Both ways must give the same answer for every schema and record: the one-call check
nests the stream's schema inside an array schema, which a schema that resolves against
its own root (``$ref``, ``$id``...) cannot survive, so those are always checked record by
record.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from hookline.mapping import compile_validator

SCHEMAS: list[dict[str, Any]] = [
    {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "email": {"type": "string", "format": "email"},
            "tier": {"enum": ["basic", "gold"]},
            "items": {"type": "array", "items": {"type": "object", "required": ["sku"]}},
        },
        "required": ["id"],
    },
    {"properties": {"n": {"type": "number", "minimum": 0}}, "additionalProperties": False},
    {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "properties": {"a": {"type": "string"}},
        "dependencies": {"a": ["b"]},
    },
    {
        "$defs": {"sku": {"type": "string", "pattern": "^SKU-"}},
        "properties": {"sku": {"$ref": "#/$defs/sku"}},
    },
    {},
]


def _record(rng: random.Random) -> Any:
    return rng.choice(
        [
            {"id": rng.randrange(5), "email": "a@b.test", "tier": "gold"},
            {"id": "7"},
            {"id": 1, "email": "not an email"},
            {"id": 2, "items": [{"sku": "x"}, {}]},
            {"n": rng.choice([1, -1, 2.5, True])},
            {"n": 3, "extra": 1},
            {"a": "x"},
            {"a": "x", "b": 1},
            {"sku": rng.choice(["SKU-1", "nope"])},
            {"id": 3.0},
            "not a record",
            [1, 2],
        ]
    )


@pytest.mark.parametrize("index", range(len(SCHEMAS)))
def test_one_call_and_record_by_record_agree(index: int) -> None:
    validator = compile_validator(SCHEMAS[index])
    rng = random.Random(index)
    for _ in range(200):
        batch = [_record(rng) for _ in range(rng.choice([1, 5, 63, 64, 65, 200]))]
        good, rejected = validator.split(batch)
        expected = [r for r in batch if isinstance(r, dict) and validator.is_valid(r)]
        assert good == expected, batch
        refused = [r for r in batch if not (isinstance(r, dict) and validator.is_valid(r))]
        wrapped = [r if isinstance(r, dict) else {"value": r} for r in refused]
        assert [r.record for r in rejected] == wrapped, "in the batch's order"


def test_a_batch_that_all_matches_comes_back_as_the_same_objects() -> None:
    validator = compile_validator(SCHEMAS[0])
    batch = [{"id": i} for i in range(100)]
    good, rejected = validator.split(batch)
    assert (
        rejected == [] and good == batch and all(a is b for a, b in zip(good, batch, strict=True))
    )
    assert good is not batch, "the caller's list is not handed back to be changed"


def test_a_value_the_fast_check_does_not_take_is_checked_by_the_other() -> None:
    validator = compile_validator({"properties": {"at": {"type": "string"}}})
    good, rejected = validator.split([{"at": "now"}, {"at": dt.datetime(2024, 1, 1)}])
    assert good == [{"at": "now"}]
    assert len(rejected) == 1


def test_only_schemas_that_can_be_nested_get_the_one_call_check() -> None:
    # The one-call check is an inner detail; this pins which schemas take it.
    assert compile_validator(SCHEMAS[0])._whole is not None
    assert compile_validator(SCHEMAS[2])._whole is not None, "its draft is kept"
    assert compile_validator(SCHEMAS[3])._whole is None, "a $ref resolves against the root"
