"""The write sample: records full of edge values, and how what reads back is compared.

The sample's primary key is composite and named neither ``id`` nor anything a writer might
guess (:data:`SAMPLE_KEY`). Its values come from pools of edge values (non-ASCII text of
several scripts, a long string, floats with many digits, integers beyond 2**53, booleans,
date-times with offsets, empty strings, null and missing fields, nesting at depth); every
pool value appears in every sample, but which record gets which value, and so the shape of
each record, follows a seed (printed in failure messages, so a finding can be replayed).

What reads back is compared exactly. The only slack is what a fixture declares in
``write_tolerances`` (per JSON type, see :func:`parse_tolerances`), and that null and a
missing field are the same (a table has a column for every field).
"""

from __future__ import annotations

import datetime
import json
import random
import zlib
from typing import Any

import attrs

from hookline.models import Record

#: The write sample's primary key: composite, and not named ``id``.
SAMPLE_KEY = ("region", "order_no")

#: The streams the write checks write the sample to (primary key :data:`SAMPLE_KEY`); a
#: destination that needs per-stream settings lists them in its fixture config.
SAMPLE_STREAMS = (
    "hl_fidelity",
    "hl_append",
    "hl_upsert_keys",
    "hl_replace",
    "hl_counts",
    "hl_durable",
    "hl_refused",
    "hl_undeclared",
    "hl_undeclared_freeze",
    "hl_type_change",
    "hl_type_change_freeze",
)

_DATE_TIME = {"type": "string", "format": "date-time"}

#: The schema of the write sample.
SAMPLE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "region": {"type": "string"},
        "order_no": {"type": "integer"},
        "text": {"type": "string"},
        "long_text": {"type": "string"},
        "amount": {"type": "number"},
        "big": {"type": "integer"},
        "flag": {"type": "boolean"},
        "at": _DATE_TIME,
        "empty": {"type": "string"},
        "maybe": {"type": ["string", "null"]},
        "nested": {"type": "object"},
        "items": {"type": "array"},
    },
    "required": list(SAMPLE_KEY),
}

_REGIONS = ("north", "south", "east-2")
_TEXTS = (
    "parrot \U0001f99c and family \U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\u6771\u4eac\u90fd \u6e0b\u8c37\u533a \u4e2d\u6587\u5b57",
    "cafe\u0301 n\u0303 a\u0308 (combining marks)",
    "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 (right to left)",
    "plain ascii",
    "quotes \" ' \\ and\ttabs\nand lines",
)
_FLOATS = (
    0.30000000000000004,
    1.2345678901234567,
    -98765.43210987654,
    6.02214076e23,
    1.7976931348623157e308,
    5e-324,
    2.5,
)
_BIG = (2**53 + 1, 2**63 - 1, -(2**63), 9007199254740993 * 3, 12345678901234567)
_TIMES = (
    "2026-03-29T01:30:00+05:30",
    "2026-11-02T23:59:59.123456-08:00",
    "2025-12-31T12:00:00+14:00",
    "2026-06-15T08:15:30Z",
)
#: The length of the sample's long strings (a writer that cuts them short fails).
LONG_TEXT = 20_000


def _nested(depth: int, seed: int) -> Any:
    value: Any = [seed, {"leaf": "\u00e9t\u00e9 \u2603", "ok": seed % 2 == 0, "none": None}]
    for level in range(depth):
        value = {f"level{level}": value, "n": level + 0.5}
    return value


def _long_text(seed: int) -> str:
    unit = f"{seed:05d}-\u00e9\u4e2d\U0001f600-"
    text = (unit * (LONG_TEXT // len(unit) + 1))[: LONG_TEXT - 3]
    return text + "end"


def sample_seed(*parts: object) -> int:
    """A seed that follows ``parts`` (such as the working directory and the stream)."""
    return zlib.crc32("/".join(str(p) for p in parts).encode()) % 100_000


def edge_records(seed: int, first: int, count: int) -> list[Record]:
    """Return ``count`` records of :data:`SAMPLE_SCHEMA`, numbered from ``first``.

    Every pool of edge values is spread over the records (all of each pool appear when
    ``count`` is at least its size); ``seed`` decides the order, so shapes differ from one
    seed to the next. Record ``order_no`` values are ``first`` upward; regions rotate, so
    two records share an ``order_no`` only across regions when numbered so.
    """
    rng = random.Random(seed)
    pools: dict[str, list[Any]] = {
        name: list(pool)
        for name, pool in (
            ("text", _TEXTS),
            ("amount", _FLOATS),
            ("big", _BIG),
            ("at", _TIMES),
            ("flag", (True, False)),
        )
    }
    for pool in pools.values():
        rng.shuffle(pool)
    records = []
    for index in range(count):
        number = first + index
        record: Record = {
            "region": _REGIONS[(number + seed) % len(_REGIONS)],
            "order_no": number,
            **{name: pool[index % len(pool)] for name, pool in pools.items()},
            "empty": "",
            "nested": _nested(2 + (index + seed) % 4, number),
            "items": [[number, "x"], [], [{"deep": [[None, False]]}]],
        }
        if (index + seed) % 3 == 0:
            record["long_text"] = _long_text(seed + number)
        if (index + seed) % 2 == 0:
            record["maybe"] = None  # null here, missing in the others
        records.append(record)
    return records


def key_of(record: Any, key: tuple[str, ...] = SAMPLE_KEY) -> str:
    """The record's primary key as one text (``region=north, order_no=3``)."""
    if not isinstance(record, dict):
        return json.dumps(record, default=str)
    return ", ".join(f"{field}={json.dumps(record.get(field))}" for field in key)


def by_key(records: list[Any], key: tuple[str, ...] = SAMPLE_KEY) -> dict[str, list[Record]]:
    """The records grouped by primary key, in the order they came."""
    found: dict[str, list[Record]] = {}
    for record in records:
        found.setdefault(key_of(record, key), []).append(record)
    return found


# -- tolerances ----------------------------------------------------------------------

_PRECISIONS = {"seconds": 0, "milliseconds": 3, "microseconds": 6}


class ToleranceError(ValueError):
    """A fixture's ``write_tolerances`` entry the suite does not know."""


@attrs.frozen
class Tolerances:
    """What a fixture's ``write_tolerances`` allow.

    Attributes:
        number: the relative error a float may read back with (0: exact).
        date_time_digits: how many fraction-of-second digits a date-time keeps (``None``:
            all of them).
    """

    number: float = 0.0
    date_time_digits: int | None = None


def parse_tolerances(declared: dict[str, str] | None) -> Tolerances:
    """Read a fixture's ``write_tolerances``.

    Known entries: ``"number"``, a relative float error no larger than ``1e-6``
    (``"1e-15"``); ``"date-time"``, the precision kept: ``"seconds"``, ``"milliseconds"``
    or ``"microseconds"`` (the zone must stay either way).

    Raises:
        ToleranceError: another entry, or a value out of bounds.
    """
    tolerances = Tolerances()
    for name, value in (declared or {}).items():
        if name == "number":
            try:
                error = float(value)
            except ValueError:
                error = -1.0
            if not 0 <= error <= 1e-6:
                raise ToleranceError(
                    f"write_tolerances['number'] {value!r} is not a relative error from 0 "
                    "to 1e-6; give one such as '1e-15'"
                )
            tolerances = attrs.evolve(tolerances, number=error)
        elif name == "date-time":
            if value not in _PRECISIONS:
                raise ToleranceError(
                    f"write_tolerances['date-time'] {value!r} is not one of "
                    f"{', '.join(_PRECISIONS)}"
                )
            tolerances = attrs.evolve(tolerances, date_time_digits=_PRECISIONS[value])
        else:
            raise ToleranceError(
                f"write_tolerances names {name!r}; only 'number' and 'date-time' can have "
                "a tolerance, every other value must read back exactly"
            )
    return tolerances


# -- comparing -----------------------------------------------------------------------

_MISSING: Any = object()


def _show(value: Any) -> str:
    if value is _MISSING:
        return "nothing (the field is missing)"
    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) > 48:
        text = f"{text[:40]}...({len(text)} characters)"
    return text


def _instant(text: str) -> datetime.datetime | None:
    try:
        value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value


def _same_time(want: str, have: str, digits: int | None) -> bool:
    if digits is None:
        return False
    a, b = _instant(want), _instant(have)
    if a is None or b is None or a.utcoffset() != b.utcoffset():
        return False
    cut = 10 ** (6 - digits)
    return abs(a - b) < datetime.timedelta(microseconds=cut)


def _why_text(want: str, have: Any, date_time: bool) -> str:
    if not isinstance(have, str):
        if want == "" and have is None:
            return "an empty string became null"
        return f"a string became {type(have).__name__}"
    if date_time:
        a, b = _instant(want), _instant(have)
        if a is not None and (b is None or b.utcoffset() != a.utcoffset()):
            return "the time zone offset was dropped or changed"
    if len(have) < len(want) and want.startswith(have):
        return f"truncated from {len(want)} to {len(have)} characters"
    if not want.isascii():
        return "non-ASCII text was changed"
    return "the text was changed"


def _why_number(want: Any, have: Any) -> str:
    if isinstance(want, bool):
        if isinstance(have, (int, float)) and not isinstance(have, bool):
            return "a boolean became a number"
        return "a boolean was changed"
    if isinstance(want, int):
        if isinstance(have, float) or (isinstance(have, int) and abs(want) > 2**53):
            return "an integer lost precision" + (" beyond 2**53" if abs(want) > 2**53 else "")
        return "an integer was changed"
    return "a float lost precision or changed"


def difference(
    want: Any, have: Any, tolerances: Tolerances, schema: Any = None, path: str = ""
) -> tuple[str, str] | None:
    """Where and why ``have`` (read back) differs from ``want`` (written), or ``None``.

    Returns the path inside the value (``""`` for the value itself) and the reason.
    """
    if want is None or want is _MISSING:
        if have is None or have is _MISSING:
            return None
        return path, "a null was read back as a value"
    if isinstance(want, bool) or isinstance(have, bool):
        if type(want) is type(have) and want == have:
            return None
        return path, _why_number(want, have)
    if isinstance(want, int):
        if type(have) is int and have == want:
            return None
        return path, _why_number(want, have)
    if isinstance(want, float):
        if isinstance(have, (int, float)) and (
            have == want or abs(have - want) <= tolerances.number * abs(want)
        ):
            return None
        return path, _why_number(want, have)
    if isinstance(want, str):
        date_time = isinstance(schema, dict) and schema.get("format") == "date-time"
        if have == want or (
            date_time
            and isinstance(have, str)
            and _same_time(want, have, tolerances.date_time_digits)
        ):
            return None
        return path, _why_text(want, have, date_time)
    if isinstance(want, dict):
        if not isinstance(have, dict):
            return path, f"an object became {type(have).__name__}"
        for name in sorted(want.keys() | have.keys()):
            found = difference(
                want.get(name, _MISSING),
                have.get(name, _MISSING),
                tolerances,
                None,
                f"{path}.{name}",
            )
            if found is not None:
                return found
        return None
    if isinstance(want, list):
        if not isinstance(have, list) or len(have) != len(want):
            return path, "an array was changed"
        for index, (a, b) in enumerate(zip(want, have, strict=True)):
            found = difference(a, b, tolerances, None, f"{path}[{index}]")
            if found is not None:
                return found
        return None
    return None if want == have else (path, "the value was changed")


def compare_records(
    written: list[Record],
    back: list[Any],
    tolerances: Tolerances,
    *,
    schema: dict[str, Any] = SAMPLE_SCHEMA,
    key: tuple[str, ...] = SAMPLE_KEY,
    fields: tuple[str, ...] = (),
) -> list[str]:
    """Return what differs between ``written`` and what read back, by primary key.

    ``fields`` limits the comparison to those fields (default: every field).
    """
    stored = by_key(back, key)
    properties = schema.get("properties", {})
    problems: list[str] = []
    for record in written:
        label = key_of(record, key)
        found = stored.get(label)
        if not found:
            problems.append(f"record {label} did not read back")
            continue
        have_record = found[-1]
        for name in fields or sorted(record.keys() | have_record.keys()):
            want = record.get(name, _MISSING)
            have = have_record.get(name, _MISSING)
            found_difference = difference(want, have, tolerances, properties.get(name))
            if found_difference is None:
                continue
            where, why = found_difference
            problems.append(
                f"record {label}: field {name}{where} was written as "
                f"{_show(_at(want, where))} and read back as {_show(_at(have, where))} ({why})"
            )
    return problems


def _at(value: Any, path: str) -> Any:
    """The part of ``value`` at ``path`` (``.name`` and ``[index]`` steps)."""
    import re

    for name, index in re.findall(r"\.([^.\[]+)|\[(\d+)\]", path):
        if name and isinstance(value, dict):
            value = value.get(name, _MISSING)
        elif index and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            return _MISSING
    return value
