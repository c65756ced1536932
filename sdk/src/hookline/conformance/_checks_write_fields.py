"""What a writer does with what it cannot or may not store: refuse it, saying why.

``write.own_rejections`` sends the records a fixture declares the destination must refuse
(``refused_records``) among good ones, straight to the writer (the runner's validator would
pass them: they fit the schema). ``write.undeclared_field`` and ``write.type_change`` send
a field the stream's schema does not declare and a field whose type changed since the last
run: stored under ``evolve``, refused naming the field under ``freeze``, never dropped.
"""

from __future__ import annotations

import copy
from typing import Any

from jsonschema import Draft202012Validator

from hookline._wording import plural
from hookline.conformance._checks_write import read_back
from hookline.conformance._context import SuiteContext
from hookline.conformance._registry import CheckFailed, CheckSkipped, check, listed
from hookline.conformance._write_io import (
    refusal_problems,
    sample_stream,
    seed_for,
    tolerances,
    usual_mode,
    write_session,
)
from hookline.conformance._write_sample import (
    SAMPLE_SCHEMA,
    by_key,
    compare_records,
    edge_records,
    key_of,
)
from hookline.models import ConfiguredStream, Record, WriteResult


@check("write.own_rejections")
def own_rejections(ctx: SuiteContext) -> str:
    """Records the destination must refuse (the fixture's refused_records) come back rejected."""
    ctx.require_destination()
    declared = ctx.fixture.refused_records if ctx.fixture is not None else None
    if not declared:
        raise CheckSkipped(
            "the fixture declares no refused_records (records that fit the schema but that "
            "the destination must refuse), so the writer's own rejections are not proven"
        )
    allowed = tolerances(ctx)
    mode = usual_mode(ctx)
    validator = Draft202012Validator(SAMPLE_SCHEMA)
    total = 0
    for name, refused_parts in declared.items():
        stream = sample_stream(name, mode)
        seed = seed_for(ctx, name)
        good = edge_records(seed, 1, 4)
        refused = [
            {**base, **part}
            for base, part in zip(
                edge_records(seed + 1, 100, len(refused_parts)), refused_parts, strict=True
            )
        ]
        for index, record in enumerate(refused):
            error = next(iter(validator.iter_errors(record)), None)
            if error is not None:
                raise CheckFailed(
                    f"the fixture's refused_records[{name!r}][{index}] does not fit the write "
                    f"sample's schema ({error.message}); give records the runner would pass"
                )
        batch = [good[0], *refused[: len(refused) // 2], *good[1:3], *refused[len(refused) // 2 :]]
        batch.append(good[3])
        results = write_session(ctx, stream, [batch])
        problems = refusal_problems(results)
        rejected = {key_of(r.record) for r in results[0].rejected}
        back = by_key(read_back(ctx, stream))
        for record in refused:
            label = key_of(record)
            if label in rejected:
                if label in back:
                    problems.append(f"record {label} was rejected but stored as well")
            elif label in back:
                problems.append(
                    f"record {label}, which the destination must refuse, was stored without "
                    "a rejection (changed or kept silently)"
                )
            else:
                problems.append(
                    f"record {label}, which the destination must refuse, was silently dropped: "
                    "neither stored nor returned as a rejection with its reason"
                )
        wrongly = [key_of(r) for r in good if key_of(r) in rejected]
        if wrongly:
            problems.append(f"good records were rejected too: {', '.join(wrongly)}")
        if results[0].written != len(good):
            problems.append(f"written={results[0].written}, but {len(good)} good records were sent")
        problems += compare_records(good, read_back(ctx, stream), allowed)
        if problems:
            raise CheckFailed(f"stream {name!r}: {listed(problems)}")
        total += len(refused)
    return f"{plural(total, 'record')} the destination must refuse came back rejected with reasons"


def _freeze_declared(ctx: SuiteContext) -> bool:
    return "freeze" in ctx.connector.info.capabilities


def _refusal(
    ctx: SuiteContext,
    stream: ConfiguredStream,
    batches: list[list[Record]],
    field: str,
) -> tuple[str | None, list[WriteResult]]:
    """Write under freeze; return the refusal's text (``None``: accepted) and the results."""
    try:
        results = write_session(ctx, stream, batches)
    except CheckFailed as exc:
        return str(exc), []
    reasons = [r.reason for result in results for r in result.rejected]
    return ("; ".join(reasons) if reasons else None), results


def _policies(
    ctx: SuiteContext,
    name: str,
    first: list[Record],
    later: list[Record],
    *,
    schema_before: dict[str, Any],
    schema_after: dict[str, Any],
    field: str,
    what: str,
) -> str:
    """Write ``first`` then ``later`` under evolve, then under freeze; see the module."""
    allowed = tolerances(ctx)
    mode = usual_mode(ctx)
    before = sample_stream(name, mode, schema=schema_before)
    after = sample_stream(name, mode, schema=schema_after)
    write_session(ctx, before, [first])
    results = write_session(ctx, after, [later])
    rejected = [r for result in results for r in result.rejected]
    if rejected:
        raise CheckFailed(
            f"under schema_policy evolve {what} {field!r} was refused: {rejected[0].reason}"
        )
    back = read_back(ctx, after)
    stored = by_key(back)
    dropped = [
        key_of(r) for r in later if key_of(r) in stored and field not in stored[key_of(r)][-1]
    ]
    if dropped:
        raise CheckFailed(
            f"under schema_policy evolve {what} {field!r} was silently dropped: records "
            f"{', '.join(dropped[:2])} read back without it"
        )
    problems = compare_records(later, back, allowed, schema=schema_after, fields=(field,))
    if problems:
        raise CheckFailed(f"under schema_policy evolve, {what} {field!r}: {listed(problems)}")
    if not _freeze_declared(ctx):
        return f"{what} {field!r} stored under evolve (freeze not declared)"
    frozen_name = f"{name}_freeze"
    frozen = sample_stream(frozen_name, mode, schema=schema_before, policy="freeze")
    frozen_after = sample_stream(frozen_name, mode, schema=schema_after, policy="freeze")
    write_session(ctx, frozen, [copy.deepcopy(first)])
    refusal, _ = _refusal(ctx, frozen_after, [copy.deepcopy(later)], field)
    stored = by_key(read_back(ctx, frozen_after))
    if refusal is None:
        dropped = [
            key_of(r) for r in later if key_of(r) in stored and field not in stored[key_of(r)][-1]
        ]
        if dropped:
            raise CheckFailed(
                f"under schema_policy freeze {what} {field!r} was silently dropped: the "
                "records were stored without it instead of being refused"
            )
        raise CheckFailed(f"under schema_policy freeze {what} {field!r} was accepted")
    if field not in refusal:
        raise CheckFailed(
            f"under schema_policy freeze the refusal does not name {what} {field!r}: {refusal}"
        )
    return f"{what} {field!r} stored under evolve and refused, naming it, under freeze"


@check("write.undeclared_field")
def undeclared_field(ctx: SuiteContext) -> str:
    """A field the stream's schema does not declare is stored under evolve, refused under freeze."""
    ctx.require_destination()
    seed = seed_for(ctx, "hl_undeclared")
    field = f"extra_{seed % 1000}"
    values: tuple[Any, ...] = (f"note {seed}", {"inner": [1, "two"]}, 7.25, 42)
    first = edge_records(seed, 1, 3)
    later = [
        {**record, field: values[(seed + index) % len(values)]}
        for index, record in enumerate(edge_records(seed + 1, 4, 3))
    ]
    return _policies(
        ctx,
        "hl_undeclared",
        first,
        later,
        schema_before=SAMPLE_SCHEMA,
        schema_after=SAMPLE_SCHEMA,
        field=field,
        what="the undeclared field",
    )


@check("write.type_change")
def type_change(ctx: SuiteContext) -> str:
    """A field whose type changed since the last run: stored under evolve, refused under freeze."""
    ctx.require_destination()
    seed = seed_for(ctx, "hl_type_change")
    field = ("big", "amount", "flag")[seed % 3]
    changed = copy.deepcopy(SAMPLE_SCHEMA)
    changed["properties"][field] = {"type": "string"}
    first = edge_records(seed, 1, 3)
    later = [
        {**record, field: f"{record[field]!r} as text"} for record in edge_records(seed + 1, 4, 3)
    ]
    return _policies(
        ctx,
        "hl_type_change",
        first,
        later,
        schema_before=SAMPLE_SCHEMA,
        schema_after=changed,
        field=field,
        what="the changed-type field",
    )
