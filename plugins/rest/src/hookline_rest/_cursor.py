"""Cursor values (numbers or ISO 8601 timestamps): ordering them and going back in time."""

from __future__ import annotations

__all__ = ["cursor_key", "later", "minus"]

import datetime as dt
import math
from typing import Any

_UTC = dt.timezone.utc


def _timestamp(value: str) -> dt.datetime | None:
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=_UTC)


def cursor_key(value: Any) -> tuple[int, Any]:
    """Return a sort key for a cursor value: numbers, then timestamps, then other text.

    Timestamps compare as instants, so ``2026-01-01T10:00:00+02:00`` is earlier than
    ``2026-01-01T09:00:00Z``.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value)
    text = str(value)
    stamp = _timestamp(text)
    if stamp is not None:
        return (1, stamp)
    return (2, text)


def later(current: Any, value: Any) -> Any:
    """Return the later of two cursor values (``current`` may be ``None``)."""
    if value is None:
        return current
    if current is None or cursor_key(value) > cursor_key(current):
        return value
    return current


def minus(value: Any, seconds: float) -> Any:
    """Return ``value`` moved back by ``seconds`` (units, for a number), in the same form.

    An integer stays an exact integer, however large (a fraction of ``seconds`` counts as
    one unit more).

    A timestamp keeps its style: a trailing ``Z`` stays ``Z``; other text is returned as
    it is when ``seconds`` is 0 and refused otherwise.

    Raises:
        ValueError: ``value`` is neither a number nor an ISO 8601 timestamp.
    """
    if not seconds:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        # In integers: int - float would round an integer beyond 2**53 (up, perhaps: past
        # the bookmark, skipping records). A fraction of a unit looks back one unit more.
        return value - math.ceil(seconds)
    if isinstance(value, float):
        return value - seconds
    text = str(value)
    stamp = _timestamp(text)
    if stamp is None:
        raise ValueError(
            f"cannot go back {seconds:g} s from the cursor value {text!r}: it is neither a "
            "number nor an ISO 8601 timestamp; set cursor.lookback_seconds to 0"
        )
    earlier = stamp - dt.timedelta(seconds=seconds)
    if text.strip().endswith(("Z", "z")):
        return earlier.astimezone(_UTC).isoformat().replace("+00:00", "Z")
    if _naive(text):
        return earlier.replace(tzinfo=None).isoformat()
    return earlier.isoformat()


def _naive(text: str) -> bool:
    parsed = dt.datetime.fromisoformat(text.strip())
    return parsed.tzinfo is None
