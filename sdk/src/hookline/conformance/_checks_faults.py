"""Fault checks: an HTTP connector under 429, 503 and 401 answers from its service.

They need the fixture's ``url_setting``: the suite points that setting at a loopback
proxy (:mod:`hookline.conformance._proxy`) in front of the fixture's fake service.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from hookline.conformance._context import SuiteContext
from hookline.conformance._proxy import Fault, FaultProxy
from hookline.conformance._registry import CheckFailed, CheckSkipped, check
from hookline.errors import AuthError, HooklineError
from hookline.models import ConfiguredStream, Stream

#: The wait the injected 429 and 503 answers ask for, in seconds.
RETRY_AFTER = 1
# A client may wake a little early (timer granularity); this much is tolerated.
_EARLY = 0.1
# A 401 should end the read at once; longer than this means it was retried.
_AUTH_FAILS_WITHIN = 30.0


def _url_setting(ctx: SuiteContext) -> tuple[str, str]:
    fixture = ctx.fixture
    if fixture is None or fixture.url_setting is None:
        raise CheckSkipped("no service URL to fault (the fixture sets no url_setting)")
    data = ctx.require_config()
    value: Any = data
    for part in fixture.url_setting.split("."):
        if not isinstance(value, dict) or part not in value:
            raise CheckFailed(
                f"the fixture's url_setting {fixture.url_setting!r} is not a setting of its config"
            )
        value = value[part]
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise CheckFailed(f"the fixture's url_setting {fixture.url_setting!r} holds no http URL")
    return fixture.url_setting, value


def _through(ctx: SuiteContext, setting: str, proxy: FaultProxy, url: str) -> Any:
    data = copy.deepcopy(ctx.require_config())
    target = data
    *parents, last = setting.split(".")
    for part in parents:
        target = target[part]
    target[last] = proxy.rewrite(url)
    return ctx.parse(data, origin="<config through the fault proxy>")


def _first_stream(ctx: SuiteContext) -> Stream:
    ctx.require_source()
    return ctx.streams()[0]


@check("faults.retry_after")
def retry_after(ctx: SuiteContext) -> str:
    """429 and 503 answers with Retry-After are waited out and retried; the read completes."""
    setting, url = _url_setting(ctx)
    stream = _first_stream(ctx)
    expected = len(ctx.full_read(stream).records)
    faults = [
        Fault(429, {"Retry-After": str(RETRY_AFTER)}),
        Fault(503, {"Retry-After": str(RETRY_AFTER)}),
    ]
    with FaultProxy(url, faults=faults) as proxy:
        config = _through(ctx, setting, proxy, url)
        try:
            connection = ctx.open(config)
            got = ctx.read(ConfiguredStream(stream), None, connection, config).records
        except Exception as exc:
            raise CheckFailed(
                f"after a 429 and a 503 with Retry-After: {RETRY_AFTER} the read failed: "
                f"{ctx.note_error('read under faults', exc)}"
            ) from exc
        seen = list(proxy.seen)
    problems = []
    for index, item in enumerate(seen[:-1]):
        if item.fault:
            gap = seen[index + 1].at - item.at
            if gap < RETRY_AFTER - _EARLY:
                problems.append(
                    f"retried {gap:.2f} s after a {item.status} that asked Retry-After: "
                    f"{RETRY_AFTER}"
                )
    if seen and seen[-1].fault:
        problems.append(f"gave up after the {seen[-1].status} instead of retrying")
    if len(got) != expected:
        problems.append(f"the read under faults gave {len(got)} records instead of {expected}")
    if problems:
        raise CheckFailed("; ".join(problems))
    return f"waited out a 429 and a 503 (Retry-After: {RETRY_AFTER}); {expected} records read"


@check("faults.auth_error")
def auth_error(ctx: SuiteContext) -> str:
    """A service that answers 401 ends the read in a clear AuthError, without retrying."""
    setting, url = _url_setting(ctx)
    stream = _first_stream(ctx)
    unauthorized = Fault(401, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
    started = time.monotonic()
    with FaultProxy(url, always=unauthorized) as proxy:
        config = _through(ctx, setting, proxy, url)
        phase = "auth"
        try:
            connection = ctx.open(config)
            phase = "read"
            ctx.read(ConfiguredStream(stream), None, connection, config)
        except AuthError as exc:
            message = ctx.note_error("auth error", exc)
            if not message.strip():
                raise CheckFailed("the AuthError for a 401 has no message") from exc
        except HooklineError as exc:
            raise CheckFailed(
                f"a 401 in {phase} raised {type(exc).__name__}, not AuthError: "
                f"{ctx.note_error('401', exc)}"
            ) from exc
        except Exception as exc:
            raise CheckFailed(
                f"a 401 in {phase} raised {ctx.note_error('401', exc)} instead of "
                "hookline.errors.AuthError: users see a traceback"
            ) from exc
        else:
            raise CheckFailed("every request was answered 401, yet the read succeeded")
        requests = len(proxy.seen)
    elapsed = time.monotonic() - started
    if elapsed > _AUTH_FAILS_WITHIN:
        raise CheckFailed(f"a 401 took {elapsed:.1f} s and {requests} requests to end the read")
    return f"AuthError in {phase} after {requests} request{'s' if requests != 1 else ''}"
