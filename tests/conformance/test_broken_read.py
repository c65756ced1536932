"""Completeness, state, config values and the suite's own bounds, proven by broken connectors.

Each connector in :mod:`conformance.connectors.broken_read` has one defect that a suite
trusting the connector's own full read, one invalid config and unbounded reads let through
to gold. Each must fail the check named for it, in words pinned to the defect, and no
other check. The looping pagers must cost failed checks that say which limit stopped
them, with the report written and memory bounded.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conformance.connectors import broken_read
from conformance.connectors.reference import Reference
from conformance.connectors.reference_http import ReferenceHttp

from hookline.cli import main
from hookline.cli._test import DEFAULT_MAX_RECORDS, DEFAULT_SECONDS
from hookline.conformance import Limits, Report, run_suite
from hookline.host import connector_from_plugin

TESTS = Path(__file__).resolve().parents[1]

# (connector class, the check that must catch it, phrases its message must contain)
DEFECTS: list[tuple[type[Any], str, tuple[str, ...]]] = [
    (
        broken_read.RelativeProfileLinks,
        "read.records_conform",
        ("stream 'customers' record 0 (id=1): 'customers/1' is not a 'uri' at $.profile",),
    ),
    (
        broken_read.ClosedSchemaExtraField,
        "read.records_conform",
        (
            "stream 'orders' record 0 (id=101): Additional properties are not allowed ('_row' was "
            "unexpected)",
        ),
    ),
    (
        broken_read.TakesAnyBatchSize,
        "config.bad_values_rejected",
        (
            "$.batch_size = 0 (zero) was accepted, then reading stream 'customers' raised "
            "ValueError: range() arg 3 must not be zero",
            "$.batch_size = -1 (negative) was accepted, then a full read of stream "
            "'customers' returned 0 of the 12 records it reads otherwise",
        ),
    ),
    (
        broken_read.StateKeyError,
        "incremental.bad_state_rejected",
        ("given an empty state {}, the read raised KeyError: 'cursor' instead of a clear",),
    ),
    (
        broken_read.StateTypeError,
        "incremental.bad_state_rejected",
        (
            "given its state with 'cursor' set to 12345, the read raised TypeError",
            "given its state with 'position' set to \"not-a-number\", the read raised TypeError",
        ),
    ),
    (
        broken_read.FullReadHonoursState,
        "read.full_ignores_state",
        (
            "stream 'customers': a full read given the connector's own last state returned "
            "0 records (without a state: 12",
        ),
    ),
    (
        broken_read.ResumesByPosition,
        "incremental.changes_read",
        (
            "stream 'customers': the incremental read from the last state missed 3 of the 7 "
            "changed records",
            "a walk stopped after the first batch before the change, resumed after it, "
            "missed 1 record: (id=6)",
        ),
    ),
    (
        broken_read.DropsLastPage,
        "read.complete",
        (
            "stream 'products': a full read returned 10 of the 12 records the fixture holds "
            "(record_counts): the connector stops early",
        ),
    ),
    (
        broken_read.StopsAfterFirstPage,
        "read.complete",
        ("stream 'products': a full read returned 5 of the 12 records the fixture holds",),
    ),
]

_IDS = [connector.__name__ for connector, *_ in DEFECTS]

# Checks that must fail too, because the defect shows through the runner they use: its
# validator sends records outside a closed schema to the dead-letter file.
COLLATERAL = {"ClosedSchemaExtraField": {"read.selected_stream_only"}}


class _Reports:
    """The suite's report for each connector, run on first use (once per test process)."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.done: dict[str, Report] = {}

    def __call__(self, plugin: type[Any], **options: Any) -> Report:
        name = plugin.__name__
        if name not in self.done:
            workdir = self.factory.mktemp(name)
            self.done[name] = run_suite(connector_from_plugin(plugin()), workdir=workdir, **options)
        return self.done[name]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> _Reports:
    """Suite reports, each run once."""
    return _Reports(tmp_path_factory)


@pytest.mark.parametrize(("connector", "check", "phrases"), DEFECTS, ids=_IDS)
def test_defect_is_caught_by_its_check_and_no_other(
    reports: _Reports, connector: type[Any], check: str, phrases: tuple[str, ...]
) -> None:
    report = reports(connector)
    outcome = report.outcome(check)
    assert outcome.status == "failed", f"{check}: {outcome.status}: {outcome.message}"
    for phrase in phrases:
        assert phrase in outcome.message, outcome.message
    failed = {c.name: c.message for c in report.checks if c.status == "failed"}
    assert set(failed) == {check} | COLLATERAL.get(connector.__name__, set()), failed
    assert report.passed is False


def test_broken_read_connectors_are_all_tested() -> None:
    tested = {connector.__name__ for connector, *_ in DEFECTS}
    others = {"PagerLoopsForever", "AccumulatesForever", "UndeclaredFixture"}
    assert tested | others == set(broken_read.__all__)


@pytest.mark.parametrize("plugin", [Reference, ReferenceHttp], ids=["reference", "reference_http"])
def test_the_references_pass_the_new_checks(reports: _Reports, plugin: type[Any]) -> None:
    report = reports(plugin)
    for name in (
        "config.bad_values_rejected",
        "read.complete",
        "read.full_ignores_state",
        "incremental.bad_state_rejected",
        "incremental.changes_read",
    ):
        outcome = report.outcome(name)
        assert outcome.status == "passed", f"{name}: {outcome.message}"
    assert "changed records read exactly" in report.outcome("incremental.changes_read").message


# -- levels say what was proven ---------------------------------------------------------


def test_a_fixture_without_record_counts_or_change_data_holds_back_gold_only(
    reports: _Reports,
) -> None:
    report = reports(broken_read.UndeclaredFixture)
    assert report.failed == []
    for name, declaration in (
        ("read.complete", "record_counts"),
        ("incremental.changes_read", "change_data"),
    ):
        outcome = report.outcome(name)
        assert outcome.status == "skipped" and outcome.applicable, name
        assert f"the fixture declares no {declaration}" in outcome.message
    assert report.level == "silver", "bronze and silver are proven; gold needs the declarations"
    assert report.held_back() == "gold needs read.complete, incremental.changes_read"
    data = report.to_dict()
    for name in ("read.complete", "incremental.changes_read"):
        entry = next(c for c in data["checks"] if c["name"] == name)
        assert entry["holds_back"] == "gold" and entry["applicable"] is True
    listed = {item["name"] for item in data["not_applicable"]}
    faults = {c.name for c in report.checks if c.phase == "faults"}
    assert faults <= listed
    assert listed == {c.name for c in report.checks if c.status == "skipped" and not c.applicable}
    summary = report.summary()
    assert "Not applicable, so not proven:" in summary
    assert "  faults.timeout: talks to no network service" in summary


def test_a_good_report_lists_its_not_applicable_checks(reports: _Reports) -> None:
    report = reports(Reference)
    assert report.level == "gold"
    names = {item["name"] for item in report.to_dict()["not_applicable"]}
    assert {c.name for c in report.checks if c.phase == "faults"} <= names
    assert all(not report.outcome(name).applicable for name in names)
    assert report.to_dict()["limits"] == {"max_records": 50_000, "seconds": 120.0}


# -- the suite itself is bounded --------------------------------------------------------


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_a_pager_that_loops_fails_at_the_record_cap_and_the_report_is_written(
    tmp_path: Path,
) -> None:
    before, started = _peak_rss_mb(), time.monotonic()
    report = run_suite(
        connector_from_plugin(broken_read.PagerLoopsForever()),
        workdir=tmp_path,
        limits=Limits(max_records=200, seconds=20),
    )
    assert time.monotonic() - started < 300, "bounded"
    assert _peak_rss_mb() - before < 400, "memory stays bounded"
    outcome = report.outcome("read.records_conform")
    assert outcome.status == "failed"
    assert outcome.message.startswith(
        "stopped at the record cap: a read of stream 'customers' yielded more than 200 records"
    )
    failed = report.failed
    assert {"read.records_conform", "incremental.state_advances"} <= {c.name for c in failed}
    for item in failed:
        assert "record cap" in item.message, item
    data = json.loads(report.to_json())
    assert data["passed"] is False and data["limits"] == {"max_records": 200, "seconds": 20}
    assert [c["name"] for c in data["checks"]] == [c.name for c in report.checks]


def test_a_read_that_never_yields_is_stopped_at_the_time_limit(tmp_path: Path) -> None:
    started = time.monotonic()
    report = run_suite(
        connector_from_plugin(broken_read.AccumulatesForever()),
        workdir=tmp_path,
        checks=["read.records_conform", "read.complete"],
        limits=Limits(seconds=2),
    )
    assert time.monotonic() - started < 60, "bounded by the time limit and its grace"
    outcome = report.outcome("read.records_conform")
    assert outcome.status == "failed"
    assert outcome.message.startswith("stopped at the time limit of 2 s per check")
    later = report.outcome("read.complete")
    assert later.status == "skipped" and "(see read.records_conform)" in later.message


def _looping_target(directory: Path) -> Path:
    target = directory / "looping_pager.py"
    target.write_text(
        "from conformance.connectors.broken_read import PagerLoopsForever\n\n"
        "_plugin = PagerLoopsForever()\n"
        "for _name in dir(_plugin):\n"
        "    if _name.startswith('hookline_'):\n"
        "        globals()[_name] = getattr(_plugin, _name)\n",
        encoding="utf-8",
    )
    return target


def test_hookline_test_takes_the_limits_and_writes_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.json"
    code = main(
        [
            "test",
            str(_looping_target(tmp_path)),
            "--check",
            "read.records_conform",
            "--max-records",
            "150",
            "--time-limit",
            "30",
            "--report",
            str(report),
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL  read.records_conform" in out
    assert "yielded more than 150 records (--max-records)" in out
    data = json.loads(report.read_text())
    assert data["limits"] == {"max_records": 150, "seconds": 30.0}
    assert data["checks"][-1]["status"] == "failed"


def test_the_cli_defaults_are_the_suites() -> None:
    assert (Limits().max_records, Limits().seconds) == (DEFAULT_MAX_RECORDS, DEFAULT_SECONDS)


def test_the_pytest_plugin_takes_the_limits(tmp_path: Path) -> None:
    target = _looping_target(tmp_path)
    (tmp_path / "test_looping.py").write_text(
        "from hookline.conformance import conformance_tests\n\n"
        f"test_conformance = conformance_tests({str(target)!r})\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-k",
            "records_conform",
            "--hookline-max-records=120",
            "--hookline-time-limit=30",
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), str(tmp_path)])},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "test_conformance[read.records_conform]" in done.stdout
    assert "yielded more than 120 records (--max-records)" in done.stdout
