"""Config values the schema constrains: the wrong type, not an option, out of range.

``config.bad_values_rejected`` walks the connector's config schema alongside the config
under test and tries, one setting at a time, values that setting's schema does not admit:

* a value of another JSON type (a word for a number, a number for a string, ...);
* a word that is not one of an ``enum``'s options;
* a number past a declared ``minimum``/``maximum``, a string past ``minLength``/
  ``maxLength``, a list shorter than ``minItems``;
* for numbers without a declared range, ``0`` and ``-1``: sizes, counts and timeouts where
  these make no sense are common, and a connector that takes them must still work.

Each must be refused with a clear hookline error (by the config model, ``hookline_auth``
or ``hookline_check``), never a traceback. A number without a declared range may be taken
instead, provided the connector then works with it: every stream reads without a raw
error, to its end, and as many records as with the config under test.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import attrs

from hookline._wording import plural, with_article
from hookline.conformance._context import Precondition, SuiteContext, distinct
from hookline.conformance._limits import LimitReached
from hookline.conformance._registry import CheckFailed, CheckSkipped, check, listed
from hookline.errors import HooklineError
from hookline.models import ConfiguredStream, ConnectorContext, Stream
from hookline.schemas import json_type

#: At most this many values are tried (spread over the settings) to keep the check short.
MAX_VALUES = 200
#: A read under an accepted edge value stops after this many times the declared records.
_READ_FACTOR = 4
_READ_FLOOR = 1_000

_WORD = "hookline-conformance-wrong-type"
_OPTION = "hookline-conformance-not-an-option"

SettingPath = tuple[str | int, ...]


@attrs.frozen
class Trial:
    """One value tried for one setting: where, what, and whether a range was declared."""

    path: SettingPath
    value: Any
    why: str
    declared: bool = True

    @property
    def shown(self) -> str:
        """``$.streams[0].batch_size = 0``: the setting and the value tried."""
        return f"{show_path(self.path)} = {json.dumps(self.value)}"


def show_path(path: SettingPath) -> str:
    """The JSON path of a setting: ``$.streams[0].pagination.size``."""
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


_MISSING = object()


def _json_types(schema: dict[str, Any]) -> set[str]:
    """The JSON types a (generated) config schema admits; empty when it admits anything."""
    found: set[str] = set()
    kind = schema.get("type")
    if isinstance(kind, str):
        found.add(kind)
    elif isinstance(kind, list):
        found.update(k for k in kind if isinstance(k, str))
    for sub in schema.get("anyOf", []) + schema.get("oneOf", []):
        if isinstance(sub, dict):
            inner = _json_types(sub)
            if not inner:
                return set()
            found |= inner
    for value in schema.get("enum", []):
        found.add(_type_of(value))
    return found


def _type_of(value: Any) -> str:
    return json_type(value) or "object"


def _admits(types: set[str], value: Any) -> bool:
    kind = _type_of(value)
    return kind in types or (kind == "integer" and "number" in types)


def _variants(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The schema and the alternatives of its ``anyOf`` (null left out)."""
    options = [s for s in schema.get("anyOf", []) if isinstance(s, dict)]
    options = [s for s in options if s.get("type") != "null"]
    return options or [schema]


def _bound(schema: dict[str, Any], keyword: str) -> Any:
    for option in _variants(schema):
        if keyword in option:
            return option[keyword]
    return None


def trials_for(path: SettingPath, schema: dict[str, Any]) -> list[Trial]:
    """The values to try for one setting whose schema is ``schema``."""
    types = _json_types(schema)
    if not types:
        return []  # the schema admits anything: nothing is constrained
    trials: list[Trial] = []
    candidates: list[Any] = [_WORD, 12345, [12345], {"hookline_conformance": 12345}]
    if "array" in types:
        # One word where a list of words belongs is a list of one, by design.
        candidates = [c for c in candidates if not isinstance(c, str)]
    wrong = next((c for c in candidates if not _admits(types, c)), _MISSING)
    if wrong is not _MISSING:
        expected = " or ".join(sorted(types - {"null"})) or "null"
        trials.append(Trial(path, wrong, f"not {with_article(expected)}"))
    enums = [o["enum"] for o in _variants(schema) if isinstance(o.get("enum"), list)]
    if enums and all(isinstance(v, str) for v in enums[0]) and _OPTION not in enums[0]:
        trials.append(Trial(path, _OPTION, "not one of its options"))
    trials += _range_trials(path, schema, types)
    return trials


def _range_trials(path: SettingPath, schema: dict[str, Any], types: set[str]) -> list[Trial]:
    trials: list[Trial] = []
    numeric = bool(types & {"integer", "number"}) and not (types & {"string"})
    if numeric:
        low, high = _bound(schema, "minimum"), _bound(schema, "maximum")
        low_x, high_x = _bound(schema, "exclusiveMinimum"), _bound(schema, "exclusiveMaximum")
        step = 1 if "number" not in types or "integer" in types else 0.5
        if isinstance(low, (int, float)):
            trials.append(Trial(path, low - step, f"below its minimum {low}"))
        if isinstance(low_x, (int, float)):
            trials.append(Trial(path, low_x, f"not above its exclusive minimum {low_x}"))
        if isinstance(high, (int, float)):
            trials.append(Trial(path, high + step, f"above its maximum {high}"))
        if isinstance(high_x, (int, float)):
            trials.append(Trial(path, high_x, f"not below its exclusive maximum {high_x}"))
        if low is None and low_x is None:
            trials.append(Trial(path, 0, "zero", declared=False))
            trials.append(Trial(path, -1, "negative", declared=False))
    if "string" in types:
        shortest, longest = _bound(schema, "minLength"), _bound(schema, "maxLength")
        if isinstance(shortest, int) and shortest > 0:
            trials.append(Trial(path, "x" * (shortest - 1), f"shorter than {shortest}"))
        if isinstance(longest, int):
            trials.append(Trial(path, "x" * (longest + 1), f"longer than {longest}"))
    if "array" in types:
        fewest = _bound(schema, "minItems")
        if isinstance(fewest, int) and fewest > 0:
            trials.append(Trial(path, [], f"fewer than {fewest} items"))
    return trials


def settings(
    schema: dict[str, Any], data: Any, path: SettingPath = ()
) -> Iterator[tuple[SettingPath, dict[str, Any]]]:
    """Every setting under ``schema`` (with ``data``, the config, alongside), depth first.

    Settings inside a list or a mapping of objects are visited in their first element.
    """
    for option in _variants(schema):
        properties = option.get("properties")
        if isinstance(properties, dict):
            present = data if isinstance(data, dict) else {}
            for name, sub in properties.items():
                if not isinstance(sub, dict):
                    continue
                yield (*path, name), sub
                if name in present:
                    yield from settings(sub, present[name], (*path, name))
            return
        items = option.get("items")
        if isinstance(items, dict) and isinstance(data, list) and data:
            yield from settings(items, data[0], (*path, 0))
            return
        values = option.get("additionalProperties")
        if isinstance(values, dict) and isinstance(data, dict) and data:
            first = next(iter(data))
            yield (*path, first), values
            yield from settings(values, data[first], (*path, first))
            return


def with_value(data: dict[str, Any], path: SettingPath, value: Any) -> dict[str, Any]:
    """A copy of the config ``data`` with the setting at ``path`` set to ``value``."""
    result = copy.deepcopy(data)
    target: Any = result
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = copy.deepcopy(value)
    return result


def _spread(trials: list[Trial], limit: int) -> list[Trial]:
    if len(trials) <= limit:
        return trials
    step = len(trials) / limit
    return [trials[int(i * step)] for i in range(limit)]


@check("config.bad_values_rejected")
def bad_values_rejected(ctx: SuiteContext) -> str:
    """Each constrained setting refuses a wrong-typed or out-of-range value clearly."""
    data = ctx.require_config()
    ctx.connection  # noqa: B018 - the config under test works (else this check skips)
    schema = ctx.connector.config_schema()
    trials: list[Trial] = []
    for path, sub in settings(schema, data):
        trials += trials_for(path, sub)
    trials = _spread(trials, MAX_VALUES)
    if not trials:
        return "the config schema constrains no setting"
    problems: list[str] = []
    accepted = 0
    for trial in trials:
        ctx.guard.tick()
        problem, took = _try(ctx, data, trial)
        accepted += took
        if problem:
            problems.append(problem)
    if problems:
        raise CheckFailed(listed(problems))
    touched = len({t.path for t in trials})
    tail = f"; {accepted} edge value{'s' if accepted != 1 else ''} taken and worked" * (
        accepted > 0
    )
    return f"{plural(len(trials), 'value')} on {plural(touched, 'setting')} refused clearly{tail}"


def _try(ctx: SuiteContext, data: dict[str, Any], trial: Trial) -> tuple[str | None, bool]:
    """Return (what went wrong, whether the value was taken and worked)."""
    what = f"{trial.shown} ({trial.why})"
    phase = "the config model"
    connection = None
    try:
        config = ctx.parse(with_value(data, trial.path, trial.value), origin="<a bad value>")
        phase = "hookline_auth"
        connection = ctx.connector.auth(config, ConnectorContext(base_dir=ctx.config_base_dir))
        phase = "hookline_check"
        result = ctx.connector.check(config, connection)
        if not result.ok:
            ctx.capture.add(f"check message for {what}", result.message)
            return (None if result.message.strip() else f"{what} failed check silently"), False
        if trial.declared:
            return f"{what} was accepted: auth and check succeeded", False
        if not ctx.connector.info.is_source:
            return None, True
        return _works(ctx, config, connection, what), True
    except HooklineError as exc:
        message = ctx.note_error(what, exc)
        return (None if message.strip() else f"{what} was refused with an empty message"), False
    except LimitReached:
        raise
    except Exception as exc:
        return (
            f"{what} raised {ctx.note_error(what, exc)} in {phase} instead of a hookline "
            "error: refuse it with a validator on the setting (a ConfigError names it)"
        ), False
    finally:
        if connection is not None:
            try:
                ctx.connector.close(connection)
            except Exception as exc:  # closing must not hide the finding
                ctx.note_error("close", exc)


def _works(ctx: SuiteContext, config: Any, connection: Any, what: str) -> str | None:
    """Read every stream with ``config``; return what went wrong, if anything.

    Each discovered stream (as the config under test discovers them) must read to its end,
    and as many distinct records as it does with the config under test (a value that only
    changes how the reading goes changes nothing of what is read).
    """
    phase = "reading"
    try:
        for stream in ctx.streams():
            expected = _baseline(ctx, stream)
            phase = f"reading stream {stream.name!r}"
            cap = max(_READ_FLOOR, _READ_FACTOR * (expected or 0))
            records: list[Any] = []
            batches = ctx.connector.read(config, connection, ConfiguredStream(stream), None)
            for batch in batches:
                records += batch.records
                if len(records) > cap:
                    return (
                        f"{what} was accepted, then {phase} did not end ({len(records)} "
                        "records and more): refuse the value with a validator, or make it work"
                    )
            got = distinct(stream, records)
            if expected is not None and got != expected:
                return (
                    f"{what} was accepted, then a full read of stream {stream.name!r} returned "
                    f"{got} of the {expected} records it reads otherwise: refuse the value "
                    "with a validator, or make it work"
                )
    except HooklineError:
        return None  # refused, if late: clearly
    except LimitReached:
        raise
    except Exception as exc:
        return (
            f"{what} was accepted, then {phase} raised {ctx.note_error(what, exc)}: refuse the "
            "value with a validator on the setting (a ConfigError names it)"
        )
    return None


def _baseline(ctx: SuiteContext, stream: Stream) -> int | None:
    """How many distinct records the config under test reads from ``stream``, if known."""
    try:
        return distinct(stream, ctx.full_read(stream).records)
    except (Precondition, CheckSkipped):
        return None
