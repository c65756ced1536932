"""Discover, read and incremental checks: what a source offers and how it reads it."""

from __future__ import annotations

import json
from typing import Any

from hookline._wording import plural
from hookline.conformance._context import SuiteContext
from hookline.conformance._registry import CheckFailed, CheckSkipped, check, listed
from hookline.models import ConfiguredStream, Stream

# -- discover ----------------------------------------------------------------------------


@check("discover.has_streams")
def has_streams(ctx: SuiteContext) -> str:
    """Discover offers at least one stream."""
    streams = ctx.catalog.streams
    if not streams:
        raise CheckFailed("discover returned no streams with the fixture config")
    names = [s.name for s in streams]
    if len(set(names)) != len(names):
        raise CheckFailed(f"stream names repeat: {', '.join(names)}")
    return f"{plural(len(streams), 'stream')}: {', '.join(names)}"


@check("discover.schemas_valid")
def schemas_valid(ctx: SuiteContext) -> str:
    """Every stream's schema is valid JSON Schema (draft 2020-12) for an object."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    problems = []
    for stream in ctx.streams():
        try:
            Draft202012Validator.check_schema(stream.schema)
        except SchemaError as exc:
            problems.append(f"stream {stream.name!r}: {exc.message}")
            continue
        kind = stream.schema.get("type")
        if kind != "object" and not (isinstance(kind, list) and "object" in kind):
            problems.append(f"stream {stream.name!r}: the schema's type is {kind!r}, not object")
    if problems:
        raise CheckFailed(listed(problems))
    return "every schema valid"


@check("discover.keys_in_schema")
def keys_in_schema(ctx: SuiteContext) -> str:
    """Primary keys and cursor fields are properties of their stream's schema."""
    problems = []
    for stream in ctx.streams():
        properties = stream.schema.get("properties", {})
        for key in stream.primary_key:
            if key not in properties:
                problems.append(f"stream {stream.name!r}: primary key {key!r} is not in the schema")
        if stream.cursor_field and stream.cursor_field not in properties:
            problems.append(
                f"stream {stream.name!r}: cursor field {stream.cursor_field!r} is not in the schema"
            )
        unknown = set(stream.sync_modes) - {"full", "incremental"}
        if unknown:
            problems.append(f"stream {stream.name!r}: unknown sync modes {sorted(unknown)}")
    if problems:
        raise CheckFailed(listed(problems))
    return "keys and cursors present"


@check("discover.deterministic")
def deterministic(ctx: SuiteContext) -> str:
    """Two discovers with the same config and data return the same catalog."""
    first = ctx.catalog
    second = ctx.discover(ctx.connection)
    if first.to_dict() == second.to_dict():
        return "two discovers agree"
    before = {s.name: s.to_dict() for s in first.streams}
    after = {s.name: s.to_dict() for s in second.streams}
    if before.keys() != after.keys():
        raise CheckFailed(
            f"the second discover listed streams {sorted(after)} instead of {sorted(before)}"
        )
    changed = [name for name in before if before[name] != after[name]]
    if not changed:
        raise CheckFailed(
            f"the second discover listed the same streams in another order "
            f"({', '.join(second.names)} instead of {', '.join(first.names)})"
        )
    fields = sorted(
        key for name in changed for key in before[name] if before[name][key] != after[name][key]
    )
    raise CheckFailed(
        f"the second discover changed stream {', '.join(map(repr, changed))} "
        f"({', '.join(sorted(set(fields)))})"
    )


@check("discover.selection")
def selection(ctx: SuiteContext) -> str:
    """Discovering some streams by name describes them exactly as a full discovery does.

    Runs name the streams they need (``hookline_discover``'s ``streams``); a connector may
    discover only those. A name it does not offer must be left out, not raise.
    """
    streams = ctx.streams()
    wanted = streams[-1]
    unknown = "hookline-no-such-stream"
    try:
        some = ctx.discover(ctx.connection, [wanted.name, unknown])
    except Exception as exc:
        raise CheckFailed(
            f"discover of streams {[wanted.name, unknown]} raised {type(exc).__name__}: {exc}; "
            "leave names the connector does not offer out of the catalog"
        ) from None
    got = some.get(wanted.name)
    if got is None:
        raise CheckFailed(f"discover of stream {wanted.name!r} by name did not list it")
    if some.get(unknown) is not None:
        raise CheckFailed(f"discover listed a stream named {unknown!r}, which was never configured")
    if got.to_dict() != wanted.to_dict():
        fields = sorted(k for k, v in wanted.to_dict().items() if got.to_dict().get(k) != v)
        raise CheckFailed(
            f"stream {wanted.name!r} discovered by name differs from the full discovery "
            f"({', '.join(fields)})"
        )
    if len(some.streams) < len(streams):
        return f"stream {wanted.name!r} discovered alone, as in the full catalog"
    return f"stream {wanted.name!r} as in the full catalog (the connector lists every stream)"


# -- read --------------------------------------------------------------------------------


@check("read.records_conform")
def records_conform(ctx: SuiteContext) -> str:
    """Every record read conforms to its stream's JSON Schema, formats included."""
    from jsonschema import Draft202012Validator

    from hookline.conformance._formats import format_checker

    problems = []
    total = 0
    checker = format_checker()
    for stream in ctx.streams():
        records = ctx.full_read(stream).records
        total += len(records)
        validator = Draft202012Validator(stream.schema, format_checker=checker)
        for index, record in enumerate(records):
            error = next(iter(validator.iter_errors(record)), None)
            if error is not None:
                where = "$" + "".join(
                    f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path
                )
                problems.append(
                    f"stream {stream.name!r} record {index}{_key_of(stream, record)}: "
                    f"{error.message} at {where}"
                )
    if problems:
        raise CheckFailed(listed(problems))
    if total == 0:
        raise CheckSkipped(
            "every stream read 0 records: the fixture needs data to check", applicable=True
        )
    return f"{plural(total, 'record')} conform"


@check("read.primary_keys_unique")
def primary_keys_unique(ctx: SuiteContext) -> str:
    """Primary keys are present, non-null and unique within a full read."""
    problems = []
    keyed = 0
    for stream in ctx.streams():
        if not stream.primary_key:
            continue
        keyed += 1
        seen: dict[str, int] = {}
        for index, record in enumerate(ctx.full_read(stream).records):
            values = [record.get(k) for k in stream.primary_key]
            if any(v is None for v in values):
                problems.append(
                    f"stream {stream.name!r} record {index}: primary key "
                    f"{', '.join(stream.primary_key)} is null or missing"
                )
                continue
            key = json.dumps(values, sort_keys=True, default=str)
            if key in seen:
                problems.append(
                    f"stream {stream.name!r}: records {seen[key]} and {index} share the "
                    f"primary key {_show(values)}"
                )
            seen.setdefault(key, index)
    if problems:
        raise CheckFailed(listed(problems))
    if not keyed:
        raise CheckSkipped("no stream has a primary key")
    return f"{plural(keyed, 'keyed stream')}, keys unique"


@check("read.state_serializable")
def state_serializable(ctx: SuiteContext) -> str:
    """Every batch's state is JSON and survives a JSON round trip unchanged."""
    problems = []
    states = 0
    for stream in ctx.streams():
        for number, batch in enumerate(ctx.full_read(stream).batches, start=1):
            if batch.state is None:
                continue
            states += 1
            try:
                text = json.dumps(batch.state)
            except (TypeError, ValueError) as exc:
                problems.append(f"stream {stream.name!r} batch {number}: state is not JSON ({exc})")
                continue
            if json.loads(text) != batch.state:
                problems.append(
                    f"stream {stream.name!r} batch {number}: state changes in a JSON round "
                    "trip (tuples or non-string keys?)"
                )
    if problems:
        raise CheckFailed(listed(problems))
    return f"{plural(states, 'state')} of JSON"


@check("read.selected_stream_only")
def selected_stream_only(ctx: SuiteContext) -> str:
    """Each stream reads its own records, and a run of one stream reads that stream alone."""
    from hookline.conformance._runs import run_source

    streams = ctx.streams()
    reads = {s.name: json.dumps(ctx.full_read(s).records, default=str) for s in streams}
    for index, stream in enumerate(streams):
        for other in streams[:index]:
            if reads[stream.name] == reads[other.name] and reads[stream.name] != "[]":
                raise CheckFailed(
                    f"reading stream {stream.name!r} returned the records of stream "
                    f"{other.name!r}: the read must follow the stream it is given"
                )
    # The last stream: a connector that ignores which stream it is asked for tends to
    # answer with the first.
    chosen = streams[-1]
    expected = len(ctx.full_read(chosen).records)
    ctx.read_calls.clear()
    result, delivered = run_source(ctx, chosen)
    if result.status != "succeeded":
        raise CheckFailed(f"a run of stream {chosen.name!r} {result.status}: {result.error}")
    others = sorted({name for name in ctx.read_calls if name != chosen.name})
    if others:
        raise CheckFailed(
            f"a run selecting stream {chosen.name!r} also read {', '.join(map(repr, others))}"
        )
    if len(delivered) != expected:
        raise CheckFailed(
            f"a run of stream {chosen.name!r} delivered {len(delivered)} records; a full "
            f"read gives {expected}"
        )
    return f"stream {chosen.name!r}: {plural(expected, 'record')} delivered, no other stream read"


# -- incremental -------------------------------------------------------------------------


def _incremental_streams(ctx: SuiteContext) -> list[Stream]:
    streams = [s for s in ctx.streams() if "incremental" in s.sync_modes]
    if not streams:
        if "incremental" in ctx.connector.info.capabilities:
            raise CheckFailed(
                "declares capability 'incremental' but no discovered stream offers the "
                "incremental sync mode"
            )
        raise CheckSkipped("no stream offers incremental reads")
    return streams


@check("incremental.state_advances")
def state_advances(ctx: SuiteContext) -> str:
    """Resuming from an incremental read's final state reads less than the first read."""
    problems = []
    checked = 0
    for stream in _incremental_streams(ctx):
        first = ctx.incremental_read(stream)
        records = first.records
        if not records:
            continue
        checked += 1
        state = first.final_state
        if state is None:
            problems.append(f"stream {stream.name!r}: an incremental read emitted no state")
            continue
        again = ctx.read(ConfiguredStream(stream, sync_mode="incremental"), state).records
        if len(again) >= len(records):
            problems.append(
                f"stream {stream.name!r}: resuming from the final state read {len(again)} "
                f"records again (the first read had {len(records)}): the state does not advance"
            )
    if problems:
        raise CheckFailed(listed(problems))
    if not checked:
        raise CheckSkipped(
            "no incremental stream read any record: the fixture needs data", applicable=True
        )
    return f"resuming reads less on {plural(checked, 'incremental stream')}"


@check("incremental.no_older_records")
def no_older_records(ctx: SuiteContext) -> str:
    """A second read from the final state yields no record older than the bookmark."""
    problems = []
    checked = 0
    for stream in _incremental_streams(ctx):
        cursor = stream.cursor_field
        first = ctx.incremental_read(stream)
        values: list[Any] = [r.get(cursor) for r in first.records] if cursor else []
        values = [v for v in values if v is not None]
        if not cursor or not values or first.final_state is None:
            continue
        try:
            bookmark = max(values)
        except TypeError:
            problems.append(f"stream {stream.name!r}: cursor {cursor!r} values do not compare")
            continue
        checked += 1
        again = ctx.read(ConfiguredStream(stream, sync_mode="incremental"), first.final_state)
        for index, record in enumerate(again.records):
            value = record.get(cursor)
            try:
                older = value is None or value < bookmark
            except TypeError:
                older = True
            if older:
                problems.append(
                    f"stream {stream.name!r}: the second read's record {index}"
                    f"{_key_of(stream, record)} has {cursor} {_show(value)}, older than the "
                    f"bookmark {_show(bookmark)}"
                )
                break
    if problems:
        raise CheckFailed(listed(problems))
    if not checked:
        raise CheckSkipped("no incremental stream has a cursor field with values")
    return f"bookmarks respected on {plural(checked, 'cursor stream')}"


@check("incremental.resume_exact")
def resume_exact(ctx: SuiteContext) -> str:
    """Resuming from the state after the first batch yields exactly the records after it."""
    problems = []
    checked = 0
    for stream in _incremental_streams(ctx):
        first = ctx.incremental_read(stream)
        if len(first.batches) < 2 or first.truncated:
            continue
        state = first.batches[0].state
        if state is None:
            problems.append(f"stream {stream.name!r}: the first batch carries no state")
            continue
        checked += 1
        expected = [r for batch in first.batches[1:] for r in batch.records]
        again = ctx.read(ConfiguredStream(stream, sync_mode="incremental"), state).records
        if again != expected:
            problems.append(f"stream {stream.name!r}: {_difference(stream, expected, again)}")
    if problems:
        raise CheckFailed(listed(problems))
    if not checked:
        raise CheckSkipped(
            "no incremental stream read two batches or more: the fixture's data should "
            "span at least two batches (make its batch size small)",
            applicable=True,
        )
    return f"{plural(checked, 'stream')} resumed exactly after the first batch"


def _difference(stream: Stream, expected: list[Any], got: list[Any]) -> str:
    head = f"resuming after the first batch read {len(got)} records, expected {len(expected)}"
    for index, (want, have) in enumerate(zip(expected, got, strict=False)):
        if want != have:
            return (
                f"{head}; record {index} is{_key_of(stream, have)} instead of"
                f"{_key_of(stream, want)}"
            )
    return head


def _key_of(stream: Stream, record: Any) -> str:
    if not stream.primary_key or not isinstance(record, dict):
        return ""
    values = ", ".join(f"{k}={_show(record.get(k))}" for k in stream.primary_key)
    return f" ({values})"


def _show(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
