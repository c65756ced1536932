"""``concat`` and ``to_string`` write numbers, booleans and null exactly as JSON does.

Their common arguments skip the JSON encoder; the text must not change for any value.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from hookline.mapping import compile_mapping
from hookline.mapping._sized import _to_string, text_form

EDGES: list[Any] = [
    0, 1, -1, 2**61, -(2**61), 2**62 - 1, 2**62, -(2**62), 2**63, 2**70, -(2**80),
    0.1, 1.5, -0.0, 3.0, 1e300, 1e-7, 5e-324, 123456789.123456789,
    float("nan"), float("inf"), float("-inf"), True, False, None,
]  # fmt: skip


def _json(value: Any, **options: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str, **options)


@pytest.mark.parametrize("value", EDGES, ids=repr)
def test_edge_values_are_written_as_json_writes_them(value: Any) -> None:
    assert _to_string(value) == _json(value)
    assert text_form(value) == _json(value, ensure_ascii=False)


def test_random_numbers_are_written_as_json_writes_them() -> None:
    rng = random.Random(5)
    for _ in range(20_000):
        value = rng.choice(
            [
                rng.randrange(-(2**64), 2**64),
                rng.uniform(-1e20, 1e20),
                rng.random() * 10 ** rng.randrange(-300, 300),
            ]
        )
        assert text_form(value) == _json(value, ensure_ascii=False), value
        assert _to_string(value) == _json(value), value


def test_concat_and_to_string_in_a_mapping() -> None:
    schema = {
        "type": "object",
        "properties": {"n": {"type": "integer"}, "x": {"type": "number"}, "ok": {}},
    }
    spec = {"compute": {"label": "concat(to_string(n), ':', x, ':', ok)"}}
    mapper = compile_mapping(spec, schema)
    records = [{"n": 7, "x": 2.5, "ok": True}, {"n": 2**70, "x": 1e300, "ok": None}]
    labels = [r["label"] for r in mapper.apply(records).records]
    assert labels == ["7:2.5:true", f"{2**70}:1e+300:"]
