"""hookline's pytest plugin (entry point ``pytest11``): runs the conformance suite once.

It provides the session fixture ``hookline_conformance`` that
:func:`hookline.conformance.conformance_tests` uses, and the option
``--hookline-report=FILE`` to write the JSON report of every connector tested;
``--hookline-max-records=N`` and ``--hookline-time-limit=SECONDS`` bound every check as
``hookline test`` does. It imports nothing from hookline until a conformance test runs, so
it costs other projects nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

__all__ = ["SuiteRuns", "hookline_conformance", "pytest_addoption"]


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--hookline-report``, ``--hookline-max-records`` and ``--hookline-time-limit``."""
    group = parser.getgroup("hookline")
    group.addoption(
        "--hookline-report",
        metavar="FILE",
        default=None,
        help="write the JSON report of the hookline conformance suite to FILE",
    )
    group.addoption(
        "--hookline-max-records",
        metavar="N",
        type=int,
        default=None,
        help="stop any read of the conformance suite past N records (its check fails)",
    )
    group.addoption(
        "--hookline-time-limit",
        metavar="SECONDS",
        type=float,
        default=None,
        help="stop any check of the conformance suite that runs longer (it fails)",
    )


class SuiteRuns:
    """The suite's reports in this pytest session, one per connector and config."""

    def __init__(
        self, factory: pytest.TempPathFactory, limits: dict[str, Any] | None = None
    ) -> None:
        self._factory = factory
        #: The record cap and time limit given on the command line (``Limits`` fields).
        self.limits = limits or {}
        self._reports: dict[tuple[str, str | None, str | None], Any] = {}

    def report(self, target: Any, *, config: str | None = None, level: str | None = None) -> Any:
        """Return the report for ``target``, running the suite on first use."""
        key = (repr(target), config, level)
        if key not in self._reports:
            from hookline.conformance._limits import Limits
            from hookline.conformance._suite import run_suite
            from hookline.conformance._target import load_target

            connector = load_target(target)
            workdir = self._factory.mktemp(f"conformance-{connector.id}")
            self._reports[key] = run_suite(
                connector,
                workdir=workdir,
                config_path=Path(config) if config else None,
                required_level=level,
                limits=Limits(**self.limits),
            )
        return self._reports[key]

    def write(self, path: Path) -> None:
        """Write every report as JSON (one object, or a list when several ran)."""
        reports = [r.to_dict() for r in self._reports.values()]
        if reports:
            data = reports[0] if len(reports) == 1 else reports
            path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


@pytest.fixture(scope="session")
def hookline_conformance(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Any:
    """The session's conformance runs (see :class:`SuiteRuns`)."""
    limits = {
        name: value
        for name, option in (
            ("max_records", "--hookline-max-records"),
            ("seconds", "--hookline-time-limit"),
        )
        if (value := request.config.getoption(option)) is not None
    }
    runs = SuiteRuns(tmp_path_factory, limits)
    yield runs
    target = request.config.getoption("--hookline-report")
    if target:
        runs.write(Path(target))
