"""JSON text that keeps integers of any size exact.

orjson is fast but holds integers to 64 bits: it refuses to write a larger one and reads
one as a float, which would merge distinct keys or round a value silently. These two
functions use orjson and fall back to the standard library's :mod:`json` (exact for
integers of any size) only for the values orjson cannot keep, so ordinary data pays
nothing::

    from hookline.jsoncodec import dumps, loads

    loads(b'{"id": 123456789012345678901234}')  # {'id': 123456789012345678901234}
    dumps({"id": 2**70})  # b'{"id":1180591620717411303424}'
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import orjson

__all__ = ["dumps", "has_big_number", "loads"]

#: An integer literal too long for 64 bits may hide in a document: 19 digits or more.
_LONG_DIGITS = re.compile(rb"\d{19,}")


def has_big_number(data: bytes) -> bool:
    """Whether ``data`` holds a run of 19 or more digits (it may hold a big integer)."""
    return _LONG_DIGITS.search(data) is not None


def loads(data: bytes | str) -> Any:
    """Parse JSON text; integers of any size stay exact ``int``.

    Raises:
        ValueError: the text is not JSON (``orjson.JSONDecodeError`` or
            ``json.JSONDecodeError``, both ``ValueError``).
    """
    raw = data.encode() if isinstance(data, str) else data
    if has_big_number(raw):
        return json.loads(raw)
    return orjson.loads(raw)


def dumps(
    value: Any, *, option: int | None = None, default: Callable[[Any], Any] | None = None
) -> bytes:
    """Serialize ``value`` to JSON text (bytes); integers of any size are written exactly.

    ``option`` and ``default`` are orjson's (``orjson.OPT_INDENT_2``, a function turning an
    unsupported value into a supported one); the fallback indents by two spaces when
    ``OPT_INDENT_2`` is set.

    Raises:
        TypeError: ``value`` holds something JSON cannot represent.
    """
    try:
        return orjson.dumps(value, default=default, option=option)
    except orjson.JSONEncodeError as exc:
        if "Integer exceeds 64-bit range" not in str(exc):
            raise
    indent = 2 if option is not None and option & orjson.OPT_INDENT_2 else None
    separators = None if indent else (",", ":")
    text = json.dumps(
        value, indent=indent, separators=separators, ensure_ascii=False, default=default
    )
    return text.encode()
