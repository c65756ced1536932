"""Checking records against their whole JSON Schema, with short reasons that hide values."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import jsonschema
import pytest

from hookline.errors import HooklineError
from hookline.mapping import SchemaError, compile_validator

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

ORDER = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "email": {"type": "string", "format": "email"},
        "status": {"enum": ["placed", "paid", "shipped"]},
        "created_at": {"type": "string", "format": "date-time"},
        "items": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {"sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]+$"},
                               "qty": {"type": "integer", "minimum": 1}},
                "required": ["sku", "qty"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["id", "email", "items"],
}  # fmt: skip

GOOD_ORDER = {
    "id": 7,
    "email": "ann@shop.test",
    "status": "paid",
    "created_at": "2024-01-31T10:00:00Z",
    "items": [{"sku": "ABC-1", "qty": 2}],
}


def split(records: list[Any], schema: Any = SCHEMA) -> tuple[list[Any], list[str]]:
    good, rejected = compile_validator(schema).split(records)
    return good, [r.reason for r in rejected]


def reference(schema: dict[str, Any]) -> Any:
    cls: Any = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


# -- What passes, what is set aside, and why ----------------------------------------------


def test_valid_records_are_returned_as_they_are_in_order() -> None:
    records = [
        {"id": 1, "note": None, "total": 2.5, "name": None, "paid": False, "tags": [], "meta": {}},
        {"id": 2, "note": [1], "total": 3, "extra": "allowed: the schema does not forbid it"},
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
        ({"id": 1, "note": 1, "tags": ["a", 2]}, "field tags[1]: expected string, got integer"),
        ({"id": 1, "note": 1, "meta": []}, "field meta: expected object or null, got array"),
        ({"note": 1}, "field id: required, missing"),
        ({"id": 1}, "field note: required, missing"),
    ],
)
def test_type_rules(record: dict[str, Any], reason: str) -> None:
    good, reasons = split([record])
    assert good == []
    assert reasons == [reason]


def test_json_schemas_number_rules_an_integral_float_is_an_integer_a_bool_never() -> None:
    schema = {"properties": {"i": {"type": "integer"}, "n": {"type": "number"}}}
    good, reasons = split([{"i": 3.0}, {"i": -0.0}, {"n": 3}, {"i": True}, {"n": False}], schema)
    assert good == [{"i": 3.0}, {"i": -0.0}, {"n": 3}]
    assert reasons == [
        "field i: expected integer, got boolean",
        "field n: expected number, got boolean",
    ]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"id": 0}, "field id: less than 1 (minimum)"),
        ({"email": "not-an-address"}, "field email: not a valid email (format)"),
        ({"status": "lost"}, 'field status: not one of "placed", "paid", "shipped" (enum)'),
        ({"created_at": "31/01/2024"}, "field created_at: not a valid date-time (format)"),
        ({"items": []}, "field items: fewer than 1 items (minItems)"),
        ({"items": [{"sku": "ABC-1", "qty": 1}, {"sku": "ABC-2", "qty": 0}]},
         "field items[1].qty: less than 1 (minimum)"),
        ({"items": [{"sku": "ABC-1"}]}, "field items[0].qty: required, missing"),
        ({"items": [{"sku": "abc", "qty": 1}]},
         "field items[0].sku: does not match the pattern ^[A-Z]{3}-[0-9]+$ (pattern)"),
        ({"items": [{"sku": "ABC-1", "qty": 1, "price": 5}]},
         "field items[0].price: not allowed (additionalProperties)"),
    ],
)  # fmt: skip
def test_every_keyword_at_every_depth_is_checked(change: dict[str, Any], reason: str) -> None:
    good, reasons = split([{**GOOD_ORDER, **change}], ORDER)
    assert good == []
    assert reasons == [reason]


@pytest.mark.parametrize(
    ("schema", "value", "reason"),
    [
        ({"const": "v1"}, "v2", "not the value the schema requires (const)"),
        ({"exclusiveMinimum": 0}, 0, "not greater than 0 (exclusiveMinimum)"),
        ({"maximum": 10}, 11, "greater than 10 (maximum)"),
        ({"exclusiveMaximum": 10}, 10, "not less than 10 (exclusiveMaximum)"),
        ({"multipleOf": 5}, 12, "not a multiple of 5 (multipleOf)"),
        ({"minLength": 2}, "x", "shorter than 2 characters (minLength)"),
        ({"maxLength": 2}, "xyz", "longer than 2 characters (maxLength)"),
        ({"maxItems": 1}, [1, 2], "more than 1 items (maxItems)"),
        ({"uniqueItems": True}, [1, 1], "has duplicate items (uniqueItems)"),
        ({"contains": {"type": "string"}}, [1], "has no item that matches (contains)"),
        ({"minProperties": 1}, {}, "fewer than 1 fields (minProperties)"),
        ({"maxProperties": 0}, {"a": 1}, "more than 0 fields (maxProperties)"),
        ({"not": {"type": "string"}}, "x", "matches the schema under not (not)"),
        ({"oneOf": [{"type": "integer"}, {"type": "number"}]}, 1,
         "matches more than one of the oneOf schemas"),
        ({"anyOf": [{"minimum": 5}, {"maximum": 1}]}, 3, "matches none of the anyOf schemas"),
        ({"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]}, "soon",
         "not a valid date (format)"),
        ({"oneOf": [{"type": "string"}, {"type": "null"}]}, 5,
         "expected string or null, got integer"),
        ({"enum": list(range(9))}, 10, "not one of the 9 allowed values (enum)"),
    ],
)  # fmt: skip
def test_reasons_per_keyword(schema: dict[str, Any], value: Any, reason: str) -> None:
    _, reasons = split([{"v": value}], {"properties": {"v": schema}})
    assert reasons == [f"field v: {reason}"]


def test_a_false_item_schema_names_the_item() -> None:
    schema = {"properties": {"v": {"prefixItems": [{"type": "string"}], "items": False}}}
    assert split([{"v": ["a", "b"]}], schema)[1] == [
        "field v[1]: not allowed (the schema is false)"
    ]


def test_reasons_never_show_the_value() -> None:
    secret = "s3cr3t-4111-1111"
    schema = {
        "properties": {
            "a": {"type": "integer"},
            "b": {"enum": ["x"]},
            "c": {"format": "email"},
            "d": {"maxLength": 3},
            "e": {"pattern": "^x$"},
            "f": {"const": "y"},
            "g": {"not": {"type": "string"}},
            "h": {"anyOf": [{"type": "integer"}, {"format": "uuid"}]},
        },
        "additionalProperties": False,
    }
    record = {k: secret for k in "abcdefgh"} | {"extra": secret}
    problems = compile_validator(schema).problems(record)
    assert len(problems) == 9
    assert all(secret not in p and "4111" not in p for p in problems)
    assert problems[-1] == "field extra: not allowed (additionalProperties)"


def test_several_problems_in_one_short_reason() -> None:
    record = {"id": "x", "note": 1, "total": "x", "name": 1, "paid": "x", "tags": 1, "meta": 1}
    _, reasons = split([record])
    assert reasons == [
        "field id: expected integer, got string; field total: expected number, got string; "
        "field name: expected string or null, got integer; and 3 more"
    ]
    assert len(compile_validator(SCHEMA).problems(record)) == 6


def test_not_an_object_and_no_schema() -> None:
    good, reasons = split([["a"], "text", None, {"a": 1}], {})
    assert reasons == ["the record is not an object"] * 3
    assert good == [{"a": 1}]
    _, rejected = compile_validator(None).split([5])
    assert rejected[0].record == {"value": 5}
    assert compile_validator(None).problems(5) == ["the record is not an object"]  # type: ignore[arg-type]
    assert compile_validator({"type": "array"}).problems([]) == ["the record is not an object"]  # type: ignore[arg-type]


# -- Formats ------------------------------------------------------------------------------

FORMAT_CASES = [
    ("date-time", "2024-01-31T10:00:00Z", True),
    ("date-time", "2024-01-31T10:00:00.5+01:00", True),
    ("date-time", "2024-01-31 10:00", False),
    ("date-time", "2024-13-01T10:00:00Z", False),
    ("date", "2024-02-29", True),
    ("date", "2023-02-29", False),
    ("date", "31.01.2024", False),
    ("email", "ann@shop.test", True),
    ("email", "ann.shop.test", False),
    ("uri", "https://shop.test/orders?id=1", True),
    ("uri", "shop.test/orders", False),
    ("uuid", "0b4f9c1e-8d1a-4c3e-9f7e-2a6b5c4d3e2f", True),
    ("uuid", "0b4f9c1e-8d1a-4c3e-9f7e", False),
]


@pytest.mark.parametrize("dialect", [None, "https://json-schema.org/draft/2020-12/schema"])
@pytest.mark.parametrize(("fmt", "value", "valid"), FORMAT_CASES)
def test_formats_are_asserted_with_and_without_a_schema_dialect(
    dialect: str | None, fmt: str, value: str, valid: bool
) -> None:
    schema: dict[str, Any] = {"type": "object", "properties": {"v": {"format": fmt}}}
    if dialect:
        schema["$schema"] = dialect
    good, reasons = split([{"v": value}], schema)
    assert bool(good) is valid
    assert reasons == ([] if valid else [f"field v: not a valid {fmt} (format)"])


def test_formats_in_draft_7_and_formats_off() -> None:
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "properties": {"d": {"format": "date"}},
    }
    assert split([{"d": "2023-02-29"}], schema)[1] == ["field d: not a valid date (format)"]
    relaxed = compile_validator({"properties": {"d": {"format": "date"}}}, formats=False)
    assert relaxed.split([{"d": "2023-02-29"}])[1] == []
    # An unknown format is an annotation: nothing to check.
    assert split([{"d": "x"}], {"properties": {"d": {"format": "shoe-size"}}})[1] == []


# -- Values jsonschema-rs does not take ---------------------------------------------------


def test_integers_beyond_64_bits_are_checked_exactly() -> None:
    schema = {
        "properties": {
            "n": {"type": "integer", "maximum": 2**70},
            "m": {"type": "integer", "minimum": -(2**64)},
        }
    }
    good, reasons = split(
        [{"n": 2**70}, {"n": 2**70 + 1}, {"m": -(2**64) - 1}, {"n": 10**40}], schema
    )
    assert good == [{"n": 2**70}]
    assert reasons == [
        f"field n: greater than {2**70} (maximum)",
        f"field m: less than {-(2**64)} (minimum)",
        f"field n: greater than {2**70} (maximum)",
    ]


def test_python_values_without_a_json_form_are_checked_by_jsonschema() -> None:
    schema = {
        "type": "object",
        "properties": {"at": {"type": "string"}, "n": {"type": "integer"}},
        "required": ["n"],
        "additionalProperties": False,
    }
    moment = dt.datetime(2024, 1, 31, tzinfo=dt.timezone.utc)
    good, reasons = split(
        [{"n": 1, "at": moment}, {"n": 1, "x": {1: "a"}}, {"at": "s", "n": object()}], schema
    )
    assert good == []
    assert reasons == [
        "field at: expected string, got datetime",
        "field x: not allowed (additionalProperties)",
        "field n: expected integer, got object",
    ]
    anything = {"any": object(), "when": moment, "keys": {1: 2}}
    good, reasons = split([anything], {"type": "object"})
    assert good == [anything] and reasons == []
    missing = compile_validator(schema).problems({"at": moment})
    assert missing == ["field at: expected string, got datetime", "field n: required, missing"]


def test_a_value_no_validator_can_read_is_rejected_not_raised() -> None:
    schema = {"patternProperties": {"^a": {"type": "string"}}}
    _, reasons = split([{1: dt.date(2024, 1, 1)}], schema)
    assert reasons == ["the record holds a value that is not JSON and cannot be checked"]


def test_nan_and_infinity_are_not_numbers_in_json() -> None:
    schema = {"properties": {"x": {"type": "number"}}}
    _, reasons = split([{"x": float("nan")}, {"x": float("inf")}], schema)
    assert reasons == ["field x: expected number, got NaN or infinity (not JSON)"] * 2
    nullable = {"properties": {"x": {"type": ["number", "null"]}}}
    good, reasons = split([{"x": float("nan")}, {"x": None}], nullable)
    assert good == [{"x": None}]
    assert reasons == ["field x: expected number or null, got NaN or infinity (not JSON)"]


# -- Schemas that cannot check anything ---------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"properties": {"a": {"type": "strng"}}}, r"not valid JSON Schema at #/properties/a/type"),
        ({"properties": {"a": {"minimum": "1"}}}, r"at #/properties/a/minimum"),
        ({"properties": {"a": {"$ref": "#/$defs/nope"}}}, r"cannot be resolved: .*/\$defs/nope"),
        ({"properties": {"a": {"$ref": "https://schemas.test/a.json"}}}, r"a.json is not fetched"),
        ({"$schema": "https://schemas.test/dialect"}, r"schemas.test/dialect"),
    ],
)
def test_a_schema_that_cannot_be_compiled_raises_a_clear_schema_error(
    schema: dict[str, Any], message: str
) -> None:
    with pytest.raises(SchemaError, match=message) as caught:
        compile_validator(schema)
    assert isinstance(caught.value, HooklineError) and isinstance(caught.value, ValueError)
    assert str(caught.value).startswith("the stream's schema")
    assert "\n" not in str(caught.value)


def test_local_refs_and_the_bundled_meta_schemas_resolve() -> None:
    schema = {
        "$defs": {"qty": {"type": "integer", "minimum": 1}},
        "properties": {"q": {"$ref": "#/$defs/qty"}},
    }
    assert split([{"q": 1}, {"q": 0}], schema)[1] == ["field q: less than 1 (minimum)"]
    meta = {"properties": {"s": {"$ref": "https://json-schema.org/draft/2020-12/schema"}}}
    assert split([{"s": {"type": "string"}}, {"s": {"type": 5}}], meta)[0] == [
        {"s": {"type": "string"}}
    ]


# -- The same verdicts as the jsonschema package ------------------------------------------

DIFFERENTIAL: list[tuple[dict[str, Any], list[Any]]] = [
    ({"enum": ["paid", "open", 1, None]}, ["paid", "x", 1, 1.0, True, None, 0]),
    ({"const": 0}, [0, 0.0, False, None, "0"]),
    ({"const": {"a": [1, True]}}, [{"a": [1, True]}, {"a": [1, 1]}, {"a": [1.0, True]}]),
    ({"format": "date"}, ["2024-01-31", "2024-1-31", "2023-02-29", 5]),
    ({"format": "email"}, ["ann@shop.test", "ann", 5]),
    ({"format": "uuid"}, ["0b4f9c1e-8d1a-4c3e-9f7e-2a6b5c4d3e2f", "0b4f9c1e", None]),
    ({"format": "ipv4"}, ["10.0.0.1", "10.0.0.256", "10.0.0"]),
    ({"minimum": 5, "maximum": 10}, [5, 10, 4.999, 10.5, True, "7", 2**70, -(2**70)]),
    ({"exclusiveMinimum": 0, "exclusiveMaximum": 1}, [0, 0.5, 1, 1e-300, -0.0]),
    ({"multipleOf": 5}, [10, 12, 0, -5, 2**70 * 5, 2**70 + 1]),
    ({"minLength": 2, "maxLength": 3}, ["é", "éé", "😀😀😀", "😀😀😀😀", 12]),
    ({"pattern": "^[A-Z]{3}-[0-9]+$"}, ["ABC-1", "abc-1", "ABC-", 5, "xABC-1"]),
    ({"type": ["string", "null"]}, ["a", None, 0, False, [], {}]),
    ({"type": "integer"}, [1, 1.0, 1.5, True, 2**64, -(2**63) - 1, "1"]),
    (
        {
            "type": "object",
            "properties": {
                "customer": {
                    "type": "object",
                    "properties": {
                        "address": {
                            "type": "object",
                            "properties": {"city": {"type": "string"}},
                            "required": ["city"],
                        }
                    },
                    "required": ["address"],
                }
            },
        },
        [
            {"customer": {"address": {"city": "Gent"}}},
            {"customer": {"address": {}}},
            {"customer": {}},
            {"customer": {"address": {"city": None}}},
            {},
        ],
    ),
    (
        {
            "properties": {"a": {}},
            "patternProperties": {"^x_": {"type": "integer"}},
            "additionalProperties": False,
        },
        [{"a": 1}, {"x_n": 1}, {"x_n": "1"}, {"b": 1}, {}],
    ),
    ({"additionalProperties": {"type": "integer"}}, [{"a": 1}, {"a": "1"}, {}]),
    ({"items": {"type": "integer"}, "minItems": 1}, [[1, 2], [], [1, "2"], [1.0]]),
    (
        {"prefixItems": [{"type": "string"}, {"type": "integer"}], "items": False},
        [["a", 1], ["a"], ["a", 1, 2], [1, "a"], []],
    ),
    ({"uniqueItems": True}, [[1, 2], [1, 1.0], [1, True], [{"a": 1}, {"a": 1}], [[0], [False]]]),
    ({"contains": {"const": 1}, "maxContains": 1}, [[1], [1, 1], [2], []]),
    ({"anyOf": [{"type": "string", "maxLength": 2}, {"type": "integer"}]}, ["ab", "abc", 1, 1.5]),
    ({"oneOf": [{"type": "integer"}, {"minimum": 2}]}, [1, 3, 2.5, "x", 1.0]),
    ({"allOf": [{"minimum": 1}, {"maximum": 3}], "not": {"const": 2}}, [1, 2, 3, 4]),
    (
        {
            "if": {"properties": {"kind": {"const": "card"}}},
            "then": {"required": ["last4"]},
            "else": {"not": {"required": ["last4"]}},
        },
        [
            {"kind": "card", "last4": "1234"},
            {"kind": "card"},
            {"kind": "iban"},
            {"kind": "iban", "last4": "1"},
        ],
    ),
    ({"dependentRequired": {"card": ["expiry"]}}, [{"card": 1, "expiry": 2}, {"card": 1}, {}]),
    (
        {
            "$defs": {
                "node": {
                    "type": "object",
                    "properties": {"next": {"$ref": "#/$defs/node"}, "v": {"type": "integer"}},
                }
            },
            "$ref": "#/$defs/node",
        },
        [{"v": 1, "next": {"v": 2, "next": {}}}, {"v": 1, "next": {"v": "2"}}],
    ),
    ({"propertyNames": {"maxLength": 3}}, [{"abc": 1}, {"abcd": 1}, {}]),
    (
        {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "items": [{"type": "string"}],
            "additionalItems": False,
        },
        [["a"], ["a", "b"], [1]],
    ),
]


@pytest.mark.parametrize(("schema", "values"), DIFFERENTIAL)
def test_agrees_with_jsonschema_on_valid_and_invalid(
    schema: dict[str, Any], values: list[Any]
) -> None:
    wrapped = {"type": "object", "properties": {"v": schema}, "required": ["v"]}
    if "$schema" in schema:
        wrapped = {"$schema": schema["$schema"], **wrapped}
        wrapped["properties"] = {"v": {k: v for k, v in schema.items() if k != "$schema"}}
    if "$defs" in schema:
        wrapped["$defs"] = schema["$defs"]
    expected = reference(wrapped)
    validator = compile_validator(wrapped)
    verdicts = []
    for value in values:
        record = {"v": value}
        good, rejected = validator.split([record])
        verdict = expected.is_valid(record)
        assert bool(good) == verdict, (schema, value)
        assert bool(rejected) != verdict and validator.is_valid(record) == verdict
        if not verdict:
            assert rejected[0].reason, (schema, value)
        verdicts.append(verdict)
    assert True in verdicts and False in verdicts, "each case has valid and invalid values"


VALUES = [None, True, False, 0, 1, -3, 2.0, 2.5, "", "s", [], [1], {}, {"a": 1}]
TYPES = ["string", "integer", "number", "boolean", "null", "object", "array"]


@pytest.mark.parametrize(
    "declared",
    [*TYPES, ["integer", "null"], ["number", "string"], ["boolean", "object", "array"]],
)
def test_agrees_with_jsonschema_on_every_type_and_value(declared: str | list[str]) -> None:
    schema = {"type": "object", "properties": {"v": {"type": declared}}, "required": ["v"]}
    expected = reference(schema)
    validator = compile_validator(schema)
    for value in VALUES:
        record = {"v": value}
        good, _ = validator.split([record])
        assert bool(good) == expected.is_valid(record), (declared, value)


def test_agrees_with_jsonschema_on_mixed_records() -> None:
    expected = reference(ORDER)
    validator = compile_validator(ORDER)
    samples: dict[str, list[Any]] = {
        "id": [1, 0, "1", 2.0],
        "email": ["a@b.test", "ab", None],
        "status": ["paid", "lost", None],
        "items": [[{"sku": "ABC-1", "qty": 1}], [], [{"sku": "ABC-1"}], [{"sku": "x", "qty": 1}]],
    }
    for combo in itertools.product(*samples.values()):
        record = dict(zip(samples, combo, strict=True))
        good, _ = validator.split([record])
        assert bool(good) == expected.is_valid(record), record
