"""Fault checks: answers that retrying cannot fix, a 5xx burst, and bodies that are broken.

* ``faults.client_error``: a ``400``, ``404`` or ``422`` ends the read at once (it is not
  asked again) in a hookline error that shows what the server said.
* ``faults.retry_budget``: a burst of ``5xx`` answers longer than the connector's retry
  budget ends the read in a hookline error that says how many attempts were made; a
  connector that never gives up fails when the burst ends and its read succeeds.
* ``faults.bad_body``: a ``200`` whose body is HTML, empty, cut in half or JSON without
  the records ends the read in a clear error (or is retried and read in full): never "0
  records, done".

Each fault is put on the first request, or on the second when the clean read makes more
than one, so that both the first page and a later one are tried.
"""

from __future__ import annotations

import re
import secrets as _random
import time

from hookline._wording import plural
from hookline.conformance._checks_faults import (
    Outcome,
    baseline,
    fault_target,
    first_stream,
    nth,
    read_through,
    repeats,
)
from hookline.conformance._context import SuiteContext
from hookline.conformance._proxy import Fault, Plan
from hookline.conformance._registry import CheckFailed, check, listed

#: A 5xx burst lasts this many requests (or :data:`BURST_SECONDS`); then the service is back.
BURST_REQUESTS = 30
#: ... or this many seconds.
BURST_SECONDS = 60.0
# The burst's answers, in turn; every other one asks Retry-After: 0.
_BURST = (503, 502, 500, 504)
_ATTEMPT_WORDS = re.compile(r"attempt|tries|tried|times|retr|requests", re.IGNORECASE)
_NUMBER = re.compile(r"\d+")


def _later(ctx: SuiteContext) -> int:
    """The request a fault "on a later page" goes to: the second, if the read makes two."""
    return 1 if len(baseline(ctx).seen) > 1 else 0


def _where(number: int) -> str:
    return "the first request" if number == 0 else f"request {number + 1}"


# -- 400, 404, 422 ----------------------------------------------------------------------


def _client_error_problem(outcome: Outcome, status: int, ref: str, number: int) -> str | None:
    faulted = outcome.faulted
    if not faulted:
        return None
    again = repeats(outcome.seen, faulted[0])
    if again:
        return (
            f"a {status} was retried ({plural(again, 'more request')} for the same URL): "
            "asking again will not change the answer"
        )
    if outcome.error is None:
        got = len(outcome.records or [])
        return (
            f"after a {status} on {_where(number)} the read ended without an error "
            f"({plural(got, 'record')}): the {status} was taken for the end of the data"
        )
    unclear = outcome.unclear()
    if unclear is not None:
        return f"after a {status} the read {unclear}"
    if ref not in outcome.message:
        return (
            f"after a {status} the error does not show the server's message (it said "
            f"'... ref {ref} ...'): {outcome.message}"
        )
    return None


@check("faults.client_error")
def client_error(ctx: SuiteContext) -> str:
    """A 400, 404 or 422 ends the read at once, not retried, showing the server's message."""
    fault_target(ctx)
    first_stream(ctx)
    later = _later(ctx)
    scenarios = (
        (404, 0, "application/json", '{{"message": "no such resource here (ref {ref})"}}'),
        (400, 0, "text/plain; charset=utf-8", "invalid query parameter (ref {ref})"),
        (
            422,
            later,
            "application/json",
            '{{"errors": [{{"status": "422", "detail": "cannot process the query (ref {ref})"}}]}}',
        ),
    )
    problems = []
    for status, number, kind, template in scenarios:
        ref = _random.token_hex(4)
        body = template.format(ref=ref).encode()
        fault = Fault(status, body=body, content_type=kind)
        outcome = read_through(ctx, nth(number, fault))
        problem = _client_error_problem(outcome, status, ref, number)
        if problem is not None:
            problems.append(problem)
    if problems:
        raise CheckFailed(listed(problems))
    return "a 404, a 400 and a 422 each ended the read at once, showing the server's message"


# -- a 5xx burst ------------------------------------------------------------------------


def _burst_plan(started: list[float]) -> Plan:
    def plan(number: int, method: str, target: str) -> Fault | None:
        if not started:
            started.append(time.monotonic())
        if number >= BURST_REQUESTS or time.monotonic() - started[0] > BURST_SECONDS:
            return None
        status = _BURST[number % len(_BURST)]
        headers = {"Retry-After": "0"} if number % 2 == 0 else {}
        return Fault(status, headers, b'{"error": "the service is unavailable"}')

    return plan


def _names_attempts(message: str, counts: set[int]) -> bool:
    """Whether ``message`` says how many attempts were made (one of ``counts``)."""
    for match in _NUMBER.finditer(message):
        if int(match.group()) not in counts:
            continue
        around = message[max(0, match.start() - 30) : match.end() + 30]
        if _ATTEMPT_WORDS.search(around):
            return True
    return False


@check("faults.retry_budget")
def retry_budget(ctx: SuiteContext) -> str:
    """A 5xx burst beyond the retry budget ends the read in an error naming the attempts."""
    fault_target(ctx)
    first_stream(ctx)
    started: list[float] = []
    outcome = read_through(ctx, _burst_plan(started))
    faulted = outcome.faulted
    if outcome.error is None:
        raise CheckFailed(
            f"the read never gave up: {plural(len(faulted), 'request')} were answered 5xx "
            f"over {outcome.seconds:.1f} s, and it went on retrying until the service was back"
        )
    unclear = outcome.unclear()
    if unclear is not None:
        raise CheckFailed(f"after {plural(len(faulted), '5xx answer')} the read {unclear}")
    per_target: dict[tuple[str, str], int] = {}
    for item in faulted:
        per_target[(item.method, item.path)] = per_target.get((item.method, item.path), 0) + 1
    counts = {len(faulted), *per_target.values()}
    counts |= {count - 1 for count in counts if count > 1}  # "retried 4 times" after 5
    if not _names_attempts(outcome.message, counts):
        raise CheckFailed(
            f"the error after {plural(len(faulted), 'attempt')} does not say how many "
            f"attempts were made: {outcome.message}"
        )
    return (
        f"gave up after {plural(len(faulted), '5xx answer')} in {outcome.seconds:.1f} s, "
        "saying how many attempts it made"
    )


# -- broken bodies ----------------------------------------------------------------------

_HTML = (
    b"<!DOCTYPE html><html><head><title>Down for maintenance</title></head>"
    b"<body><h1>We will be back soon</h1></body></html>"
)


@check("faults.bad_body")
def bad_body(ctx: SuiteContext) -> str:
    """A 200 whose body is HTML, empty, cut short or without records ends in a clear error."""
    fault_target(ctx)
    first_stream(ctx)
    expected = len(baseline(ctx).records or [])
    later = _later(ctx)
    scenarios = (
        ("an HTML page with status 200", 0, Fault(200, body=_HTML, content_type="text/html")),
        ("a JSON body cut in half", later, Fault.truncated()),
        ("an empty body with status 200", 0, Fault(200, body=b"")),
        ("a JSON body without the records", 0, Fault(200, body=b'{"status": "ok"}')),
        ("a connection closed half-way through the body", later, Fault.cut()),
    )
    problems = []
    for what, number, fault in scenarios:
        outcome = read_through(ctx, nth(number, fault))
        if not outcome.faulted:
            continue
        if outcome.error is None:
            got = len(outcome.records or [])
            if got != expected:
                problems.append(
                    f"after {what} on {_where(number)} the read ended without an error with "
                    f"{got} of {expected} records"
                )
            continue
        unclear = outcome.unclear()
        if unclear is not None:
            problems.append(f"after {what} the read {unclear}")
    if problems:
        raise CheckFailed(listed(problems))
    return (
        f"{len(scenarios)} broken bodies each ended the read in a clear error or were read "
        "again in full"
    )
