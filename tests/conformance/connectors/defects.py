"""How a broken connector's test holds its defect to one check (and the collateral named)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hookline.conformance import Report, run_suite
from hookline.host import connector_from_plugin


def suite_report(plugin: Any, workdir: Path) -> Report:
    """Run the whole suite against the connector made from ``plugin``."""
    return run_suite(connector_from_plugin(plugin), workdir=workdir)


def assert_caught_by_its_check_only(
    report: Report, check: str, phrase: str, collateral: tuple[str, ...] = ()
) -> None:
    """``check`` failed saying ``phrase``; no other check failed but ``collateral``, which did.

    Collateral checks are the ones the same defect honestly breaks too (a raw HTTP client
    mishandles more than one fault); each must still fail, so the list cannot go stale.
    """
    outcome = report.outcome(check)
    assert outcome.status == "failed", f"{check}: {outcome.status}: {outcome.message}"
    assert phrase in outcome.message, outcome.message
    failed = {c.name: c.message for c in report.checks if c.status == "failed"}
    unrelated = {name: msg for name, msg in failed.items() if name not in (check, *collateral)}
    assert unrelated == {}
    for name in collateral:
        assert report.outcome(name).status == "failed", f"{name} is no longer affected"
    assert report.passed is False
    assert report.level != "gold"
