"""A per-host rate limit: a token bucket shared by threads, and the server's own quota."""

from __future__ import annotations

__all__ = ["HostRateLimiter", "RateLimit"]

import logging
import threading
import time
from collections.abc import Callable, Mapping

import attrs

# X-RateLimit-Reset values above this are Unix timestamps; below, seconds from now.
_EPOCH_THRESHOLD = 1_000_000_000
#: Waits this long or longer are logged at INFO (shorter ones are a request's pacing).
_TOLD = 1.0

log = logging.getLogger("hookline.http")


@attrs.frozen
class RateLimit:
    """How fast one client may talk to each host.

    Attributes:
        per_second: requests per second per host; ``None`` for no client-side limit.
        burst: how many requests may go at once after an idle period (the bucket size).
        honour_headers: wait when the server says its quota is used up
            (``X-RateLimit-Remaining: 0``) until ``X-RateLimit-Reset``.
        max_reset_wait: the cap on one such wait, in seconds.
        remaining_header: the header announcing the requests left in the window.
        reset_header: the header announcing when the window resets (seconds from now, or a
            Unix timestamp).
    """

    per_second: float | None = None
    burst: int = attrs.field(default=1, validator=attrs.validators.ge(1))
    honour_headers: bool = True
    max_reset_wait: float = 60.0
    remaining_header: str = "X-RateLimit-Remaining"
    reset_header: str = "X-RateLimit-Reset"

    def __attrs_post_init__(self) -> None:
        if self.per_second is not None and self.per_second <= 0:
            raise ValueError(f"RateLimit.per_second must be positive, not {self.per_second!r}")


@attrs.define
class _Bucket:
    tokens: float
    updated: float
    blocked_until: float = 0.0


class HostRateLimiter:
    """Spaces requests per host according to a :class:`RateLimit`; safe to share by threads.

    A caller that finds the bucket empty reserves the next token and sleeps outside the
    lock, so concurrent callers queue up at the configured rate instead of all waking at
    once.
    """

    def __init__(
        self,
        limit: RateLimit,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.limit = limit
        self._clock = clock
        self._sleep = sleep
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}

    def _bucket(self, host: str, now: float) -> _Bucket:
        bucket = self._buckets.get(host)
        if bucket is None:
            bucket = self._buckets[host] = _Bucket(tokens=float(self.limit.burst), updated=now)
        return bucket

    def acquire(self, host: str, *, max_wait: float | None = None) -> float:
        """Wait until a request to ``host`` may go; return the seconds waited.

        When the wait would be longer than ``max_wait`` (what is left of a request's
        deadline), nothing is waited or taken: the return value, above ``max_wait``, is
        the wait that would have been needed.
        """
        with self._lock:
            now = self._clock()
            bucket = self._bucket(host, now)
            wait = max(0.0, bucket.blocked_until - now)
            rate = self.limit.per_second
            if rate is not None:
                bucket.tokens = min(
                    float(self.limit.burst), bucket.tokens + (now - bucket.updated) * rate
                )
                bucket.updated = now
                bucket.tokens -= 1.0
                if bucket.tokens < 0:
                    wait = max(wait, -bucket.tokens / rate)
            if max_wait is not None and wait > max_wait:
                if rate is not None:
                    bucket.tokens += 1.0  # not taken after all
                return wait
        if wait > 0:
            if wait >= _TOLD:
                log.info("waiting %.1f s for the rate limit of %s", wait, host)
            self._sleep(wait)
        return wait

    def observe(self, host: str, headers: Mapping[str, str]) -> None:
        """Read a response's quota headers; when none are left, hold ``host`` until reset."""
        if not self.limit.honour_headers:
            return
        remaining = _number(headers.get(self.limit.remaining_header))
        if remaining is None or remaining > 0:
            return
        reset = _number(headers.get(self.limit.reset_header))
        if reset is None:
            wait = 1.0
        elif reset > _EPOCH_THRESHOLD:
            wait = reset - self._wall_clock()
        else:
            wait = reset
        wait = min(max(wait, 0.0), self.limit.max_reset_wait)
        with self._lock:
            now = self._clock()
            bucket = self._bucket(host, now)
            bucket.blocked_until = max(bucket.blocked_until, now + wait)


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None
