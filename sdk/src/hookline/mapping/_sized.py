"""The functions that build values, each bounded in the size of what it builds.

Every function here that can return more than it was given checks the size of its result
against :data:`~hookline.mapping._limits.MAX_VALUE_SIZE`, before building it wherever the
size can be told in advance: ``replace`` counts the occurrences first, ``join``,
``concat`` and ``split`` add up lengths and counts, ``to_string``, ``concat`` and
``sha256`` measure an array or object before writing it as text (an array holding the
same array twice, nested, is small in memory but exponential as text). ``merge`` checks
what it built; ``map`` checks as it goes, like the projections of :mod:`._interpreter`.
Functions that only select or shrink (``trim``, ``reverse``, ``sort``, ``keys``,
``values``, ...) are not checked: their result is no larger than what they were given;
nor are ``lower`` and ``upper``, which at most triple a string, once (see below).

It also replaces JMESPath's ``to_number``, ``sum`` and ``avg`` by versions that keep big
integers exact: ``to_number`` reads text as the ``cast`` step does, and a sum or an
average that a float could only round is refused rather than rounded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from hookline.mapping._casts import EXACT_FLOAT, CastFailure, Inexact, parse_number
from hookline.mapping._limits import MAX_VALUE_SIZE, EvaluationRefused, ValueTooLarge, size_of

_LIMIT = MAX_VALUE_SIZE
#: Splitting text of this length or less gives at most ``length + 1`` items holding at most
#: ``length`` characters: never more than the limit.
_SPLIT_UNCHECKED = (_LIMIT - 2) // 2


#: Integers within this bound are written by ``str()`` exactly as JSON writes them.
_SMALL_INT = 1 << 62


def _scalar_json(value: Any) -> str | None:
    """The JSON text of a number, boolean or null, as ``json.dumps`` writes it, else ``None``.

    The common arguments of ``concat`` and ``to_string`` (ids, amounts, flags), written
    without the JSON encoder's cost per call.
    """
    kind = type(value)
    if kind is int:
        return str(value) if -_SMALL_INT < value < _SMALL_INT else None
    if kind is float:
        return repr(value) if value - value == 0 else None  # NaN and infinities: json's words
    if kind is bool:
        return "true" if value else "false"
    if value is None:
        return "null"
    return None


def text_form(value: Any) -> str:
    """Return the text form of a value: strings as they are, anything else as compact JSON."""
    if isinstance(value, str):
        return value
    scalar = _scalar_json(value)
    if scalar is not None:
        return scalar
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def _bounded_text(value: Any, builder: str, room: int = _LIMIT) -> str:
    """The text form of ``value``, refused when it would hold more than ``room`` characters."""
    if type(value) is str:
        text = value
    elif (scalar := _scalar_json(value)) is not None:
        text = scalar
    else:
        if size_of(value, room) > room:
            raise ValueTooLarge(builder)
        text = text_form(value)
    if len(text) > room:
        raise ValueTooLarge(builder)
    return text


# -- hookline's functions ------------------------------------------------------------------


# lower() and upper() are not checked: Unicode case mapping makes a string at most three
# times as long ("ΐ".upper() is 3 characters), and mapping the result again, in either
# case, never makes it longer (true of every character, for chains of up to ten
# mappings): they cannot multiply anything, and whatever takes their result is checked.


def lower(value: str | None) -> str | None:
    """``lower(s)``: the string in lowercase; null stays null."""
    return None if value is None else value.lower()


def upper(value: str | None) -> str | None:
    """``upper(s)``: the string in uppercase; null stays null."""
    return None if value is None else value.upper()


def trim(value: str | None) -> str | None:
    """``trim(s)``: the string without leading and trailing whitespace; null stays null."""
    return None if value is None else value.strip()


_TEXT_OR_NULL = frozenset({str, type(None)})


def concat(*values: Any) -> str:
    """``concat(v, ...)``: the text forms of the arguments joined; nulls are skipped."""
    if set(map(type, values)) <= _TEXT_OR_NULL:  # the usual call: strings (and nulls) only
        if sum(map(len, filter(None, values))) > _LIMIT:
            raise ValueTooLarge("concat()")
        return "".join(filter(None, values))
    parts: list[str] = []
    used = 0
    for value in values:
        if value is None:
            continue
        text = _bounded_text(value, "concat()", _LIMIT - used)
        used += len(text)
        parts.append(text)
    return "".join(parts)


def split(value: str | None, separator: str) -> list[str] | None:
    """``split(s, sep)``: the string cut at each separator (an empty one: the characters)."""
    if value is None:
        return None
    if len(value) > _SPLIT_UNCHECKED:  # the result could be too large: count its items
        length = len(value)
        items = value.count(separator) + 1 if separator else length
        if 1 + items + length - (items - 1) * len(separator) > _LIMIT:
            raise ValueTooLarge("split()")
    return value.split(separator) if separator else list(value)


def replace(value: str | None, old: str, new: str) -> str | None:
    """``replace(s, old, new)``: the string with every ``old`` replaced by ``new``."""
    if value is None:
        return None
    if not old:
        return value
    length = len(value)
    # The result is at most length * (len(new) + 1) long (old is at least 1 character):
    # when that is too much, count the occurrences for its exact length.
    if (
        length * (len(new) + 1) > _LIMIT
        and length + (len(new) - len(old)) * value.count(old) > _LIMIT
    ):
        raise ValueTooLarge("replace()")
    return value.replace(old, new)


def sha256(value: Any) -> str | None:
    """``sha256(v)``: the hex SHA-256 of the value's text form; null stays null."""
    if value is None:
        return None
    return hashlib.sha256(_bounded_text(value, "sha256()").encode("utf-8")).hexdigest()


# -- JMESPath's own functions, replaced ------------------------------------------------------


def _join(separator: str, array: list[str]) -> str:
    count = len(array)
    if count and sum(map(len, array)) + len(separator) * (count - 1) > _LIMIT:
        raise ValueTooLarge("join()")
    return separator.join(array)


def _to_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    scalar = _scalar_json(value)
    if scalar is not None:
        return scalar
    if size_of(value) > _LIMIT:
        raise ValueTooLarge("to_string()")
    text = json.dumps(value, separators=(",", ":"), default=str)  # as JMESPath writes it
    if len(text) > _LIMIT:
        raise ValueTooLarge("to_string()")
    return text


def _to_number(value: Any) -> Any:
    if isinstance(value, (list, dict, bool)) or value is None:
        return None
    if isinstance(value, (int, float)):
        return value
    try:
        return parse_number(str(value))
    except Inexact as exc:
        raise EvaluationRefused(f"to_number(): the text is not {exc}") from None
    except CastFailure:
        return None


def _map(expref: Any, array: list[Any]) -> list[Any]:
    result: list[Any] = []
    used = 1
    for element in array:
        item = expref.visit(expref.expression, element)
        used += size_of(item, _LIMIT - used)
        if used > _LIMIT:
            raise ValueTooLarge("map()")
        result.append(item)
    return result


def _merge(*objects: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for item in objects:
        merged.update(item)
    if len(objects) > 1 and size_of(merged) > _LIMIT:
        raise ValueTooLarge("merge()")
    return merged


def _beyond_floats(numbers: list[Any]) -> bool:
    """Whether an integer in ``numbers`` is one a float cannot hold exactly."""
    return any(type(n) is int and not -EXACT_FLOAT < n < EXACT_FLOAT for n in numbers)


def _sum(numbers: list[Any]) -> Any:
    total = sum(numbers)
    if type(total) is float and _beyond_floats(numbers):
        raise EvaluationRefused("sum() would round an integer beyond 2**53 to a float")
    return total


def _avg(numbers: list[Any]) -> Any:
    if not numbers:
        return None
    if not _beyond_floats(numbers):
        return sum(numbers) / len(numbers)
    total = sum(numbers)
    if type(total) is int and total % len(numbers) == 0:
        return total // len(numbers)  # exact
    raise EvaluationRefused("avg() would round an integer beyond 2**53 to a float")


#: JMESPath's functions that hookline replaces, by name: they take the same arguments.
REPLACED: dict[str, Callable[..., Any]] = {
    "join": _join,
    "to_string": _to_string,
    "to_number": _to_number,
    "map": _map,
    "merge": _merge,
    "sum": _sum,
    "avg": _avg,
}
