"""Each step on records, and what happens to a record a step cannot handle."""

from __future__ import annotations

import copy
import hashlib
import math
from typing import Any

import pytest

from hookline.mapping import MappingResult, compile_mapping
from hookline.mapping._mapper import CHUNK
from hookline.secrets import MASK

SALT = "pepper-0123456789"


def run(spec: Any, *records: dict[str, Any]) -> MappingResult:
    return compile_mapping(spec).apply(list(records))


def one(spec: Any, record: dict[str, Any]) -> dict[str, Any]:
    result = run(spec, record)
    assert not result.rejected, result.rejected
    (mapped,) = result.records
    return mapped


def reasons(result: MappingResult) -> list[str]:
    return [r.reason for r in result.rejected]


# -- rename, keep, drop, defaults, text ---------------------------------------------------


def test_rename_moves_values_and_swaps_at_once() -> None:
    assert one({"rename": {"id": "order_id"}}, {"id": 1, "n": 2}) == {"order_id": 1, "n": 2}
    assert one({"rename": {"a": "b", "b": "a"}}, {"a": 1, "b": 2}) == {"b": 1, "a": 2}
    assert one({"rename": {"gone": "x"}}, {"a": 1}) == {"a": 1}
    assert one({"rename": {"a": "b"}}, {"a": 1, "b": 2}) == {"b": 1}  # the renamed one wins


def test_keep_selects_in_the_listed_order_and_drop_removes() -> None:
    mapped = one({"keep": ["c", "a", "zz"]}, {"a": 1, "b": 2, "c": 3})
    assert list(mapped.items()) == [("c", 3), ("a", 1)]
    assert one({"drop": ["a", "zz"]}, {"a": 1, "b": 2}) == {"b": 2}


def test_defaults_fill_missing_and_null_values_only() -> None:
    spec = {"defaults": {"country": "NL", "tags": []}}
    result = run(spec, {"country": None}, {"country": "BE", "tags": ["x"]}, {})
    assert result.records == [
        {"country": "NL", "tags": []},
        {"country": "BE", "tags": ["x"]},
        {"country": "NL", "tags": []},
    ]
    result.records[0]["tags"].append("changed")
    assert result.records[2]["tags"] == []  # each record gets its own copy


def test_lower_upper_trim_change_strings_only() -> None:
    spec = [{"trim": ["a", "b"]}, {"lower": ["a"]}, {"upper": "b"}]
    assert one(spec, {"a": "  MiXed ", "b": " x", "c": " keep "}) == {
        "a": "mixed",
        "b": "X",
        "c": " keep ",
    }
    assert one(spec, {"a": 12, "b": None}) == {"a": 12, "b": None}


# -- cast -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("integer", "12", 12),
        ("integer", " -7 ", -7),
        ("integer", "12.0", 12),
        ("integer", "1e3", 1000),
        ("integer", 3.0, 3),
        ("integer", 5, 5),
        ("number", "12.5", 12.5),
        ("number", " 3 ", 3.0),
        ("number", 3, 3),
        ("number", 2.5, 2.5),
        ("string", 12, "12"),
        ("string", 1.5, "1.5"),
        ("string", True, "true"),
        ("string", {"a": [1]}, '{"a":[1]}'),
        ("boolean", "Yes", True),
        ("boolean", "0", False),
        ("boolean", 1, True),
        ("boolean", False, False),
        ("datetime", "2024-01-31T10:00:00Z", "2024-01-31T10:00:00+00:00"),
        ("datetime", "2024-01-31", "2024-01-31T00:00:00"),
        ("datetime", 0, "1970-01-01T00:00:00+00:00"),
        ("json", '{"a": [1, 2]}', {"a": [1, 2]}),
        ("json", "12", 12),
        ("json", {"a": 1}, {"a": 1}),
    ],
)
def test_cast_converts(kind: str, value: Any, expected: Any) -> None:
    mapped = one({"cast": {"f": kind}}, {"f": value})
    assert mapped["f"] == expected
    assert type(mapped["f"]) is type(expected)


@pytest.mark.parametrize(
    ("kind", "value", "reason"),
    [
        ("integer", "abc", 'cast f: "abc" is not an integer'),
        ("integer", "12.5", 'cast f: "12.5" is not an integer'),
        ("integer", "1_000", 'cast f: "1_000" is not an integer'),
        ("integer", True, "cast f: true is not an integer"),
        ("integer", 2.5, "cast f: 2.5 is not an integer"),
        ("number", "abc", 'cast f: "abc" is not a number'),
        ("number", "nan", 'cast f: "nan" is not a number'),
        ("number", "inf", 'cast f: "inf" is not a number'),
        ("number", False, "cast f: false is not a number"),
        ("number", [1], "cast f: an array is not a number"),
        ("boolean", "maybe", 'cast f: "maybe" is not a boolean'),
        ("boolean", 2, "cast f: 2 is not a boolean"),
        ("datetime", "yesterday", 'cast f: "yesterday" is not a date-time'),
        ("datetime", {"a": 1}, "cast f: an object is not a date-time"),
        ("json", "{", 'cast f: "{" is not valid JSON'),
    ],
)
def test_cast_failures_reject_the_record_with_a_short_reason(
    kind: str, value: Any, reason: str
) -> None:
    result = run({"cast": {"f": kind}}, {"f": value})
    assert result.records == []
    assert reasons(result) == [reason]


def test_cast_leaves_null_and_missing_alone() -> None:
    spec = {"cast": {"a": "integer", "b": "number"}}
    assert one(spec, {"a": None}) == {"a": None}


def test_cast_reason_shortens_long_values() -> None:
    result = run({"cast": {"f": "number"}}, {"f": "x" * 500})
    (reason,) = reasons(result)
    assert len(reason) < 80
    assert reason.startswith('cast f: "xxxx') and reason.endswith('…" is not a number')


# -- compute and filter --------------------------------------------------------------------


def test_compute_in_order_each_sees_the_fields_before_it() -> None:
    spec = {
        "compute": {
            "email": "lower(email)",
            "domain": "split(email, '@')[1]",
            "copy": "domain",
            "missing": "nothing.here",
        }
    }
    assert one(spec, {"email": "Ann@Shop.TEST"}) == {
        "email": "ann@shop.test",
        "domain": "shop.test",
        "copy": "shop.test",
        "missing": None,
    }


def test_compute_errors_reject_with_the_function_and_types_not_the_value() -> None:
    result = run({"compute": {"n": "abs(total)"}}, {"total": "secret-ish"}, {"total": -2})
    assert result.records == [{"total": -2, "n": 2}]
    assert reasons(result) == ["compute n: abs() expected number, got string"]


def test_filter_drops_falsy_records_and_counts_them_apart_from_errors() -> None:
    spec = [{"filter": "status"}, {"compute": {"k": "abs(n)"}}]
    records = [
        {"status": "paid", "n": 1},
        {"status": "", "n": 1},
        {"status": None, "n": 1},
        {"status": 0, "n": 1},  # 0 is truthy in JMESPath
        {"status": [], "n": 1},
        {"status": "paid", "n": "x"},
    ]
    result = run(spec, *records)
    assert result.filtered == 3
    assert [r["status"] for r in result.records] == ["paid", 0]
    assert reasons(result) == ["compute k: abs() expected number, got string"]


def test_filter_with_a_comparison_and_an_error() -> None:
    spec = {"filter": "total > `100` && country == 'NL'"}
    result = run(
        spec,
        {"total": 150, "country": "NL"},
        {"total": 50, "country": "NL"},
        {"total": 150, "country": "BE"},
        {"total": "150", "country": "NL"},  # a string compared with a number
    )
    assert result.records == [{"total": 150, "country": "NL"}]
    assert result.filtered == 2
    assert reasons(result) == ["filter: values of different types cannot be compared or combined"]


# -- hash and mask ---------------------------------------------------------------------


def _hasher(salt: str = SALT) -> Any:
    return compile_mapping({"salt": salt, "hash": ["email", "n"]})


def test_hash_is_the_hex_sha256_of_salt_and_value() -> None:
    mapped = _hasher().apply([{"email": "ann@shop.test", "n": 42, "z": None}]).records[0]
    expected = hashlib.sha256((SALT + "ann@shop.test").encode()).hexdigest()
    assert mapped["email"] == expected
    assert mapped["n"] == hashlib.sha256((SALT + "42").encode()).hexdigest()


def test_same_input_same_hash_and_another_salt_another_hash() -> None:
    first = _hasher().apply([{"email": "a@b.c"}, {"email": "a@b.c"}, {"email": "x@b.c"}])
    a, b, c = (r["email"] for r in first.records)
    assert a == b != c
    other = _hasher("another-salt-value").apply([{"email": "a@b.c"}]).records[0]["email"]
    assert other != a
    assert _hasher().apply([{"email": None}]).records == [{"email": None}]


def test_mask_hides_everything_or_at_most_half() -> None:
    spec = {"mask": {"card": 4, "pin": 0, "short": 4}}
    mapped = one(spec, {"card": "4111111111111111", "pin": 1234, "short": "12345"})
    assert mapped == {"card": MASK + "1111", "pin": MASK, "short": MASK}
    assert one({"mask": ["a"]}, {"a": "anything", "b": None}) == {"a": MASK, "b": None}


def test_reasons_never_show_a_hashed_or_masked_value() -> None:
    spec = {
        "salt": SALT,
        "steps": [
            {"rename": {"mail": "email"}},
            {"cast": {"email": "integer", "card": "number", "plain": "integer"}},
            {"compute": {"n": "abs(email)"}},
            {"hash": ["email"]},
            {"mask": {"card": 4}},
        ],
    }
    mapper = compile_mapping(spec)
    secret_mail, secret_card = "ann.secret@shop.test", "4111-1111-1111-1111"
    result = mapper.apply(
        [
            {"mail": secret_mail, "card": None, "plain": "1"},
            {"mail": None, "card": secret_card, "plain": "1"},
            {"mail": None, "card": None, "plain": "visible"},
        ]
    )
    assert reasons(result) == [
        "cast email: the value is not an integer",
        "cast card: the value is not a number",
        'cast plain: "visible" is not an integer',
    ]
    for reason in reasons(result):
        assert secret_mail not in reason and secret_card not in reason


def test_flattened_parent_of_a_hashed_field_is_sensitive_too() -> None:
    steps = [
        {"cast": {"customer": "json"}},
        {"flatten": ["customer"]},
        {"hash": ["customer_email"]},
    ]
    mapper = compile_mapping({"salt": SALT, "steps": steps})
    result = mapper.apply(
        [{"customer": '{"email": "ann@shop.test"'}, {"customer": '{"email": "b"}'}]
    )
    assert reasons(result) == ["cast customer: the value is not valid JSON"]
    assert result.records == [{"customer_email": hashlib.sha256(f"{SALT}b".encode()).hexdigest()}]


# -- flatten ---------------------------------------------------------------------------


def test_flatten_lifts_nested_fields_at_every_depth() -> None:
    record = {"id": 1, "a": {"b": 1, "c": {"d": 2, "e": [1]}}, "x": {"y": None}}
    assert one({"flatten": ["a", "x"]}, record) == {
        "id": 1,
        "a_b": 1,
        "a_c_d": 2,
        "a_c_e": [1],
        "x_y": None,
    }
    assert one({"flatten": {"a": "."}}, {"a": {"b": {"c": 1}}}) == {"a.b.c": 1}


def test_flatten_null_parent_disappears_and_a_scalar_is_rejected() -> None:
    result = run({"flatten": ["a"]}, {"a": None, "k": 1}, {"a": "text"}, {"k": 2})
    assert result.records == [{"k": 1}, {"k": 2}]
    assert reasons(result) == ["flatten a: not an object"]


# -- batches ---------------------------------------------------------------------------


def test_rejected_records_are_the_input_as_read_and_input_is_unchanged() -> None:
    records = [{"id": "1", "t": "x"}, {"id": "2", "t": "3"}]
    before = copy.deepcopy(records)
    result = compile_mapping([{"rename": {"id": "key"}}, {"cast": {"t": "number"}}]).apply(records)
    assert records == before
    assert result.records == [{"key": "2", "t": 3.0}]
    assert result.rejected[0].record is records[0]
    assert result.rejected[0].record == {"id": "1", "t": "x"}


def test_large_batches_keep_order_and_route_each_failure_to_its_record() -> None:
    size = CHUNK * 2 + 17
    records = [
        {"i": i, "v": "bad" if i % 7 == 3 else str(i), "keep": i % 5 != 0} for i in range(size)
    ]
    spec = [{"cast": {"v": "integer"}}, {"filter": "keep"}, {"drop": ["keep"]}]
    result = compile_mapping(spec).apply(records)
    expected = [{"i": i, "v": i} for i in range(size) if i % 7 != 3 and i % 5 != 0]
    assert result.records == expected
    assert [r.record["i"] for r in result.rejected] == [i for i in range(size) if i % 7 == 3]
    assert result.filtered == sum(1 for i in range(size) if i % 7 != 3 and i % 5 == 0)


def test_a_record_that_is_not_an_object_is_rejected_alone() -> None:
    result = compile_mapping({"lower": ["a"]}).apply([{"a": "X"}, ["not", "a", "record"]])  # type: ignore[list-item]
    assert result.records == [{"a": "x"}]
    assert reasons(result) == ["the record is not an object"]


def test_numbers_from_casts_are_finite() -> None:
    mapped = run({"cast": {"a": "number"}}, *({"a": v} for v in ("1e308", "-0.0", "1e-320")))
    assert all(math.isfinite(r["a"]) for r in mapped.records)
    assert len(mapped.records) == 3


NUMBER_SAMPLES = ["1", " 2.5 ", "-0", "1e3", "1_0", "nan", "-inf", "x", "", True, 3, 2.5, [1], {}]


@pytest.mark.parametrize("value", NUMBER_SAMPLES)
def test_the_number_cast_loop_agrees_with_the_number_conversion(value: Any) -> None:
    from hookline.mapping._casts import CASTS, CastFailure

    convert, unchanged = CASTS["number"]
    try:
        expected: Any = value if type(value) in unchanged else convert(value)
    except CastFailure:
        expected = "rejected"
    result = run({"cast": {"f": "number"}}, {"f": value})
    got = result.records[0]["f"] if result.records else "rejected"
    assert got == expected and type(got) is type(expected)
