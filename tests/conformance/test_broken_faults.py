"""The fault checks catch each HTTP fault defect, and only the check named for it fails.

Every connector in :mod:`conformance.connectors.broken_faults` differs from a good
hand-rolled HTTP source by one defect in how it meets a fault: a redirect that carries a
credential to another origin (in a header, a custom header, a query key), no timeout, a
4xx retried or its message hidden, a 401 retried, a 5xx burst retried for ever or ended
in a vague error, a broken body taken for the end of the data or raised raw. The fault
proxy's own modes are tested too, and how the level treats a connector that talks to a
network without giving the fault checks a way in.
"""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import time
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
from conformance.connectors import broken_faults
from conformance.connectors.broken_faults import HandRolledConfig, HandRolledHttp
from conformance.connectors.defects import assert_caught_by_its_check_only, suite_report
from conformance.connectors.reference import Reference
from conformance.connectors.reference_http import FakeApi, ReferenceHttp

from hookline import hookimpl
from hookline.conformance import ConformanceFixture, run_suite
from hookline.conformance._proxy import Fault, FaultProxy
from hookline.host import connector_from_plugin
from hookline.http import ApiKeyAuth, BasicAuth, RetryPolicy, make_client
from hookline.models import ConnectorInfo
from support.http_server import HttpServer, Received, Reply

# (connector class, the check that must catch it, a phrase its message must contain,
#  other checks the same defect also breaks, by its nature)
DEFECTS: list[tuple[type[Any], str, str, tuple[str, ...]]] = [
    (
        broken_faults.KeepsTokenAcrossOrigins,
        "faults.redirect_credentials",
        "redirect to another origin (http://127.0.0.1:",
        (),
    ),
    (
        broken_faults.ApiKeyHeaderFollowsRedirect,
        "faults.redirect_credentials",
        "a secret in the X-Api-Token header",
        (),
    ),
    (
        broken_faults.QueryKeyFollowsRedirect,
        "faults.redirect_credentials",
        "a secret in the query parameter 'api_key'",
        (),
    ),
    (
        broken_faults.NoReadTimeout,
        "faults.timeout",
        "a service that answered nothing held the read for",
        (),
    ),
    (
        broken_faults.RetriesClientErrors,
        "faults.client_error",
        "a 404 was retried (1 more request for the same URL)",
        (),
    ),
    (
        broken_faults.HidesServerMessage,
        "faults.client_error",
        "after a 422 the error does not show the server's message",
        (),
    ),
    (
        broken_faults.Retries401,
        "faults.auth_error",
        "a 401 was retried: from the first request on, 4 requests were answered 401",
        (),
    ),
    (
        broken_faults.VagueAfterRetries,
        "faults.retry_budget",
        "the error after 4 attempts does not say how many attempts were made",
        (),
    ),
    (
        broken_faults.RetriesForever,
        "faults.retry_budget",
        "the read never gave up: 30 requests were answered 5xx",
        (),
    ),
    (
        broken_faults.EmptyOnBadBody,
        "faults.bad_body",
        "after an HTML page with status 200 on the first request the read ended without an "
        "error with 0 of 13 records",
        (),
    ),
    (
        broken_faults.RawJsonError,
        "faults.bad_body",
        "the read raised json.decoder.JSONDecodeError",
        (),
    ),
]

_IDS = [connector.__name__ for connector, *_ in DEFECTS]

FAULT_CHECKS = {
    "faults.retry_after",
    "faults.auth_error",
    "faults.client_error",
    "faults.retry_budget",
    "faults.bad_body",
    "faults.redirect_credentials",
    "faults.timeout",
}


@pytest.mark.parametrize(("connector", "check", "phrase", "collateral"), DEFECTS, ids=_IDS)
def test_defect_fails_its_check_and_no_other(
    connector: type[Any], check: str, phrase: str, collateral: tuple[str, ...], tmp_path: Path
) -> None:
    report = suite_report(connector(), tmp_path)
    assert_caught_by_its_check_only(report, check, phrase, collateral)


def test_broken_fault_connectors_are_all_listed() -> None:
    assert {connector.__name__ for connector, *_ in DEFECTS} == set(broken_faults.__all__)


def test_hand_rolled_source_passes_every_fault_check(tmp_path: Path) -> None:
    report = suite_report(HandRolledHttp(), tmp_path)
    assert {c.name: c.message for c in report.checks if c.status == "failed"} == {}
    outcomes = {c.name: c for c in report.checks if c.phase == "faults"}
    assert set(outcomes) == FAULT_CHECKS
    assert all(c.status == "passed" for c in outcomes.values())
    assert "followed without credentials" in outcomes["faults.redirect_credentials"].message
    assert report.level == "gold"


# -- hookline.http, with other kinds of credentials ----------------------------------


class _AnyAuthApi(FakeApi):
    """The reference fake API, taking the token as ?access_token= or in HTTP Basic too."""

    def answer(self, path: str, authorization: str) -> tuple[int, Any]:
        parts = httpx.URL(path)
        if parts.params.get("access_token") == self.token:
            path = str(parts.copy_remove_param("access_token").raw_path, "ascii")
            authorization = f"Bearer {self.token}"
        elif authorization.startswith("Basic "):
            pair = base64.b64decode(authorization[6:]).decode()
            if pair.partition(":")[2] == self.token:
                authorization = f"Bearer {self.token}"
        return super().answer(path, authorization)


class _QueryKeyHttp(ReferenceHttp):
    """The reference HTTP source sending its token as ?access_token= (ApiKeyAuth).

    Its timeout is a setting (so the timeout check can shorten it).
    """

    @hookimpl
    def hookline_describe(self) -> ConnectorInfo:
        return attrs.evolve(super().hookline_describe(), config_model=HandRolledConfig)

    def auth(self, config: Any) -> httpx.Auth:
        return ApiKeyAuth(config.token, name="access_token", location="query", setting="token")

    def build_client(self, config: Any) -> Any:
        return make_client(
            base_url=config.base_url,
            connector=f"{self.connector_id}/{self.version}",
            allowed_hosts=[httpx.URL(config.base_url).host],
            timeout=config.timeout,
            deadline=30.0,
            retry=RetryPolicy(max_attempts=5, base_delay=0.1, max_delay=5.0, max_elapsed=30.0),
            auth=self.auth(config),
        )

    def make_fixture(self, workdir: Path) -> ConformanceFixture:
        fixture = super().make_fixture(workdir)
        if fixture.cleanup is not None:
            fixture.cleanup()
        api = _AnyAuthApi(fixture.config["token"])
        return attrs.evolve(
            fixture,
            config={**fixture.config, "base_url": api.url},
            change_data=api.change,
            cleanup=api.stop,
        )


class _BasicAuthHttp(_QueryKeyHttp):
    """The reference HTTP source sending its token as the password of HTTP Basic."""

    def auth(self, config: Any) -> httpx.Auth:
        return BasicAuth("reader", config.token, settings=("token",))


@pytest.mark.parametrize("plugin", [_QueryKeyHttp, _BasicAuthHttp], ids=["query_key", "basic"])
def test_hookline_http_passes_the_fault_and_secret_checks(
    plugin: type[Any], tmp_path: Path
) -> None:
    report = run_suite(
        connector_from_plugin(plugin()), workdir=tmp_path, checks=["faults", "secrets"]
    )
    assert {c.name: c.message for c in report.checks if c.status != "passed"} == {}
    followed = report.outcome("faults.redirect_credentials").message
    assert "a 302 was followed without credentials" in followed


# -- a connector that talks to a network must give the fault checks a way in -----------


class _NoUrlSetting(ReferenceHttp):
    """The reference HTTP source, its fixture without url_setting."""

    def make_fixture(self, workdir: Path) -> ConformanceFixture:
        return attrs.evolve(super().make_fixture(workdir), url_setting=None)


class _DeclaresHosts(Reference):
    """The files reference, declaring a network host it talks to."""

    @hookimpl
    def hookline_describe(self) -> ConnectorInfo:
        return attrs.evolve(super().hookline_describe(), hosts=("files.example.com",))


@pytest.mark.parametrize(
    ("plugin", "reason"),
    [
        (_NoUrlSetting, "its setting $.base_url holds a URL"),
        (_DeclaresHosts, "it declares the hosts files.example.com"),
    ],
    ids=["url_setting_missing", "hosts_declared"],
)
def test_a_network_connector_without_fault_evidence_does_not_reach_gold(
    plugin: type[Any], reason: str, tmp_path: Path
) -> None:
    report = suite_report(plugin(), tmp_path)
    assert report.failed == []
    for name in FAULT_CHECKS:
        outcome = report.outcome(name)
        assert outcome.status == "skipped" and outcome.applicable, name
        assert f"talks to a network service ({reason})" in outcome.message
    assert report.level == "silver"
    assert "gold needs faults." in report.held_back()


def test_a_local_connector_lists_the_fault_checks_as_not_applicable(tmp_path: Path) -> None:
    report = suite_report(Reference(), tmp_path)
    for name in FAULT_CHECKS:
        outcome = report.outcome(name)
        assert outcome.status == "skipped" and not outcome.applicable
        assert "talks to no network service" in outcome.message
    data = json.loads(report.to_json())
    listed = {c["name"] for c in data["checks"] if c.get("applicable") is False}
    assert listed >= FAULT_CHECKS


# -- the proxy's modes ------------------------------------------------------------------


def _upstream(request: Received) -> Reply:
    body = json.dumps({"data": [{"id": n} for n in range(40)], "path": request.path}).encode()
    return Reply(200, {"Content-Type": "application/json"}, body)


def test_a_redirect_points_at_the_other_origin_without_credential_parameters() -> None:
    with (
        HttpServer(_upstream) as upstream,
        FaultProxy(
            upstream.url,
            faults=[Fault.redirect(307, "http://localhost:9")],
            secrets=["s3cr3t-value-1"],
        ) as proxy,
    ):
        response = httpx.get(
            proxy.url + "/items?page=2&api_key=x&sig=s3cr3t-value-1&q=a%20b&other=s3cr3t-value-1"
        )
    assert response.status_code == 307
    assert response.headers["location"] == "http://localhost:9/items?page=2&q=a+b"
    assert proxy.seen[0].query[:2] == [("page", "2"), ("api_key", "x")]


def test_a_truncated_body_is_a_complete_message_with_half_the_body() -> None:
    with HttpServer(_upstream) as upstream, FaultProxy(upstream.url, [Fault.truncated()]) as proxy:
        cut = httpx.get(proxy.url + "/items")
        whole = httpx.get(proxy.url + "/items")
    assert cut.status_code == 200
    assert len(cut.content) == len(whole.content) // 2
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)
    assert [s.mode for s in proxy.seen] == ["truncated", ""]


def test_a_cut_body_ends_the_connection_before_its_announced_length() -> None:
    with HttpServer(_upstream) as upstream, FaultProxy(upstream.url, [Fault.cut()]) as proxy:
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(proxy.url + "/items")
        assert httpx.get(proxy.url + "/items").status_code == 200


@pytest.mark.parametrize("fault", [Fault.silent(30), Fault.stalled_body(30)])
def test_a_slow_answer_times_a_client_out_and_is_kept_as_seen(fault: Fault) -> None:
    with HttpServer(_upstream) as upstream, FaultProxy(upstream.url, [fault]) as proxy:
        started = time.monotonic()
        with pytest.raises(httpx.TimeoutException):
            httpx.get(proxy.url + "/items", timeout=0.5)
        assert time.monotonic() - started < 10
        assert [s.mode for s in proxy.seen] == [fault.mode]
    # leaving the proxy ends the stalled answer at once, not after 30 s
    assert time.monotonic() - started < 10


def test_a_dripped_answer_comes_a_byte_at_a_time() -> None:
    with (
        HttpServer(_upstream) as upstream,
        FaultProxy(upstream.url, [Fault.drip(30)]) as proxy,
        socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as connection,
    ):
        connection.sendall(b"GET /items HTTP/1.1\r\nHost: x\r\n\r\n")
        received = connection.recv(100)
        connection.settimeout(0.1)
        until = time.monotonic() + 1.0
        while time.monotonic() < until:
            with contextlib.suppress(TimeoutError):
                received += connection.recv(100)
    assert received.startswith(b"H")
    assert len(received) < 20, "at most a byte every 0.25 s"
    assert b"HTTP/1.1 200".startswith(received[:12])


def test_a_plan_chooses_the_fault_by_request_number() -> None:
    def plan(number: int, method: str, target: str) -> Fault | None:
        return Fault(503) if number % 2 else None

    with HttpServer(_upstream) as upstream, FaultProxy(upstream.url, plan=plan) as proxy:
        statuses = [httpx.get(proxy.url + f"/items?n={n}").status_code for n in range(4)]
    assert statuses == [200, 503, 200, 503]
    assert [s.number for s in proxy.seen] == [0, 1, 2, 3]
    assert all(s.headers.get("Host", "").startswith("127.0.0.1") for s in proxy.seen)
