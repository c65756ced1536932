"""Conversions for the cast step: each turns a value into its type or raises CastFailure.

Numbers are kept exact. Python integers have no size limit, so an integer is never turned
into a float behind the user's back: text holding a whole number becomes an exact ``int``
(``integer`` always; ``number`` once the number is beyond 2**53, where floats no longer
hold every whole number), a fraction beyond 2**53 is refused rather than rounded, and
JSON text with long integers is read by the standard library, which keeps them exact.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

_INTEGER = re.compile(r"[+-]?\d+")
#: A run of digits that may be an integer too long for orjson, which reads it as a float.
_LONG_DIGITS = re.compile(r"\d{19,}")
_BOOLEANS = {
    "true": True, "t": True, "yes": True, "y": True, "on": True, "1": True,
    "false": False, "f": False, "no": False, "n": False, "off": False, "0": False,
}  # fmt: skip
_SHOWN = 30
#: Floats hold every whole number strictly between -2**53 and 2**53, and no fraction
#: beyond: a number read as a float within these bounds lost no whole-number digit.
EXACT_FLOAT = 2**53
#: The most digits an integer read from or written as text may have: Python's own default
#: limit for converting between integers and text (``sys.get_int_max_str_digits``).
MAX_INTEGER_DIGITS = 4300
_WIDE_INTEGER_BITS = 96  # integers from 2**96 on have 29 digits or more


class CastFailure(ValueError):
    """A value that cannot be converted; the message completes "<value> is not ..."."""


class Inexact(CastFailure):
    """A number that cannot be kept exact: refused rather than rounded."""


def shown(value: Any) -> str:
    """Return a short rendering of a value for a reason (scalars only)."""
    if isinstance(value, str):
        text = value if len(value) <= _SHOWN else value[: _SHOWN - 1] + "…"
        return json.dumps(text, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and value.bit_length() > _WIDE_INTEGER_BITS:
        try:
            digits = repr(value)
        except ValueError:
            return f"an integer of more than {MAX_INTEGER_DIGITS} digits"
        return digits if len(digits) <= _SHOWN else digits[: _SHOWN - 1] + "…"
    if isinstance(value, (int, float)):
        return repr(value)
    return "an array" if isinstance(value, list) else "an object"


def _whole(digits: str, kind: str) -> int:
    """The integer written as ``digits`` (an optional sign and digits only), exactly."""
    if len(digits.lstrip("+-")) > MAX_INTEGER_DIGITS:
        raise Inexact(f"{kind} of at most {MAX_INTEGER_DIGITS} digits")
    try:
        return int(digits)
    except ValueError:  # the process allows fewer digits than the default
        raise Inexact(f"{kind} of at most {MAX_INTEGER_DIGITS} digits") from None


def _decimal(text: str, kind: str) -> Decimal:
    """The finite number written as ``text``, exactly; ``CastFailure`` when it is none."""
    try:
        exact = Decimal(text)
    except InvalidOperation:
        raise CastFailure(kind) from None
    if not exact.is_finite():
        raise CastFailure(kind)
    return exact


def _whole_decimal(exact: Decimal, kind: str) -> int:
    """A whole ``Decimal`` as an ``int``, once its digits are known to be few enough."""
    if exact.adjusted() + 1 > MAX_INTEGER_DIGITS:
        raise Inexact(f"{kind} of at most {MAX_INTEGER_DIGITS} digits")
    return int(exact)


def parse_number(text: str) -> int | float:
    """Read a number written as text, exactly: an ``int`` for digits (of any size up to
    :data:`MAX_INTEGER_DIGITS`) and for whole numbers beyond 2**53 written otherwise
    (``"1e30"``); a ``float`` for the others.

    Raises:
        CastFailure: ``text`` is not a finite number (``_`` in it, ``nan``, ``inf``).
        Inexact: a fraction beyond 2**53 (a float would round its whole part), or more
            than :data:`MAX_INTEGER_DIGITS` digits.
    """
    if "_" in text:
        raise CastFailure("a number")
    stripped = text.strip()
    if _INTEGER.fullmatch(stripped):
        return _whole(stripped, "a number")
    try:
        number = float(stripped)
    except ValueError:
        raise CastFailure("a number") from None
    if -EXACT_FLOAT < number < EXACT_FLOAT:
        return number
    exact = _decimal(stripped, "a number")
    if exact != exact.to_integral_value():
        raise Inexact("a number a float holds without rounding (a fraction beyond 2**53)")
    return _whole_decimal(exact, "a number")


# -- Conversions -----------------------------------------------------------------------


def _to_integer(value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        return int(value)  # exact: the float's own value
    if isinstance(value, str) and "_" not in value:
        text = value.strip()
        if _INTEGER.fullmatch(text):
            if len(text) <= MAX_INTEGER_DIGITS:
                try:
                    return int(text)
                except ValueError:  # the process allows fewer digits than the default
                    pass
            return _whole(text, "an integer")
        exact = _decimal(text, "an integer")  # "12.0", "1e3": read exactly, not as a float
        if exact == exact.to_integral_value():
            return _whole_decimal(exact, "an integer")
    raise CastFailure("an integer")


def _to_number(value: Any) -> int | float:
    if isinstance(value, str):
        number = parse_number(value)
        if type(number) is int and -EXACT_FLOAT < number < EXACT_FLOAT:
            return float(number)  # as before: text becomes a float where a float is exact
        return number
    raise CastFailure("a number")


def _to_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        try:
            return repr(value)
        except ValueError:  # an integer of more digits than Python writes
            raise Inexact("convertible to text") from None
    try:
        return orjson.dumps(value).decode()
    except TypeError as exc:
        if "64-bit" not in str(exc):
            raise CastFailure("convertible to text") from None
    try:  # an integer beyond 64 bits, which orjson does not write: exactly, by json
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        raise CastFailure("convertible to text") from None


def _to_boolean(value: Any) -> bool:
    if isinstance(value, str):
        found = _BOOLEANS.get(value.strip().lower())
        if found is not None:
            return found
    elif type(value) is int and value in (0, 1):
        return bool(value)
    raise CastFailure("a boolean")


def _as_isoformat_writes(text: str, parsed: dt.datetime) -> bool:
    """Whether ``text``, which ``fromisoformat`` read as ``parsed``, is what ``isoformat()`` writes.

    That form is ``YYYY-MM-DDTHH:MM:SS``, then ``.ffffff`` when the microseconds are not
    zero, then ``+HH:MM`` or ``-HH:MM`` (never ``-00:00``) when there is an offset: a text
    of that exact length with every separator in place is it (the parser took the digits
    between them). Checked by position, which costs a third of a regular expression.
    """
    size = 19
    if parsed.microsecond:
        if text[19:20] != ".":
            return False
        size = 26
    if parsed.tzinfo is not None:
        if text[-6] not in "+-" or text[-3] != ":" or text[-6:] == "-00:00":
            return False
        size += 6
    return (
        len(text) == size
        and text[10] == "T"
        and text[4] == text[7] == "-"
        and text[13] == text[16] == ":"
    )


def _to_datetime(value: Any) -> str:
    try:
        if isinstance(value, str):
            text = value.strip()
            if text.endswith(("Z", "z")):
                text = text[:-1] + "+00:00"
            parsed = dt.datetime.fromisoformat(text)
            if _as_isoformat_writes(text, parsed):
                return text  # already as isoformat() writes it: a third of the cost saved
            return parsed.isoformat()
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return dt.datetime.fromtimestamp(value, tz=dt.timezone.utc).isoformat()
    except (ValueError, OverflowError, OSError):
        pass
    raise CastFailure("a date-time")


def _finite(text: str) -> float:
    number = float(text)
    if number - number != 0:
        raise ValueError("not a finite number")
    return number


def _no_constant(text: str) -> Any:
    raise ValueError(f"{text} is not JSON")


def _to_json(value: Any) -> Any:
    if not isinstance(value, str):
        raise CastFailure("JSON text")
    try:
        if _LONG_DIGITS.search(value):
            # orjson would read an integer beyond 64 bits as a float: json keeps it exact.
            return json.loads(value, parse_float=_finite, parse_constant=_no_constant)
        return orjson.loads(value)
    except ValueError:  # orjson's and json's decode errors, and too many digits
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
