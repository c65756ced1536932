"""The client factory: defaults, deadlines, the host guard, redirects and secrets."""

from __future__ import annotations

import importlib.util
import logging
import time

import httpx
import pytest

from hookline._version import __version__
from hookline.http._client import make_client
from hookline.http._errors import (
    DeadlineExceeded,
    HostNotAllowed,
    HttpError,
    InvalidResponse,
    RetriesExhausted,
    host_allowed,
    host_pattern_problem,
    mask_url,
)
from hookline.http._retry import RetryPolicy
from hookline.secrets import MASK, _forget_all, register_secret
from support.http_server import HttpServer, Received, Reply

NO_RETRY = RetryPolicy(max_attempts=1)


@pytest.fixture(autouse=True)
def _no_registered_secrets() -> None:
    _forget_all()


def ok(_: Received) -> Reply:
    return Reply(200, {"Content-Type": "application/json"}, '{"ok": true}')


# -- defaults -----------------------------------------------------------------------------


def test_user_agent_header_names_hookline_and_the_connector() -> None:
    with (
        HttpServer(ok) as server,
        make_client(base_url=server.url, connector="shop/2.1", allowed_hosts=["127.0.0.1"]) as c,
    ):
        assert c.get_json("/status") == {"ok": True}
    assert server.requests[0].headers["user-agent"] == f"hookline/{__version__} shop/2.1"


def test_timeouts_are_always_set_and_tls_is_verified() -> None:
    client = make_client(connector="t/1", allowed_hosts=["api.example.com"])
    timeout = client.httpx_client.timeout
    assert None not in (timeout.connect, timeout.read, timeout.write, timeout.pool)
    with pytest.raises(ValueError, match="timeout must be set"):
        make_client(connector="t/1", allowed_hosts=[], timeout=httpx.Timeout(None))
    with pytest.raises(HttpError, match=r"allowed_hosts\[0\]: '\*' would allow every host"):
        make_client(connector="t/1", allowed_hosts=["*"])
    client.close()


@pytest.mark.skipif(importlib.util.find_spec("h2") is not None, reason="h2 is installed")
def test_http2_without_h2_is_a_clear_error() -> None:
    with pytest.raises(HttpError, match="pip install 'httpx\\[http2\\]'"):
        make_client(connector="t/1", allowed_hosts=[], http2=True)


def test_non_json_where_json_is_expected_names_url_and_content_type() -> None:
    def html(_: Received) -> Reply:
        return Reply(200, {"Content-Type": "text/html"}, "<html>login page</html>")

    with (
        HttpServer(html) as server,
        make_client(base_url=server.url, connector="t/1", allowed_hosts=["127.0.0.1"]) as c,
        pytest.raises(InvalidResponse) as caught,
    ):
        c.get_json("/items", params={"token": "tok-secret-1"})
    message = str(caught.value)
    assert "text/html" in message and "/items" in message and "login page" in message
    assert "tok-secret-1" not in message and f"token={MASK}" in message


# -- deadlines ----------------------------------------------------------------------------


def test_a_slow_response_past_the_read_timeout_fails() -> None:
    with (
        HttpServer(lambda _: Reply(delay=2.0)) as server,
        make_client(
            base_url=server.url,
            connector="t/1",
            allowed_hosts=["127.0.0.1"],
            timeout=0.3,
            retry=NO_RETRY,
        ) as client,
        pytest.raises(RetriesExhausted, match="ReadTimeout"),
    ):
        start = time.monotonic()
        client.request("GET", "/slow")
    assert time.monotonic() - start < 1.5


def test_a_dripping_server_is_cut_off_at_the_deadline(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="hookline.http")
    body = "x" * 1000  # 1000 bytes at 20 ms each: 20 s if nothing stops it
    with (
        HttpServer(lambda _: Reply(200, body=body, drip=0.02)) as server,
        make_client(
            base_url=server.url,
            connector="t/1",
            allowed_hosts=["127.0.0.1"],
            timeout=1.0,
            deadline=0.5,
        ) as client,
        pytest.raises(DeadlineExceeded, match="deadline"),
    ):
        start = time.monotonic()
        client.request("GET", "/drip")
    assert time.monotonic() - start < 1.5
    assert len(server.requests) == 1
    [line] = [r.getMessage() for r in caplog.records if r.name == "hookline.http"]
    assert "DeadlineExceeded (attempt 1/5, giving up)" in line


def test_a_short_drip_within_the_deadline_is_read_whole() -> None:
    with (
        HttpServer(lambda _: Reply(200, body="abcde", drip=0.01)) as server,
        make_client(base_url=server.url, connector="t/1", allowed_hosts=["127.0.0.1"]) as c,
    ):
        assert c.request("GET", "/drip").text == "abcde"


# -- the host guard -----------------------------------------------------------------------


def test_host_matching() -> None:
    allowed = ["api.example.com", "*.shop.example", "127.0.0.1"]
    assert host_allowed("api.example.com", allowed)
    assert host_allowed("API.Example.com.", allowed)
    assert host_allowed("eu.shop.example", allowed)
    assert host_allowed("a.b.shop.example", allowed)
    assert not host_allowed("shop.example", allowed)
    assert not host_allowed("evilshop.example", allowed)
    assert not host_allowed("example.com", allowed)
    assert host_allowed("127.0.0.1", allowed)
    assert not host_allowed("localhost", allowed)
    assert not host_allowed("10.0.0.1", ["*.0.0.1"])
    assert not host_allowed("localhost", ["*.localdomain", "*.localhost"])


def test_an_ipv6_host_matches_with_or_without_brackets() -> None:
    assert host_allowed("::1", ["[::1]"]) and host_allowed("::1", ["::1"])
    assert host_allowed("api.example.com", [" api.example.com "])


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ("*", "would allow every host"),
        (" * ", "would allow every host"),
        ("*.", "would allow every host"),
        ("*.com", "top-level domain"),
        ("*api.example.com", "only stand as the whole first label"),
        ("api.*.example.com", "only stand as the whole first label"),
        ("https://api.example.com", "without scheme, port, path"),
        ("api.example.com/v1", "without scheme, port, path"),
        ("api.example.com:443", "without scheme, port, path"),
        ("api..example.com", "empty label"),
        ("", "not empty"),
    ],
)
def test_host_patterns_that_are_not_hosts_say_what_to_write(entry: str, words: str) -> None:
    problem = host_pattern_problem(entry)
    assert problem is not None and words in problem


@pytest.mark.parametrize(
    "entry", ["api.example.com", "*.example.com", "*.eu.shop.example", "127.0.0.1", "::1"]
)
def test_host_patterns_that_are_hosts_pass(entry: str) -> None:
    assert host_pattern_problem(entry) is None


def test_an_undeclared_host_is_refused_before_any_connection() -> None:
    with HttpServer(ok) as server:
        client = make_client(connector="t/1", allowed_hosts=["api.example.com"])
        with client, pytest.raises(HostNotAllowed) as caught:
            client.request("GET", f"{server.url}/items", params={"key": "k-abcdef"})
    assert server.requests == []
    message = str(caught.value)
    assert "'127.0.0.1' is not one the connector declared (api.example.com)" in message
    assert "k-abcdef" not in message


def test_non_http_schemes_are_refused() -> None:
    client = make_client(connector="t/1", allowed_hosts=["example.com"])
    with client, pytest.raises(HostNotAllowed, match="only http and https"):
        client.request("GET", "file://example.com/etc/passwd")


# -- redirects ----------------------------------------------------------------------------


class Bearer(httpx.Auth):
    def auth_flow(self, request: httpx.Request):  # type: ignore[no-untyped-def]
        request.headers["Authorization"] = "Bearer bearer-token-value"
        yield request


def test_a_same_origin_redirect_keeps_credentials() -> None:
    def handler(request: Received) -> Reply:
        if request.path == "/old":
            return Reply(301, {"Location": "/new?page=2"})
        return Reply(200, body="here")

    with (
        HttpServer(handler) as server,
        make_client(
            base_url=server.url,
            connector="t/1",
            allowed_hosts=["127.0.0.1"],
            auth=Bearer(),
            headers={"X-Api-Key": "api-key-value"},
        ) as client,
    ):
        assert client.request("GET", "/old", params={"api_token": "t-1234"}).text == "here"
    second = server.requests[1]
    assert second.path == "/new"
    assert second.headers["authorization"] == "Bearer bearer-token-value"
    assert second.headers["x-api-key"] == "api-key-value"


def test_a_redirect_to_another_origin_drops_every_credential() -> None:
    with HttpServer(ok, host="127.0.0.1") as elsewhere:
        target = f"http://localhost:{elsewhere.port}/landing"

        def redirecting(request: Received) -> Reply:
            return Reply(302, {"Location": f"{target}?{request_query(request)}"})

        register_secret("registered-secret-99")
        with (
            HttpServer(redirecting) as origin,
            make_client(
                base_url=origin.url,
                connector="t/1",
                allowed_hosts=["127.0.0.1", "localhost"],
                auth=Bearer(),
                headers={"X-Api-Key": "api-key-value", "X-Custom": "registered-secret-99"},
                secret_params=["sid"],
            ) as client,
        ):
            response = client.request(
                "GET",
                "/start",
                params={"api_key": "k-1", "sid": "s-1", "q": "registered-secret-99", "page": "3"},
            )
    assert response.status_code == 200
    first = origin.requests[0]
    assert first.headers["authorization"] == "Bearer bearer-token-value"
    assert first.headers["x-api-key"] == "api-key-value"
    landed = elsewhere.requests[0]
    assert landed.path == "/landing"
    assert landed.headers["host"] == f"localhost:{elsewhere.port}"
    for name in ("authorization", "x-api-key", "x-custom", "cookie"):
        assert name not in landed.headers
    assert landed.query == {"page": ["3"]}


def request_query(request: Received) -> str:
    return "&".join(f"{k}={v}" for k, values in request.query.items() for v in values)


def test_a_redirect_to_an_undeclared_host_is_refused() -> None:
    def redirecting(_: Received) -> Reply:
        return Reply(307, {"Location": "http://169.254.169.254/latest/meta-data/"})

    with (
        HttpServer(redirecting) as origin,
        make_client(base_url=origin.url, connector="t/1", allowed_hosts=["127.0.0.1"]) as c,
        pytest.raises(HostNotAllowed, match="169.254.169.254"),
    ):
        c.request("GET", "/start")


def test_a_redirect_loop_is_stopped() -> None:
    with (
        HttpServer(lambda _: Reply(302, {"Location": "/again"})) as server,
        make_client(
            base_url=server.url, connector="t/1", allowed_hosts=["127.0.0.1"], max_redirects=3
        ) as c,
        pytest.raises(HttpError, match="more than 3 redirects"),
    ):
        c.request("GET", "/start")
    assert len(server.requests) == 4


def test_a_303_after_post_becomes_a_get_without_the_body() -> None:
    def handler(request: Received) -> Reply:
        if request.method == "POST":
            return Reply(303, {"Location": "/result"})
        return Reply(200, body="result")

    with (
        HttpServer(handler) as server,
        make_client(base_url=server.url, connector="t/1", allowed_hosts=["127.0.0.1"]) as c,
    ):
        assert c.request("POST", "/jobs", json={"a": 1}).text == "result"
    assert [(r.method, r.path, r.body) for r in server.requests] == [
        ("POST", "/jobs", b'{"a":1}'),
        ("GET", "/result", b""),
    ]


# -- what is shown ------------------------------------------------------------------------


def test_mask_url_masks_secret_parameters_passwords_and_registered_values() -> None:
    register_secret("abcd-registered")
    url = "https://user:pw-123@api.example.com/v1/items?access_token=t1&Signature=s&page=2"
    shown = mask_url(url)
    assert shown.startswith(f"https://user:{MASK}@api.example.com/v1/items?")
    assert f"access_token={MASK}" in shown and f"Signature={MASK}" in shown
    assert "page=2" in shown
    assert mask_url("https://x.example/p?tenant=t&q=abcd-registered", ["tenant"]) == (
        f"https://x.example/p?tenant={MASK}&q={MASK}"
    )


def test_no_secret_in_any_log_line(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    register_secret("registered-secret-42")
    with (
        HttpServer(ok) as server,
        make_client(
            base_url=server.url,
            connector="t/1",
            allowed_hosts=["127.0.0.1"],
            headers={"X-Api-Key": "registered-secret-42"},
        ) as client,
    ):
        client.request("GET", "/a", params={"password": "pass-word-1", "x": "registered-secret-42"})
    ours = [r.getMessage() for r in caplog.records if r.name == "hookline.http"]
    assert ours and all(f"password={MASK}" in line and f"x={MASK}" in line for line in ours)
    everything = [r.getMessage() for r in caplog.records]  # httpx's own lines too
    assert any(line.startswith("HTTP Request: GET") for line in everything)
    for line in everything:
        assert "pass-word-1" not in line and "registered-secret-42" not in line


def test_auth_flow_requests_are_held_to_the_allowed_hosts() -> None:
    from hookline import Secret
    from hookline.http import HostNotAllowed, OAuth2ClientCredentials, make_client

    calls: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(200, json={"access_token": "t", "expires_in": 60})

    auth = OAuth2ClientCredentials(
        "http://tokens.elsewhere.example/token", "client", Secret("client-secret-value")
    )
    client = make_client(
        base_url="http://api.example",
        connector="test/1",
        allowed_hosts=["api.example"],
        auth=auth,
    )
    client.httpx_client._transport = httpx.MockTransport(answer)
    with pytest.raises(HostNotAllowed, match="tokens.elsewhere.example"):
        client.request("GET", "/customers")
    assert calls == []


# -- JSON bodies ------------------------------------------------------------------------------


def test_json_bodies_keep_integers_of_any_size_exact() -> None:
    big = b'{"id": 123456789012345678901234567890, "n": [18446744073709551616]}'

    def echo(request: Received) -> Reply:
        return Reply(200, {"Content-Type": "application/json"}, request.body or big)

    value = {"id": 2**70 + 1, "neg": -(2**80), "u64": 2**64, "name": "Zoë"}
    with (
        HttpServer(echo) as server,
        make_client(base_url=server.url, connector="t/1", allowed_hosts=["127.0.0.1"]) as c,
    ):
        response = c.request("POST", "/echo", json=value, idempotency_key="k-1")
        read = c.get_json("/big")
    sent = server.requests[0]
    assert (
        sent.body
        == (
            '{"id":1180591620717411303425,"neg":-1208925819614629174706176,'
            '"u64":18446744073709551616,"name":"Zoë"}'
        ).encode()
    )
    assert sent.headers["content-type"] == "application/json"
    assert response.json() == value
    assert read == {"id": 123456789012345678901234567890, "n": [2**64]}


def test_a_json_body_without_a_json_form_is_a_clear_error_and_nothing_is_sent() -> None:
    with (
        HttpServer(ok) as server,
        make_client(base_url=server.url, connector="t/1", allowed_hosts=["127.0.0.1"]) as c,
        pytest.raises(HttpError) as caught,
    ):
        c.request("POST", "/items", json={"amount": float("nan")})
    message = str(caught.value)
    assert f"POST {server.url}/items: the request body has no JSON form" in message
    assert server.requests == []
