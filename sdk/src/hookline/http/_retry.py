"""When to retry an HTTP request and how long to wait before the next attempt."""

from __future__ import annotations

__all__ = ["RetryPolicy", "backoff_delay", "parse_retry_after", "send_with_retries"]

import email.utils
import logging
import time
from collections.abc import Callable, Mapping
from random import Random

import attrs
import httpx

from hookline.http._errors import HttpError, RetriesExhausted, body_excerpt
from hookline.secrets import redact

logger = logging.getLogger("hookline.http")

_DEFAULT_STATUSES = frozenset({429, 500, 502, 503, 504})
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})


def _positive(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value <= 0:
        raise ValueError(f"RetryPolicy.{attribute.name} must be positive, not {value!r}")


@attrs.frozen
class RetryPolicy:
    """How an :class:`~hookline.http._client.HttpClient` retries.

    Attributes:
        max_attempts: attempts in all, the first included (1 disables retries).
        retry_statuses: response statuses that are retried; other 4xx fail at once.
        base_delay: the first backoff ceiling in seconds; it doubles on each attempt and
            the actual wait is drawn uniformly below it ("full jitter").
        max_delay: the cap on one wait, ``Retry-After`` included.
        max_elapsed: no retry is scheduled that would start later than this many seconds
            after the first attempt.
        idempotent_methods: methods retried freely; others (POST, PATCH) are retried only
            when the request carries an idempotency key.
        idempotency_header: the header that carries the idempotency key.
    """

    max_attempts: int = attrs.field(default=5, validator=attrs.validators.ge(1))
    retry_statuses: frozenset[int] = attrs.field(default=_DEFAULT_STATUSES, converter=frozenset)
    base_delay: float = attrs.field(default=0.5, validator=_positive)
    max_delay: float = attrs.field(default=30.0, validator=_positive)
    max_elapsed: float = attrs.field(default=120.0, validator=_positive)
    idempotent_methods: frozenset[str] = attrs.field(default=_IDEMPOTENT, converter=frozenset)
    idempotency_header: str = "Idempotency-Key"

    def may_retry(self, method: str, headers: Mapping[str, str]) -> bool:
        """Return whether a request with this method and these headers may be sent again."""
        if method.upper() in self.idempotent_methods:
            return True
        return any(name.lower() == self.idempotency_header.lower() for name in headers)


def backoff_delay(policy: RetryPolicy, attempt: int, rng: Random) -> float:
    """Return the wait after failed attempt number ``attempt`` (1-based), with full jitter."""
    ceiling = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
    return rng.uniform(0, ceiling)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Return the seconds a ``Retry-After`` value asks to wait, or ``None`` if unusable.

    Both forms are understood: delay seconds (``"120"``) and an HTTP-date
    (``"Wed, 21 Oct 2015 07:28:00 GMT"``). A date in the past means no wait.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def _wait(policy: RetryPolicy, response: httpx.Response | None, attempt: int, rng: Random) -> float:
    wait = backoff_delay(policy, attempt, rng)
    if response is not None:
        asked = parse_retry_after(response.headers.get("retry-after"))
        if asked is not None:
            wait = asked
    return min(wait, policy.max_delay)


def send_with_retries(
    send: Callable[[], httpx.Response],
    policy: RetryPolicy,
    *,
    method: str,
    url: str,
    may_retry: bool,
    give_up_at: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    rng: Random | None = None,
    connector: str | None = None,
) -> httpx.Response:
    """Call ``send`` until it returns a response whose status is not retried.

    Retried: responses with a status in ``policy.retry_statuses`` and httpx transport
    errors (connect and read timeouts, refused or reset connections), when ``may_retry``.
    Each attempt is logged on ``hookline.http`` with ``method`` and ``url`` (already
    masked): DEBUG when it ends the loop with a response, INFO when it failed (with the
    wait before the next one), so a user sees one line for a service that is down, the
    error, and ``--debug`` shows every attempt.

    Args:
        send: sends the request once and returns the response, body read.
        policy: attempts, backoff and caps.
        method: the request method, for logs and errors.
        url: the request URL with secrets masked, for logs and errors.
        may_retry: whether the request may be sent more than once.
        give_up_at: the ``clock`` time after which no attempt may start.
        clock: a monotonic clock; sleep: how to wait; rng: the jitter source.
        connector: the connector id, for errors.

    Raises:
        RetriesExhausted: the last attempt failed retriably; it lists every attempt.
        HttpError: the URL cannot be sent at all (an unsupported scheme, a bad header).
    """
    rng = rng or Random()
    attempts: list[str] = []
    for attempt in range(1, policy.max_attempts + 1):
        response: httpx.Response | None = None
        try:
            response = send()
            outcome = f"{response.status_code} {response.reason_phrase}".strip()
        except (httpx.UnsupportedProtocol, httpx.LocalProtocolError) as exc:
            raise HttpError(
                f"{method} {url}: {exc}", method=method, url=url, connector=connector
            ) from None
        except httpx.TransportError as exc:
            outcome = f"{type(exc).__name__}: {redact(str(exc)) or 'no detail'}"
        except HttpError as exc:  # the deadline passed, or a redirect led somewhere refused
            _log(logging.INFO, method, url, type(exc).__name__, attempt, policy, "giving up")
            raise
        attempts.append(f"attempt {attempt}: {outcome}")
        if response is not None and response.status_code not in policy.retry_statuses:
            _log(logging.DEBUG, method, url, outcome, attempt, policy, "done")
            return response
        why = ""
        wait = 0.0
        if not may_retry:
            why = f"{method} is not retried without an idempotency key"
        elif attempt == policy.max_attempts:
            why = f"{policy.max_attempts} attempts allowed"
        else:
            wait = _wait(policy, response, attempt, rng)
            if clock() + wait >= give_up_at:
                why = f"waiting {wait:.2f} s more would pass the time allowed"
        then = "giving up" if why else f"retrying in {wait:.2f} s"
        _log(logging.INFO, method, url, outcome, attempt, policy, then)
        if why:
            raise RetriesExhausted(
                method=method,
                url=url,
                attempts=attempts,
                why=why,
                server_message=body_excerpt(response.content) if response is not None else "",
                connector=connector,
            )
        sleep(wait)
    raise AssertionError("unreachable: the last attempt returns or raises")


def _log(
    level: int, method: str, url: str, outcome: str, attempt: int, policy: RetryPolicy, then: str
) -> None:
    logger.log(
        level,
        "%s %s -> %s (attempt %d/%d, %s)",
        method,
        url,
        redact(outcome),
        attempt,
        policy.max_attempts,
        then,
        extra={"attempt": attempt, "method": method, "url": url},
    )
