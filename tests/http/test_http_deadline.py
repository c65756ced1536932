"""The overall deadline bounds the whole exchange, and every token request is bounded too.

Real servers on loopback (:mod:`support.slow_http`) trickle their headers a byte at a time
or accept a connection and never answer. Each request runs in a thread that the test
waits for a bounded time, so a regression fails the test instead of hanging it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from hookline.errors import DeadlineExceeded, RetriesExhausted
from hookline.http import (
    TOKEN_TIMEOUT,
    OAuth2ClientCredentials,
    OAuth2RefreshToken,
    RetryPolicy,
    make_client,
)
from hookline.http._budget import BudgetSpent, _limit, bounded
from hookline.secrets import Secret, _forget_all
from support.slow_http import Answer, RawRequest, Silent, SlowServer, Trickle

#: The most a bounded request may overrun its bound here (generous: loaded CI machines).
SLACK = 3.0


@pytest.fixture(autouse=True)
def _no_registered_secrets() -> None:
    _forget_all()


def timed(call: Callable[[], Any], limit: float) -> tuple[BaseException | None, float]:
    """Run ``call`` in a thread; return what it raised and how long it took.

    Fails the test when ``call`` has not returned after ``limit`` seconds (the thread is
    left behind, a daemon, until its server closes the connection).
    """
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:  # the test looks at it
            outcome.append(exc)
        else:
            outcome.append(None)

    start = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(limit)
    elapsed = time.monotonic() - start
    assert not thread.is_alive(), f"the request was still going after {limit} s: unbounded"
    return outcome[0], elapsed


# -- the request itself -------------------------------------------------------------------


def test_headers_trickled_a_byte_at_a_time_end_at_the_deadline() -> None:
    # One byte every 0.2 s and a header that never ends: no read ever times out, so
    # without an overall bound the request would last forever.
    with (
        SlowServer(lambda _: Trickle(endless=True, every=0.2)) as server,
        make_client(
            base_url=server.url, connector="t/1", allowed_hosts=["127.0.0.1"], deadline=1.5
        ) as client,
    ):
        error, elapsed = timed(lambda: client.request("GET", "/orders"), 1.5 + SLACK)
    assert isinstance(error, DeadlineExceeded)
    message = str(error)
    assert f"GET {server.url}/orders did not complete within the deadline of 1.5 s" in message
    assert "deadline setting" in message
    assert elapsed < 1.5 + SLACK
    assert len(server.requests) == 1  # a deadline is not retried


def test_a_finite_trickle_longer_than_the_deadline_is_cut_off() -> None:
    # 40 bytes of status line and headers at 0.8 s each: 32 s if nothing stops it.
    trickle = Trickle(Answer(200, b"{}", {"X-Slow": "yes"}), every=0.8)
    with (
        SlowServer(lambda _: trickle) as server,
        make_client(
            base_url=server.url, connector="t/1", allowed_hosts=["127.0.0.1"], deadline=2
        ) as client,
    ):
        error, elapsed = timed(lambda: client.get_json("/items"), 2 + SLACK)
    assert isinstance(error, DeadlineExceeded), error
    assert "within the deadline of 2 s" in str(error)
    assert elapsed < 2 + SLACK


def test_a_trickle_within_the_deadline_is_read_whole() -> None:
    trickle = Trickle(Answer(200, b'{"ok": true}'), every=0.001)
    with (
        SlowServer(lambda _: trickle) as server,
        make_client(base_url=server.url, connector="t/1", allowed_hosts=["127.0.0.1"]) as c,
    ):
        assert c.get_json("/items") == {"ok": True}


def test_the_deadline_covers_retries_of_a_silent_server() -> None:
    # Each attempt waits for its read timeout (0.4 s) and is retried at once: the deadline
    # of 1.2 s ends the third attempt early and stops the retries.
    retry = RetryPolicy(max_attempts=50, base_delay=0.001, max_delay=0.001)
    with (
        SlowServer(lambda _: Silent()) as server,
        make_client(
            base_url=server.url,
            connector="t/1",
            allowed_hosts=["127.0.0.1"],
            timeout=0.4,
            deadline=1.2,
            retry=retry,
        ) as client,
    ):
        error, elapsed = timed(lambda: client.request("GET", "/x"), 1.2 + SLACK)
    assert isinstance(error, DeadlineExceeded), error
    assert 2 <= len(server.requests) <= 4
    assert elapsed < 1.2 + SLACK


def test_a_budget_never_extends_an_outer_one() -> None:
    with bounded(0.05), bounded(60), pytest.raises(BudgetSpent):
        time.sleep(0.06)
        _limit(10.0)
    assert _limit(10.0) == (10.0, False)  # outside any budget: httpx's timeout alone


# -- token requests ------------------------------------------------------------------------


def _flow(kind: str, token_url: str) -> httpx.Auth:
    if kind == "client_credentials":
        return OAuth2ClientCredentials(token_url, "cid", Secret("csecret-7781"))
    return OAuth2RefreshToken(token_url, Secret("rtoken-7782"))


def _token_endpoint_never_answers(request: RawRequest) -> Silent | Answer:
    if request.path == "/oauth/token":
        return Silent()
    return Answer(200, {"data": []})


@pytest.mark.parametrize("kind", ["client_credentials", "refresh_token"])
def test_a_silent_token_endpoint_fails_at_the_read_timeout(kind: str) -> None:
    with (
        SlowServer(_token_endpoint_never_answers) as server,
        make_client(
            base_url=server.url,
            connector="t/1",
            allowed_hosts=["127.0.0.1"],
            auth=_flow(kind, f"{server.url}/oauth/token"),
            timeout=0.5,
            deadline=60,
            retry=RetryPolicy(max_attempts=1),
        ) as client,
    ):
        error, elapsed = timed(lambda: client.request("GET", "/records"), 0.5 + SLACK)
    assert isinstance(error, RetriesExhausted), error
    message = str(error)
    assert f"GET {server.url}/records" in message and "ReadTimeout" in message
    assert f"POST {server.url}/oauth/token" in message  # the request that hung is named
    assert "csecret-7781" not in message and "rtoken-7782" not in message
    assert [r.path for r in server.requests] == ["/oauth/token"]
    assert elapsed < 0.5 + SLACK


@pytest.mark.parametrize("kind", ["client_credentials", "refresh_token"])
def test_a_silent_token_endpoint_fails_at_the_deadline(kind: str) -> None:
    with (
        SlowServer(_token_endpoint_never_answers) as server,
        make_client(
            base_url=server.url,
            connector="t/1",
            allowed_hosts=["127.0.0.1"],
            auth=_flow(kind, f"{server.url}/oauth/token"),
            timeout=30,
            deadline=1,
        ) as client,
    ):
        error, elapsed = timed(lambda: client.request("GET", "/records"), 1 + SLACK)
    assert isinstance(error, DeadlineExceeded), error
    message = str(error)
    assert f"GET {server.url}/records did not complete within the deadline of 1 s" in message
    assert f"waiting for POST {server.url}/oauth/token" in message
    assert elapsed < 1 + SLACK


def test_a_token_request_through_plain_httpx_has_the_clients_timeout() -> None:
    flow = OAuth2ClientCredentials("http://127.0.0.1:1/oauth/token", "cid", Secret("cs-7783"))
    with SlowServer(_token_endpoint_never_answers) as server:
        flow.token_url = httpx.URL(f"{server.url}/oauth/token")
        with httpx.Client(timeout=0.5, auth=flow) as client:
            error, _ = timed(lambda: client.get(f"{server.url}/records"), 0.5 + SLACK)
    assert isinstance(error, httpx.ReadTimeout)


def test_a_token_request_carries_the_timeouts_of_its_request() -> None:
    flow = OAuth2ClientCredentials("https://auth.test/token", "cid", Secret("cs-7784"))
    origin = httpx.Request("GET", "https://api.test/x", extensions={"timeout": {"read": 2.5}})
    assert next(flow.auth_flow(origin)).extensions["timeout"] == {"read": 2.5}
    bare = httpx.Request("GET", "https://api.test/x")
    fresh = OAuth2ClientCredentials("https://auth.test/token", "cid", Secret("cs-7784"))
    assert next(fresh.auth_flow(bare)).extensions["timeout"] == TOKEN_TIMEOUT.as_dict()
