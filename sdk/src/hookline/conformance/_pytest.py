"""The one-line conformance test for a connector's own test suite.

In the connector's tests::

    from hookline.conformance import conformance_tests

    test_conformance = conformance_tests("acmecrm")

pytest then runs one test per check (``test_conformance[read.records_conform]``, ...),
passing, failing or skipping as the check did. The suite runs once per session; the
``hookline_conformance`` fixture comes from hookline's pytest plugin (entry point
``pytest11``), and ``pytest --hookline-report=FILE`` also writes the JSON report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: The extra test that holds the report to its required level.
LEVEL_TEST = "level"


def conformance_tests(
    target: Any, *, config: str | None = None, level: str | None = None
) -> Callable[..., None]:
    """Return a pytest test function with one case per conformance check of ``target``.

    Args:
        target: what ``hookline test`` takes: an installed connector's id, a project
            directory, a Python file, or a plugin object.
        config: a config file to test against instead of the connector's fixture.
        level: also require this level (one more case, ``[level]``).
    """
    import pytest

    from hookline.conformance._suite import check_names

    names = check_names() + ([LEVEL_TEST] if level else [])

    @pytest.mark.parametrize("check_name", names)
    def test_conformance(check_name: str, hookline_conformance: Any) -> None:
        report = hookline_conformance.report(target, config=config, level=level)
        if check_name == LEVEL_TEST:
            if not report.passed:
                pytest.fail(
                    f"level {report.level}, {level} required: {report.held_back()}", pytrace=False
                )
            return
        outcome = report.outcome(check_name)
        if outcome.status == "skipped":
            pytest.skip(outcome.message)
        if outcome.status == "failed":
            pytest.fail(f"{check_name}: {outcome.message}", pytrace=False)

    test_conformance.__doc__ = f"The hookline conformance suite, one case per check, for {target}."
    test: Callable[..., None] = test_conformance
    return test
