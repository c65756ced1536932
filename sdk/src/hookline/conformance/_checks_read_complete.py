"""Read checks against what the fixture declares: every record read, whatever state is given.

``read.complete`` compares each full read (and each incremental read from no state) with
the fixture's ``record_counts``, so a pager that stops after the first page, or drops the
last one, fails naming the stream and the shortfall: the connector's own read is not the
measure of itself. ``read.full_ignores_state`` gives a full read a state (its own, and one
that would skip everything if it were honoured) and expects every record regardless.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from hookline._wording import plural
from hookline.conformance._context import SuiteContext, distinct
from hookline.conformance._limits import LimitReached
from hookline.conformance._registry import CheckFailed, CheckSkipped, check, listed
from hookline.errors import HooklineError
from hookline.models import ConfiguredStream, Stream

#: A state no connector wrote that, honoured as a bookmark, would skip every record.
FAR_AHEAD_STATE: dict[str, Any] = {
    "cursor": "9999-12-31T23:59:59Z",
    "bookmark": "9999-12-31T23:59:59Z",
    "position": 10**9,
    "offset": 10**9,
    "page": 10**6,
    "hookline_conformance": "a state from elsewhere",
}


@check("read.complete")
def complete(ctx: SuiteContext) -> str:
    """A full read returns exactly the records the fixture declares (record_counts)."""
    streams = ctx.streams()
    ctx.skip_after_failures(
        ("read.selected_stream_only",), "a stream's read returns another stream's records"
    )
    fixture = ctx.fixture
    declared = fixture.record_counts if fixture is not None else None
    if declared is None:
        raise CheckSkipped(
            "not proven: the fixture declares no record_counts (how many records each "
            "stream holds), so a read that stops early cannot be told from a short one; "
            "gold needs it",
            applicable=True,
            holds_back="gold",
        )
    problems: list[str] = []
    names = {s.name for s in streams}
    for name in sorted(set(declared) - names):
        problems.append(
            f"record_counts declares stream {name!r} ({declared[name]} records) but "
            "discover does not list it"
        )
    undeclared = [s.name for s in streams if s.name not in declared]
    total = 0
    for stream in streams:
        if stream.name not in declared:
            continue
        expected = declared[stream.name]
        total += expected
        got = distinct(stream, ctx.full_read(stream).records)
        if got != expected:
            problems.append(_shortfall(stream.name, "a full read", got, expected))
        if "incremental" in stream.sync_modes:
            got = distinct(stream, ctx.incremental_read(stream).records)
            if got != expected:
                problems.append(
                    _shortfall(stream.name, "an incremental read from no state", got, expected)
                )
    if problems:
        raise CheckFailed(listed(problems))
    if undeclared:
        raise CheckSkipped(
            f"not proven for stream {', '.join(map(repr, undeclared))}: record_counts "
            "declares no count for it; gold needs one for every stream",
            applicable=True,
            holds_back="gold",
        )
    return f"{plural(total, 'record')} in {plural(len(streams), 'stream')}, as declared"


def _shortfall(stream: str, read: str, got: int, expected: int) -> str:
    if got < expected:
        return (
            f"stream {stream!r}: {read} returned {got} of the {expected} records the fixture "
            "holds (record_counts): the connector stops early or drops records (a pager "
            "that ends before the last page, or skips one?)"
        )
    return (
        f"stream {stream!r}: {read} returned {got} distinct records, the fixture holds "
        f"{expected} (record_counts): the connector reads records from elsewhere"
    )


def _multiset(records: list[Any]) -> Counter[str]:
    return Counter(json.dumps(r, sort_keys=True, default=str) for r in records)


def _own_state(ctx: SuiteContext, stream: Stream) -> dict[str, Any] | None:
    """A state the connector itself wrote for ``stream`` (its last), if it writes any."""
    if "incremental" in stream.sync_modes:
        state = ctx.incremental_read(stream).final_state
        if isinstance(state, dict):
            return state
    state = ctx.full_read(stream).final_state
    return state if isinstance(state, dict) else None


@check("read.full_ignores_state")
def full_ignores_state(ctx: SuiteContext) -> str:
    """A full read given a state (its own, or one from elsewhere) ignores it."""
    problems: list[str] = []
    tried = 0
    for stream in ctx.streams():
        baseline = ctx.full_read(stream).records
        if not baseline:
            continue
        states = [("a state from elsewhere", FAR_AHEAD_STATE)]
        own = _own_state(ctx, stream)
        if own is not None:
            states.insert(0, ("the connector's own last state", own))
        for label, state in states:
            tried += 1
            problem = _compare(ctx, stream, label, state, baseline)
            if problem:
                problems.append(problem)
                break
    if problems:
        raise CheckFailed(listed(problems))
    if not tried:
        raise CheckSkipped(
            "every stream read 0 records: the fixture needs data to check", applicable=True
        )
    return f"{plural(tried, 'full read')} given a state read everything"


def _compare(
    ctx: SuiteContext, stream: Stream, label: str, state: dict[str, Any], baseline: list[Any]
) -> str | None:
    configured = ConfiguredStream(stream, sync_mode="full")
    try:
        records = ctx.read(configured, json.loads(json.dumps(state))).records
    except LimitReached:
        raise
    except HooklineError as exc:
        return (
            f"stream {stream.name!r}: a full read given {label} failed: "
            f"{ctx.note_error('full read with a state', exc)}; a full read must ignore the state"
        )
    except Exception as exc:
        return (
            f"stream {stream.name!r}: a full read given {label} raised "
            f"{ctx.note_error('full read with a state', exc)}; a full read must ignore the state"
        )
    if _multiset(records) == _multiset(baseline):
        return None
    return (
        f"stream {stream.name!r}: a full read given {label} returned {len(records)} records "
        f"(without a state: {len(baseline)}, or other ones): a full read must ignore the "
        "state and read everything"
    )
