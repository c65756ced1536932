"""``cast: datetime`` writes exactly what ``datetime.isoformat()`` writes, fast path or not.

Text already in that form is returned as it is (after it parses); every other form is
parsed and written again. Both must agree for every shape a date-time arrives in.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from hookline.mapping import compile_mapping
from hookline.mapping._casts import CastFailure, _to_datetime

SCHEMA = {"type": "object", "properties": {"at": {"type": ["string", "number"]}}}


def _reference(text: str) -> str:
    text = text.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    return dt.datetime.fromisoformat(text).isoformat()


SHAPES = [
    "2024-01-05T10:00:00Z",
    "2024-01-05T10:00:00z",
    "2024-01-05T10:00:00+00:00",
    "2024-01-05T10:00:00-00:00",
    "2024-01-05T10:00:00+05:30",
    "2024-01-05T10:00:00",
    "2024-01-05T10:00:00.000000+00:00",
    "2024-01-05T10:00:00.123456+00:00",
    "2024-01-05T10:00:00.5+01:00",
    "2024-01-05T10:00:00.123+01:00",
    "2024-01-05 10:00:00+01:00",
    "2024-01-05",
    "  2024-01-05T10:00:00Z  ",
]


@pytest.mark.parametrize("text", SHAPES)
def test_every_shape_is_written_as_isoformat_writes_it(text: str) -> None:
    assert _to_datetime(text) == _reference(text)


# Text with the right length but a separator, a fraction or an offset out of place:
# written again, never taken as it is. (Which of them parse depends on the Python version:
# where fromisoformat refuses one, so must the cast.)
NEAR_SHAPES = [
    "2024-01-05t10:00:00",
    "2024-01-05T10:00:00,123456",
    "2024-01-05T10:00:00.000000",
    "2024-01-05T10:00:00+0100",
    "2024-01-05T10:00:00+01:00:30",
    "2024-01-05T10:00:00.123456+01:00:30.5",
    "20240105T100000",
    "2024-W01-5T10:00:00",
    "2024-01-05T10:00",
    "2024-01-05T10:00:00.123456-00:00",
]


@pytest.mark.parametrize("text", NEAR_SHAPES)
def test_near_canonical_text_is_written_again(text: str) -> None:
    try:
        expected = _reference(text)
    except ValueError:
        with pytest.raises(CastFailure):
            _to_datetime(text)
    else:
        assert _to_datetime(text) == expected


def test_random_date_times_agree_with_isoformat() -> None:
    rng = random.Random(11)
    for _ in range(2000):
        moment = dt.datetime(
            rng.randrange(1, 9999),
            rng.randrange(1, 13),
            rng.randrange(1, 29),
            rng.randrange(24),
            rng.randrange(60),
            rng.randrange(60),
            rng.choice([0, rng.randrange(1_000_000)]),
            tzinfo=rng.choice([None, dt.timezone.utc, dt.timezone(dt.timedelta(hours=-7))]),
        )
        for text in (moment.isoformat(), moment.isoformat(timespec="milliseconds")):
            assert _to_datetime(text) == _reference(text), text


@pytest.mark.parametrize("text", ["2024-13-05T10:00:00Z", "2024-02-30T10:00:00+00:00", "soon"])
def test_text_that_is_not_a_date_time_is_refused_even_in_the_canonical_form(text: str) -> None:
    mapper = compile_mapping({"cast": {"at": "datetime"}}, SCHEMA)
    result = mapper.apply([{"at": text}])
    assert result.records == []
    assert "a date-time" in result.rejected[0].reason
