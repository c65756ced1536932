"""Write checks: what a destination stores reads back, once, with new fields kept."""

from __future__ import annotations

import copy
import json
from typing import Any

from hookline.conformance._context import SuiteContext
from hookline.conformance._registry import CheckFailed, CheckSkipped, check, listed
from hookline.conformance._write_sample import SAMPLE_STREAMS
from hookline.errors import HooklineError, WriteError
from hookline.models import Batch, ConfiguredStream, Record, Stream

#: The schema of the records the write checks write (``id`` is the primary key).
WRITE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "amount": {"type": ["number", "null"]},
        "active": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "address": {"type": "object", "properties": {"city": {"type": "string"}}},
        "updated_at": {"type": "string"},
    },
    "required": ["id"],
}

#: The streams the write checks write to; a destination that needs per-stream settings
#: lists them in its fixture config.
WRITE_STREAMS = (
    "hl_round_trip",
    "hl_upsert",
    "hl_new_field",
    "hl_new_field_freeze",
    "hl_dead_letter",
    *SAMPLE_STREAMS,
)

_CITIES = ("Berlin", "Lagos", "Lima")


def sample_records(first: int, count: int) -> list[Record]:
    """Return ``count`` records of :data:`WRITE_SCHEMA` with ids from ``first``."""
    return [
        {
            "id": i,
            "name": f"item {i}",
            "amount": round(i * 1.25, 2) if i % 4 else None,
            "active": i % 2 == 0,
            "tags": [f"tag-{i % 3}", "sample"],
            "address": {"city": _CITIES[i % 3]},
            "updated_at": f"2026-01-{1 + i % 28:02d}T10:00:00Z",
        }
        for i in range(first, first + count)
    ]


def _stream(name: str, schema: dict[str, Any] | None = None) -> Stream:
    return Stream(name=name, schema=schema or WRITE_SCHEMA, primary_key=("id",))


def _write_mode(ctx: SuiteContext) -> str:
    return "upsert" if "upsert" in ctx.connector.info.capabilities else "append"


def read_back(ctx: SuiteContext, stream: ConfiguredStream) -> list[Record]:
    """What the destination holds for ``stream`` (the fixture's read_back, or a read)."""
    fixture = ctx.fixture
    try:
        if fixture is not None and fixture.read_back is not None:
            records = list(fixture.read_back(stream))
        elif ctx.connector.info.is_source:
            found = ctx.discover(ctx.connection).get(stream.name)
            if found is None:
                raise CheckSkipped(
                    f"stream {stream.name!r} was written but discover does not list it; "
                    "give the fixture a read_back to verify writes",
                    applicable=True,
                )
            records = ctx.read(ConfiguredStream(found, sync_mode="full"), None).records
        else:
            raise CheckSkipped(
                "a destination that cannot be read from needs a read_back in its fixture",
                applicable=True,
            )
    except (CheckSkipped, CheckFailed):
        raise
    except Exception as exc:
        raise CheckFailed(
            f"reading stream {stream.name!r} back failed: {ctx.note_error('read back', exc)}"
        ) from exc
    ctx.capture.add(f"records read back from {stream.name!r}", json.dumps(records, default=str))
    return records


def _by_id(records: list[Record]) -> dict[str, list[Record]]:
    found: dict[str, list[Record]] = {}
    for record in records:
        found.setdefault(json.dumps(record.get("id")), []).append(record)
    return found


def _compare(written: list[Record], back: list[Record], fields: tuple[str, ...] = ()) -> list[str]:
    """Return what differs between written records and what read back (by ``id``)."""
    stored = _by_id(back)
    problems = []
    for record in written:
        found = stored.get(json.dumps(record["id"]))
        if not found:
            problems.append(f"record id={record['id']} did not read back")
            continue
        for field in fields or tuple(record):
            want, have = record.get(field), found[-1].get(field, _MISSING)
            if have is _MISSING:
                problems.append(f"record id={record['id']}: field {field!r} did not read back")
            elif not _same(want, have):
                problems.append(
                    f"record id={record['id']}: field {field!r} was written as "
                    f"{json.dumps(want)} and read back as {json.dumps(have, default=str)}"
                )
    return problems


_MISSING = object()


def _same(want: Any, have: Any) -> bool:
    if isinstance(want, bool) or isinstance(have, bool):
        return want is have or (isinstance(have, int) and want == have and have in (0, 1))
    if isinstance(want, (int, float)) and isinstance(have, (int, float)):
        return abs(want - have) <= 1e-9 * max(1.0, abs(want))
    if isinstance(want, dict) and isinstance(have, dict):
        return want.keys() <= have.keys() and all(_same(v, have[k]) for k, v in want.items())
    if isinstance(want, list) and isinstance(have, list):
        return len(want) == len(have) and all(_same(a, b) for a, b in zip(want, have, strict=True))
    return bool(want == have)


@check("write.round_trip")
def round_trip(ctx: SuiteContext) -> str:
    """Records written in three batches through the runner read back equal."""
    from hookline.conformance._runs import run_destination

    ctx.require_destination()
    ctx.require_config()
    stream = _stream("hl_round_trip")
    batches = [sample_records(1, 4), sample_records(5, 4), sample_records(9, 3)]
    mode = _write_mode(ctx)
    result, _ = run_destination(ctx, stream, copy.deepcopy(batches), write=mode)
    if result.status != "succeeded":
        raise CheckFailed(f"the run {result.status}: {result.error}")
    written = [r for batch in batches for r in batch]
    back = read_back(ctx, ConfiguredStream(stream, write_mode=mode))
    problems = _compare(written, back)
    if problems:
        raise CheckFailed(listed(problems))
    return f"{len(written)} records in 3 batches ({mode}) read back equal"


@check("write.upsert_no_duplicates")
def upsert_no_duplicates(ctx: SuiteContext) -> str:
    """Writing the same batch twice under upsert leaves one copy of each record."""
    ctx.require_destination()
    if "upsert" not in ctx.connector.info.capabilities:
        raise CheckSkipped("the connector does not declare capability 'upsert'")
    stream = ConfiguredStream(_stream("hl_upsert"), write_mode="upsert")
    records = sample_records(1, 5)
    config, connection = ctx.config, ctx.connection
    try:
        ctx.connector.write_start(config, connection, stream)
        for _ in range(2):
            ctx.connector.write(config, connection, stream, Batch(copy.deepcopy(records)))
        ctx.connector.write_finish(config, connection, stream)
    except Exception as exc:
        raise CheckFailed(f"writing failed: {ctx.note_error('write', exc)}") from exc
    back = read_back(ctx, stream)
    copies = {key: len(found) for key, found in _by_id(back).items() if len(found) > 1}
    if copies:
        shown = ", ".join(f"id={key} {count} times" for key, count in sorted(copies.items()))
        raise CheckFailed(f"the same batch written twice under upsert duplicated records: {shown}")
    problems = _compare(records, back)
    if problems:
        raise CheckFailed(listed(problems))
    return f"{len(records)} records written twice, stored once"


@check("write.new_field")
def new_field(ctx: SuiteContext) -> str:
    """A field that appears later is stored under evolve and refused under freeze."""
    ctx.require_destination()
    mode = _write_mode(ctx)
    grown = copy.deepcopy(WRITE_SCHEMA)
    grown["properties"]["extra"] = {"type": "string"}
    before = ConfiguredStream(_stream("hl_new_field"), write_mode=mode)
    after = ConfiguredStream(_stream("hl_new_field", grown), write_mode=mode)
    later = [{**r, "extra": f"extra-{r['id']}"} for r in sample_records(4, 3)]
    _write_all(ctx, before, sample_records(1, 3), "the first write")
    _write_all(ctx, after, later, "the write that adds field 'extra'")
    problems = _compare(later, read_back(ctx, after), fields=("id", "extra"))
    if problems:
        raise CheckFailed(
            f"under schema_policy evolve a new field must be stored: {listed(problems)}"
        )
    if "freeze" not in ctx.connector.info.capabilities:
        return "a new field is stored under evolve"
    frozen = ConfiguredStream(_stream("hl_new_field_freeze"), write_mode=mode)
    frozen_grown = ConfiguredStream(
        _stream("hl_new_field_freeze", grown), write_mode=mode, schema_policy="freeze"
    )
    _write_all(ctx, frozen, sample_records(1, 2), "the first write under freeze")
    refused = [{**r, "extra": "x"} for r in sample_records(3, 2)]
    try:
        _write_all(ctx, frozen_grown, refused, "", raise_errors=True)
    except WriteError as exc:
        message = ctx.note_error("freeze", exc)
        if "extra" not in message:
            raise CheckFailed(
                f"under freeze the refusal does not name the new field 'extra': {message}"
            ) from exc
    except HooklineError as exc:
        raise CheckFailed(
            f"under freeze a new field must raise WriteError, got {ctx.note_error('freeze', exc)}"
        ) from exc
    else:
        raise CheckFailed("under schema_policy freeze a batch with a new field was accepted")
    stored = _by_id(read_back(ctx, frozen_grown))
    leaked = [r["id"] for r in refused if json.dumps(r["id"]) in stored]
    if leaked:
        raise CheckFailed(f"under freeze the refused batch was partly stored: ids {leaked}")
    return "a new field is stored under evolve and refused, naming it, under freeze"


def _write_all(
    ctx: SuiteContext,
    stream: ConfiguredStream,
    records: list[Record],
    what: str,
    *,
    raise_errors: bool = False,
) -> None:
    config, connection = ctx.config, ctx.connection
    try:
        ctx.connector.write_start(config, connection, stream)
        ctx.connector.write(config, connection, stream, Batch(copy.deepcopy(records)))
        ctx.connector.write_finish(config, connection, stream)
    except Exception as exc:
        if raise_errors:
            raise
        raise CheckFailed(f"{what} failed: {ctx.note_error('write', exc)}") from exc


@check("write.bad_record_dead_letter")
def bad_record_dead_letter(ctx: SuiteContext) -> str:
    """A record that breaks the schema goes to the dead-letter store; the good ones land."""
    from hookline.conformance._runs import dead_letters, run_destination

    ctx.require_destination()
    ctx.require_config()
    stream = _stream("hl_dead_letter")
    good = sample_records(1, 5)
    bad = {**sample_records(99, 1)[0], "amount": "not a number"}
    batches = [[*good[:2], bad, good[2]], good[3:]]
    mode = _write_mode(ctx)
    result, dead_file = run_destination(
        ctx, stream, copy.deepcopy(batches), write=mode, max_failed_records=1
    )
    if result.status != "succeeded":
        raise CheckFailed(f"the run {result.status}: {result.error}")
    dead = dead_letters(dead_file)
    dead_ids = [entry.get("record", {}).get("id") for entry in dead]
    if dead_ids != [99]:
        raise CheckFailed(f"expected record id=99 in the dead-letter store, found ids {dead_ids}")
    back = read_back(ctx, ConfiguredStream(stream, write_mode=mode))
    problems = _compare(good, back)
    if json.dumps(99) in _by_id(back):
        problems.append("the bad record id=99 was stored as well")
    if problems:
        raise CheckFailed(listed(problems))
    return f"{len(good)} good records landed; the bad one is in {dead_file.name}"
