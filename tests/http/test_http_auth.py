"""Auth flows: driven by hand, through MockTransport, and against a real loopback shop API."""

from __future__ import annotations

import base64
import json
import logging
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from hookline.errors import AuthError
from hookline.http._auth import (
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    NoAuth,
    OAuth2ClientCredentials,
    OAuth2RefreshToken,
)
from hookline.http._pagination import PageNumberPagination, paginate
from hookline.secrets import MASK, Secret, redact
from support import fake_apis
from support.fake_apis import FakeShop

TOKEN_URL = "https://auth.test/oauth/token"
ALL_IDS = list(range(1, 96))
SECRETS = [
    fake_apis.API_KEY,
    fake_apis.PASSWORD,
    fake_apis.BEARER,
    fake_apis.CLIENT_SECRET,
    fake_apis.REFRESH_TOKEN,
    "wrong-secret-value-1234",
]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def token_response(token: str, expires_in: int | None = 100) -> httpx.Response:
    body: dict[str, object] = {"access_token": token, "token_type": "Bearer"}
    if expires_in is not None:
        body["expires_in"] = expires_in
    return httpx.Response(200, json=body)


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        for form in (
            secret,
            urllib.parse.quote(secret),
            base64.b64encode(secret.encode()).decode(),
        ):
            assert form not in text


def assert_logs_hold_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    """hookline's own log lines hold no secret; every other line is clean once redacted.

    httpx logs each request's URL, API key parameter included; the CLI's log handler masks
    registered secrets in every line (``RedactingFilter``), which this stands in for.
    """
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("hookline")]
    assert_no_secret("\n".join(ours))
    assert_no_secret(redact("\n".join(r.getMessage() for r in caplog.records)))


@pytest.fixture
def shop() -> Iterator[FakeShop]:
    with FakeShop() as fake:
        yield fake


def sync(shop: FakeShop, auth: httpx.Auth) -> list[int]:
    """Read every customer, page by page, as a stream would."""
    with httpx.Client(base_url=shop.url, auth=auth, timeout=5) as client:
        request = client.build_request("GET", "/page/customers")
        spec = PageNumberPagination(size_param="per_page", size=10, total_path="meta.total")
        pages = paginate(client, request, spec, records_path="data")
        return [record["id"] for page in pages for record in page.records]


# -- driven by hand --------------------------------------------------------------------------


def test_no_auth_sends_the_request_unchanged() -> None:
    request = httpx.Request("GET", "https://api.test/x")
    flow = NoAuth().auth_flow(request)
    assert next(flow) is request and "authorization" not in request.headers
    with pytest.raises(StopIteration):
        flow.send(httpx.Response(200))


def test_api_key_in_a_header() -> None:
    flow = ApiKeyAuth(Secret("k-123456"), name="X-Token", prefix="Key ").auth_flow(
        httpx.Request("GET", "https://api.test/x")
    )
    assert next(flow).headers["X-Token"] == "Key k-123456"
    with pytest.raises(StopIteration):
        flow.send(httpx.Response(200))


def test_api_key_in_the_query() -> None:
    flow = ApiKeyAuth(Secret("k-123456"), name="key", location="query").auth_flow(
        httpx.Request("GET", "https://api.test/x?a=1")
    )
    assert next(flow).url.params == httpx.QueryParams({"a": "1", "key": "k-123456"})


def test_a_refused_api_key_names_the_setting_not_the_key() -> None:
    auth = ApiKeyAuth(Secret("k-98765432"), name="key", location="query", setting="shop_key")
    flow = auth.auth_flow(httpx.Request("GET", "https://api.test/x"))
    next(flow)
    with pytest.raises(AuthError) as caught:
        flow.send(httpx.Response(401))
    message = str(caught.value)
    assert "check the setting 'shop_key'" in message and "GET https://api.test/x?key=" in message
    assert "k-98765432" not in message


def test_bearer_and_basic_headers() -> None:
    request = next(BearerAuth(Secret("t-abcdef")).auth_flow(httpx.Request("GET", "https://a.t")))
    assert request.headers["Authorization"] == "Bearer t-abcdef"
    flow = BasicAuth("ann", Secret("pw-secret")).auth_flow(httpx.Request("GET", "https://a.t"))
    expected = "Basic " + base64.b64encode(b"ann:pw-secret").decode()
    assert next(flow).headers["Authorization"] == expected
    with pytest.raises(AuthError, match="check the settings 'username' and 'password'"):
        flow.send(httpx.Response(401))


def test_a_basic_header_is_masked_in_every_output() -> None:
    # The pair's base64 holds no base64 of the password alone: it must be known as a pair.
    password = 'pw-"bäsic"/1'
    auth = BasicAuth("ann", Secret(password))
    header = next(auth.auth_flow(httpx.Request("GET", "https://a.t"))).headers["Authorization"]
    assert base64.b64encode(password.encode()).decode() not in header
    assert redact(header) == f"Basic {MASK}"
    echoed = json.dumps({"headers": {"Authorization": header}})  # what an echo endpoint says
    assert redact(echoed) == json.dumps({"headers": {"Authorization": f"Basic {MASK}"}})


def test_the_basic_client_authentication_of_oauth2_is_masked() -> None:
    auth = OAuth2ClientCredentials(TOKEN_URL, "client-7", Secret("csecret-basic-77"))
    token_request = next(auth.auth_flow(httpx.Request("GET", "https://api.test/x")))
    header = token_request.headers["Authorization"]
    assert header.startswith("Basic ") and redact(header) == f"Basic {MASK}"


def test_client_credentials_in_the_body_are_masked() -> None:
    secret = "csecret body+/é"
    auth = OAuth2ClientCredentials(TOKEN_URL, "cid", Secret(secret), client_auth="body")
    body = next(auth.auth_flow(httpx.Request("GET", "https://api.test/x"))).read().decode()
    assert "client_secret=" in body and secret not in body  # form-encoded
    assert redact(body).endswith(f"client_secret={MASK}")


def test_every_token_the_endpoint_issues_is_masked() -> None:
    auth = OAuth2ClientCredentials(TOKEN_URL, "cid", Secret("csecret-1"))
    flow = auth.auth_flow(httpx.Request("GET", "https://api.test/x"))
    next(flow)
    body = {
        "access_token": "issued-access-4412",
        "refresh_token": "issued-refresh-4413",  # the client credentials grant ignores it
        "id_token": "issued-id-token-4414",
        "expires_in": 60,
    }
    request = flow.send(httpx.Response(200, json=body))
    assert redact(request.headers["Authorization"]) == f"Bearer {MASK}"
    assert redact(json.dumps(body)) == json.dumps(
        {"access_token": MASK, "refresh_token": MASK, "id_token": MASK, "expires_in": 60}
    )


def test_a_rotated_refresh_token_is_masked() -> None:
    auth = OAuth2RefreshToken(TOKEN_URL, Secret("rt-first-5501"))
    flow = auth.auth_flow(httpx.Request("GET", "https://api.test/x"))
    next(flow)
    flow.send(httpx.Response(200, json={"access_token": "tok-5502", "refresh_token": "rt-5503"}))
    assert redact("rt-first-5501 rt-5503 tok-5502") == f"{MASK} {MASK} {MASK}"


def test_client_credentials_fetch_a_token_then_send_the_request() -> None:
    auth = OAuth2ClientCredentials(TOKEN_URL, "cid", Secret("csecret-1"), scope="read")
    assert auth.requires_response_body
    flow = auth.auth_flow(httpx.Request("GET", "https://api.test/x"))
    token_request = next(flow)
    assert (token_request.method, str(token_request.url)) == ("POST", TOKEN_URL)
    form = urllib.parse.parse_qs(token_request.read().decode())
    assert form == {"grant_type": ["client_credentials"], "scope": ["read"]}
    assert (
        token_request.headers["Authorization"]
        == "Basic " + base64.b64encode(b"cid:csecret-1").decode()
    )
    request = flow.send(token_response("tok-1"))
    assert request.headers["Authorization"] == "Bearer tok-1"
    with pytest.raises(StopIteration):
        flow.send(httpx.Response(200))
    # The token is cached: the next request goes straight out.
    flow = auth.auth_flow(httpx.Request("GET", "https://api.test/y"))
    assert next(flow).headers["Authorization"] == "Bearer tok-1"


def test_client_credentials_in_the_body() -> None:
    auth = OAuth2ClientCredentials(TOKEN_URL, "cid", Secret("csecret-1"), client_auth="body")
    token_request = next(auth.auth_flow(httpx.Request("GET", "https://api.test/x")))
    form = urllib.parse.parse_qs(token_request.read().decode())
    assert form["client_id"] == ["cid"] and form["client_secret"] == ["csecret-1"]
    assert "authorization" not in token_request.headers


def test_a_token_is_refreshed_shortly_before_it_expires() -> None:
    clock = Clock()
    auth = OAuth2ClientCredentials(TOKEN_URL, "cid", Secret("csecret-1"), skew=30, clock=clock)
    flow = auth.auth_flow(httpx.Request("GET", "https://api.test/x"))
    next(flow)
    flow.send(token_response("tok-1", expires_in=100))
    clock.now += 69  # still inside expires_in - skew
    assert next(auth.auth_flow(httpx.Request("GET", "https://a.t"))).headers["Authorization"] == (
        "Bearer tok-1"
    )
    clock.now += 1
    flow = auth.auth_flow(httpx.Request("GET", "https://api.test/x"))
    assert next(flow).url == httpx.URL(TOKEN_URL)
    assert flow.send(token_response("tok-2")).headers["Authorization"] == "Bearer tok-2"
    assert auth.fetches == 2


def test_a_renewed_token_is_logged_at_info(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="hookline.http")
    clock = Clock()
    auth = OAuth2ClientCredentials(TOKEN_URL, "cid", Secret("csecret-1"), skew=30, clock=clock)
    for token in ("tok-1", "tok-2"):
        flow = auth.auth_flow(httpx.Request("GET", "https://api.test/x"))
        next(flow)
        flow.send(token_response(token, expires_in=100))
        clock.now += 100
    first, renewed = [r for r in caplog.records if r.name == "hookline.http"]
    assert first.levelno == logging.DEBUG and first.getMessage().startswith("fetched an OAuth2")
    assert renewed.levelno == logging.INFO
    assert renewed.getMessage() == (
        "renewed an OAuth2 client_credentials token from the token endpoint "
        f"{TOKEN_URL} (valid 100 s)"
    )
    assert all("tok-" not in r.getMessage() for r in caplog.records)


def test_a_short_lived_token_is_not_refreshed_on_every_request() -> None:
    clock = Clock()
    auth = OAuth2ClientCredentials(TOKEN_URL, "cid", Secret("csecret-1"), skew=30, clock=clock)
    flow = auth.auth_flow(httpx.Request("GET", "https://api.test/x"))
    next(flow)
    flow.send(token_response("tok-1", expires_in=10))  # skew shrinks to 5 s
    clock.now += 4
    assert next(auth.auth_flow(httpx.Request("GET", "https://a.t"))).headers["Authorization"] == (
        "Bearer tok-1"
    )


def test_a_401_refreshes_once_then_a_second_401_fails_clearly() -> None:
    auth = OAuth2ClientCredentials(TOKEN_URL, "cid", Secret("csecret-1"))
    flow = auth.auth_flow(httpx.Request("GET", "https://api.test/x"))
    next(flow)
    flow.send(token_response("tok-1"))
    assert flow.send(httpx.Response(401)).url == httpx.URL(TOKEN_URL)
    assert flow.send(token_response("tok-2")).headers["Authorization"] == "Bearer tok-2"
    with pytest.raises(AuthError) as caught:
        flow.send(httpx.Response(401))
    message = str(caught.value)
    assert "GET https://api.test/x was refused with 401" in message
    assert "check the settings 'client_id' and 'client_secret'" in message
    assert "tok-2" not in message and "csecret-1" not in message


def test_a_refresh_grant_rotates_its_refresh_token() -> None:
    auth = OAuth2RefreshToken(TOKEN_URL, Secret("rt-first-1"), client_id="cid")
    flow = auth.auth_flow(httpx.Request("GET", "https://api.test/x"))
    form = urllib.parse.parse_qs(next(flow).read().decode())
    assert form == {"grant_type": ["refresh_token"], "refresh_token": ["rt-first-1"]}
    body = {"access_token": "tok-1", "expires_in": 60, "refresh_token": "rt-second-2"}
    flow.send(httpx.Response(200, json=body))
    assert auth.refresh_token == Secret("rt-second-2")


def test_a_token_endpoint_without_an_access_token_is_an_auth_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>login</html>", headers={"content-type": "text/html"})

    auth = OAuth2ClientCredentials(TOKEN_URL, "cid", Secret("csecret-1"))
    match = r"without an access_token \(content type 'text/html'\)"
    client = httpx.Client(transport=httpx.MockTransport(handler), auth=auth)
    with client, pytest.raises(AuthError, match=match):
        client.get("https://api.test/x")


def test_concurrent_streams_share_one_token_fetch() -> None:
    fetched = 0
    lock = threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal fetched
        if request.url.path == "/oauth/token":
            with lock:
                fetched += 1
            threading.Event().wait(0.05)  # a slow token endpoint widens the race
            return token_response(f"tok-{fetched}", expires_in=3600)
        return httpx.Response(200, json={"auth": request.headers["Authorization"]})

    auth = OAuth2ClientCredentials(TOKEN_URL, "cid", Secret("csecret-1"))
    client = httpx.Client(transport=httpx.MockTransport(handler), auth=auth)
    with client, ThreadPoolExecutor(8) as pool:
        seen = list(pool.map(lambda _: client.get("https://api.test/x").json(), range(16)))
    assert fetched == 1 and auth.fetches == 1
    assert {s["auth"] for s in seen} == {"Bearer tok-1"}


# -- against the fake shop --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "auth"),
    [
        ("api_key", ApiKeyAuth(Secret(fake_apis.API_KEY))),
        ("api_key_query", ApiKeyAuth(Secret(fake_apis.API_KEY), name="api_key", location="query")),
        ("basic", BasicAuth(fake_apis.USERNAME, Secret(fake_apis.PASSWORD))),
        ("bearer", BearerAuth(Secret(fake_apis.BEARER))),
    ],
)
def test_each_static_auth_reads_the_shop(shop: FakeShop, mode: str, auth: httpx.Auth) -> None:
    shop.auth = mode
    assert sync(shop, auth) == ALL_IDS


# Each auth is made inside its test: a Secret registers itself when made, and another test
# in the same process may forget every registered secret before this one runs.
@pytest.mark.parametrize(
    ("mode", "make_auth", "hint"),
    [
        ("api_key", lambda: ApiKeyAuth(Secret("wrong-secret-value-1234")), "setting 'api_key'"),
        (
            "api_key_query",
            lambda: ApiKeyAuth(Secret("wrong-secret-value-1234"), name="api_key", location="query"),
            "setting 'api_key'",
        ),
        ("basic", lambda: BasicAuth("shopuser", Secret("wrong-secret-value-1234")), "'password'"),
        ("bearer", lambda: BearerAuth(Secret("wrong-secret-value-1234")), "setting 'token'"),
    ],
)
def test_wrong_static_credentials_fail_clearly(
    shop: FakeShop,
    mode: str,
    make_auth: Callable[[], httpx.Auth],
    hint: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    shop.auth = mode
    auth = make_auth()
    with caplog.at_level(logging.DEBUG), pytest.raises(AuthError) as caught:
        sync(shop, auth)
    assert hint in str(caught.value) and "401 Unauthorized" in str(caught.value)
    assert_no_secret(str(caught.value))
    assert_logs_hold_no_secret(caplog)


def test_client_credentials_read_the_shop(shop: FakeShop) -> None:
    shop.auth = "oauth"
    auth = OAuth2ClientCredentials(
        f"{shop.url}/oauth/token", fake_apis.CLIENT_ID, Secret(fake_apis.CLIENT_SECRET)
    )
    assert sync(shop, auth) == ALL_IDS
    assert shop.tokens_issued == 1


def test_token_expiry_mid_sync_refreshes_and_continues_exactly(
    shop: FakeShop, caplog: pytest.LogCaptureFixture
) -> None:
    shop.auth, shop.token_uses = "oauth", 3  # each token dies after three pages, unannounced
    auth = OAuth2ClientCredentials(
        f"{shop.url}/oauth/token", fake_apis.CLIENT_ID, Secret(fake_apis.CLIENT_SECRET)
    )
    with caplog.at_level(logging.DEBUG):
        assert sync(shop, auth) == ALL_IDS
    assert shop.tokens_issued == 4 and auth.fetches == 4
    pages = [r.query["page"] for r in shop.api_requests()]
    # Pages 4, 7 and 10 were refused once each, then sent again with a new token.
    assert pages == ["1", "2", "3", "4", "4", "5", "6", "7", "7", "8", "9", "10", "10"]
    assert "401 Unauthorized, fetching a new token" in caplog.text
    assert_logs_hold_no_secret(caplog)


def test_an_announced_expiry_is_refreshed_before_any_401(shop: FakeShop) -> None:
    shop.auth, shop.token_ttl = "oauth", 60
    clock = Clock()

    class Ticking(OAuth2ClientCredentials):
        def auth_flow(self, request: httpx.Request):  # type: ignore[no-untyped-def]
            clock.now += 20  # each page takes 20 s: a token lasts 2 pages (60 s - 30 s skew)
            return super().auth_flow(request)

    auth = Ticking(
        f"{shop.url}/oauth/token", fake_apis.CLIENT_ID, Secret(fake_apis.CLIENT_SECRET), clock=clock
    )
    assert sync(shop, auth) == ALL_IDS
    assert shop.tokens_issued == 5
    assert len(shop.api_requests()) == 10  # not one request refused


def test_refresh_token_grant_with_rotation_reads_the_shop(shop: FakeShop) -> None:
    shop.auth, shop.token_uses, shop.rotate_refresh = "oauth", 4, True
    auth = OAuth2RefreshToken(f"{shop.url}/oauth/token", Secret(fake_apis.REFRESH_TOKEN))
    assert sync(shop, auth) == ALL_IDS
    assert shop.tokens_issued == 3
    assert auth.refresh_token.reveal().endswith("-rotated")


def test_a_401_after_refresh_fails_clearly(
    shop: FakeShop, caplog: pytest.LogCaptureFixture
) -> None:
    shop.auth, shop.reject_tokens = "oauth", True
    auth = OAuth2ClientCredentials(
        f"{shop.url}/oauth/token", fake_apis.CLIENT_ID, Secret(fake_apis.CLIENT_SECRET)
    )
    with caplog.at_level(logging.DEBUG), pytest.raises(AuthError) as caught:
        sync(shop, auth)
    message = str(caught.value)
    assert "/page/customers?page=1&per_page=10 was refused with 401" in message
    assert "freshly issued token" in message and "'client_secret'" in message
    assert shop.tokens_issued == 2 and len(shop.api_requests()) == 2
    assert_no_secret(message)
    assert_logs_hold_no_secret(caplog)


def test_a_bad_client_secret_fails_clearly(
    shop: FakeShop, caplog: pytest.LogCaptureFixture
) -> None:
    shop.auth = "oauth"
    auth = OAuth2ClientCredentials(
        f"{shop.url}/oauth/token", fake_apis.CLIENT_ID, Secret("wrong-secret-value-1234")
    )
    with caplog.at_level(logging.DEBUG), pytest.raises(AuthError) as caught:
        sync(shop, auth)
    message = str(caught.value)
    assert message == (
        f"the token endpoint {shop.url}/oauth/token refused the client credentials with "
        "HTTP 401 (invalid_client); check the settings 'client_id' and 'client_secret'"
    )
    assert shop.api_requests() == []
    assert_no_secret(message)
    assert_logs_hold_no_secret(caplog)


def test_a_bad_refresh_token_fails_clearly(shop: FakeShop) -> None:
    shop.auth = "oauth"
    auth = OAuth2RefreshToken(f"{shop.url}/oauth/token", Secret("wrong-secret-value-1234"))
    with pytest.raises(AuthError) as caught:
        sync(shop, auth)
    message = str(caught.value)
    assert "refused the refresh token with HTTP 400 (invalid_grant: bad token)" in message
    assert "check the setting 'refresh_token'" in message
    assert_no_secret(message)


def test_a_failed_token_request_releases_the_lock() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise httpx.ConnectError("token endpoint down", request=request)
        if request.url.path == "/oauth/token":
            return token_response("tok-1")
        return httpx.Response(200)

    auth = OAuth2ClientCredentials(TOKEN_URL, "cid", Secret("csecret-1"))
    with httpx.Client(transport=httpx.MockTransport(handler), auth=auth) as client:
        with pytest.raises(httpx.ConnectError):
            client.get("https://api.test/x")
        assert client.get("https://api.test/x").status_code == 200  # not stuck on the lock
