"""Secrets: masked type, redaction of every encoded form, and log lines."""

from __future__ import annotations

import base64
import json
import logging
import urllib.parse

import httpx
import orjson
import pytest

from hookline import secrets
from hookline._logging import RedactingFilter
from hookline.secrets import (
    MASK,
    Secret,
    looks_like_credential,
    redact,
    register_basic_credentials,
    register_credential_header,
    register_secret,
)

# A secret holding what JSON, URLs and base64 each encode differently.
AWKWARD = 'pa/ss "wörd"\\+€=1'


@pytest.fixture(autouse=True)
def _clean_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no secret known; what other tests registered comes back after."""
    monkeypatch.setattr(secrets, "_inputs", set())
    monkeypatch.setattr(secrets, "_known", set())
    monkeypatch.setattr(secrets, "_ordered", ())


def b64(text: str, encoding: str = "utf-8") -> str:
    return base64.b64encode(text.encode(encoding)).decode()


def test_secret_is_masked_everywhere_but_reveal() -> None:
    token = Secret("hunter2-hunter2")
    assert repr(token) == "Secret('********')"
    assert str(token) == MASK
    assert f"{token}" == MASK
    assert token.reveal() == "hunter2-hunter2"
    assert token == Secret("hunter2-hunter2") and token != Secret("other-value")


def test_nothing_registered_changes_nothing() -> None:
    text = 'GET /x?key=abc "Basic dXNlcjpwYXNz"'
    assert secrets.any_registered() is False
    assert redact(text) == text


def test_redact_masks_plain_urlencoded_and_base64_forms() -> None:
    value = "p@ss w0rd/+="
    Secret(value)
    forms = [
        value,
        urllib.parse.quote(value, safe=""),
        urllib.parse.quote(value),
        urllib.parse.quote_plus(value),
        urllib.parse.quote(value, safe="").lower(),
        base64.b64encode(value.encode()).decode(),
        base64.urlsafe_b64encode(value.encode()).decode(),
        base64.urlsafe_b64encode(value.encode()).decode().rstrip("="),
    ]
    text = " | ".join(forms)
    assert redact(text) == " | ".join([MASK] * len(forms))


def test_the_query_string_httpx_builds_is_masked() -> None:
    register_secret(AWKWARD)
    url = str(httpx.URL("https://api.test/x", params={"key": AWKWARD, "page": "2"}))
    assert redact(url) == f"https://api.test/x?key={MASK}&page=2"


def test_base64_of_latin1_bytes_is_masked() -> None:
    register_secret("pässwörd-1")
    assert redact(b64("pässwörd-1", "latin-1")) == MASK


@pytest.mark.parametrize(
    "dump",
    [
        lambda v: json.dumps(v),
        lambda v: json.dumps(v, ensure_ascii=False),
        lambda v: orjson.dumps(v).decode(),
        lambda v: json.dumps(v).replace("/", "\\/"),  # as PHP writes it
        lambda v: json.dumps(v).replace("\\u00f6", "\\u00F6").replace("\\u20ac", "\\u20AC"),
        repr,
    ],
    ids=["json-ascii", "json-unicode", "orjson", "escaped-slash", "upper-hex", "repr"],
)
def test_json_and_python_escaped_forms_are_masked(dump: object) -> None:
    register_secret(AWKWARD)
    assert callable(dump)
    shown = dump({"header": AWKWARD})
    assert AWKWARD not in shown  # the escaped form differs from the plain one
    assert redact(shown) in (
        f'{{"header": "{MASK}"}}',
        f'{{"header":"{MASK}"}}',
        f"{{'header': '{MASK}'}}",
        f"{{'header': \"{MASK}\"}}",
    )


def test_json_escaped_url_and_base64_forms_are_masked() -> None:
    register_secret(AWKWARD)
    for form in (urllib.parse.quote(AWKWARD), b64(AWKWARD)):
        assert redact(json.dumps(form).replace("/", "\\/")) == f'"{MASK}"'


def test_a_basic_pair_is_masked_whole_and_the_user_stays_readable() -> None:
    register_basic_credentials("ann", AWKWARD)
    pair = b64(f"ann:{AWKWARD}")
    assert redact(f"Authorization: Basic {pair}") == f"Authorization: Basic {MASK}"
    assert redact(f'{{"Authorization": "Basic {pair.rstrip("=")}"}}') == (
        f'{{"Authorization": "Basic {MASK}"}}'
    )
    assert redact(AWKWARD) == MASK  # the password alone too
    assert redact("user ann") == "user ann"


def test_a_basic_pair_in_latin1_is_masked() -> None:
    register_basic_credentials("jörg", "pässwörd-1")
    assert redact(f"Basic {b64('jörg:pässwörd-1', 'latin-1')}") == f"Basic {MASK}"


def test_a_basic_pair_with_no_password_holds_no_secret() -> None:
    register_basic_credentials("client-id", "")
    assert secrets.any_registered() is False


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Authorization", True),
        ("X-Api-Token", True),
        ("X-API-Key", True),
        ("Cookie", True),
        ("X-Session-Id", True),
        ("Accept", False),
        ("X-Request-Id", False),
        ("User-Agent", False),
    ],
)
def test_credential_names(name: str, expected: bool) -> None:
    assert looks_like_credential(name) is expected


def test_credential_headers_are_registered_whole_and_in_parts() -> None:
    assert register_credential_header("Authorization", "Bearer tok-abcdef-1")
    assert register_credential_header("X-Api-Token", "api-token-123456")
    assert register_credential_header("Cookie", "session=sess-99887766; theme=dark-mode")
    pair = b64("ann:basic-pw-4321")
    assert register_credential_header("Proxy-Authorization", f"Basic {pair}")
    # A header whose name hides it is still a credential when its value has an auth scheme.
    assert register_credential_header("X-Upstream", "Token upstream-tok-777")
    assert not register_credential_header("Accept", "application/json")
    echoed = json.dumps(
        {
            "authorization": "Bearer tok-abcdef-1",
            "token": "tok-abcdef-1",
            "x-api-token": "api-token-123456",
            "session": "sess-99887766",
            "proxy": f"Basic {pair}",
            "password": "basic-pw-4321",
            "upstream": "upstream-tok-777",
            "accept": "application/json",
            "theme": "dark-mode",
        }
    )
    assert json.loads(redact(echoed)) == {
        "authorization": f"Bearer {MASK}",
        "token": MASK,
        "x-api-token": MASK,
        "session": MASK,
        "proxy": f"Basic {MASK}",
        "password": MASK,
        "upstream": MASK,
        "accept": "application/json",
        "theme": MASK,  # a cookie's value, even one that looks harmless
    }


def test_registering_again_changes_nothing() -> None:
    register_secret("again-and-again")
    before = secrets._ordered
    register_secret("again-and-again")
    Secret("again-and-again")
    register_basic_credentials("u", "again-and-again")
    assert set(before) <= set(secrets._ordered)
    register_basic_credentials("u", "again-and-again")
    assert len(secrets._ordered) == len(set(secrets._ordered))


def test_longer_forms_are_masked_before_shorter_ones_inside_them() -> None:
    register_secret("abcd-1234")
    register_secret("xx-abcd-1234-yy")
    assert redact("xx-abcd-1234-yy and abcd-1234") == f"{MASK} and {MASK}"


def test_short_values_are_not_redacted_in_free_text() -> None:
    Secret("ab")
    assert redact("a cab ride") == "a cab ride"
    assert secrets.any_registered() is False


def test_log_records_are_redacted() -> None:
    Secret("tok-abcdef")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "sent %s", ("tok-abcdef",), None)
    assert RedactingFilter().filter(record)
    assert record.getMessage() == f"sent {MASK}"
