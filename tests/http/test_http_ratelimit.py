"""The per-host rate limit: a token bucket shared by threads, and the server's quota headers."""

from __future__ import annotations

import itertools
import logging
import threading
import time

import pytest

from hookline.http._client import make_client
from hookline.http._ratelimit import HostRateLimiter, RateLimit
from support.http_server import HttpServer, Received, Reply, sequence


class FakeTime:
    """A clock that only moves when something sleeps."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0  # serves as wall clock too: a realistic Unix time
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def limiter(limit: RateLimit, fake: FakeTime) -> HostRateLimiter:
    return HostRateLimiter(limit, clock=fake.clock, sleep=fake.sleep, wall_clock=fake.clock)


def test_the_bucket_spaces_requests_after_the_burst() -> None:
    fake = FakeTime()
    bucket = limiter(RateLimit(per_second=4, burst=2), fake)
    waits = [bucket.acquire("api.example.com") for _ in range(5)]
    assert waits == pytest.approx([0, 0, 0.25, 0.25, 0.25])


def test_hosts_have_separate_buckets() -> None:
    fake = FakeTime()
    bucket = limiter(RateLimit(per_second=1), fake)
    assert bucket.acquire("a.example.com") == 0
    assert bucket.acquire("b.example.com") == 0
    assert bucket.acquire("a.example.com") == pytest.approx(1.0)


def test_an_idle_bucket_refills_only_up_to_its_burst() -> None:
    fake = FakeTime()
    bucket = limiter(RateLimit(per_second=2, burst=2), fake)
    bucket.acquire("h")
    fake.now += 60
    assert [bucket.acquire("h") for _ in range(3)] == pytest.approx([0, 0, 0.5])


def test_no_limit_means_no_wait() -> None:
    fake = FakeTime()
    bucket = limiter(RateLimit(), fake)
    assert [bucket.acquire("h") for _ in range(100)] == [0] * 100


def test_quota_headers_hold_the_host_until_reset_capped() -> None:
    fake = FakeTime()
    bucket = limiter(RateLimit(max_reset_wait=30), fake)
    bucket.observe("h", {"X-RateLimit-Remaining": "5", "X-RateLimit-Reset": "9"})
    assert bucket.acquire("h") == 0
    bucket.observe("h", {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "9"})
    assert bucket.acquire("h") == pytest.approx(9)
    bucket.observe("h", {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(fake.now + 12)})
    assert bucket.acquire("h") == pytest.approx(12)
    bucket.observe("h", {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "3600"})
    assert bucket.acquire("h") == pytest.approx(30)
    assert bucket.acquire("other") == 0


def test_quota_headers_can_be_ignored() -> None:
    fake = FakeTime()
    bucket = limiter(RateLimit(honour_headers=False), fake)
    bucket.observe("h", {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "9"})
    assert bucket.acquire("h") == 0


def test_rate_limit_values_are_checked() -> None:
    with pytest.raises(ValueError):
        RateLimit(per_second=0)
    with pytest.raises(ValueError):
        RateLimit(burst=0)


# -- against a real server ----------------------------------------------------------------


def test_the_server_sees_requests_spaced_by_the_rate() -> None:
    with (
        HttpServer(lambda _: Reply(200)) as server,
        make_client(
            base_url=server.url,
            connector="t/1",
            allowed_hosts=["127.0.0.1"],
            rate_limit=RateLimit(per_second=10),
        ) as client,
    ):
        for _ in range(5):
            client.request("GET", "/items")
    arrivals = [r.at for r in server.requests]
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert all(gap > 0.07 for gap in gaps), gaps
    assert arrivals[-1] - arrivals[0] < 1.5


def test_threads_share_one_bucket() -> None:
    with (
        HttpServer(lambda _: Reply(200)) as server,
        make_client(
            base_url=server.url,
            connector="t/1",
            allowed_hosts=["127.0.0.1"],
            rate_limit=RateLimit(per_second=20),
        ) as client,
    ):

        def work() -> None:
            for _ in range(3):
                client.request("GET", "/items")

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    arrivals = sorted(r.at for r in server.requests)
    assert len(arrivals) == 12
    assert arrivals[-1] - arrivals[0] > 0.45  # 11 gaps of 50 ms, loosely


def test_remaining_zero_waits_until_reset() -> None:
    handler = sequence(
        [Reply(200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1"})],
        then=Reply(200),
    )

    def record(request: Received) -> Reply:
        return handler(request)

    with (
        HttpServer(record) as server,
        make_client(base_url=server.url, connector="t/1", allowed_hosts=["127.0.0.1"]) as c,
    ):
        start = time.monotonic()
        c.request("GET", "/a")
        c.request("GET", "/b")
    first, second = server.requests
    assert second.at - first.at >= 0.9
    assert time.monotonic() - start < 3


def test_a_wait_of_a_second_or_more_is_logged_at_info(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="hookline.http")
    fake = FakeTime()
    bucket = limiter(RateLimit(per_second=4, burst=1), fake)
    bucket.acquire("api.example.com")
    bucket.acquire("api.example.com")  # 0.25 s: the pacing of requests, not news
    assert not caplog.records
    bucket.observe("api.example.com", {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "30"})
    bucket.acquire("api.example.com")
    [record] = caplog.records
    assert record.levelno == logging.INFO
    assert record.getMessage() == "waiting 30.0 s for the rate limit of api.example.com"
