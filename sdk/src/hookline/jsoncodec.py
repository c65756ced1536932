"""JSON text that keeps integers of any size exact, at orjson's speed for ordinary data.

orjson holds integers to 64 bits: it reads an integer literal outside ``-2**63`` to
``2**64 - 1`` as a float (distinct keys then merge, values round) and refuses to write one.
Such a literal has at least 20 digits, or a minus and 19 digits, so a text without such a
run of digits is safe with orjson. :func:`loads` parses the texts that have one with the
standard library's :mod:`json` (exact for integers of any size), with orjson's rules
otherwise (no ``NaN``, no infinity, no lone surrogate). :func:`dumps` tries orjson and,
only when it refuses, writes the big integers as their exact digits::

    from hookline.jsoncodec import dumps, loads

    loads(b'{"id": 123456789012345678901234}')  # {'id': 123456789012345678901234}
    dumps({"id": 2**70})  # b'{"id":1180591620717411303424}'

The check is one ``bytes.translate`` and one substring search, both in C; for many
lines, :func:`may_hold_big_integer` checks them all at once. Connectors use this module
for the JSON they read and write, so that no first-party connector rounds an integer.
"""

from __future__ import annotations

__all__ = ["dumps", "loads", "may_hold_big_integer"]

import json
import math
import re
import sys
from collections.abc import Callable
from typing import Any

import orjson

#: Digits and ``-`` become ``0``, everything else a space: a big integer literal is then
#: a run of 20 zeros (a false alarm, such as a long digits-and-dashes code, costs only time).
_DIGITS = bytes(48 if 48 <= b <= 57 or b == 45 else 32 for b in range(256))
_RUN = b"0" * 20
_SLICE = 1 << 14
# An escaped surrogate: paired ones make one character, lone ones orjson refuses.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
#: The integers orjson reads and writes exactly.
_LOWEST, _HIGHEST = -(2**63), 2**64 - 1


def may_hold_big_integer(data: bytes) -> bool:
    """Whether ``data`` has a run of digits orjson might read as a float.

    ``False`` means orjson parses every integer in it exactly; ``True`` may be a false
    alarm (the digits are in a string, or the number fits after all).
    """
    if len(data) <= _SLICE:
        return _RUN in data.translate(_DIGITS)
    # Slice by slice, each copy staying in the CPU cache (one of a whole MiB costs half
    # as much again); they overlap by 19 bytes, so that no run of 20 is cut in two.
    return any(
        _RUN in data[start : start + _SLICE + 19].translate(_DIGITS)
        for start in range(0, len(data), _SLICE)
    )


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:20]} is too large for a double")
    return value


def _digit_limit() -> int:
    limit: int = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    return limit


def _exact_loads(data: bytes) -> Any:
    """Parse ``data`` with :mod:`json`, refusing what orjson refuses."""
    text = data.decode("utf-8")  # a UnicodeDecodeError is a ValueError
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    except ValueError as exc:
        if "integer string conversion" in str(exc):
            raise ValueError(
                f"an integer has more than {_digit_limit()} digits, Python's limit"
            ) from None
        raise
    if _SURROGATE_ESCAPE.search(data) is not None:
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("a string holds a lone surrogate (\\ud800 to \\udfff)") from None
    return value


def loads(data: bytes | str) -> Any:
    """Parse JSON text; integers of any size stay exact ``int`` values.

    Raises:
        ValueError: the text is not valid JSON (orjson's or :mod:`json`'s error, or
            one saying what orjson would refuse), or not UTF-8.
    """
    if isinstance(data, str):
        raw = data.encode("utf-8", "surrogatepass")
    elif isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
    else:
        raise ValueError(f"a {type(data).__name__} is not JSON text")
    if may_hold_big_integer(raw):
        return _exact_loads(raw)
    return orjson.loads(raw)


def _with_fragments(value: Any) -> Any:
    """Return ``value`` with integers orjson refuses replaced by their digits, verbatim."""
    kind = type(value)
    if kind is int:
        if _LOWEST <= value <= _HIGHEST:
            return value
        try:
            return orjson.Fragment(str(value).encode())
        except ValueError:
            raise TypeError(f"an integer has more than {_digit_limit()} digits") from None
    if isinstance(value, dict):
        return {key: _with_fragments(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_with_fragments(item) for item in value]
    return value


def dumps(
    value: Any, *, option: int | None = None, default: Callable[[Any], Any] | None = None
) -> bytes:
    """Serialize ``value`` with orjson (``option`` and ``default`` are orjson's); integers
    of any size exactly.

    Raises:
        TypeError: ``value`` holds something orjson cannot write (its
            ``JSONEncodeError``, a ``TypeError``).
    """
    try:
        return orjson.dumps(value, default=default, option=option)
    except orjson.JSONEncodeError:
        pass  # perhaps only big integers: with them as digits, any other problem remains
    return orjson.dumps(_with_fragments(value), default=default, option=option)
