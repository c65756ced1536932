"""Fields named by steps and read by expressions are checked against the stream's schema."""

from __future__ import annotations

from typing import Any

import pytest

from hookline.errors import ConfigError
from hookline.mapping import (
    Defaults,
    Drop,
    Expression,
    Lower,
    MappingSpec,
    compile_mapping,
    parse_mapping,
)
from hookline.mapping._references import expression_fields

SALT = "pepper-0123456789"

CUSTOMERS = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "email": {"type": "string"},
        "first_name": {"type": "string"},
        "last_name": {"type": "string"},
        "total": {"type": "string"},
        "customer_id": {"type": "integer"},
        "address": {"type": "object", "properties": {"city": {"type": "string"}}},
        "meta": {"type": "object"},
        "note": {"type": "string"},
    },
    "required": ["id"],
}
CLOSED = {**CUSTOMERS, "additionalProperties": False}
FIELDS = "id, email, first_name, last_name, total, customer_id, address, meta, note"


def problems(spec: Any, schema: dict[str, Any] | None = CUSTOMERS) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        compile_mapping(spec, schema, source="p.yaml", path="$.map")
    return [str(p) for p in caught.value.problems]


def open_message(step: str, field: str, mean: str | None, path: str) -> str:
    hint = f": did you mean {mean!r}?" if mean else ""
    return (
        f"p.yaml: {step}: no field {field!r} in the stream's schema at this point{hint} "
        f"(fields: {FIELDS}); if records have it all the same, mark the step optional @ {path}"
    )


# -- Every step that names fields ---------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "step", "field", "mean", "path"),
    [
        ({"lower": ["emial"]}, "lower", "emial", "email", "$.map.lower"),
        ({"upper": ["emial"]}, "upper", "emial", "email", "$.map.upper"),
        ({"trim": ["emial"]}, "trim", "emial", "email", "$.map.trim"),
        ({"rename": {"custmer_id": "customer"}}, "rename", "custmer_id", "customer_id", None),
        ({"cast": {"totl": "number"}}, "cast", "totl", "total", "$.map.cast"),
        ({"keep": ["id", "emial"]}, "keep", "emial", "email", "$.map.keep"),
        ({"drop": ["nte"]}, "drop", "nte", "note", "$.map.drop"),
        ({"salt": SALT, "hash": ["emial"]}, "hash", "emial", "email", "$.map.hash"),
        ({"mask": {"emial": 4}}, "mask", "emial", "email", "$.map.mask"),
        ({"flatten": ["adress"]}, "flatten", "adress", "address", "$.map.flatten"),
        ({"lower": ["zzz"]}, "lower", "zzz", None, "$.map.lower"),
    ],
)
def test_a_misspelled_field_is_a_problem_with_a_hint(
    spec: dict[str, Any], step: str, field: str, mean: str | None, path: str | None
) -> None:
    assert problems(spec) == [open_message(step, field, mean, path or f"$.map.{step}")]


def test_the_same_mapping_on_correct_names_compiles_and_maps() -> None:
    spec = {
        "rename": {"customer_id": "customer"},
        "lower": ["email"],
        "compute": {"full_name": "concat(first_name, ' ', last_name)"},
        "filter": "customer > `0`",
        "drop": ["note"],
    }
    mapper = compile_mapping(spec, CUSTOMERS)
    record = {"id": 1, "email": "A@B.C", "first_name": "Ann", "last_name": "Lee", "note": "x"}
    result = mapper.apply([{**record, "customer_id": 5}])
    assert result.records == [
        {"id": 1, "email": "a@b.c", "first_name": "Ann", "last_name": "Lee", "customer": 5,
         "full_name": "Ann Lee"}
    ]  # fmt: skip


def test_one_problem_per_reference_with_the_steps_path() -> None:
    spec = [{"lower": ["emial", "email", "nme"]}, {"cast": {"totl": "number", "id": "string"}}]
    assert problems(spec) == [
        open_message("lower", "emial", "email", "$.map[0].lower"),
        open_message("lower", "nme", None, "$.map[0].lower"),
        open_message("cast", "totl", "total", "$.map[1].cast"),
    ]


def test_defaults_create_fields_and_later_steps_may_name_them() -> None:
    mapper = compile_mapping({"defaults": {"country": "NL"}, "upper": ["country"]}, CUSTOMERS)
    assert mapper.apply([{"id": 1}]).records == [{"id": 1, "country": "NL"}]
    # Built in Python, optional on defaults changes nothing.
    spec = MappingSpec([Defaults({"country": "NL"}, optional=True), Lower(["country"])])
    assert compile_mapping(spec, CLOSED).warnings == ()


def test_steps_see_the_schema_as_earlier_steps_shaped_it() -> None:
    # After the rename, only the new name exists.
    assert problems([{"rename": {"email": "mail"}}, {"lower": ["email"]}]) == [
        "p.yaml: lower: no field 'email' in the stream's schema at this point: did you mean "
        "'mail'? (fields: id, mail, first_name, last_name, total, customer_id, address, meta, "
        "note); if records have it all the same, mark the step optional @ $.map[1].lower"
    ]
    # A dropped field is gone for later steps.
    assert "no field 'note'" in problems([{"drop": ["note"]}, {"upper": ["note"]}])[0]
    # Flattening lists the nested fields under their new names.
    mapper = compile_mapping([{"flatten": ["address"]}, {"upper": ["address_city"]}], CUSTOMERS)
    assert mapper.apply([{"id": 1, "address": {"city": "Gent"}}]).records == [
        {"id": 1, "address_city": "GENT"}
    ]


def test_a_free_form_object_flattened_may_have_any_field_under_its_prefix() -> None:
    mapper = compile_mapping([{"flatten": ["meta"]}, {"lower": ["meta_source"]}], CLOSED)
    assert mapper.apply([{"id": 1, "meta": {"source": "WEB"}}]).records == [
        {"id": 1, "meta_source": "web"}
    ]
    # Another name is still checked, against a schema that allows no other fields.
    assert problems([{"flatten": ["meta"]}, {"lower": ["metasource"]}], CLOSED) == [
        "p.yaml: lower: no field 'metasource' at this point (fields: id, email, first_name, "
        "last_name, total, customer_id, address, note); the schema allows no other fields "
        "@ $.map[1].lower"
    ]


def test_pattern_properties_name_fields_a_closed_schema_allows() -> None:
    schema = {**CLOSED, "patternProperties": {"^x_": {"type": "string"}}}
    assert compile_mapping({"lower": ["x_source"]}, schema).warnings == ()
    assert "no field 'y_source' at this point" in problems({"lower": ["y_source"]}, schema)[0]


# -- Expressions --------------------------------------------------------------------------


def test_expression_fields_are_checked_at_the_fields_path() -> None:
    spec = {
        "compute": {"full_name": "concat(first_nme, ' ', last_name)"},
        "filter": "totl != '0' && id > `1`",
    }
    assert problems(spec) == [
        open_message("compute", "first_nme", "first_name", "$.map.compute.full_name"),
        open_message("filter", "totl", "total", "$.map.filter").replace(
            "note)", "note, full_name)"
        ),
    ]


def test_a_compute_sees_the_fields_computed_before_it() -> None:
    spec = {"compute": {"domain": "split(email, '@')[1]", "shout": "upper(domain)"}}
    mapper = compile_mapping(spec, CUSTOMERS)
    assert mapper.apply([{"id": 1, "email": "a@b.c"}]).records[0]["shout"] == "B.C"
    later_first = {"compute": {"shout": "upper(domain)", "domain": "split(email, '@')[1]"}}
    assert problems(later_first) == [open_message("compute", "domain", None, "$.map.compute.shout")]


def test_nested_paths_are_checked_at_the_top_level_only() -> None:
    spec = {"compute": {"city": "address.town", "first": "meta.items[0].sku"}}
    assert compile_mapping(spec, CUSTOMERS).warnings == ()
    assert problems({"compute": {"city": "adress.city"}}) == [
        open_message("compute", "adress", "address", "$.map.compute.city")
    ]


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("a", ["a"]),
        ('"quoted field"', ["quoted field"]),
        ("a.b.c", ["a"]),
        ("a[0]", ["a"]),
        ("a[0].b", ["a"]),
        ("a[0][1]", ["a"]),
        ("a[1:2]", ["a"]),
        ("(a || b).c", ["a", "b"]),
        ("@", []),
        ("@.a", ["a"]),
        ("@ | a", ["a"]),
        ("`1`", []),
        ("'text'", []),
        ('`{"a": 1}`', []),
        ("lower(email)", ["email"]),
        ("concat(first, ' ', last)", ["first", "last"]),
        ("length(@)", []),
        ("not_null(a, b.c, `1`)", ["a", "b"]),
        ("sort_by(items, &price)", ["items"]),
        ("max_by(items, &price).name", ["items"]),
        ("map(&lower(name), tags)", ["tags"]),
        ("a == b", ["a", "b"]),
        ("a < `3`", ["a"]),
        ("a && b || !c", ["a", "b", "c"]),
        ("!(a == 'x')", ["a"]),
        ("[a, b.c]", ["a", "b"]),
        ("{x: a, y: b.c, z: `1`}", ["a", "b"]),
        ("a.[b, c]", ["a"]),
        ("a.{x: b}", ["a"]),
        ("items[*].qty", ["items"]),
        ("items[?qty > `1`].sku", ["items"]),
        ("[?qty > `1`].sku", []),
        ("[*].a", []),
        ("*.b", []),
        ("a.*", ["a"]),
        ("a[]", ["a"]),
        ("a[].b", ["a"]),
        ("items[*].qty | [0]", ["items"]),
        ("a | b", ["a"]),
        ("a | [b, c]", ["a"]),
        ("length(items[?price > limit])", ["items"]),
        ("a || a.b || a", ["a"]),
        ("[0]", []),
    ],
)
def test_expression_fields_are_the_top_level_references(text: str, fields: list[str]) -> None:
    assert expression_fields(Expression.parse(text).tree) == fields


# -- optional -----------------------------------------------------------------------------


def test_optional_in_the_list_form() -> None:
    spec = parse_mapping([{"lower": ["nickname"], "optional": True}, {"upper": ["email"]}])
    assert [s.optional for s in spec.steps] == [True, False]
    mapper = compile_mapping(spec, CUSTOMERS)
    assert mapper.apply([{"id": 1, "nickname": "BO"}, {"id": 2}]).records == [
        {"id": 1, "nickname": "bo"},
        {"id": 2},
    ]
    assert parse_mapping([{"lower": ["a"], "optional": False}]).steps[0].optional is False


def test_optional_in_the_mapping_form() -> None:
    spec = parse_mapping(
        {"lower": ["nickname"], "cast": {"score": "integer"}, "upper": ["email"],
         "optional": ["lower", "cast"]}
    )  # fmt: skip
    assert {s.name: s.optional for s in spec.steps} == {"lower": True, "upper": False, "cast": True}
    mapper = compile_mapping(spec, CUSTOMERS)
    assert [str(w) for w in mapper.warnings] == [
        "<mapping>: lower: field 'nickname' is not in the stream's schema (optional) @ $.lower",
        "<mapping>: cast: field 'score' is not in the stream's schema (optional) @ $.cast",
    ]
    assert mapper.output_schema["properties"]["score"] == {"type": ["integer", "null"]}
    one = parse_mapping({"lower": ["nickname"], "optional": "lower"})
    assert one.steps[0].optional is True


def test_optional_covers_expressions_too() -> None:
    spec = {
        "compute": {"nick": "lower(nickname)"},
        "filter": "vip",
        "optional": ["compute", "filter"],
    }
    mapper = compile_mapping(spec, CUSTOMERS)
    result = mapper.apply([{"id": 1, "nickname": "BO", "vip": True}, {"id": 2}])
    assert result.records == [{"id": 1, "nickname": "BO", "vip": True, "nick": "bo"}]
    assert result.filtered == 1


def test_optional_cannot_make_a_field_exist_where_none_other_can() -> None:
    assert problems([{"lower": ["nickname"], "optional": True}], CLOSED) == [
        "p.yaml: lower: no field 'nickname' at this point (fields: id, email, first_name, "
        "last_name, total, customer_id, address, meta, note); the schema allows no other "
        "fields (optional cannot make it exist) @ $.map[0].lower"
    ]
    after_keep = [{"keep": ["id", "email"]}, {"upper": ["note"], "optional": True}]
    assert problems(after_keep) == [
        "p.yaml: upper: no field 'note' at this point (fields: id, email); "
        "keep left no other field (optional cannot make it exist) @ $.map[1].upper"
    ]
    # Known fields are fine in an optional step, whatever the schema.
    assert compile_mapping({"lower": ["email"], "optional": ["lower"]}, CLOSED).warnings == ()


def test_misused_optional_is_reported_with_its_path() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_mapping(
            [
                {"lower": ["a"], "optional": "yes"},
                {"optional": True},
                {"defaults": {"a": 1}, "optional": True},
                {"lower": ["a"], "upper": ["b"], "optional": True},
                {"upper": ["a"], "optional": ["upper"]},
            ],
            source="p.yaml",
            path="$.m",
        )
    assert [str(p) for p in caught.value.problems] == [
        "p.yaml: optional: expected true or false @ $.m[0].optional",
        "p.yaml: optional marks a step: write it next to one, such as "
        "{lower: [nickname], optional: true} @ $.m[1]",
        "p.yaml: optional: defaults names no field that must exist, remove it @ $.m[2].optional",
        "p.yaml: one step per list item: split lower, upper into items of their own @ $.m[3]",
        "p.yaml: optional: expected true or false; to name steps, use the mapping form "
        "@ $.m[4].optional",
    ]


def test_misused_optional_in_the_mapping_form() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_mapping(
            {"lower": ["a"], "defaults": {"b": 1}, "optional": ["lowr", "cast", "defaults", 3]},
            source="p.yaml",
            path="$.m",
        )
    assert [str(p) for p in caught.value.problems] == [
        "p.yaml: optional: unknown step 'lowr': did you mean 'lower'? @ $.m.optional[0]",
        "p.yaml: optional: this mapping has no cast step @ $.m.optional[1]",
        "p.yaml: optional: defaults names no field that must exist, remove it @ $.m.optional[2]",
        "p.yaml: optional: unknown step 3 @ $.m.optional[3]",
    ]
    for value, message in [
        (True, "optional: in a mapping of steps, name the steps it marks"),
        ({}, "optional: expected a list of step names"),
        ([], "optional: expected a list of step names"),
    ]:
        with pytest.raises(ConfigError, match=message):
            parse_mapping({"lower": ["a"], "optional": value})
    with pytest.raises(ConfigError, match=r"optional next to steps: mark the list items instead"):
        parse_mapping({"steps": [{"lower": ["a"]}], "optional": ["lower"]})


def test_optional_is_part_of_a_steps_identity() -> None:
    assert Drop(["a"]) != Drop(["a"], optional=True)
    assert parse_mapping([{"drop": ["a"], "optional": True}]).steps == (Drop(["a"], optional=True),)


# -- A schema that lists no fields --------------------------------------------------------


@pytest.mark.parametrize(
    "schema", [None, {}, {"type": "object"}, {"type": "object", "properties": {}}]
)
def test_a_schema_that_lists_no_fields_gives_nothing_to_check_against(
    schema: dict[str, Any] | None,
) -> None:
    spec = {"lower": ["emial"], "compute": {"x": "upper(anything)"}, "drop": ["whatever"]}
    mapper = compile_mapping(spec, schema)
    assert mapper.warnings == ()
    assert mapper.apply([{"emial": "A", "anything": "b"}]).records == [
        {"emial": "a", "anything": "b", "x": "B"}
    ]


def test_after_keep_even_a_schema_that_lists_nothing_knows_its_fields() -> None:
    with pytest.raises(ConfigError, match=r"no field 'c' at this point.*keep left no other field"):
        compile_mapping([{"keep": ["a", "b"]}, {"lower": ["c"]}], None)
