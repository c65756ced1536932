"""Limits on expressions: length and depth when the pipeline is loaded; value sizes and
steps per record.

A mapping's expressions run on every record, so what one expression can cost is bounded by
the expression alone: a config problem with its path for an expression too long or nested
too deep (never a RecursionError), and a rejected record, with a reason that names the
field and the limit, for a record on which an expression would build a value larger than
1 MiB (never a MemoryError) or whose loops would take more than 2,000,000 steps. The
values are the documented ones, written out here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jmespath
import pytest

from hookline.cli import main
from hookline.errors import ConfigError
from hookline.mapping import MappingResult, compile_mapping, parse_mapping
from hookline.pipeline import load_pipeline
from hookline.runner import run_pipeline

LENGTH = 4_000
DEPTH = 64
LIMIT = 1 << 20  # 1 MiB of text
TOO_LARGE = (
    "would build a value larger than 1 MiB (1,048,576 characters), the limit for a value an "
    "expression builds"
)
TOO_MANY_STEPS = (
    "projections, filters and functions over arrays would take more than 2,000,000 steps, "
    "the limit for one record"
)
SPLIT_IT = "compute its parts as fields of their own first"
WHERE = "$.streams.orders.map"
#: Five nested replace() calls: each multiplies the 200 characters of ``s`` by 20, so the
#: fifth would need 640 million characters for one record.
AMPLIFYING = "replace(replace(replace(replace(replace(s,'a',t),'a',t),'a',t),'a',t),'a',t)"


def problems(expression: Any, step: str = "compute") -> list[tuple[str, str]]:
    body = {"x": expression} if step == "compute" else expression
    with pytest.raises(ConfigError) as caught:
        parse_mapping({step: body}, source="pipeline.yaml", path=WHERE)
    return [(p.message, p.path) for p in caught.value.problems]


def nested(opening: str, inner: str, closing: str, levels: int) -> str:
    return opening * levels + inner + closing * levels


def run(expression: str, *records: dict[str, Any]) -> MappingResult:
    return compile_mapping({"compute": {"x": expression}}).apply(list(records))


# -- Depth and length, when the pipeline is loaded ------------------------------------------

DEEP = {
    "parentheses": nested("(", "a", ")", 600),
    "function calls": nested("lower(", "a", ")", 400),
    "negations": "!" * 600 + "a",
    "lists": nested("[", "a", "]", 600),
    "objects": nested("{k: ", "a", "}", 600),
    "a chain of ||": " || ".join(["a"] * 600),
    "a chain of comparisons and &&": " && ".join(["a == 'x'"] * 300),
    "projections": "a" + "[*].a" * 600,
    "filters": nested("a[?", "b", "]", 300),
    "expression references": "&a || " * 600 + "a",
    "nested JSON literal": "`" + nested("[", "1", "]", 600) + "`",
    "pipes of lists": "a" + " | [@, @]" * 300,
}


@pytest.mark.parametrize("expression", list(DEEP.values()), ids=list(DEEP))
def test_a_deeply_nested_expression_is_a_config_problem_at_its_path(expression: str) -> None:
    assert len(expression) <= LENGTH  # the depth is what is refused, not the length
    ((message, path),) = problems(expression)
    assert path == f"{WHERE}.compute.x"
    assert message.startswith("the expression nests ")
    assert f"levels deep, more than the limit of {DEPTH}" in message or (
        f"more than {DEPTH} levels deep, the limit" in message
    )
    assert message.endswith(SPLIT_IT + " (each compute field can use the ones before it)")


def test_a_filter_is_limited_the_same_way() -> None:
    ((message, path),) = problems(nested("(", "a", ")", 600), step="filter")
    assert path == f"{WHERE}.filter" and "levels deep" in message


@pytest.mark.parametrize(
    "expression",
    [
        nested("(", "a", ")", 1_999),  # 3,999 characters: within the length limit
        "!" * 3_999 + "a",
        "`" + nested("[", "1", "]", 1_998) + "`",
        "a" + "[*]" * 1_333,
        "&a||" * 999 + "a",
    ],
    ids=["parentheses", "negations", "JSON literal", "projections", "expression references"],
)
def test_nesting_too_deep_for_the_parser_is_refused_before_the_parser_sees_it(
    expression: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def parser_reached(text: str) -> Any:
        raise AssertionError("the text reached JMESPath's parser")

    monkeypatch.setattr(jmespath, "compile", parser_reached)
    ((message, _),) = problems(expression)
    assert message.startswith(f"the expression nests more than {DEPTH} levels deep, the limit")


@pytest.mark.parametrize("size", [LENGTH + 1, 1_000_000])
def test_a_long_expression_is_refused_by_its_length_before_anything_else(
    size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jmespath, "compile", lambda text: pytest.fail("parsed"))
    for expression in ["a" * size, nested("(", "a", ")", (size - 1) // 2)]:
        ((message, path),) = problems(expression)
        assert path == f"{WHERE}.compute.x"
        assert message == (
            f"the expression is {len(expression):,} characters long, more than the limit of "
            f"{LENGTH:,}: {SPLIT_IT} (each compute field can use the ones before it)"
        )


def test_the_cli_refuses_a_deep_expression_with_exit_2_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "data").mkdir()
    path = tmp_path / "pipeline.yaml"
    path.write_text(
        "source: {connector: files, config: {directory: data, streams: []}}\n"
        "destination: {connector: sqlite, config: {path: out.db}}\n"
        "streams:\n  orders:\n    map:\n"
        f"      compute: {{x: {json.dumps(nested('lower(', 'email', ')', 400))}}}\n"
    )
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "RecursionError" not in err
    (line,) = err.splitlines()
    assert line.startswith(f"error: {path}: the expression nests more than {DEPTH} levels")
    assert line.endswith(f"@ {WHERE}.compute.x")


def test_the_limits_leave_room_for_real_expressions() -> None:
    statuses = [f"s{i}" for i in range(60)]
    chain = " || ".join(f"(status == '{s}' && '{s.upper()}')" for s in statuses)  # 62 deep
    nest = nested("lower(", "name", ")", 40) + " || " + nested("upper(", "name", ")", 20)
    wide = "{" + ", ".join(f"f{i}: concat(name, '-', status)" for i in range(120)) + "}"
    assert 3_000 < len(wide) <= LENGTH
    mapper = compile_mapping({"compute": {"code": chain, "n": nest, "w": wide}})
    (mapped,) = mapper.apply([{"status": "s59", "name": "Ann"}]).records
    assert mapped["code"] == "S59"
    assert mapped["n"] == "ann"
    assert mapped["w"]["f119"] == "Ann-s59"


def test_the_limits_are_the_documented_ones() -> None:
    from hookline.mapping import (
        MAX_EXPRESSION_DEPTH,
        MAX_EXPRESSION_LENGTH,
        MAX_EXPRESSION_STEPS,
        MAX_VALUE_SIZE,
    )

    limits = (MAX_EXPRESSION_LENGTH, MAX_EXPRESSION_DEPTH, MAX_VALUE_SIZE, MAX_EXPRESSION_STEPS)
    assert limits == (LENGTH, DEPTH, LIMIT, 2_000_000)
    doc = Path(__file__).parents[2] / "docs" / "reference" / "mapping.md"
    text = doc.read_text(encoding="utf-8")
    for documented in [
        "| 4,000 characters |",
        "| 64 levels |",
        "| 1 MiB (1,048,576 characters) |",
        "| 2,000,000 steps |",
    ]:
        assert documented in text


# -- The size of what an expression builds, per record --------------------------------------

BIG = "a" * 600_000  # over half the limit: two of them are over it
FOUR = ["b" * 300_000] * 4


@pytest.mark.parametrize(
    ("expression", "builder"),
    [
        ("replace(s, 'a', 'aa')", "replace()"),
        ("concat(s, '-', s)", "concat()"),
        ("join(s, split('abc', ''))", "join()"),
        ("split(s, '')", "split()"),
        ("[upper(sharp)]", "a [...] list"),
        ("concat(lower(dotted))", "concat()"),
        ("to_string(four)", "to_string()"),
        ("sha256(four)", "sha256()"),
        ("concat(four)", "concat()"),
        ("[s, s]", "a [...] list"),
        ("{a: s, b: s}", "an {...} object"),
        ("four[*]", "a projection"),
        ("four[?length(@) > `0`]", "a projection"),
        ("obj.*", "a projection"),
        ("map(&@, four)", "map()"),
        ("merge(obj, {b: s})", "merge()"),
        ("four[*].[@]", "a projection"),
    ],
)
def test_a_value_over_the_limit_rejects_that_record_alone(expression: str, builder: str) -> None:
    big = {
        "s": BIG,
        "sharp": "ß" * 600_000,  # "SS" in upper case
        "dotted": "İ" * 600_000,  # two characters in lower case
        "four": FOUR,
        "obj": {"a": BIG, "c": BIG},
    }
    small = {"s": "a", "sharp": "ß", "dotted": "İ", "four": ["b"], "obj": {"a": "a"}}
    result = run(expression, big, small)
    assert [r.reason for r in result.rejected] == [f"compute x: {builder} {TOO_LARGE}"]
    assert result.rejected[0].record is big  # as it was read, for the dead-letter store
    assert [r["s"] for r in result.records] == ["a"]  # the other record went on


def test_a_value_that_doubles_at_every_step_is_stopped_as_it_grows() -> None:
    # Each step is a list holding the step before twice: 41 small lists in memory, but
    # 2**40 items once written as text (by to_string, the hash step or the destination).
    doubled = "w" + " | [@, @]" * 40
    result = run(doubled, {"w": "a"})
    assert [r.reason for r in result.rejected] == [f"compute x: a [...] list {TOO_LARGE}"]
    result = run(f"length(to_string(w{' | [@, @]' * 22}))", {"w": "a"})
    assert [r.reason for r in result.rejected] == [f"compute x: a [...] list {TOO_LARGE}"]
    # The same through projections, left to JMESPath's interpreter: its steps are counted
    # too, and here the count of what it built and compared reaches its limit first.
    result = run("w | [@, @]" + " | [*].[@, @]" * 40, {"w": "a"})
    assert [r.reason for r in result.rejected] == [f"compute x: {TOO_MANY_STEPS}"]
    # 2**20 - 1 as counted (2**19 strings of one character, and the lists): just within.
    (mapped,) = run("w" + " | [@, @]" * 19, {"w": "a"}).records
    assert mapped["x"][1][0][1][0][1][0][1][0][1][0][1][0][1][0][1][0][1][0][1] == "a"
    result = run("w" + " | [@, @]" * 19, {"w": "abc"})  # 4 x 2**19 - 1: just over
    assert [r.reason for r in result.rejected] == [f"compute x: a [...] list {TOO_LARGE}"]


def _nested_lengths(levels: int, width: int) -> str:
    # length([@, @, ...][*].length([@, @, ...][*].length(...))): tiny values, but the
    # items visited multiply: width ** levels of them.
    expression = "length(@)"
    for _ in range(levels):
        expression = f"length([{', '.join(['@'] * width)}][*].{expression})"
    return expression


def test_nested_loops_are_stopped_by_their_steps() -> None:
    expression = _nested_lengths(levels=5, width=20)  # 3.2 million items, each a [...]
    result = run(expression, {"s": "x"}, {"s": "y"})
    assert [r.reason for r in result.rejected] == [f"compute x: {TOO_MANY_STEPS}"] * 2
    # Three levels (8,000 items) are far from it, and so is a filter over 100,000 items.
    (mapped,) = run(_nested_lengths(levels=3, width=20), {"s": "x"}).records
    assert mapped["x"] == 20
    items = [{"sku": f"s{i}", "price": i % 10} for i in range(100_000)]
    (mapped,) = run("length(items[?price > `4`].sku)", {"items": items}).records
    assert mapped["x"] == 50_000


def test_lower_and_upper_at_most_triple_a_string_once() -> None:
    # Not checked (as documented): case mapping cannot multiply, and what takes their
    # result is checked, as above.
    (mapped,) = run("upper(s)", {"s": "ΐ" * 400_000}).records  # 3 characters in upper case
    assert len(mapped["x"]) == 1_200_000
    (mapped,) = run("upper(lower(upper(lower(upper(s)))))", {"s": "ΐß" * 1_000}).records
    assert len(mapped["x"]) == 5_000


def test_a_filter_that_would_build_too_much_rejects_the_record() -> None:
    mapper = compile_mapping({"filter": "length(replace(s, 'a', 'aa')) > `1`"})
    result = mapper.apply([{"s": BIG}, {"s": "aa"}, {"s": ""}])
    assert [r.reason for r in result.rejected] == [f"filter: replace() {TOO_LARGE}"]
    assert result.records == [{"s": "aa"}] and result.filtered == 1


def test_values_up_to_the_limit_are_built() -> None:
    half = "a" * (LIMIT // 2)
    (mapped,) = run("replace(s, 'a', 'aa')", {"s": half}).records
    assert len(mapped["x"]) == LIMIT
    (mapped,) = run("concat(s, s)", {"s": half}).records
    assert len(mapped["x"]) == LIMIT
    (mapped,) = run("split(s, '')", {"s": "a" * (LIMIT // 2 - 1)}).records
    assert len(mapped["x"]) == LIMIT // 2 - 1
    # Reading a field larger than the limit is no problem: only what is built is limited.
    large = "a" * (LIMIT + 10)
    (mapped,) = run("s", {"s": large}).records
    assert mapped["x"] is large
    (mapped,) = run("length(s)", {"s": large}).records
    assert mapped["x"] == LIMIT + 10


def test_the_amplifying_mapping_is_rejected_per_record_in_bounded_memory(tmp_path: Path) -> None:
    # A process of its own, under a 1.5 GiB address-space cap: without the limit, the fifth
    # replace() of the first such record needs about 700 MB and the cap makes it fail.
    script = tmp_path / "amplify.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import json, resource, tracemalloc
            resource.setrlimit(resource.RLIMIT_AS, (3 << 29, 3 << 29))
            from hookline.mapping import compile_mapping

            mapper = compile_mapping({{"compute": {{"x": {AMPLIFYING!r}}}}})
            records = [
                {{"id": i, "s": ("a" if i % 2 else "b") * 200, "t": "a" * 20}}
                for i in range(20)
            ]
            tracemalloc.start()
            result = mapper.apply(records)
            print(json.dumps({{
                "mapped": [r["id"] for r in result.records],
                "rejected": [[r.record["id"], r.reason] for r in result.rejected],
                "peak": tracemalloc.get_traced_memory()[1],
            }}))
            """
        )
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["mapped"] == list(range(0, 20, 2))
    assert outcome["rejected"] == [
        [i, f"compute x: replace() {TOO_LARGE}"] for i in range(1, 20, 2)
    ]
    assert outcome["peak"] < 100_000_000  # generous: the largest value built is 80,000 characters


def test_a_pipeline_sends_such_records_to_the_dead_letter_store_and_goes_on(
    tmp_path: Path, site: Callable[..., None]
) -> None:
    site("files", "hookline_files.connector")
    data = tmp_path / "data"
    data.mkdir()
    rows = [{"id": i, "s": ("a" if i % 3 == 0 else "b") * 200, "t": "a" * 20} for i in range(9)]
    (data / "orders.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    three_levels = "replace(replace(replace(s,'a',t),'a',t),'a',t)"  # 1.6 million characters
    path = tmp_path / "pipeline.yaml"
    path.write_text(
        "source:\n  connector: files\n  config:\n    directory: data\n"
        '    streams: [{name: orders, path: "orders.jsonl", primary_key: id}]\n'
        "destination: {connector: files, config: {directory: out}}\n"
        "streams:\n  orders:\n    max_failed_records: '50%'\n"
        f"    map: {{compute: {{x: {json.dumps(three_levels)}}}, drop: [t]}}\n"
    )
    result = run_pipeline(load_pipeline(path))
    assert result.ok, result.error
    stream = result.streams["orders"]
    assert (stream.read, stream.written, stream.failed) == (9, 6, 3)
    dead = Path(result.dead_letter_dir or "") / "orders.jsonl"
    entries = [json.loads(line) for line in dead.read_text().splitlines()]
    assert [e["record"]["id"] for e in entries] == [0, 3, 6]
    for entry in entries:
        assert entry["stage"] == "mapping"
        assert entry["reason"] == f"compute x: replace() {TOO_LARGE}"
        assert entry["record"] == rows[entry["record"]["id"]]  # as read
    written = [json.loads(line) for line in (tmp_path / "out" / "orders.jsonl").open()]
    assert sorted(r["id"] for r in written) == [1, 2, 4, 5, 7, 8]
    assert all(r["x"] == "b" * 200 for r in written)
