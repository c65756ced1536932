"""Expressions: hookline's functions, plugin functions, and agreement with JMESPath itself."""

from __future__ import annotations

import hashlib
from typing import Any

import jmespath
import pytest
from jmespath import exceptions as jp_exceptions

from hookline.errors import ConfigError
from hookline.mapping import Expression, MappingFunction, compile_mapping, parse_mapping
from hookline.mapping._expressions import Compiler
from hookline.mapping._functions import function_table


def compute(expression: str, record: dict[str, Any], **kwargs: Any) -> Any:
    result = compile_mapping({"compute": {"out": expression}}, **kwargs).apply([record])
    assert not result.rejected, result.rejected
    return result.records[0]["out"]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("lower(s)", "mixed case"),
        ("upper(s)", "MIXED CASE"),
        ("trim(pad)", "x y"),
        ("lower(missing)", None),
        ("concat(s, '-', n, '-', missing, flag)", "MiXed Case-42-true"),
        ("split(email, '@')", ["ann", "shop.test"]),
        ("split(email, '@')[1]", "shop.test"),
        ("split(missing, ',')", None),
        ("replace(email, 'shop', 'store')", "ann@store.test"),
        ("sha256(email)", hashlib.sha256(b"ann@shop.test").hexdigest()),
        ("sha256(n)", hashlib.sha256(b"42").hexdigest()),
        ("to_number(num)", 12.5),
        ("to_string(n)", "42"),
        ("join(', ', tags)", "a, b"),
        ("length(tags)", 2),
        ("contains(tags, 'b')", True),
        ("not_null(missing, s)", "MiXed Case"),
        ("starts_with(email, 'ann')", True),
        ("nested.inner.value", 7),
        ("tags[0]", "a"),
        ("{n: n, s: s}", {"n": 42, "s": "MiXed Case"}),
        ("[n, flag]", [42, True]),
        ("items[?price > `5`].name", ["big"]),
        ("n == `42` && flag", True),
        ("!flag", False),
        ("missing || 'fallback'", "fallback"),
        ("`0` || 'x'", 0),
    ],
)
def test_functions_and_paths(expression: str, expected: Any) -> None:
    record = {
        "s": "MiXed Case",
        "pad": "  x y ",
        "email": "ann@shop.test",
        "n": 42,
        "flag": True,
        "num": "12.5",
        "tags": ["a", "b"],
        "nested": {"inner": {"value": 7}},
        "items": [{"name": "big", "price": 9}, {"name": "small", "price": 1}],
    }
    assert compute(expression, record) == expected


RECORDS = [
    {"a": 1, "b": "x", "c": True, "d": None, "e": [1, 2, 3], "f": {"g": {"h": 0}}},
    {"a": 0, "b": "", "c": False, "d": 1.5, "e": [], "f": {}},
    {"a": "1", "b": 1, "c": 1, "d": [True], "e": "str", "f": None},
    {},
]
EXPRESSIONS = [
    "a", "f.g.h", "f.g.zz", "e[1]", "e[-1]", "e[5]", "@", "`[1, 2]`", "'lit'",
    "a == `1`", "a == `true`", "b != 'x'", "b == 'x'", "a == `2`", "a != `2.5`",
    "e == `[]`", "c == `1`", "a != `0`", "c != `false`", "a == b", "d == `null`",
    "a < `2`", "b >= 'a'", "d > `1`", "e < `1`",
    "a && b", "a || b", "d || c", "!a", "!b", "!e", "!f", "a && !c",
    "[a, b]", "{x: a, y: f.g}", "a | b", "e[*]", "e[?@ > `1`]", "e[::2]", "f.*", "e[]",
    "length(e)", "lower(b)", "upper(b)", "concat(a, b)", "to_number(a)", "type(d)",
    "abs(a)", "max(e)", "not_null(d, a)", "merge(f, `{\"k\": 1}`)", "sort_by(@.e, &@)",
]  # fmt: skip


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_compiled_closures_agree_with_jmespath(expression: str) -> None:
    table = function_table()
    compiled = Compiler(table).compile(Expression.parse(expression, table))
    options = jmespath.Options(custom_functions=table.functions)
    for record in RECORDS:
        try:
            expected: Any = ("ok", jmespath.search(expression, record, options=options))
        except Exception as exc:  # any failure must be the same kind of failure
            expected = ("error", type(exc))
        try:
            got: Any = ("ok", compiled(record))
        except Exception as exc:
            got = ("error", type(exc))
        assert got == expected, (expression, record)
        if got[0] == "ok":  # JMESPath's 1 is not true, and its 0 not false
            assert type(got[1]) is type(expected[1])


def test_type_errors_name_the_function_and_types() -> None:
    result = compile_mapping({"compute": {"x": "lower(n)", "y": "split(s, `1`)"}}).apply(
        [{"n": 5, "s": "a"}, {"n": "A", "s": "a"}]
    )
    assert [r.reason for r in result.rejected] == [
        "compute x: lower() expected null or string, got number",
        "compute y: split() expected string, got number",
    ]


def test_unknown_functions_and_wrong_arity_are_config_problems() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_mapping(
            {"compute": {"a": "uper(x)", "b": "lower(x, y)", "c": "concat()", "d": "'a' + 'b'"}},
            source="p.yaml",
        )
    assert [str(p) for p in caught.value.problems] == [
        "p.yaml: unknown function uper(): did you mean upper()? @ $.compute.a",
        "p.yaml: lower() takes 1 argument(s), got 2 @ $.compute.b",
        "p.yaml: concat() takes at least 1 argument(s), got 0 @ $.compute.c",
        "p.yaml: invalid expression: Unknown token + at column 5 @ $.compute.d",
    ]


def _cents(value: float | None) -> int | None:
    return None if value is None else round(value * 100)


CENTS = MappingFunction(
    "cents", _cents, ["number|null"], returns=["integer", "null"], description="x 100"
)


def test_a_plugin_function_is_callable_checked_and_typed() -> None:
    schema = {"type": "object", "properties": {"total": {"type": "number"}}}
    mapper = compile_mapping(
        {"compute": {"total_cents": "cents(total)"}}, schema, functions=[CENTS]
    )
    result = mapper.apply([{"total": 12.34}, {"total": "12"}, {}])
    assert [r.get("total_cents") for r in result.records] == [1234, None]
    assert [r.reason for r in result.rejected] == [
        "compute total_cents: cents() expected null or number, got string"
    ]
    assert mapper.output_schema["properties"]["total_cents"] == {"type": ["integer", "null"]}
    with pytest.raises(ConfigError, match="unknown function cents"):
        compile_mapping({"compute": {"c": "cents(total)"}})


def test_function_declarations_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown argument type"):
        MappingFunction("f", _cents, ["decimal"])
    with pytest.raises(ValueError, match="use letters, digits"):
        MappingFunction("no-dash", _cents, ["any"])


def test_expression_errors_never_repeat_the_value() -> None:
    with pytest.raises(jp_exceptions.JMESPathTypeError) as caught:
        jmespath.search("abs(a)", {"a": "hunter2-value"})
    assert "hunter2-value" in str(caught.value)  # JMESPath's own message would show it
    result = compile_mapping({"compute": {"x": "abs(a)"}}).apply([{"a": "hunter2-value"}])
    assert "hunter2-value" not in result.rejected[0].reason


def test_a_spec_read_with_plugin_functions_needs_them_when_compiled() -> None:
    spec = parse_mapping({"compute": {"c": "cents(total)"}}, functions=[CENTS])
    assert compile_mapping(spec, functions=[CENTS]).apply([{"total": 1.5}]).records == [
        {"total": 1.5, "c": 150}
    ]
    with pytest.raises(ConfigError, match=r"unknown function cents\(\).* @ \$.compute.c"):
        compile_mapping(spec)


def test_a_plugin_function_cannot_replace_a_built_in_one() -> None:
    for name in ("length", "lower"):
        shadow = MappingFunction(name, len, ["any"])
        with pytest.raises(ValueError, match=f"function {name}\\(\\) is already defined"):
            compile_mapping({"compute": {"x": "a"}}, functions=[shadow])
