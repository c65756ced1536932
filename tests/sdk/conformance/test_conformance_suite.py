"""The suite's machinery: the fixture hook, levels, the report's forms, the fault proxy."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest

from hookline import ConnectorInfo, hookimpl
from hookline.conformance import (
    LEVELS,
    SUITE_VERSION,
    CheckOutcome,
    ConformanceFixture,
    Report,
    check_names,
    merged,
    run_suite,
)
from hookline.conformance._proxy import Fault, FaultProxy
from hookline.conformance._registry import all_checks
from hookline.conformance._target import load_target
from hookline.errors import UsageError
from hookline.host import connector_from_plugin
from support.http_server import HttpServer, Received, Reply

HERE = Path(__file__).parent
TINY = HERE / "tiny_source.py"


class _Described:
    @hookimpl
    def hookline_describe(self) -> ConnectorInfo:
        return ConnectorInfo(id="plain", version="1", kind="destination", capabilities="write")

    @hookimpl
    def hookline_write(self, config: object, connection: object, stream: object, batch: object):  # type: ignore[no-untyped-def]
        raise NotImplementedError


class _WithFixture(_Described):
    def __init__(self) -> None:
        self.cleanups = 0
        self.workdirs: list[Path] = []

    @hookimpl
    def hookline_conformance_fixture(self, workdir: Path) -> ConformanceFixture:
        self.workdirs.append(workdir)
        return ConformanceFixture(config={}, cleanup=self._cleanup)

    def _cleanup(self) -> None:
        self.cleanups += 1


def test_hook_conformance_fixture(tmp_path: Path) -> None:
    plugin = _WithFixture()
    connector = connector_from_plugin(plugin)
    fixture = connector.conformance_fixture(tmp_path)
    assert isinstance(fixture, ConformanceFixture)
    assert plugin.workdirs == [tmp_path]
    assert connector_from_plugin(_Described()).conformance_fixture(tmp_path) is None

    report = run_suite(connector_from_plugin(plugin), workdir=tmp_path / "run")
    assert report.outcome("config.fixture_accepted").status == "passed"
    assert plugin.cleanups == 1, "the suite calls the fixture's cleanup once"


def test_without_fixture_only_describe_runs_and_no_level(tmp_path: Path) -> None:
    report = run_suite(connector_from_plugin(_Described()), workdir=tmp_path)
    assert {c.status for c in report.checks if c.phase == "describe"} == {"passed"}
    accepted = report.outcome("config.fixture_accepted")
    assert accepted.status == "skipped" and accepted.applicable
    assert "no conformance fixture" in accepted.message
    assert report.level == "none"
    assert report.passed is False


def test_a_fixture_that_raises_fails_config_fixture_accepted(tmp_path: Path) -> None:
    class Broken(_Described):
        @hookimpl
        def hookline_conformance_fixture(self, workdir: Path) -> ConformanceFixture:
            raise RuntimeError("no room for sample data")

    report = run_suite(connector_from_plugin(Broken()), workdir=tmp_path)
    failed = report.outcome("config.fixture_accepted")
    assert failed.status == "failed"
    assert "no room for sample data" in failed.message
    assert report.outcome("check.passes").message.startswith("the conformance fixture failed")


def test_tiny_source_reaches_gold_with_write_and_faults_not_applicable(tmp_path: Path) -> None:
    report = run_suite(load_target(TINY), workdir=tmp_path)
    assert report.failed == []
    assert report.level == "gold"
    skipped = {c.name: c for c in report.checks if c.status == "skipped"}
    # a source that talks to no network: every write and fault check is not applicable
    assert set(skipped) == {c.name for c in all_checks() if c.phase in ("write", "faults")}
    assert len(skipped) >= 11
    assert not any(c.applicable for c in skipped.values())
    assert [c.name for c in report.checks] == check_names()


def test_selecting_checks_by_name_and_phase(tmp_path: Path) -> None:
    report = run_suite(
        load_target(TINY), workdir=tmp_path, checks=["describe", "read.records_conform"]
    )
    names = [c.name for c in report.checks]
    assert names == [c.name for c in all_checks() if c.phase == "describe"] + [
        "read.records_conform"
    ]
    assert report.passed, "a selection passes when nothing failed"
    with pytest.raises(UsageError, match="unknown check 'read.everything'"):
        run_suite(load_target(TINY), workdir=tmp_path / "x", checks=["read.everything"])


def _outcome(name: str, status: str, applicable: bool = True) -> CheckOutcome:
    check = next(c for c in all_checks() if c.name == name)
    return CheckOutcome(name, check.phase, check.level, check.doc, status, "", 0.0, applicable)


@pytest.mark.parametrize(
    ("changed", "status", "applicable", "level"),
    [
        (None, "passed", True, "gold"),
        ("write.round_trip", "skipped", False, "gold"),
        ("write.round_trip", "skipped", True, "silver"),
        ("faults.auth_error", "failed", True, "silver"),
        ("secrets.no_leak", "failed", True, "bronze"),
        ("incremental.resume_exact", "skipped", True, "bronze"),
        ("read.records_conform", "failed", True, "none"),
        ("describe.identity", "skipped", True, "none"),
    ],
)
def test_level_follows_from_the_evidence(
    changed: str | None, status: str, applicable: bool, level: str
) -> None:
    report = Report(connector="x", connector_version="1", kind="both", hookline_version="0")
    for name in check_names():
        if name == changed:
            report.checks.append(_outcome(name, status, applicable))
        else:
            report.checks.append(_outcome(name, "passed"))
    assert report.level == level
    assert report.passed is (status != "failed" and level != "none")


def test_a_required_level_decides_passed() -> None:
    report = Report("x", "1", "both", "0", required_level="gold")
    report.checks = [_outcome(n, "passed") for n in check_names()]
    report.checks[-3] = _outcome(report.checks[-3].name, "skipped", True)  # a faults check
    assert report.level == "silver"
    assert report.failed == []
    assert report.passed is False
    assert "gold needs faults" in report.held_back()


def test_report_json_and_junit_forms(tmp_path: Path) -> None:
    report = run_suite(load_target(TINY), workdir=tmp_path)
    data = json.loads(report.to_json())
    assert data["connector"] == "tiny" and data["connector_version"] == "0.0.1"
    assert data["hookline_version"] and data["suite_version"] == SUITE_VERSION == "2"
    assert data["level"] == "gold" and data["passed"] is True
    assert [c["name"] for c in data["checks"]] == check_names()
    for item in data["checks"]:
        assert item["status"] in ("passed", "failed", "skipped")
        assert isinstance(item["seconds"], float) and item["message"]
    assert {c["applicable"] for c in data["checks"] if c["status"] == "skipped"} == {False}
    assert report.digest().startswith("sha256:") and len(report.digest()) == 71

    tree = ElementTree.fromstring(report.to_junit())
    suite = tree.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == check_names()
    assert suite.get("tests") == str(len(cases))
    # the write checks and the fault checks do not apply to a local source
    skipped = len([c for c in all_checks() if c.phase in ("write", "faults")])
    assert suite.get("skipped") == str(skipped) and suite.get("failures") == "0"
    assert len(suite.findall("testcase/skipped")) == skipped


def test_levels_are_ordered() -> None:
    assert LEVELS == ("bronze", "silver", "gold")
    phases = [c.phase for c in all_checks()]
    assert phases.index("secrets") > phases.index("faults"), "secrets looks at everything"


def test_merged_merges_nested_settings() -> None:
    base = {"auth": {"kind": "bearer", "token": "a"}, "url": "u"}
    assert merged(base, {"auth": {"token": "b"}}) == {
        "auth": {"kind": "bearer", "token": "b"},
        "url": "u",
    }
    assert base["auth"]["token"] == "a"


def test_fault_proxy_scripts_faults_then_passes_through() -> None:
    def handler(request: Received) -> Reply:
        body = json.dumps({"path": request.path}).encode()
        return Reply(200, {"Content-Type": "application/json"}, body)

    with (
        HttpServer(handler) as upstream,
        FaultProxy(upstream.url + "/api", faults=[Fault(429, {"Retry-After": "1"})]) as proxy,
    ):
        url = proxy.rewrite(upstream.url + "/api/items?page=2")
        assert url.startswith(proxy.url + "/api/items")
        first = httpx.get(url)
        assert first.status_code == 429 and first.headers["Retry-After"] == "1"
        second = httpx.get(url)
        assert second.status_code == 200 and second.json() == {"path": "/api/items"}
        assert upstream.requests[0].query == {"page": ["2"]}
        assert [s.status for s in proxy.seen] == [429, 200]
        assert [s.fault for s in proxy.seen] == [True, False]


def test_fault_proxy_always_answers_the_fault() -> None:
    with FaultProxy("http://127.0.0.1:9", always=Fault(401)) as proxy:
        for _ in range(2):
            with pytest.raises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(proxy.url + "/x")
            assert caught.value.code == 401
    assert len(proxy.seen) == 2
