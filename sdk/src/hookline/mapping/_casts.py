"""Conversions for the cast step: each turns a value into its type or raises CastFailure."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

import orjson

_INTEGER = re.compile(r"[+-]?\d+")
_BOOLEANS = {
    "true": True, "t": True, "yes": True, "y": True, "on": True, "1": True,
    "false": False, "f": False, "no": False, "n": False, "off": False, "0": False,
}  # fmt: skip
_SHOWN = 30


class CastFailure(ValueError):
    """A value that cannot be converted; the message completes "<value> is not ..."."""


def shown(value: Any) -> str:
    """Return a short rendering of a value for a reason (scalars only)."""
    if isinstance(value, str):
        text = value if len(value) <= _SHOWN else value[: _SHOWN - 1] + "…"
        return json.dumps(text, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return "an array" if isinstance(value, list) else "an object"


# -- Conversions -----------------------------------------------------------------------


def _to_integer(value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and "_" not in value:
        text = value.strip()
        if _INTEGER.fullmatch(text):
            return int(text)
        try:
            number = float(text)
        except ValueError:
            pass
        else:
            if number - number == 0 and number.is_integer():
                return int(number)
    raise CastFailure("an integer")


def _to_number(value: Any) -> float:
    if isinstance(value, str) and "_" not in value:
        try:
            number = float(value)
        except ValueError:
            pass
        else:
            if number - number == 0:  # finite: not nan, not inf
                return number
    raise CastFailure("a number")


def _to_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        raise CastFailure("convertible to text") from None


def _to_boolean(value: Any) -> bool:
    if isinstance(value, str):
        found = _BOOLEANS.get(value.strip().lower())
        if found is not None:
            return found
    elif type(value) is int and value in (0, 1):
        return bool(value)
    raise CastFailure("a boolean")


def _to_datetime(value: Any) -> str:
    try:
        if isinstance(value, str):
            text = value.strip()
            if text.endswith(("Z", "z")):
                text = text[:-1] + "+00:00"
            return dt.datetime.fromisoformat(text).isoformat()
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return dt.datetime.fromtimestamp(value, tz=dt.timezone.utc).isoformat()
    except (ValueError, OverflowError, OSError):
        pass
    raise CastFailure("a date-time")


def _to_json(value: Any) -> Any:
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        raise CastFailure("valid JSON") from None


# type name -> (conversion, the types left as they are)
CASTS: dict[str, tuple[Callable[[Any], Any], tuple[type, ...]]] = {
    "integer": (_to_integer, (int,)),
    "number": (_to_number, (int, float)),
    "string": (_to_string, (str,)),
    "boolean": (_to_boolean, (bool,)),
    "datetime": (_to_datetime, ()),
    "json": (_to_json, (int, float, bool, dict, list)),
}
