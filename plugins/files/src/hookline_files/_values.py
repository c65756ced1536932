"""CSV cells as typed values and back: text is all a CSV file holds.

Reading, a cell's text becomes the value its column's JSON Schema type names (an empty
cell is ``None``). Inference uses :func:`guess_value` to see what a cell looks like. Writing,
:func:`cell_text` turns a value into the text :func:`guess_value` reads back as the same
value. Integers of any size stay exact both ways, in cells and inside JSON objects and
arrays.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from hookline import jsoncodec as _json

# No leading zeros (except "0" itself): "007" and "01234" are codes, not numbers.
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_BOOLEANS = {"true": True, "false": False}
#: Integers further from zero than this lose digits as a float (a double holds 53 bits).
_FLOAT_EXACT_LIMIT = 2**53

#: The order in which a cell is tried against the types of a column (the first fits).
_TRY_ORDER = ("boolean", "integer", "number", "object", "array", "string")


class CellError(ValueError):
    """A cell's text is not a value of its column's type."""


def guess_value(text: str) -> Any:
    """Return what a CSV cell most plausibly holds, for schema inference.

    ``""`` is ``None``; integers and decimal numbers become ``int``/``float`` (not with
    leading zeros); ``true``/``false`` (any case) become booleans; a JSON object or array
    becomes a ``dict``/``list``; anything else stays a string.
    """
    if not text:
        return None
    for kind in ("integer", "number", "boolean", "object", "array"):
        try:
            return _PARSERS[kind](text)
        except CellError:
            continue
    return text


def _parse_integer(text: str) -> int:
    if _INTEGER.fullmatch(text):
        try:
            return int(text)
        except ValueError:  # more digits than Python converts (4300 by default)
            raise CellError("not an integer Python can read (too many digits)") from None
    raise CellError("not an integer")


def _parse_number(text: str) -> float | int:
    """Return the number in ``text``; an integer a float would round stays an ``int``."""
    if _NUMBER.fullmatch(text):
        if len(text) > 15 and _INTEGER.fullmatch(text):
            exact = _parse_integer(text)
            if not -_FLOAT_EXACT_LIMIT <= exact <= _FLOAT_EXACT_LIMIT:
                return exact
        number = float(text)
        if number - number == 0:  # finite
            return number
    raise CellError("not a number")


def _parse_boolean(text: str) -> bool:
    value = _BOOLEANS.get(text.lower())
    if value is None:
        raise CellError("not true or false")
    return value


def _parse_json(kind: type, opener: str, name: str) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        if text.startswith(opener):
            try:
                value = _json.loads(text)
            except ValueError:
                pass
            else:
                if isinstance(value, kind):
                    return value
        raise CellError(f"not a JSON {name}")

    return parse


def _parse_string(text: str) -> str:
    return text


_PARSERS: dict[str, Callable[[str], Any]] = {
    "integer": _parse_integer,
    "number": _parse_number,
    "boolean": _parse_boolean,
    "object": _parse_json(dict, "{", "object"),
    "array": _parse_json(list, "[", "array"),
    "string": _parse_string,
}


def _types_of(schema: Any) -> list[str] | None:
    """Return the JSON types a property schema allows, or ``None`` for "anything"."""
    if not isinstance(schema, dict):
        return None
    declared = schema.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list) and all(isinstance(t, str) for t in declared):
        return list(declared)
    return None


def cell_converter(schema: Any) -> Callable[[str], Any]:
    """Return a function that turns a cell's text into a value of ``schema``'s type.

    An empty cell is ``None`` whatever the type (CSV cannot tell empty from missing).
    A column whose schema names no type, or allows ``string``, keeps text that fits no
    other allowed type. The function raises :class:`CellError` for text that fits none.
    """
    types = _types_of(schema)
    if types is None:
        return _keep_text
    kinds = [kind for kind in _TRY_ORDER if kind in types]
    if kinds == ["string"]:
        return _keep_text
    if not kinds:
        return _only_empty
    parsers = [_PARSERS[kind] for kind in kinds]
    expected = " or ".join(_NAMES[kind] for kind in kinds)
    if len(parsers) == 1:
        only = parsers[0]

        def convert_one(text: str) -> Any:
            if not text:
                return None
            try:
                return only(text)
            except CellError:
                raise CellError(f"not {expected}") from None

        return convert_one

    def convert_any(text: str) -> Any:
        if not text:
            return None
        for parse in parsers:
            try:
                return parse(text)
            except CellError:
                continue
        raise CellError(f"not {expected}")

    return convert_any


_NAMES = {
    "boolean": "true or false",
    "integer": "an integer",
    "number": "a number",
    "object": "a JSON object",
    "array": "a JSON array",
    "string": "a string",
}


def _keep_text(text: str) -> Any:
    return text if text else None


def _only_empty(text: str) -> Any:
    if text:
        raise CellError("not empty (the schema allows only null)")
    return None


class UnwritableValue(ValueError):
    """A value that cannot be written as a CSV cell or a JSON value."""


def cell_text(value: Any) -> str:
    """Return the CSV cell text for ``value``.

    ``None`` is an empty cell, booleans are ``true``/``false``, numbers their shortest
    form, objects and arrays their JSON text, dates and times ISO 8601.

    Raises:
        UnwritableValue: the value has no JSON form.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        try:
            return repr(value)
        except ValueError:  # an integer with more digits than Python converts
            raise UnwritableValue("an integer with too many digits to write") from None
    try:
        encoded = _json.dumps(value)
    except TypeError as exc:
        raise UnwritableValue(str(exc)) from None
    if encoded.startswith(b'"'):
        # Dates, times, UUIDs and the like: orjson writes them as JSON strings.
        text: str = _json.loads(encoded)
        return text
    return encoded.decode()
