"""Reads after the data changed: the fixture's ``change_data``, on a fixture of its own.

``incremental.changes_read`` makes a second fixture (in its own directory, so the data the
other checks read never changes under them), reads every incremental stream from no
state, lets the fixture change its data (``change_data``: records added, updated, moved
across page boundaries), and then proves:

1. **exact**: an incremental read from the last state returns exactly the changed
   records, each once, as changed;
2. **a resumed walk misses nothing**: an incremental read from the state after the first
   batch (a walk stopped there before the change) returns every record not delivered
   by that batch, and every changed one, as changed (re-delivering what that batch held
   is allowed);
3. **the changed read resumes exactly**: the read of (1), resumed after its first batch,
   returns exactly the rest of it;
4. **a full read misses nothing**: a full read after the change holds every record of
   the full read before it and every changed record, as changed.

A field of a changed record is compared when the fixture gives it (a connector may add
fields of its own). A fixture without ``change_data`` skips the check and holds back gold:
a source with incremental streams is gold only once reads after a change are proven.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from hookline._loading import describe_exception
from hookline._wording import plural
from hookline.conformance._checks_read import _incremental_streams
from hookline.conformance._context import ReadOutcome, SuiteContext
from hookline.conformance._fixture import ConformanceFixture
from hookline.conformance._limits import LimitReached
from hookline.conformance._registry import CheckFailed, CheckSkipped, check, listed
from hookline.models import ConfiguredStream, ConnectorContext, Record, Stream

_SHOWN = 3
#: The checks this one builds on: when one failed, this one skips, naming it.
_BUILDS_ON = (
    "read.selected_stream_only",
    "read.complete",
    "incremental.state_advances",
    "incremental.no_older_records",
    "incremental.resume_exact",
)


def _key(stream: Stream, record: Any) -> str:
    if stream.primary_key and isinstance(record, dict):
        return json.dumps([record.get(k) for k in stream.primary_key], default=str)
    return json.dumps(record, sort_keys=True, default=str)


def _label(stream: Stream, key: str) -> str:
    if not stream.primary_key:
        return "a record without a primary key"
    values = json.loads(key)
    return ", ".join(
        f"{k}={json.dumps(v)}" for k, v in zip(stream.primary_key, values, strict=True)
    )


def _labels(stream: Stream, keys: list[str]) -> str:
    shown = "; ".join(f"({_label(stream, k)})" for k in keys[:_SHOWN])
    return shown + (f" and {len(keys) - _SHOWN} more" if len(keys) > _SHOWN else "")


def _differs(want: Record, have: Any) -> str | None:
    """The first field of ``want`` that ``have`` does not hold as given, or ``None``."""
    if not isinstance(have, dict):
        return "(not an object)"
    for field, value in want.items():
        if field not in have:
            return f"{field} missing"
        if json.dumps(have[field], sort_keys=True, default=str) != json.dumps(
            value, sort_keys=True, default=str
        ):
            found = json.dumps(have[field], default=str)[:40]
            return f"{field} {found} instead of {json.dumps(value, default=str)[:40]}"
    return None


def _last_by_key(stream: Stream, records: list[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for record in records:
        found[_key(stream, record)] = record
    return found


def exactly(stream: Stream, what: str, changed: list[Record], got: list[Any]) -> list[str]:
    """Problems unless ``got`` holds exactly ``changed``, each once, as changed."""
    want = _last_by_key(stream, changed)
    counts = Counter(_key(stream, r) for r in got)
    have = _last_by_key(stream, got)
    problems = []
    missed = [k for k in want if k not in have]
    if missed:
        problems.append(
            f"{what} missed {len(missed)} of the {len(want)} changed records: "
            f"{_labels(stream, missed)}"
        )
    extra = [k for k in have if k not in want]
    if extra:
        problems.append(f"{what} returned records that did not change: {_labels(stream, extra)}")
    twice = [k for k, n in counts.items() if n > 1 and k in want]
    if twice:
        problems.append(f"{what} returned changed records more than once: {_labels(stream, twice)}")
    return problems + _stale(stream, what, "changed record(s)", want, have)


def _stale(
    stream: Stream, what: str, noun: str, want: dict[str, Any], have: dict[str, Any]
) -> list[str]:
    """A problem when records of ``want`` are in ``have`` as they were before the change."""
    stale = [(k, d) for k in want if k in have and (d := _differs(want[k], have[k]))]
    if not stale:
        return []
    key, difference = stale[0]
    return [
        f"{what} returned {len(stale)} {noun} as they were before the change: "
        f"({_label(stream, key)}) has {difference}"
    ]


def nothing_missed(
    stream: Stream, what: str, expected: dict[str, Any], got: list[Any]
) -> list[str]:
    """Problems unless every record of ``expected`` (by key) is in ``got``, as expected."""
    have = _last_by_key(stream, got)
    missed = [k for k in expected if k not in have]
    problems = []
    if missed:
        problems.append(f"{what} missed {plural(len(missed), 'record')}: {_labels(stream, missed)}")
    return problems + _stale(stream, what, "record(s)", expected, have)


@check("incremental.changes_read")
def changes_read(ctx: SuiteContext) -> str:
    """After the data changes, an incremental read returns exactly the changed records."""
    streams = _incremental_streams(ctx)
    ctx.skip_after_failures(_BUILDS_ON, "a read this check builds on already failed")
    fixture = ctx.fixture
    if fixture is None:
        raise CheckSkipped("not proven: a --config run has no fixture whose data can change")
    if fixture.change_data is None:
        raise CheckSkipped(
            "not proven: the fixture declares no change_data (a change to its data between "
            "two reads), so reads after records are added, updated or moved are untested; "
            "gold needs it",
            applicable=True,
            holds_back="gold",
        )
    directory = ctx.workdir / "suite" / "changes"
    directory.mkdir(parents=True, exist_ok=True)
    try:
        fresh = ctx.connector.conformance_fixture(directory)
    except LimitReached:
        raise
    except Exception as exc:
        raise CheckFailed(
            f"the check makes a second fixture (its data changes); "
            f"hookline_conformance_fixture failed: {describe_exception(exc)}"
        ) from exc
    if not isinstance(fresh, ConformanceFixture) or fresh.change_data is None:
        raise CheckFailed("a second hookline_conformance_fixture returned no change_data")
    try:
        return _prove(ctx, fresh, directory, [s.name for s in streams])
    finally:
        if fresh.cleanup is not None:
            try:
                fresh.cleanup()
            except Exception as exc:  # the finding matters more than a stuck fake
                ctx.note_error("fixture cleanup (change check)", exc)


def _prove(
    ctx: SuiteContext, fixture: ConformanceFixture, directory: Path, names: list[str]
) -> str:
    connector = ctx.connector
    config = connector.parse_config(
        fixture.config, source="<fixture config, change check>", base_dir=directory
    )
    connection = connector.auth(config, ConnectorContext(base_dir=directory))
    try:
        catalog = connector.discover(config, connection)

        def read(stream: Stream, mode: str, state: Any) -> ReadOutcome:
            return ctx.read(ConfiguredStream(stream, sync_mode=mode), state, connection, config)

        streams = {s.name: s for s in catalog.streams}
        before = {n: read(streams[n], "incremental", None) for n in names if n in streams}
        full_before = {n: read(s, "full", None).records for n, s in streams.items()}
        change = fixture.change_data
        changed = change() if change is not None else {}
        problems = _validate(changed, streams)
        if problems:
            raise CheckFailed(listed(problems))
        proven = 0
        for name, records in changed.items():
            if not records:
                continue
            stream = streams[name]
            where = f"stream {name!r}: "
            if name in before:
                proven += 1
                problems += [where + p for p in _incremental(read, stream, before[name], records)]
            full = read(stream, "full", None).records
            expected = {**_last_by_key(stream, full_before[name]), **_last_by_key(stream, records)}
            problems += [
                where + p
                for p in nothing_missed(stream, "a full read after the change", expected, full)
            ]
        if problems:
            raise CheckFailed(listed(problems))
    finally:
        connector.close(connection)
    count = sum(len(r) for r in changed.values())
    return (
        f"{plural(count, 'changed record')} read exactly after the change on "
        f"{plural(proven, 'incremental stream')}; nothing missed"
    )


def _validate(changed: Any, streams: dict[str, Stream]) -> list[str]:
    if not isinstance(changed, dict) or not all(
        isinstance(v, list) and all(isinstance(r, dict) for r in v) for v in changed.values()
    ):
        return ["the fixture's change_data must return {stream name: [changed records]}"]
    if not any(changed.values()):
        return ["the fixture's change_data returned no changed record: it must change data"]
    unknown = sorted(set(changed) - set(streams))
    return [f"change_data changed stream {n!r}, which discover does not list" for n in unknown]


def _incremental(
    read: Any, stream: Stream, before: ReadOutcome, changed: list[Record]
) -> list[str]:
    problems: list[str] = []
    last = before.final_state
    if last is None:
        return ["the incremental read before the change emitted no state"]
    after = read(stream, "incremental", last)
    problems += exactly(stream, "the incremental read from the last state", changed, after.records)
    if len(after.batches) >= 2 and after.batches[0].state is not None:
        rest = read(stream, "incremental", after.batches[0].state).records
        delivered = {_key(stream, r) for r in after.batches[0].records}
        remaining = [r for r in changed if _key(stream, r) not in delivered]
        problems += exactly(stream, "that read, resumed after its first batch,", remaining, rest)
    if len(before.batches) >= 2 and before.batches[0].state is not None:
        first = {_key(stream, r) for r in before.batches[0].records}
        changed_keys = {_key(stream, r) for r in changed}
        expected = {
            k: v
            for k, v in _last_by_key(stream, before.records).items()
            if k not in first or k in changed_keys
        }
        expected.update(_last_by_key(stream, changed))
        resumed = read(stream, "incremental", before.batches[0].state).records
        problems += nothing_missed(
            stream,
            "a walk stopped after the first batch before the change, resumed after it,",
            expected,
            resumed,
        )
    return problems
