"""The mapping spec: both forms, the canonical order, and every problem with its path."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

import hookline.mapping
from hookline import Secret
from hookline.errors import ConfigError
from hookline.mapping import (
    CANONICAL_ORDER,
    Cast,
    Compute,
    Defaults,
    Drop,
    Filter,
    Hash,
    Keep,
    Lower,
    MappingSpec,
    Rename,
    compile_mapping,
    parse_mapping,
)

SALT = "pepper-0123456789"
MAP = "$.streams.orders.map"


def _lines(error: ConfigError) -> list[str]:
    return [str(p) for p in error.problems]


def test_list_form_keeps_the_written_order() -> None:
    spec = parse_mapping(
        [{"drop": ["x"]}, {"rename": {"a": "b"}}, {"cast": {"b": "integer"}}, {"lower": "e"}]
    )
    assert [type(s) for s in spec.steps] == [Drop, Rename, Cast, Lower]
    assert spec.steps[3] == Lower(("e",))  # one name where a list is expected is a list
    assert spec.salt is None


def test_mapping_form_runs_in_canonical_order_whatever_the_key_order() -> None:
    data = {
        "drop": ["email"],
        "keep": ["id", "domain", "email"],
        "compute": {"domain": "split(email, '@')[1]"},
        "cast": {"id": "integer"},
        "rename": {"mail": "email"},
    }
    spec = parse_mapping(data)
    assert [s.name for s in spec.steps] == ["rename", "cast", "compute", "keep", "drop"]
    assert [s.name for s in spec.steps] == [n for n in CANONICAL_ORDER if n in data]
    # compute sees the renamed field before keep and drop remove it
    result = compile_mapping(spec).apply([{"id": "7", "mail": "ann@shop.test", "x": 1}])
    assert result.records == [{"id": 7, "domain": "shop.test"}]


def test_canonical_order_is_documented_in_the_reference() -> None:
    doc = Path(__file__).parents[2] / "docs" / "reference" / "mapping.md"
    text = doc.read_text(encoding="utf-8")
    assert " → ".join(CANONICAL_ORDER) in text


def test_settings_with_an_ordered_list_of_steps() -> None:
    spec = parse_mapping(
        {"salt": SALT, "steps": [{"hash": ["email"]}, {"filter": "id > `1`"}]},
        environ={},
    )
    assert [s.name for s in spec.steps] == ["hash", "filter"]
    assert isinstance(spec.salt, Secret)
    assert spec.salt.reveal() == SALT
    assert SALT not in repr(spec)


def test_every_problem_is_reported_at_once_with_its_path() -> None:
    data = [
        {"rename": {"id": "order_id"}},
        {"renme": {"a": "b"}},
        {"cast": {"total": "numbr", "qty": "integer"}},
        {"compute": {"x": "lower(email", "y": "lowr(email)"}},
        {"hash": ["email"]},
        "drop",
        {"keep": ["a"], "drop": ["b"]},
        {"filter": 5},
    ]
    with pytest.raises(ConfigError) as caught:
        parse_mapping(data, source="pipeline.yaml", path=MAP)
    assert _lines(caught.value) == [
        f"pipeline.yaml: unknown step 'renme': did you mean 'rename'? @ {MAP}[1]",
        f"pipeline.yaml: unknown type 'numbr': did you mean number? @ {MAP}[2].cast.total",
        f"pipeline.yaml: invalid expression: it ends too early @ {MAP}[3].compute.x",
        f"pipeline.yaml: unknown function lowr(): did you mean lower()? @ {MAP}[3].compute.y",
        "pipeline.yaml: expected a step such as {rename: {old: new}} @ " + f"{MAP}[5]",
        "pipeline.yaml: one step per list item: split keep, drop into items of their own @ "
        + f"{MAP}[6]",
        f"pipeline.yaml: expected an expression (a string) @ {MAP}[7].filter",
        "pipeline.yaml: hash needs a salt: add {salt: ..., steps: [...]} to the mapping @ "
        + f"{MAP}[4].hash",
    ]


def test_mapping_form_problems_have_key_paths() -> None:
    data = {
        "renme": {"a": "b"},
        "cast": ["total"],
        "mask": {"card": -1},
        "flatten": {"address": ""},
        "defaults": {"n": object(), "z": None},
        "hash": ["email"],
    }
    with pytest.raises(ConfigError) as caught:
        parse_mapping(data, source="p.yaml", path="$.map")
    assert _lines(caught.value) == [
        "p.yaml: unknown step 'renme': did you mean 'rename'? @ $.map.renme",
        "p.yaml: empty separator: use one such as _ or . @ $.map.flatten.address",
        "p.yaml: expected a JSON value @ $.map.defaults.n",
        "p.yaml: a default of null changes nothing: give a value or remove it @ $.map.defaults.z",
        "p.yaml: expected a mapping such as {total: number} @ $.map.cast",
        "p.yaml: expected how many characters to show (0 or more) @ $.map.mask.card",
        "p.yaml: hash needs a salt: add salt: ${env:MAP_SALT} to the mapping @ $.map.hash",
    ]


def test_shapes_that_are_not_a_mapping() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_mapping({"steps": {"rename": {}}, "rename": {"a": "b"}}, source="p.yaml")
    assert _lines(caught.value) == [
        "p.yaml: 'rename' next to steps: move it into the steps list @ $.rename",
        "p.yaml: expected a list of steps @ $.steps",
    ]
    with pytest.raises(ConfigError, match=r"expected a list of steps, or a mapping"):
        parse_mapping("rename", source="p.yaml")
    with pytest.raises(ConfigError, match=r"several fields are renamed to 'x' @ \$\[0\].rename"):
        parse_mapping([{"rename": {"a": "x", "b": "x"}}], source="p.yaml")
    with pytest.raises(ConfigError, match=r"salt is a setting of the whole mapping"):
        parse_mapping([{"salt": SALT}], source="p.yaml")


def test_salt_references_resolve_here_and_problems_name_the_salt() -> None:
    spec = parse_mapping({"salt": "${env:MAP_SALT}", "hash": ["email"]}, environ={"MAP_SALT": SALT})
    assert spec.salt == Secret(SALT)
    with pytest.raises(ConfigError) as caught:
        parse_mapping(
            {"salt": "${env:MAP_SALT}", "hash": ["email"]}, source="p.yaml", path="$.m", environ={}
        )
    assert _lines(caught.value) == [
        "p.yaml: environment variable MAP_SALT is not set: export it or change the reference"
        " @ $.m.salt"
    ]
    with pytest.raises(ConfigError, match=r"salt is too short.* @ \$.salt"):
        parse_mapping({"salt": "short", "hash": ["email"]})
    with pytest.raises(ConfigError, match=r"expected a string \(a secret\) @ \$.salt"):
        parse_mapping({"salt": 12345678901, "hash": ["email"]})


def test_yaml_dates_in_defaults_become_iso_text() -> None:
    spec = parse_mapping({"defaults": {"since": dt.date(2024, 1, 31)}})
    assert spec.steps == (Defaults({"since": "2024-01-31"}),)


def test_empty_mapping_passes_records_through() -> None:
    mapper = compile_mapping(None, {"type": "object", "properties": {"a": {"type": "string"}}})
    records = [{"a": "x"}]
    assert mapper.apply(records).records == records
    assert mapper.output_schema["properties"] == {"a": {"type": "string"}}


def test_specs_built_in_python_are_checked_when_compiled() -> None:
    spec = MappingSpec(
        [
            Rename({"id": "order_id"}, path="$.m[0]"),
            Compute({"e": "lower(email"}, path="$.m[1]"),
            Filter("nope(", path="$.m[2]"),
            Hash(["email"], path="$.m[3]"),
        ],
        source="code.py",
    )
    with pytest.raises(ConfigError) as caught:
        compile_mapping(spec)
    assert _lines(caught.value) == [
        "code.py: invalid expression: it ends too early @ $.m[1].e",
        "code.py: invalid expression: it ends too early @ $.m[2]",
        "code.py: hash needs a salt @ $.m[3]",
    ]
    good = MappingSpec([Keep(["a"]), Compute({"b": "upper(a)"})])
    assert compile_mapping(good).apply([{"a": "x", "z": 1}]).records == [{"a": "x", "b": "X"}]


def test_python_code_in_an_expression_is_an_error_or_a_harmless_literal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import os

    def forbidden(*args: object) -> int:
        raise AssertionError("host code ran")

    monkeypatch.setattr(os, "system", forbidden)
    attack = "__import__('os').system('touch /tmp/pwned')"
    with pytest.raises(ConfigError) as caught:
        parse_mapping({"compute": {"x": attack}, "filter": attack}, source="p.yaml")
    assert _lines(caught.value) == [
        "p.yaml: unknown function __import__(): see the mapping reference @ $.compute.x",
        "p.yaml: unknown function __import__(): see the mapping reference @ $.filter",
    ]
    for text in ["eval('1+1')", "exec('x=1')", "().__class__.__bases__[0]", "os.system('x')"]:
        with pytest.raises(ConfigError):
            compile_mapping({"compute": {"x": text}}).apply([{"os": {}}])
    # Quoted, it is a string like any other: it becomes the value, nothing runs.
    mapper = compile_mapping({"compute": {"x": f"'{attack.replace(chr(39), '`')}'"}})
    assert mapper.apply([{}]).records == [{"x": attack.replace("'", "`")}]
    # A path that looks like Python attribute access only reads the record.
    mapper = compile_mapping({"compute": {"x": "__class__.__name__"}})
    assert mapper.apply([{"a": 1}]).records == [{"a": 1, "x": None}]


def test_the_package_never_calls_eval_exec_or_compile_builtins() -> None:
    package = Path(hookline.mapping.__file__).parent
    forbidden = {"eval", "exec", "compile", "__import__"}
    for module in package.glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        calls = {
            node.func.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        }
        assert not calls & forbidden, module.name
