"""Fault checks: an HTTP connector under the answers a real service gives on a bad day.

They need the fixture's ``url_setting``: the suite points that setting at a loopback
proxy (:mod:`hookline.conformance._proxy`) in front of the fixture's fake service, and
reads the first stream through it while the proxy answers with scripted faults. This
module holds what the fault checks share and the checks for ``429``/``503`` and ``401``;
:mod:`~hookline.conformance._checks_faults_errors` has 4xx, 5xx bursts and broken bodies,
:mod:`~hookline.conformance._checks_faults_network` redirects and timeouts.

A connector that talks to a network (its fixture sets ``url_setting``, it declares
``hosts``, or its config has a URL setting or value) must give the fault checks what they
need: without a ``url_setting`` they are skipped as applicable, and gold is not reached.
A connector that talks to no network skips them as not applicable, and the report says so.
"""

from __future__ import annotations

import copy
import re
import time
import weakref
from collections.abc import Iterator
from typing import Any

import attrs

from hookline.conformance._context import SuiteContext
from hookline.conformance._proxy import Fault, FaultProxy, Plan, Seen
from hookline.conformance._registry import CheckFailed, CheckSkipped, check
from hookline.errors import AuthError, HooklineError
from hookline.models import ConfiguredStream, Record, Stream

#: The wait the injected 429 and 503 answers ask for, in seconds.
RETRY_AFTER = 1
# A client may wake a little early (timer granularity); this much is tolerated.
_EARLY = 0.1
#: A 401 must end the read within this many seconds ...
AUTH_FAILS_WITHIN = 5.0
#: ... after at most this many requests answered 401 (one retry with a fresh token).
AUTH_ATTEMPTS = 2

_URL_NAME = re.compile(r"(^|_)(url|uri|endpoint|base_?url|api_?url|host_?url)$")
_URL_FORMATS = frozenset({"uri", "url", "iri", "uri-reference", "iri-reference"})


# -- where the service is ---------------------------------------------------------------


def schema_settings(schema: dict[str, Any], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every setting of a config schema, nested ones too, as ``("$.a.b", sub-schema)``."""
    for name, sub in (schema.get("properties") or {}).items():
        if isinstance(sub, dict):
            yield f"{path}.{name}", sub
            yield from schema_settings(sub, f"{path}.{name}")
    for sub in schema.get("anyOf") or []:
        if isinstance(sub, dict):
            yield from schema_settings(sub, path)


def _string_values(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _string_values(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _string_values(item, f"{path}[{index}]")


def _holds_string(schema: dict[str, Any]) -> bool:
    if schema.get("type") == "string":
        return True
    return any(isinstance(s, dict) and s.get("type") == "string" for s in schema.get("anyOf", []))


def network_reason(ctx: SuiteContext) -> str | None:
    """Why the connector talks to a network service, or ``None`` when nothing says so.

    It does when its fixture sets ``url_setting``, it declares ``hosts``, its config schema
    has a URL setting (``format: uri``, or a string named ``url``, ``base_url``,
    ``..._url``, ``endpoint``), or the config under test holds an http(s) URL.
    """
    fixture = ctx.fixture
    if fixture is not None and fixture.url_setting:
        return f"its fixture's url_setting is {fixture.url_setting!r}"
    if ctx.connector.info.hosts:
        return f"it declares the hosts {', '.join(ctx.connector.info.hosts)}"
    try:
        schema = ctx.connector.config_schema()
    except Exception:  # describe.config_schema_valid says what is wrong with it
        schema = {}
    for path, sub in schema_settings(schema, "$"):
        name = path.rsplit(".", 1)[-1].lower()
        if sub.get("format") in _URL_FORMATS or (_URL_NAME.search(name) and _holds_string(sub)):
            return f"its setting {path} holds a URL"
    for path, value in _string_values(ctx.config_data or {}, "$"):
        if value.startswith(("http://", "https://")):
            return f"its config's {path} is an http URL"
    return None


def fault_target(ctx: SuiteContext) -> tuple[str, str]:
    """The fixture's ``url_setting`` and the URL it holds; or skip, saying whether it applies."""
    fixture = ctx.fixture
    if fixture is None or fixture.url_setting is None:
        reason = network_reason(ctx)
        if reason is None:
            raise CheckSkipped("talks to no network service (no url_setting, hosts or URL setting)")
        raise CheckSkipped(
            f"the connector talks to a network service ({reason}), but no url_setting "
            "routes it through the fault proxy: set the fixture's url_setting",
            applicable=True,
        )
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


def config_data_through(
    ctx: SuiteContext, setting: str, proxy: FaultProxy, url: str, overrides: dict[str, Any]
) -> dict[str, Any]:
    """The config data with the URL setting pointed at ``proxy`` and ``overrides`` set."""
    data = copy.deepcopy(ctx.require_config())
    for path, value in {setting: proxy.rewrite(url), **overrides}.items():
        target = data
        *parents, last = path.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = value
    return data


def first_stream(ctx: SuiteContext) -> Stream:
    """The stream the fault checks read: the first one discovered (skip for a non-source)."""
    if not ctx.connector.info.is_source:
        raise CheckSkipped(
            f"not a source (kind {ctx.connector.info.kind!r}): the faults are injected into "
            "a read, and a destination's writes are not faulted"
        )
    return ctx.streams()[0]


# -- reading under faults ---------------------------------------------------------------


@attrs.define
class Outcome:
    """One open-and-read of the first stream through the fault proxy.

    Attributes:
        records: what the read returned, or ``None`` when it raised.
        error: what it raised.
        message: the error as one line (noted for the secrets check).
        phase: ``"auth"`` or ``"read"``: where it ended.
        seconds: how long opening and reading took.
        seen: every request the proxy received.
    """

    records: list[Record] | None
    error: BaseException | None
    message: str
    phase: str
    seconds: float
    seen: list[Seen] = attrs.field(factory=list)

    @property
    def faulted(self) -> list[Seen]:
        """The requests answered with a fault."""
        return [s for s in self.seen if s.fault]

    def unclear(self) -> str | None:
        """What is wrong with the error, if it is not a clear hookline error."""
        if self.error is None or isinstance(self.error, HooklineError):
            if self.error is not None and not self.message.strip():
                return f"raised {type(self.error).__name__} with no message"
            return None
        return f"raised {self.message}: users see a traceback, not a hookline error"


def read_through(
    ctx: SuiteContext,
    plan: Plan | None = None,
    *,
    always: Fault | None = None,
    overrides: dict[str, Any] | None = None,
    secrets: tuple[str, ...] = (),
    stream: Stream | None = None,
) -> Outcome:
    """Open a connection through a fault proxy following ``plan`` and read the first stream.

    ``overrides`` sets more settings (dotted paths) in the config; a config they make
    invalid raises the connector's ConfigError.
    """
    setting, url = fault_target(ctx)
    stream = stream or first_stream(ctx)
    with FaultProxy(url, always=always, plan=plan, secrets=secrets) as proxy:
        data = config_data_through(ctx, setting, proxy, url, overrides or {})
        config = ctx.parse(data, origin="<config through the fault proxy>")
        started = time.monotonic()
        phase = "auth"
        try:
            connection = ctx.open(config)
            phase = "read"
            records: list[Record] | None = ctx.read(
                ConfiguredStream(stream), None, connection, config
            ).records
            error: BaseException | None = None
            message = ""
        except Exception as exc:
            records, error = None, exc
            message = ctx.note_error(f"{phase} under faults", exc)
        elapsed = time.monotonic() - started
        seen = list(proxy.seen)
    return Outcome(records, error, message, phase, elapsed, seen)


_baselines: weakref.WeakKeyDictionary[SuiteContext, Outcome] = weakref.WeakKeyDictionary()


def baseline(ctx: SuiteContext) -> Outcome:
    """The first stream read through a proxy that injects nothing (once per suite run).

    It says how many records the read gives and which requests it makes; a read through
    the proxy that fails here fails the check that asked.
    """
    if ctx not in _baselines:
        _baselines[ctx] = read_through(ctx, lambda number, method, target: None)
    outcome = _baselines[ctx]
    if outcome.records is None:
        raise CheckFailed(
            f"through the fault proxy, without faults, the read failed: {outcome.message}"
        )
    return outcome


def nth(number: int, fault: Fault) -> Plan:
    """A plan answering request ``number`` (from 0) with ``fault``, passing the rest."""
    return lambda index, method, target: fault if index == number else None


def from_nth(number: int, fault: Fault, until: int | None = None) -> Plan:
    """A plan answering every request from ``number`` on (up to ``until``) with ``fault``."""

    def plan(index: int, method: str, target: str) -> Fault | None:
        if index < number or (until is not None and index >= until):
            return None
        return fault

    return plan


def repeats(seen: list[Seen], faulted: Seen) -> int:
    """How many later requests asked for the same method and target as ``faulted``."""
    return sum(
        1
        for item in seen
        if item.number > faulted.number
        and item.method == faulted.method
        and item.path == faulted.path
    )


# -- 429 and 503 ------------------------------------------------------------------------


@check("faults.retry_after")
def retry_after(ctx: SuiteContext) -> str:
    """429 and 503 answers with Retry-After are waited out and retried; the read completes."""
    expected = len(baseline(ctx).records or [])
    faults = [
        Fault(429, {"Retry-After": str(RETRY_AFTER)}),
        Fault(503, {"Retry-After": str(RETRY_AFTER)}),
    ]
    outcome = read_through(ctx, lambda number, method, target: faults.pop(0) if faults else None)
    if outcome.error is not None:
        raise CheckFailed(
            f"after a 429 and a 503 with Retry-After: {RETRY_AFTER} the read failed: "
            f"{outcome.message}"
        )
    seen = outcome.seen
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
    got = len(outcome.records or [])
    if got != expected:
        problems.append(f"the read under faults gave {got} records instead of {expected}")
    if problems:
        raise CheckFailed("; ".join(problems))
    return f"waited out a 429 and a 503 (Retry-After: {RETRY_AFTER}); {expected} records read"


# -- 401 --------------------------------------------------------------------------------


def _auth_problem(outcome: Outcome, when: str) -> str | None:
    """What is wrong with how a read ended after 401 answers, if anything."""
    error = outcome.error
    refused = [s for s in outcome.seen if s.status == 401]
    if error is None:
        return f"{when} every request was answered 401, yet the read succeeded"
    if not isinstance(error, AuthError):
        if isinstance(error, HooklineError):
            return (
                f"a 401 in {outcome.phase} raised {type(error).__name__}, not AuthError: "
                f"{outcome.message}"
            )
        return (
            f"a 401 in {outcome.phase} raised {outcome.message} instead of "
            "hookline.errors.AuthError: users see a traceback"
        )
    if not outcome.message.strip():
        return "the AuthError for a 401 has no message"
    if len(refused) > AUTH_ATTEMPTS:
        return (
            f"a 401 was retried: {when} {len(refused)} requests were answered 401 before the "
            f"AuthError ({outcome.seconds:.1f} s); a refused credential does not get better "
            "by asking again"
        )
    if outcome.seconds > AUTH_FAILS_WITHIN:
        return (
            f"a 401 took {outcome.seconds:.1f} s and {len(outcome.seen)} requests to end the "
            f"read ({when}); it must fail within {AUTH_FAILS_WITHIN:g} s"
        )
    return None


@check("faults.auth_error")
def auth_error(ctx: SuiteContext) -> str:
    """A 401 ends the read at once in a clear AuthError, without retrying."""
    fault_target(ctx)
    first_stream(ctx)
    unauthorized = Fault(401, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
    outcome = read_through(ctx, always=unauthorized)
    problem = _auth_problem(outcome, "from the first request on,")
    if problem is not None:
        raise CheckFailed(problem)
    requests = len(outcome.seen)
    said = f"AuthError in {outcome.phase} after {requests} request{'s' if requests != 1 else ''}"
    if len(baseline(ctx).seen) < 2:
        return said
    # The credential is revoked half-way: the first page is served, every later one is 401.
    later = read_through(ctx, from_nth(1, unauthorized))
    problem = _auth_problem(later, "after the first page,")
    if problem is not None:
        raise CheckFailed(problem)
    return f"{said}; and after a first page, after {len(later.seen)} requests"


# The other fault checks register themselves in this phase, after these two.
from hookline.conformance import _checks_faults_errors, _checks_faults_network  # noqa: E402, F401
