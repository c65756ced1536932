"""Retries: which failures are retried, how long the client waits, and when it gives up."""

from __future__ import annotations

import email.utils
import logging
import random
import time

import httpx
import pytest

from hookline.http._client import HttpClient, make_client
from hookline.http._errors import HttpStatusError, RetriesExhausted
from hookline.http._retry import RetryPolicy, backoff_delay, parse_retry_after
from hookline.secrets import MASK
from support.http_server import HttpServer, Received, Reply, sequence


class Sleeps(list[float]):
    """A fake ``sleep`` that records each wait instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client_for(server: HttpServer, sleeps: Sleeps | None = None, **kwargs: object) -> HttpClient:
    options: dict[str, object] = {
        "base_url": server.url,
        "connector": "test/1.0",
        "allowed_hosts": ["127.0.0.1"],
        "retry": RetryPolicy(base_delay=0.01, max_delay=5.0),
        "rng": random.Random(7),
    }
    if sleeps is not None:
        options["sleep"] = sleeps
    options.update(kwargs)
    return make_client(**options)  # type: ignore[arg-type]


# -- the policy on its own ---------------------------------------------------------------


def test_retry_after_in_seconds_and_as_an_http_date() -> None:
    now = time.time()
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 0 ") == 0.0
    date = email.utils.formatdate(now + 20, usegmt=True)
    assert parse_retry_after(date, now=now) == pytest.approx(20, abs=1)
    assert parse_retry_after(email.utils.formatdate(now - 60, usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_backoff_is_full_jitter_below_a_doubling_ceiling_capped() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=5.0)
    rng = random.Random(1)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 5.0), (10, 5.0)]:
        waits = [backoff_delay(policy, attempt, rng) for _ in range(200)]
        assert all(0 <= w <= ceiling for w in waits)
        assert max(waits) > ceiling * 0.8  # the whole range is used, not a fixed delay


def test_only_idempotent_methods_or_keyed_requests_may_be_retried() -> None:
    policy = RetryPolicy()
    assert policy.may_retry("GET", {})
    assert policy.may_retry("PUT", {})
    assert not policy.may_retry("POST", {})
    assert not policy.may_retry("PATCH", {"X-Other": "1"})
    assert policy.may_retry("POST", {"idempotency-key": "k1"})


def test_policy_values_are_checked() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(max_delay=0)


# -- against a real server ----------------------------------------------------------------


def test_429_with_retry_after_seconds_is_waited_for_for_real() -> None:
    handler = sequence([Reply(429, {"Retry-After": "1"})], then=Reply(200, body="ok"))
    with HttpServer(handler) as server, client_for(server) as client:
        response = client.request("GET", "/items")
    assert response.text == "ok"
    first, second = server.requests
    assert second.at - first.at >= 0.95


def test_429_with_retry_after_as_an_http_date() -> None:
    sleeps = Sleeps()
    later = email.utils.formatdate(time.time() + 3, usegmt=True)
    handler = sequence([Reply(429, {"Retry-After": later})], then=Reply(200))
    with HttpServer(handler) as server, client_for(server, sleeps) as client:
        client.request("GET", "/items")
    assert len(sleeps) == 1
    assert 1.5 < sleeps[0] <= 3.0


def test_retry_after_beyond_the_cap_waits_only_the_cap() -> None:
    sleeps = Sleeps()
    handler = sequence([Reply(503, {"Retry-After": "3600"})], then=Reply(200))
    with HttpServer(handler) as server, client_for(server, sleeps) as client:
        client.request("GET", "/items")
    assert sleeps == [5.0]


def test_a_burst_of_503_then_success() -> None:
    sleeps = Sleeps()
    handler = sequence([Reply(503)] * 3, then=Reply(200, body="fine"))
    with HttpServer(handler) as server, client_for(server, sleeps) as client:
        assert client.request("GET", "/items").text == "fine"
    assert len(server.requests) == 4
    assert len(sleeps) == 3


def test_exhaustion_lists_every_attempt() -> None:
    sleeps = Sleeps()
    policy = RetryPolicy(max_attempts=3, base_delay=0.01)
    with (
        HttpServer(lambda _: Reply(502)) as server,
        client_for(server, sleeps, retry=policy) as client,
        pytest.raises(RetriesExhausted) as caught,
    ):
        client.request("GET", "/items")
    assert len(server.requests) == 3
    error = caught.value
    assert error.attempts == tuple(f"attempt {n}: 502 Bad Gateway" for n in (1, 2, 3))
    assert "gave up after 3 attempt(s)" in str(error)
    assert "connector 'test/1.0'" in str(error)


def test_total_time_cap_stops_retrying_early() -> None:
    sleeps = Sleeps()
    policy = RetryPolicy(max_attempts=10, max_elapsed=2.0)
    handler = sequence([Reply(503, {"Retry-After": "1"})] * 10)
    clock = [0.0]

    def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock[0] += seconds

    with HttpServer(handler) as server:
        client = client_for(server, retry=policy, sleep=fake_sleep)
        client._clock = lambda: clock[0]
        with client, pytest.raises(RetriesExhausted, match="time allowed"):
            client.request("GET", "/items")
    assert sleeps == [1.0]
    assert len(server.requests) == 2


def test_a_reset_connection_is_retried() -> None:
    sleeps = Sleeps()
    handler = sequence([Reply(reset=True)], then=Reply(200, body="after reset"))
    with HttpServer(handler) as server, client_for(server, sleeps) as client:
        assert client.request("GET", "/items").text == "after reset"
    assert len(server.requests) == 2


def test_a_read_timeout_is_retried() -> None:
    sleeps = Sleeps()
    handler = sequence([Reply(delay=1.0)], then=Reply(200, body="quick"))
    with HttpServer(handler) as server, client_for(server, sleeps, timeout=0.3) as client:
        assert client.request("GET", "/items").text == "quick"
    assert len(server.requests) == 2


def test_a_refused_connection_is_retried_then_reported() -> None:
    sleeps = Sleeps()
    with HttpServer(lambda _: Reply()) as server:
        url = server.url
    client = make_client(
        base_url=url,
        connector="test/1.0",
        allowed_hosts=["127.0.0.1"],
        retry=RetryPolicy(max_attempts=2),
        sleep=sleeps,
    )
    with client, pytest.raises(RetriesExhausted, match="ConnectError"):
        client.request("GET", "/items")
    assert len(sleeps) == 1


def test_404_fails_fast_with_the_servers_message() -> None:
    handler = sequence(
        [Reply(404, {"Content-Type": "application/json"}, '{"error": "no such list"}')]
    )
    with (
        HttpServer(handler) as server,
        client_for(server, Sleeps()) as client,
        pytest.raises(HttpStatusError) as caught,
    ):
        client.request("GET", "/lists/42")
    assert len(server.requests) == 1
    assert caught.value.status == 404
    assert "no such list" in str(caught.value)
    assert "/lists/42" in str(caught.value)


def test_post_is_not_retried_without_an_idempotency_key() -> None:
    with (
        HttpServer(lambda _: Reply(503)) as server,
        client_for(server, Sleeps()) as client,
        pytest.raises(RetriesExhausted, match="without an idempotency key"),
    ):
        client.request("POST", "/orders", json={"n": 1})
    assert len(server.requests) == 1


def test_post_with_an_idempotency_key_is_retried_with_the_same_key() -> None:
    handler = sequence([Reply(503), Reply(500)], then=Reply(201, body="made"))
    with HttpServer(handler) as server, client_for(server, Sleeps()) as client:
        response = client.request("POST", "/orders", json={"n": 1}, idempotency_key="order-1")
    assert response.status_code == 201
    assert [r.headers["idempotency-key"] for r in server.requests] == ["order-1"] * 3
    assert all(r.body == b'{"n":1}' for r in server.requests)


def test_every_attempt_is_logged_with_secrets_masked(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="hookline.http")
    handler = sequence([Reply(429, {"Retry-After": "0"}), Reply(503)], then=Reply(200))

    def received(r: Received) -> Reply:
        return handler(r)

    with HttpServer(received) as server, client_for(server, Sleeps()) as client:
        client.request("GET", "/items", params={"api_key": "k-0123456789", "page": "2"})
    lines = [r.getMessage() for r in caplog.records if r.name == "hookline.http"]
    assert len(lines) == 3
    assert "429" in lines[0] and "attempt 1/5" in lines[0] and "retrying in 0.00 s" in lines[0]
    assert "503" in lines[1] and "attempt 2/5" in lines[1]
    assert "200" in lines[2] and "attempt 3/5" in lines[2]
    for line in lines:
        assert line.startswith("GET http://127.0.0.1:")
        assert f"api_key={MASK}" in line and "page=2" in line
    assert all("k-0123456789" not in r.getMessage() for r in caplog.records)
    assert server.requests[0].query["api_key"] == ["k-0123456789"]


def test_transport_error_attempts_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="hookline.http")
    handler = sequence([Reply(reset=True)], then=Reply(200))
    with HttpServer(handler) as server, client_for(server, Sleeps()) as client:
        client.request("GET", "/items")
    first = next(r for r in caplog.records if r.name == "hookline.http")
    # INFO: shown with --debug; without it the user sees one line, the error, if any.
    assert first.levelno == logging.INFO
    assert "RemoteProtocolError" in first.getMessage()


def test_a_service_that_stays_down_is_one_short_line_with_its_own_words(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="hookline.http")
    policy = RetryPolicy(max_attempts=4, base_delay=0.01)
    body = "maintenance until 14:00 UTC, see status.example.com"
    with (
        HttpServer(lambda _: Reply(503, body=body)) as server,
        client_for(server, Sleeps(), retry=policy) as client,
        pytest.raises(RetriesExhausted) as caught,
    ):
        client.request("GET", "/items")
    message = str(caught.value)
    assert "\n" not in message and "attempt 1" not in message  # not one entry per attempt
    assert "gave up after 4 attempt(s) (4 attempts allowed), the last: 503 Service Unavailable" in (
        message
    )
    assert f"the server said: {body}" in message
    assert caught.value.server_message == body
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.levelno for r in caplog.records if r.name == "hookline.http"] == [logging.INFO] * 4


def test_a_connection_refused_names_the_host_and_what_was_tried() -> None:
    policy = RetryPolicy(max_attempts=2, base_delay=0.01)
    with HttpServer(lambda _: Reply(200)) as server:
        url = server.url
    with (
        make_client(
            base_url=url,
            connector="test/1.0",
            allowed_hosts=["127.0.0.1"],
            retry=policy,
            sleep=Sleeps(),
        ) as client,
        pytest.raises(RetriesExhausted) as caught,
    ):
        client.request("GET", "/items")
    message = str(caught.value)
    assert f"GET {url}/items gave up after 2 attempt(s)" in message
    assert "the last: ConnectError" in message and "the server said" not in message


def test_the_default_policy_retries_the_documented_statuses() -> None:
    assert RetryPolicy().retry_statuses == {429, 500, 502, 503, 504}
    assert httpx.codes.TOO_MANY_REQUESTS in RetryPolicy().retry_statuses
