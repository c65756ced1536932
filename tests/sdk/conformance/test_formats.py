"""The suite's own format checks: each standard's valid and invalid forms."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from hookline.conformance._formats import format_checker

CASES = [
    ("date-time", "2024-01-05T10:00:00Z", True),
    ("date-time", "2024-01-05t10:00:00.123456+05:30", True),
    ("date-time", "2016-12-31T23:59:60Z", True),
    ("date-time", "2024-01-05T10:00:00", False),  # no zone
    ("date-time", "2024-01-05 10:00:00Z", False),  # a space for T
    ("date-time", "2024-02-30T10:00:00Z", False),  # no such day
    ("date-time", "2024-01-05T24:00:00Z", False),
    ("date-time", "2024-01-05T10:00:00+25:00", False),
    ("date-time", "1704448800", False),
    ("date", "2024-02-29", True),
    ("date", "2023-02-29", False),
    ("date", "2024-1-5", False),
    ("date", "05/01/2024", False),
    ("time", "10:00:00Z", True),
    ("time", "10:00:00", False),
    ("email", "ada@example.test", True),
    ("email", "Ada <ada@example.test>", False),
    ("email", "ada.example.test", False),
    ("email", "ada@", False),
    ("uri", "https://example.test/customers/1?x=1", True),
    ("uri", "urn:isbn:0451450523", True),
    ("uri", "customers/1", False),
    ("uri", "/customers/1", False),
    ("uri", "https://example.test/a b", False),
    ("uuid", "123e4567-e89b-12d3-a456-426614174000", True),
    ("uuid", "123e4567e89b12d3a456426614174000", False),
]


@pytest.mark.parametrize(("name", "value", "valid"), CASES)
def test_a_format_is_checked_by_its_standard(name: str, value: str, valid: bool) -> None:
    validator = Draft202012Validator(
        {"type": "string", "format": name}, format_checker=format_checker()
    )
    assert validator.is_valid(value) is valid


def test_values_of_other_types_are_left_to_the_type_check() -> None:
    validator = Draft202012Validator({"format": "date-time"}, format_checker=format_checker())
    assert validator.is_valid(17)


def test_an_unknown_format_is_an_annotation() -> None:
    validator = Draft202012Validator(
        {"type": "string", "format": "hostname-of-the-moon"}, format_checker=format_checker()
    )
    assert validator.is_valid("anything at all")
