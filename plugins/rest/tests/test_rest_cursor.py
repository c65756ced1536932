"""Cursor values: ordering numbers and timestamps, and going back by the lookback."""

from __future__ import annotations

import pytest

from hookline_rest._cursor import later, minus


@pytest.mark.parametrize(
    ("value", "seconds", "expected"),
    [
        (100, 10, 90),
        (100, 2.5, 97),  # an integer stays one: a fraction looks back a unit more
        (2**70 + 2**17 + 1, 5.0, 2**70 + 2**17 - 4),  # exact, not rounded through a float
        (1.5, 0.5, 1.0),
        ("2026-03-01T10:00:00Z", 90, "2026-03-01T09:58:30Z"),
        ("2026-03-01T10:00:00+02:00", 3600, "2026-03-01T09:00:00+02:00"),
        ("2026-03-01T10:00:00", 60, "2026-03-01T09:59:00"),
        ("opaque", 0, "opaque"),
    ],
)
def test_minus_keeps_the_form(value: object, seconds: float, expected: object) -> None:
    assert minus(value, seconds) == expected


def test_minus_refuses_what_is_not_a_number_or_timestamp() -> None:
    with pytest.raises(ValueError, match="set cursor.lookback_seconds to 0"):
        minus("v12", 5)


def test_later_compares_timestamps_as_instants() -> None:
    assert later("2026-03-01T10:00:00+02:00", "2026-03-01T09:00:00Z") == "2026-03-01T09:00:00Z"
    assert later(None, 3) == 3
    assert later(5, None) == 5
    assert later(5, 12) == 12
