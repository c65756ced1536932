"""Secrets: masked type, redaction of every encoded form, and log lines."""

from __future__ import annotations

import base64
import logging
import urllib.parse

import pytest

from hookline import secrets
from hookline._logging import RedactingFilter
from hookline.secrets import MASK, Secret, redact


@pytest.fixture(autouse=True)
def _clean_registry() -> None:
    secrets._forget_all()


def test_secret_is_masked_everywhere_but_reveal() -> None:
    token = Secret("hunter2-hunter2")
    assert repr(token) == "Secret('********')"
    assert str(token) == MASK
    assert f"{token}" == MASK
    assert token.reveal() == "hunter2-hunter2"
    assert token == Secret("hunter2-hunter2") and token != Secret("other-value")


def test_redact_masks_plain_urlencoded_and_base64_forms() -> None:
    value = "p@ss w0rd/+="
    Secret(value)
    forms = [
        value,
        urllib.parse.quote(value, safe=""),
        urllib.parse.quote_plus(value),
        base64.b64encode(value.encode()).decode(),
    ]
    text = " | ".join(forms)
    assert redact(text) == " | ".join([MASK] * len(forms))


def test_short_values_are_not_redacted_in_free_text() -> None:
    Secret("ab")
    assert redact("a cab ride") == "a cab ride"
    assert secrets.any_registered() is False


def test_log_records_are_redacted() -> None:
    Secret("tok-abcdef")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "sent %s", ("tok-abcdef",), None)
    assert RedactingFilter().filter(record)
    assert record.getMessage() == f"sent {MASK}"
