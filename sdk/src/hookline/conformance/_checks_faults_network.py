"""Fault checks: a redirect to another origin, and a service too slow to wait for.

* ``faults.redirect_credentials``: the service answers a ``302`` (first request) and a
  ``307`` (a later one) pointing at another origin, a second loopback server that passes
  requests on to the service. Following the redirect is allowed, refusing it too, but no
  credential may reach the other origin: no ``Authorization``, ``Proxy-Authorization`` or
  ``Cookie`` header, no header or query parameter named like a credential (``X-Api-Key``,
  ``api_key``), and no secret of the config in any form anywhere in the request.
* ``faults.timeout``: the service answers nothing, or stops half-way through a body; with
  a deadline setting, it also drips its answer a byte at a time. The read must end within
  the connector's bound: its timeout setting (set to :data:`SET_TIMEOUT` for the check,
  the deadline setting to :data:`SET_DEADLINE`) plus :data:`SLACK`, or
  :data:`UNKNOWN_BOUND` seconds when it has no such setting. It may end in an error or
  retry and read everything; it may not hang, nor return part of the data as if complete.
"""

from __future__ import annotations

import re
from typing import Any

from hookline.conformance._canaries import exact_forms
from hookline.conformance._checks_faults import (
    Outcome,
    baseline,
    fault_target,
    first_stream,
    nth,
    read_through,
    schema_settings,
)
from hookline.conformance._context import SuiteContext
from hookline.conformance._proxy import Fault, FaultProxy, Seen
from hookline.conformance._registry import CheckFailed, check, listed
from hookline.errors import HooklineError
from hookline.secrets import looks_like_credential

#: The timeout setting is set to this many seconds for ``faults.timeout`` ...
SET_TIMEOUT = 1.0
#: ... and the deadline setting (the whole request) to this many.
SET_DEADLINE = 2.0
#: What a read may take beyond its bound: a retry's backoff and the rest of the read.
SLACK = 5.0
#: The bound for a connector without a timeout setting, in seconds.
UNKNOWN_BOUND = 30.0
# The proxy stays silent this much longer than the bound, then closes the connection.
_BEYOND = 2.0

_TIMEOUT_NAME = re.compile(r"^(read_|request_|http_|network_)?timeout(_s|_secs|_seconds)?$")
_DEADLINE_NAME = re.compile(r"^(request_|total_)?deadline(_s|_secs|_seconds)?$")
_ALWAYS_CREDENTIALS = frozenset({"authorization", "proxy-authorization", "cookie"})
_NOT_CREDENTIALS = frozenset({"idempotency-key"})


# -- redirects --------------------------------------------------------------------------


def _credentials_in(seen: list[Seen], secrets: tuple[str, ...]) -> list[str]:
    """What credentials the requests in ``seen`` carried, in words."""
    forms = [form for value in secrets for _, form in exact_forms(value)]
    found: set[str] = set()
    for item in seen:
        for name, value in item.headers.items():
            lowered = name.lower()
            if lowered in _ALWAYS_CREDENTIALS:
                found.add(f"the {name} header")
            elif any(form in value for form in forms):
                found.add(f"a secret in the {name} header")
            elif looks_like_credential(name) and lowered not in _NOT_CREDENTIALS:
                found.add(f"the {name} header")
        for key, value in item.query:
            if any(form in value for form in forms):
                found.add(f"a secret in the query parameter {key!r}")
            elif looks_like_credential(key):
                found.add(f"the query parameter {key!r}")
        path = item.path.split("?", 1)[0]
        if any(form in path for form in forms):
            found.add("a secret in the path")
    return sorted(found)


@check("faults.redirect_credentials")
def redirect_credentials(ctx: SuiteContext) -> str:
    """No credential follows a redirect to another origin (header, query key or secret)."""
    _, url = fault_target(ctx)
    first_stream(ctx)
    secrets = tuple(ctx.secret_values().values())
    scenarios = ((302, 0, "127.0.0.1"), (307, 1 if len(baseline(ctx).seen) > 1 else 0, "localhost"))
    problems = []
    said = []
    for status, number, host in scenarios:
        with FaultProxy(url) as other:
            origin = f"http://{host}:{other.port}"
            outcome = read_through(
                ctx, nth(number, Fault.redirect(status, origin)), secrets=secrets
            )
            reached = list(other.seen)
        if not outcome.faulted:
            continue
        carried = _credentials_in(reached, secrets)
        if carried:
            problems.append(
                f"credentials followed a {status} redirect to another origin ({origin}): "
                f"{', '.join(carried)}"
            )
        elif reached:
            said.append(f"a {status} was followed without credentials")
        else:
            said.append(f"a {status} was not followed")
    if problems:
        raise CheckFailed(listed(problems))
    return "; ".join(said) or "no request was redirected"


# -- timeouts ---------------------------------------------------------------------------


def _setting(ctx: SuiteContext, name: re.Pattern[str]) -> str | None:
    """The dotted path of a numeric setting whose name matches ``name``, if any."""
    try:
        schema = ctx.connector.config_schema()
    except Exception:  # describe.config_schema_valid says what is wrong with it
        return None
    for path, sub in schema_settings(schema, "$"):
        types = {sub.get("type")} | {
            s.get("type") for s in sub.get("anyOf", []) if isinstance(s, dict)
        }
        if name.match(path.rsplit(".", 1)[-1].lower()) and types & {"number", "integer"}:
            return path[2:]
    return None


def _slow_read(
    ctx: SuiteContext, fault: Fault, number: int, overrides: dict[str, Any]
) -> Outcome | None:
    """Read with ``fault`` on request ``number``; ``None`` when ``overrides`` are refused."""
    try:
        return read_through(ctx, nth(number, fault), overrides=overrides)
    except HooklineError:  # the connector refuses the shorter timeout: use its own
        return None


@check("faults.timeout")
def timeout(ctx: SuiteContext) -> str:
    """A service that answers nothing, or stops half-way, does not hang the read."""
    fault_target(ctx)
    first_stream(ctx)
    expected = len(baseline(ctx).records or [])
    later = 1 if len(baseline(ctx).seen) > 1 else 0
    timeout_path = _setting(ctx, _TIMEOUT_NAME)
    deadline_path = _setting(ctx, _DEADLINE_NAME)
    overrides: dict[str, Any] = {timeout_path: SET_TIMEOUT} if timeout_path else {}
    scenarios: list[tuple[str, int, str, float, dict[str, Any]]] = [
        ("a service that answered nothing", 0, "silent", SET_TIMEOUT, overrides),
        ("a body that stopped half-way", later, "stalled_body", SET_TIMEOUT, overrides),
    ]
    if deadline_path:
        dripping = {**overrides, deadline_path: SET_DEADLINE}
        scenarios.append(("an answer dripped a byte at a time", 0, "drip", SET_DEADLINE, dripping))
    done = []
    for what, number, mode, limit, settings in scenarios:
        bound = limit + SLACK if settings else UNKNOWN_BOUND
        fault = Fault(0, body=b"", mode=mode, seconds=bound + _BEYOND)
        outcome = _slow_read(ctx, fault, number, settings)
        if outcome is None:
            bound = UNKNOWN_BOUND
            fault = Fault(0, body=b"", mode=mode, seconds=bound + _BEYOND)
            outcome = _slow_read(ctx, fault, number, {})
            settings = {}
        if outcome is None or not outcome.faulted:
            continue
        why = (
            "; ".join(f"the setting {k} set to {v:g} s" for k, v in settings.items())
            + f", plus {SLACK:g} s"
            if settings
            else "it has no timeout setting the suite could set"
        )
        if outcome.seconds > bound:
            raise CheckFailed(
                f"{what} held the read for {outcome.seconds:.1f} s: it does not time out "
                f"(the bound is {bound:g} s: {why})"
            )
        if outcome.error is None and len(outcome.records or []) != expected:
            raise CheckFailed(
                f"after {what} the read ended without an error with "
                f"{len(outcome.records or [])} of {expected} records"
            )
        ended = "an error" if outcome.error is not None else f"all {expected} records"
        done.append(f"{what}: {ended} after {outcome.seconds:.1f} s")
    return listed(done, shown=len(done)) if done else "no request was slowed"
