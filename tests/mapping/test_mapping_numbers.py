"""Integers beyond 64 bits stay exact through the mapping: casts, expressions, hash, schema.

Sources keep integers of any size as Python ints. Nothing in the mapping may round one to
a float without a word: where a value cannot be kept exact, the record is refused with a
reason instead.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest

from hookline.mapping import MappingResult, compile_mapping, compile_validator

BIG = 2**70  # 1180591620717411303424
SALT = "pepper-0123456789"
HUGE = 10**5000  # more digits than Python writes as text (4,300)


def run(spec: Any, *records: dict[str, Any]) -> MappingResult:
    return compile_mapping(spec).apply(list(records))


def one(spec: Any, record: dict[str, Any]) -> dict[str, Any]:
    result = run(spec, record)
    assert not result.rejected, result.rejected
    (mapped,) = result.records
    return mapped


def reasons(result: MappingResult) -> list[str]:
    return [r.reason for r in result.rejected]


def same(value: Any, expected: Any) -> bool:
    """Equal and of the same type: 2**70 and float(2**70) are equal in Python."""
    return bool(value == expected) and type(value) is type(expected)


# -- cast ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (BIG, BIG),
        (-BIG, -BIG),
        (str(BIG), BIG),
        (f" {BIG + 1}.0 ", BIG + 1),
        ("12345678901234567890.0", 12345678901234567890),
        ("1e30", 10**30),
        ("1.5e21", 1500000000000000000000),
        pytest.param("9" * 4300, int("9" * 4300), id="4300 digits"),
        ("12.0", 12),
        (3.0, 3),
    ],
)
def test_cast_integer_is_exact(value: Any, expected: int) -> None:
    assert same(one({"cast": {"n": "integer"}}, {"n": value})["n"], expected)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("12.0000000000000001", 'cast n: "12.0000000000000001" is not an integer'),
        pytest.param(
            "1" * 4301,
            'cast n: "11111111111111111111111111111…" is not an integer of at most 4300 digits',
            id="4301 digits",
        ),
        ("1e999999999", 'cast n: "1e999999999" is not an integer of at most 4300 digits'),
        ("1e-5", 'cast n: "1e-5" is not an integer'),
    ],
)
def test_cast_integer_refuses_what_it_cannot_keep_exact(value: str, reason: str) -> None:
    assert reasons(run({"cast": {"n": "integer"}}, {"n": value})) == [reason]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (BIG, BIG),  # integers stay as they are
        (str(BIG), BIG),  # beyond 2**53, text becomes an exact int, not a rounded float
        (f"{BIG}.0", BIG),
        ("9007199254740993", 9007199254740993),  # 2**53 + 1: a float would give 2**53
        ("-9007199254740993", -9007199254740993),
        ("1e30", 10**30),
        ("12", 12.0),  # below 2**53, as before: a float
        ("9007199254740991", 9007199254740991.0),
        ("12.5", 12.5),
    ],
)
def test_cast_number_never_rounds_a_whole_number(value: Any, expected: Any) -> None:
    assert same(one({"cast": {"n": "number"}}, {"n": value})["n"], expected)


def test_cast_number_refuses_a_fraction_a_float_would_round() -> None:
    result = run({"cast": {"n": "number"}}, {"n": "12345678901234567890.5"}, {"n": "0.1"})
    assert reasons(result) == [
        'cast n: "12345678901234567890.5" is not a number a float holds without rounding '
        "(a fraction beyond 2**53)"
    ]
    assert result.records == [{"n": 0.1}]


SAMPLES = [str(BIG), "9007199254740993", "12345678901234567890.5", "1e400", "1e999999999", "7"]


@pytest.mark.parametrize("value", SAMPLES)
def test_the_number_cast_loop_agrees_with_the_number_conversion(value: str) -> None:
    from hookline.mapping._casts import CASTS, CastFailure

    convert, _ = CASTS["number"]
    try:
        expected: Any = convert(value)
    except CastFailure:
        expected = "rejected"
    result = run({"cast": {"n": "number"}}, {"n": value})
    got = result.records[0]["n"] if result.records else "rejected"
    assert same(got, expected)


def test_cast_string_writes_big_integers_exactly() -> None:
    mapped = one({"cast": {"a": "string", "b": "string"}}, {"a": BIG, "b": [BIG, {"n": -BIG}, 1.5]})
    assert mapped == {"a": str(BIG), "b": f'[{BIG},{{"n":-{BIG}}},1.5]'}


def test_cast_json_reads_big_integers_exactly() -> None:
    text = f'{{"id": {BIG}, "n": [{-BIG}, 1.5, 12]}}'
    mapped = one({"cast": {"j": "json"}}, {"j": text})
    assert mapped["j"] == {"id": BIG, "n": [-BIG, 1.5, 12]}
    assert same(mapped["j"]["id"], BIG)
    result = run({"cast": {"j": "json"}}, {"j": f"[NaN, {BIG}]"}, {"j": f"[1e400, {BIG}]"})
    assert [r.split(" is not ")[1] for r in reasons(result)] == ["valid JSON", "valid JSON"]


def test_integers_python_cannot_write_are_refused_with_a_reason() -> None:
    spec = {"cast": {"s": "string", "b": "boolean"}}
    result = run(spec, {"s": HUGE}, {"b": HUGE}, {"s": 5, "b": 1})
    assert reasons(result) == [
        "cast s: an integer of more than 4300 digits is not convertible to text",
        "cast b: an integer of more than 4300 digits is not a boolean",
    ]
    assert result.records == [{"s": "5", "b": True}]


# -- expressions ------------------------------------------------------------------------------


def test_comparisons_and_literals_are_exact() -> None:
    spec = {
        "compute": {
            "gt": f"n > `{BIG - 1}`",
            "eq": f"n == `{BIG}`",
            "ne": f"n == `{BIG + 1}`",
            "vs_float": "m == `9007199254740992.0`",  # 2**53 + 1 is not 2**53 as a float
            "ordered": "m > `9007199254740992.0`",
        },
        "filter": f"n >= `{BIG}`",
    }
    result = run(spec, {"n": BIG, "m": 2**53 + 1}, {"n": BIG - 1, "m": 0})
    assert len(result.records) == 1 and result.filtered == 1
    (mapped,) = result.records
    assert (mapped["gt"], mapped["eq"], mapped["ne"]) == (True, True, False)
    assert (mapped["vs_float"], mapped["ordered"]) == (False, True)


def test_functions_keep_big_integers_exact() -> None:
    spec = {
        "compute": {
            "sum": "sum([n, n, `1`])",
            "max": "max([n, m, `1.5`])",
            "min": "min([n, m])",
            "abs": "abs(m)",
            "floor": "floor(n)",
            "sorted": "sort([n, m, `0`])",
            "avg": "avg([n, n])",
            "text": "to_string(n)",
            "joined": "concat(n, '/', m)",
            "number": "to_number(t)",
            "number_fraction": "to_number(f)",
            "sha": "sha256(n)",
        }
    }
    mapped = one(spec, {"n": BIG, "m": -BIG - 1, "t": str(BIG + 1), "f": f"{BIG}.0"})
    assert same(mapped["sum"], 2 * BIG + 1)
    assert same(mapped["max"], BIG) and same(mapped["min"], -BIG - 1)
    assert same(mapped["abs"], BIG + 1) and same(mapped["floor"], BIG)
    assert mapped["sorted"] == [-BIG - 1, 0, BIG]
    assert same(mapped["avg"], BIG)
    assert mapped["text"] == str(BIG) and mapped["joined"] == f"{BIG}/{-BIG - 1}"
    assert same(mapped["number"], BIG + 1) and same(mapped["number_fraction"], BIG)
    assert mapped["sha"] == hashlib.sha256(str(BIG).encode()).hexdigest()


@pytest.mark.parametrize(
    ("expression", "reason", "small"),
    [
        ("sum([n, `0.5`])", "sum() would round an integer beyond 2**53 to a float", 2.5),
        ("avg([n, m])", "avg() would round an integer beyond 2**53 to a float", 3.0),
        (
            "to_number(f)",
            "to_number(): the text is not a number a float holds without rounding "
            "(a fraction beyond 2**53)",
            2.5,
        ),
    ],
)
def test_arithmetic_a_float_would_round_refuses_the_record(
    expression: str, reason: str, small: float
) -> None:
    record = {"n": BIG, "m": BIG + 1, "f": f"{BIG}.5"}
    result = run({"compute": {"x": expression}}, record, {"n": 2, "m": 4, "f": "2.5"})
    assert reasons(result) == [f"compute x: {reason}"]
    assert [r["x"] for r in result.records] == [small]  # small numbers: floats, as before


def test_small_numbers_keep_jmespaths_results() -> None:
    mapped = one(
        {"compute": {"avg": "avg([`1`, `2`])", "sum": "sum([`1`, `0.5`])", "n": "to_number(t)"}},
        {"t": "12"},
    )
    assert same(mapped["avg"], 1.5) and same(mapped["sum"], 1.5) and same(mapped["n"], 12)


# -- hash and mask ---------------------------------------------------------------------------


def test_hash_of_a_big_integer_hashes_its_exact_digits() -> None:
    mapped = one({"salt": SALT, "hash": ["n", "m"]}, {"n": BIG, "m": [BIG]})
    assert mapped["n"] == hashlib.sha256((SALT + str(BIG)).encode()).hexdigest()
    assert mapped["m"] == hashlib.sha256(f"{SALT}[{BIG}]".encode()).hexdigest()
    assert mapped["n"] != one({"salt": SALT, "hash": ["n"]}, {"n": BIG + 1})["n"]


def test_hash_and_mask_refuse_a_value_without_a_text_form() -> None:
    records = [{"n": 1}, {"n": HUGE}, {"n": "\ud800"}, {"n": 2}]  # a lone surrogate
    result = run({"salt": SALT, "hash": ["n"]}, *records)
    assert reasons(result) == ["hash n: the value cannot be written as text"] * 2
    assert [r.record for r in result.rejected] == records[1:3]
    assert [r["n"] for r in result.records] == [
        hashlib.sha256(f"{SALT}{n}".encode()).hexdigest() for n in (1, 2)
    ]
    result = run({"mask": {"n": 2}}, {"n": HUGE}, {"n": BIG})
    assert reasons(result) == ["mask n: the value cannot be written as text"]
    assert result.records == [{"n": "********24"}]


# -- the schema check -------------------------------------------------------------------------


def _check(schema: dict[str, Any], value: Any) -> list[str]:
    validator = compile_validator({"type": "object", "properties": {"n": schema}})
    record = {"n": value}
    problems = validator.problems(record)
    assert validator.is_valid(record) == (problems == [])
    good, rejected = validator.split([record])
    assert (good == [record]) == (problems == []) and len(rejected) == (problems != [])
    return problems


@pytest.mark.parametrize(
    ("schema", "value", "valid"),
    [
        ({"type": "integer"}, BIG, True),
        ({"type": "integer"}, -BIG, True),
        ({"type": "integer"}, 10**400, True),
        ({"type": "number"}, BIG, True),
        ({"type": "string"}, BIG, False),
        ({"type": "integer", "maximum": BIG}, BIG, True),
        ({"type": "integer", "maximum": BIG}, BIG + 1, False),
        ({"type": "integer", "minimum": BIG}, BIG - 1, False),
        ({"type": "integer", "exclusiveMinimum": 2**64}, 2**64, False),
        ({"type": "integer", "exclusiveMinimum": 2**64}, 2**64 + 1, True),
        ({"type": "integer", "maximum": 2**63 - 1}, 2**63, False),
        ({"type": "integer", "maximum": -(2**64)}, -(2**64) + 1, False),
        ({"type": "integer", "maximum": 10**400}, 10**400 + 1, False),
        ({"type": "integer", "multipleOf": 2**69}, BIG, True),
        ({"type": "integer", "multipleOf": 2**69}, BIG + 1, False),
        ({"enum": [BIG]}, BIG + 1, False),
        ({"const": BIG}, BIG, True),
        ({"const": 2**53 + 1}, float(2**53), False),  # not rounded to compare
        ({"type": "number", "maximum": 2**53}, 2**53 + 1, False),
        ({"type": "number", "maximum": float(BIG)}, BIG + 1, False),
        ({"type": "array", "uniqueItems": True}, [BIG, BIG + 1], True),
    ],
    ids=lambda v: f"{len(str(v))}-digit" if isinstance(v, int) and v > 10**30 else None,
)
def test_the_schema_check_compares_big_integers_exactly(
    schema: dict[str, Any], value: Any, valid: bool
) -> None:
    assert (_check(schema, value) == []) is valid


def test_the_fallback_schema_check_compares_big_integers_exactly() -> None:
    # A datetime is a value jsonschema-rs does not take: the jsonschema package checks it.
    validator = compile_validator(
        {
            "type": "object",
            "properties": {"at": {}, "n": {"type": "integer", "maximum": BIG}},
        }
    )
    at = dt.datetime(2024, 1, 31, tzinfo=dt.timezone.utc)
    assert validator.is_valid({"at": at, "n": BIG})
    assert validator.problems({"at": at, "n": BIG + 1}) == [
        f"field n: greater than {BIG} (maximum)"
    ]
    good, rejected = validator.split([{"at": at, "n": BIG}, {"at": at, "n": BIG + 1}])
    assert [r["n"] for r in good] == [BIG] and [r.record["n"] for r in rejected] == [BIG + 1]
