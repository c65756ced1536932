"""``hookline test``: run the conformance suite against one connector."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import click

from hookline.cli._output import echo_json, redact

_LEVELS = ("bronze", "silver", "gold")
# The suite's own defaults (hookline.conformance._limits), repeated here so that the CLI
# starts without importing the suite; a test holds them equal.
DEFAULT_MAX_RECORDS = 50_000
DEFAULT_SECONDS = 120.0


@click.command()
@click.argument("target", metavar="ID|PATH", required=False)
@click.option(
    "--config",
    "-c",
    "config_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Test against this config instead of the connector's conformance fixture.",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the JSON report to this file.",
)
@click.option(
    "--junit",
    "junit_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the results as JUnit XML to this file.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report instead of a summary.")
@click.option(
    "--level",
    type=click.Choice(_LEVELS),
    help="Exit 1 unless the connector reaches this level (default: bronze).",
)
@click.option(
    "--check",
    "checks",
    multiple=True,
    metavar="NAME",
    help="Run only this check or phase (repeatable), such as read or write.round_trip.",
)
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the fixture's and the suite's files here (default: a temporary directory).",
)
@click.option(
    "--max-records",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_RECORDS,
    show_default=True,
    metavar="N",
    help="Stop any read past N records; the check it ran in fails, saying so.",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_SECONDS,
    show_default=True,
    metavar="SECONDS",
    help="Stop any check that runs longer; it fails, saying so, and the suite goes on.",
)
@click.option("--list", "list_checks", is_flag=True, help="List the checks and exit.")
def test(
    target: str | None,
    config_path: Path | None,
    report_path: Path | None,
    junit_path: Path | None,
    as_json: bool,
    level: str | None,
    checks: tuple[str, ...],
    workdir: Path | None,
    max_records: int,
    time_limit: float,
    list_checks: bool,
) -> None:
    """Run the conformance suite against a connector and report its level.

    ID is an installed connector; PATH is a connector project's directory (tested from
    its source tree) or a Python file with the hooks. The suite runs offline against the
    connector's conformance fixture unless --config is given. Exit 0 when no check failed
    and the level is reached, 1 otherwise, 2 on bad input. Every check is bounded
    (--max-records, --time-limit), so the report is written even for a connector whose
    reads never end.
    """
    from hookline.conformance._registry import all_checks

    if list_checks:
        for item in all_checks():
            click.echo(f"{item.name.ljust(36)} {item.level.ljust(6)}  {item.doc}")
        return
    if target is None:
        raise click.UsageError("give a connector id or a connector project's path")
    from hookline.conformance._limits import Limits
    from hookline.conformance._report import CheckOutcome, format_outcome
    from hookline.conformance._suite import run_suite
    from hookline.conformance._target import load_target

    connector = load_target(target)

    from hookline.cli._steps import StepProgress
    from hookline.conformance._registry import Check

    steps = StepProgress(0, what="checks", bar=False if as_json else None)

    def start(number: int, total: int, check: Check) -> None:
        steps.begin(check.name, total=total)

    def show(outcome: CheckOutcome) -> None:
        if not as_json:
            steps.echo(f"{steps.label()} " + redact(format_outcome(outcome)).lstrip())
        steps.finish()

    if not as_json:
        click.echo(f"Testing {connector.id} {connector.version} ({connector.info.kind})")
    scratch = workdir is None
    directory = workdir or Path(tempfile.mkdtemp(prefix=f"hookline-test-{connector.id}-"))
    try:
        with steps:
            report = run_suite(
                connector,
                workdir=directory,
                config_path=config_path,
                checks=checks,
                required_level=level,
                on_result=show,
                on_start=start,
                limits=Limits(max_records=max_records, seconds=time_limit),
            )
    finally:
        if scratch:
            shutil.rmtree(directory, ignore_errors=True)
    if report_path is not None:
        report_path.write_text(redact(report.to_json()), encoding="utf-8")
    if junit_path is not None:
        junit_path.write_text(redact(report.to_junit()), encoding="utf-8")
    if as_json:
        echo_json(report.to_dict())
    else:
        counts = report.counts()
        click.echo(
            f"\nLevel: {report.level}    {counts['passed']} passed, {counts['failed']} failed, "
            f"{counts['skipped']} skipped"
        )
        held_back = report.held_back()
        if held_back:
            click.echo(f"Next level held back by: {held_back}")
        for line in report.write_modes_lines():
            click.echo(line)
        for line in report.not_applicable_lines():
            click.echo(redact(line))
        if level and not report.passed and not report.failed:
            click.echo(f"{level} was required")
    if not report.passed:
        raise click.exceptions.Exit(1)
