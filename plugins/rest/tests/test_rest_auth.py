"""Auth kinds against the fake shop, OAuth2 expiry mid-sync, and no secret in any output."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import pytest

from hookline.errors import AuthError
from hookline.secrets import redact
from support import fake_apis
from support.fake_apis import FakeShop

if TYPE_CHECKING:
    from conftest import Rest

SECRETS = [
    fake_apis.API_KEY,
    fake_apis.PASSWORD,
    fake_apis.BEARER,
    fake_apis.CLIENT_SECRET,
    fake_apis.REFRESH_TOKEN,
]

STREAM = {
    "name": "customers",
    "path": "/cursor/customers",
    "records": "data",
    "pagination": {"kind": "cursor", "cursor_path": "meta.next_cursor"},
}


def auth_settings(kind: str, url: str) -> dict[str, Any]:
    token_url = f"{url}/oauth/token"
    return {
        "api_key": {"kind": "api_key", "api_key": fake_apis.API_KEY},
        "api_key_query": {
            "kind": "api_key",
            "api_key": fake_apis.API_KEY,
            "name": "api_key",
            "location": "query",
        },
        "basic": {"kind": "basic", "username": fake_apis.USERNAME, "password": fake_apis.PASSWORD},
        "bearer": {"kind": "bearer", "token": fake_apis.BEARER},
        "oauth": {
            "kind": "oauth2_client_credentials",
            "token_url": token_url,
            "client_id": fake_apis.CLIENT_ID,
            "client_secret": fake_apis.CLIENT_SECRET,
            "scope": "customers:read",
        },
        "oauth_refresh": {
            "kind": "oauth2_refresh_token",
            "token_url": token_url,
            "refresh_token": fake_apis.REFRESH_TOKEN,
        },
    }[kind]


@pytest.mark.parametrize(
    "kind", ["api_key", "api_key_query", "basic", "bearer", "oauth", "oauth_refresh"]
)
def test_each_auth_kind_reads_every_record(rest: Rest, kind: str) -> None:
    with FakeShop() as shop:
        shop.auth = "oauth" if kind.startswith("oauth") else kind
        config = rest.config(shop.url, auth=auth_settings(kind, shop.url), streams=[STREAM])
        assert len(rest.records(config, "customers")) == 95


def test_oauth2_token_expiring_mid_sync_is_renewed(
    rest: Rest, caplog: pytest.LogCaptureFixture
) -> None:
    with FakeShop() as shop:
        shop.auth = "oauth"
        shop.token_uses = 3  # each token dies, unannounced, after three requests
        config = rest.config(shop.url, auth=auth_settings("oauth", shop.url), streams=[STREAM])
        with caplog.at_level(logging.DEBUG):
            records = rest.records(config, "customers")
        assert [r["id"] for r in records] == list(range(1, 96))
        assert shop.tokens_issued >= 4
    assert_no_secret(caplog.text)


def test_refused_credentials_fail_clearly_without_the_secret(
    rest: Rest, caplog: pytest.LogCaptureFixture
) -> None:
    with FakeShop() as shop:
        shop.auth = "bearer"
        wrong = "wrong-bearer-token-99"
        config = rest.config(shop.url, auth={"kind": "bearer", "token": wrong}, streams=[STREAM])
        with caplog.at_level(logging.DEBUG), pytest.raises(AuthError) as caught:
            rest.read(config, "customers")
    message = str(caught.value)
    assert "auth.token" in message
    assert wrong not in message and wrong not in caplog.text


def test_check_with_bad_client_secret_names_settings(rest: Rest, connector: Any) -> None:
    with FakeShop() as shop:
        shop.auth = "oauth"
        settings = auth_settings("oauth", shop.url) | {"client_secret": "not-the-secret-42"}
        config = rest.config(shop.url, auth=settings, streams=[STREAM])
        with rest.auth(config) as client:
            result = connector.check(config, client)
    assert not result.ok
    assert "auth.client_secret" in result.message
    assert "not-the-secret-42" not in result.message


@pytest.mark.parametrize("kind", ["api_key_query", "basic", "oauth_refresh"])
def test_no_secret_in_logs_or_errors(
    rest: Rest, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    with FakeShop() as shop:
        shop.auth = "oauth" if kind.startswith("oauth") else kind
        config = rest.config(shop.url, auth=auth_settings(kind, shop.url), streams=[STREAM])
        shop.repeat_cursor = True  # the read fails: its error is checked too
        with caplog.at_level(logging.DEBUG), pytest.raises(Exception) as caught:
            rest.read(config, "customers")
    assert_no_secret(caplog.text + str(caught.value) + repr(config))


def assert_no_secret(text: str) -> None:
    assert text == redact(text)
    for secret in SECRETS:
        assert secret not in text
