"""The secrets checks find a secret in every form it leaks in, and untyped credentials.

Each connector in :mod:`conformance.connectors.broken_secrets` differs from the good
reference by one defect; the suite must fail the check named for it, saying how the
secret showed, and no other check. The matcher itself is tried on many more shapes of
each form (every base64 alignment, masks of every length, encodings of special
characters) and on text that must not count as a leak.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from conformance.connectors import broken_secrets

from hookline.conformance import canary, run_suite
from hookline.conformance._canaries import exact_forms, is_canary, lookalike, parts
from hookline.conformance._capture import Capture
from hookline.conformance._checks_secrets import _credential_name, find_leaks
from hookline.host import connector_from_plugin

DEFECTS: list[tuple[type[Any], str, str]] = [
    (
        broken_secrets.LogsBasicHeader,
        "secrets.no_leak",
        "$.token (HTTP Basic credential) in log line",
    ),
    (
        broken_secrets.LogsMaskedToken,
        "secrets.no_leak",
        "$.token (26 of its 32 characters) in log line",
    ),
    (broken_secrets.LogsJsonBody, "secrets.no_leak", "$.token (JSON-escaped) in log line"),
    (
        broken_secrets.UntypedBearer,
        "secrets.settings_typed",
        "$.bearer is not typed hookline.Secret, yet its fixture value is a canary",
    ),
    (
        broken_secrets.UntypedSignature,
        "secrets.settings_typed",
        "$.webhook_signature is not typed hookline.Secret, yet its name 'webhook_signature' "
        "says it holds a credential",
    ),
]


@pytest.mark.parametrize(
    ("connector", "check", "phrase"), DEFECTS, ids=[c.__name__ for c, *_ in DEFECTS]
)
def test_defect_fails_its_check_and_no_other(
    connector: type[Any], check: str, phrase: str, tmp_path: Path
) -> None:
    report = run_suite(connector_from_plugin(connector()), workdir=tmp_path)
    outcome = report.outcome(check)
    assert outcome.status == "failed", f"{check}: {outcome.status}: {outcome.message}"
    assert phrase in outcome.message, outcome.message
    failed = {c.name: c.message for c in report.checks if c.status == "failed"}
    assert set(failed) == {check}, failed
    assert report.passed is False


def test_broken_secret_connectors_are_all_listed() -> None:
    assert {connector.__name__ for connector, *_ in DEFECTS} == set(broken_secrets.__all__)


# -- the matcher ------------------------------------------------------------------------


def _leaks(text: str, secret: str) -> list[str]:
    capture = Capture()
    capture.add("a log line", text)
    return find_leaks(capture, {"$.token": secret})


# As canary("token") makes them (fixed here: test ids must not change between workers).
SECRET = "hl-canary-token-3f9a1b2c4d5e6f70"  # 32 characters
SPECIAL = "hl-canary-password-0a1b2c3d4e5f6071" + ' "é/\\+&='


@pytest.mark.parametrize("user", ["", "a", "ab", "abc", "reader", "svc-account-7"])
def test_a_basic_header_is_found_whatever_the_user_name(user: str) -> None:
    header = "Authorization: Basic " + base64.b64encode(f"{user}:{SECRET}".encode()).decode()
    assert _leaks(header, SECRET) == ["$.token (HTTP Basic credential) in a log line"]


@pytest.mark.parametrize("before", ["", "x", "xy", '{"token": "', "api_key="])
def test_base64_is_found_at_every_alignment(before: str) -> None:
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        blob = encode(f"{before}{SECRET}, and more after it".encode()).decode()
        assert _leaks(f"payload={blob}", SECRET) == ["$.token (base64) in a log line"]


@pytest.mark.parametrize(
    ("shown", "label"),
    [
        (json.dumps({"password": SPECIAL}), "JSON-escaped"),
        (json.dumps({"password": SPECIAL}, ensure_ascii=False), "JSON-escaped"),
        (json.dumps(json.dumps({"password": SPECIAL})), "JSON-escaped"),
        ("GET /x?p=" + urllib.parse.quote(SPECIAL, safe=""), "URL-encoded"),
        ("GET /x?p=" + urllib.parse.quote(urllib.parse.quote(SPECIAL, safe="")), "URL-encoded"),
        ("p=" + urllib.parse.quote_plus(SPECIAL), "form-encoded"),
        (repr({"password": SPECIAL}), "Python-escaped"),
        ("digest " + SPECIAL.encode().hex(), "hex"),
    ],
)
def test_an_escaped_or_encoded_secret_is_found_by_its_form(shown: str, label: str) -> None:
    assert _leaks(shown, SPECIAL) == [f"$.token ({label}) in a log line"]


@pytest.mark.parametrize("kept", [16, 20, 26, 31])
def test_a_secret_masked_but_for_a_long_part_is_found(kept: int) -> None:
    shown = ["*" * (32 - kept) + SECRET[-kept:]]
    if kept > 16:  # the first 16 characters are the canary's public prefix
        shown.append(SECRET[:kept] + "*" * (32 - kept))
    for text in shown:
        assert _leaks(f"token={text}", SECRET) == [
            f"$.token ({kept} of its 32 characters) in a log line"
        ]


@pytest.mark.parametrize(
    "harmless",
    [
        "token=********" + SECRET[-4:],  # the last four, as receipts show them
        SECRET[:4] + "…" + SECRET[-4:],
        "hl-canary-token-********",  # a canary's prefix is public
        "Bearer ********",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ],
)
def test_a_short_or_public_part_is_no_leak(harmless: str) -> None:
    assert _leaks(harmless, SECRET) == []


def test_the_plainest_form_names_a_place() -> None:
    text = f"{SECRET} and {base64.b64encode(SECRET.encode()).decode()}"
    assert _leaks(text, SECRET) == ["$.token (plain) in a log line"]


def test_forms_and_parts_are_distinct_and_long_enough() -> None:
    forms = [form for _, form in exact_forms(SPECIAL)]
    assert len(forms) == len(set(forms))
    assert all(len(form) >= 8 for form in forms)
    assert all(len(part) == 16 for part in parts(SECRET))
    assert not any(part.startswith("hl-canary-token") for part in parts(SECRET))


def test_a_lookalike_is_fresh_and_keeps_the_shape() -> None:
    assert is_canary(canary("token")) and len(canary("token")) == len(SECRET)
    fresh = lookalike(SECRET)
    assert fresh != SECRET and len(fresh) == len(SECRET) and is_canary(fresh)
    other = lookalike("Ab3-xyZ9")
    assert other != "Ab3-xyZ9" and other[3] == "-"
    assert [c.isupper() for c in other] == [c.isupper() for c in "Ab3-xyZ9"]
    assert [c.isdigit() for c in other] == [c.isdigit() for c in "Ab3-xyZ9"]


@pytest.mark.parametrize(
    ("name", "credential"),
    [
        ("bearer", True),
        ("webhook_signature", True),
        ("passphrase", True),
        ("privateKey", True),
        ("api-key", True),
        ("client_secret", True),
        ("hmac", True),
        ("token_url", False),
        ("signature_method", False),
        ("max_tokens", False),
        ("username", False),
        ("primary_key", False),
        ("sort_key", False),
    ],
)
def test_credential_names(name: str, credential: bool) -> None:
    assert _credential_name(name) is credential
