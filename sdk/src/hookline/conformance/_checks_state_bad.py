"""A state the connector did not write: damaged, of another shape, or of another connector.

States come back from a store a person can reset, edit or copy between pipelines, so an
incremental read is given, one at a time:

* **malformed** states made from the connector's own (the first batch's and the last):
  each key removed in turn, and each value replaced by one of another JSON type;
* **foreign** states: an empty one, the connector's own state wrapped one level deeper,
  and one in another connector's shape.

A malformed state must end the read in a clear hookline error (a ``ReadError`` saying the
state is not usable, what to reset), or be read from in some way; it must never surface as
a raw ``KeyError``, ``TypeError`` or ``ValueError``. A foreign state must be refused
clearly or read as no state (from the start, every record): taking part of it as a
bookmark skips records silently.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import attrs

from hookline._wording import plural
from hookline.conformance._checks_read import _incremental_streams, _key_of
from hookline.conformance._context import SuiteContext
from hookline.conformance._limits import LimitReached
from hookline.conformance._registry import CheckFailed, CheckSkipped, check, listed
from hookline.errors import HooklineError
from hookline.models import ConfiguredStream, Stream

#: At most this many states are tried per stream.
MAX_STATES = 16
# Keys deeper than this in a state are not varied one by one.
_DEPTH = 3
# A read from a bad state stops after this many times the records of a read from none.
_READ_FACTOR = 4
_READ_FLOOR = 1_000

_OTHER_CONNECTOR = {
    "bookmarks": {"hookline_conformance": {"replication_key_value": "2000-01-01T00:00:00Z"}},
    "currently_syncing": None,
}


@attrs.frozen
class BadState:
    """One state to try: what it is (for the message), the state, and its kind."""

    label: str
    state: dict[str, Any]
    foreign: bool


def _wrong(value: Any) -> Any:
    """A scalar of another JSON type than ``value`` (what a hand-edited state holds)."""
    if isinstance(value, bool):
        return "not-a-boolean"
    if isinstance(value, (int, float)):
        return "not-a-number"
    if isinstance(value, list):
        return "not-a-list"
    if isinstance(value, dict):
        return "not-an-object"
    return 12345  # a string or null


def _paths(state: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every key path in ``state``, outermost first, down to ``_DEPTH`` levels."""
    found: list[tuple[str, ...]] = []
    if isinstance(state, dict) and len(prefix) < _DEPTH:
        for key, value in state.items():
            path = (*prefix, str(key))
            found.append(path)
            found += _paths(value, path)
    return found


def _show(path: tuple[str, ...]) -> str:
    return ".".join(path)


def _changed(state: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    result = copy.deepcopy(state)
    target = result
    for part in path[:-1]:
        target = target[part]
    if value is _REMOVE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return result


_REMOVE = object()


def bad_states(own: list[dict[str, Any]]) -> list[BadState]:
    """The malformed and foreign states to try, made from the connector's own ``own``."""
    tried: list[BadState] = [
        BadState("an empty state {}", {}, foreign=True),
        BadState("a state of another connector's shape", copy.deepcopy(_OTHER_CONNECTOR), True),
    ]
    if own:
        tried.append(BadState("its own state wrapped in {'state': ...}", {"state": own[-1]}, True))
    seen: set[str] = set()
    malformed: list[BadState] = []
    for state in own:
        for path in _paths(state):
            value: Any = state
            for part in path:
                value = value[part]
            for label, replacement in (
                (f"its state without {_show(path)!r}", _REMOVE),
                (
                    f"its state with {_show(path)!r} set to {json.dumps(_wrong(value))}",
                    _wrong(value),
                ),
            ):
                if label in seen:
                    continue
                seen.add(label)
                malformed.append(BadState(label, _changed(state, path, replacement), False))
    room = MAX_STATES - len(tried)
    if len(malformed) > room:
        step = len(malformed) / room
        malformed = [malformed[int(i * step)] for i in range(room)]
    return tried + malformed


@check("incremental.bad_state_rejected")
def bad_state_rejected(ctx: SuiteContext) -> str:
    """A malformed or foreign state is refused clearly (or read as none), never a raw error."""
    problems: list[str] = []
    tried = 0
    for stream in _incremental_streams(ctx):
        first = ctx.incremental_read(stream)
        own = [b.state for b in (first.batches[:1] + first.batches[-1:]) if b.state]
        own = [s for s in own if isinstance(s, dict)]
        if not own:
            continue
        everything = first.records
        for bad in bad_states(own):
            tried += 1
            problem = _try(ctx, stream, bad, everything)
            if problem:
                problems.append(f"stream {stream.name!r}: {problem}")
                break
    if problems:
        raise CheckFailed(listed(problems))
    if not tried:
        raise CheckSkipped(
            "no incremental stream emitted a state: the fixture needs data", applicable=True
        )
    return f"{plural(tried, 'bad state')} refused clearly or read as none"


def _try(ctx: SuiteContext, stream: Stream, bad: BadState, everything: list[Any]) -> str | None:
    configured = ConfiguredStream(stream, sync_mode="incremental")
    cap = max(_READ_FLOOR, _READ_FACTOR * len(everything))
    records: list[Any] = []
    try:
        for batch in ctx.connector.read(ctx.config, ctx.connection, configured, bad.state):
            records += batch.records
            if len(records) > cap:
                return f"given {bad.label}, the read did not end ({len(records)} records and more)"
    except LimitReached:
        raise
    except HooklineError as exc:
        message = ctx.note_error(f"read from {bad.label}", exc)
        return None if message.strip() else f"given {bad.label}, the read failed with no message"
    except Exception as exc:
        return (
            f"given {bad.label}, the read raised {ctx.note_error(f'read from {bad.label}', exc)} "
            "instead of a clear hookline error: check the state's shape and raise "
            "hookline.errors.ReadError saying it is not usable (reset the stream's state)"
        )
    if not bad.foreign:
        return None
    missing = _missing(stream, everything, records)
    if missing:
        return (
            f"given {bad.label}, the read took it as a bookmark and skipped {missing}: refuse a "
            "state this connector did not write, or read from the start"
        )
    return None


def _missing(stream: Stream, everything: list[Any], got: list[Any]) -> str:
    def key(record: Any) -> str:
        if stream.primary_key and isinstance(record, dict):
            return json.dumps([record.get(k) for k in stream.primary_key], default=str)
        return json.dumps(record, sort_keys=True, default=str)

    have = {key(r) for r in got}
    lost = [r for r in everything if key(r) not in have]
    if not lost:
        return ""
    shown = ", ".join(_key_of(stream, r).strip(" ()") or "a record" for r in lost[:3])
    more = f" and {len(lost) - 3} more" if len(lost) > 3 else ""
    return f"{len(lost)} of {len(everything)} records ({shown}{more})"
