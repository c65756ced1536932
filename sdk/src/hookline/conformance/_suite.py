"""Running the suite: set up the fixture, run each check, collect the report."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hookline._loading import describe_exception
from hookline._markers import hookimpl
from hookline._version import __version__
from hookline.conformance._capture import Capture
from hookline.conformance._context import Precondition, SuiteContext
from hookline.conformance._fixture import ConformanceFixture
from hookline.conformance._limits import Guard, LimitReached, Limits, Worker
from hookline.conformance._registry import Check, CheckFailed, CheckSkipped, all_checks
from hookline.conformance._report import CheckOutcome, Report
from hookline.errors import UsageError
from hookline.host import Connector, Plugins, load_plugins
from hookline.models import ConfiguredStream

_SPY = "hookline-conformance-observer"


class _ReadObserver:
    """Notes which streams the host asks the connector to read, and bounds every call.

    Each read is counted against the running check's record cap as it yields, and every
    call into the connector notes its thread, so that a check past its time limit can be
    stopped where the connector's code runs (see :mod:`hookline.conformance._limits`).
    """

    def __init__(self, ctx: SuiteContext) -> None:
        self.ctx = ctx

    def _guarded(self) -> Any:
        guard = self.ctx.guard
        guard.tick()
        guard.enter()
        try:
            return (yield)
        finally:
            guard.leave()

    @hookimpl(wrapper=True)
    def hookline_read(self, stream: ConfiguredStream) -> Any:
        """Record the stream, then let the connector read it, within the check's limits."""
        self.ctx.read_calls.append(stream.name)
        batches = yield from self._guarded()
        if batches is None:
            return None
        return self.ctx.guard.bounded(stream.name, batches)

    @hookimpl(wrapper=True)
    def hookline_auth(self) -> Any:
        """Let the connector authenticate, within the check's time limit."""
        return (yield from self._guarded())

    @hookimpl(wrapper=True)
    def hookline_check(self) -> Any:
        """Let the connector check its connection, within the check's time limit."""
        return (yield from self._guarded())

    @hookimpl(wrapper=True)
    def hookline_discover(self) -> Any:
        """Let the connector discover, within the check's time limit."""
        return (yield from self._guarded())

    @hookimpl(wrapper=True)
    def hookline_write_start(self) -> Any:
        """Let the connector start a write, within the check's time limit."""
        return (yield from self._guarded())

    @hookimpl(wrapper=True)
    def hookline_write(self) -> Any:
        """Let the connector write a batch, within the check's time limit."""
        return (yield from self._guarded())

    @hookimpl(wrapper=True)
    def hookline_write_finish(self) -> Any:
        """Let the connector finish a write, within the check's time limit."""
        return (yield from self._guarded())


def check_names() -> list[str]:
    """The name of every check, in the order the suite runs them."""
    return [c.name for c in all_checks()]


def run_suite(
    connector: Connector,
    *,
    workdir: Path,
    config: dict[str, Any] | None = None,
    config_path: Path | None = None,
    checks: Sequence[str] = (),
    required_level: str | None = None,
    on_result: Callable[[CheckOutcome], None] | None = None,
    on_start: Callable[[int, int, Check], None] | None = None,
    plugins: Plugins | None = None,
    limits: Limits | None = None,
) -> Report:
    """Run the conformance suite against ``connector`` and return the report.

    Args:
        connector: the connector under test (``open_connector(id)`` or
            ``connector_from_plugin(obj)``).
        workdir: an empty directory for the fixture and the suite's own files.
        config: a config to test with instead of the fixture's (a mapping, as in a file).
        config_path: or a config file to test with (relative paths start at its folder).
            With either, the connector's fixture is not used.
        checks: run only these checks (names or phases); default all.
        required_level: the level :attr:`Report.passed` requires (default bronze).
        on_result: called with each check's outcome as soon as it is known.
        on_start: called before each check with its number (from 1), the number of
            checks selected and the check: for progress.
        plugins: the cross-cutting plugins that take part, as in a run (default: every
            installed, enabled one); their wrappers see every phase the suite drives.
        limits: the record cap of every read and the time limit of every check (default
            :class:`Limits`); a check that hits either fails saying so, and the suite goes
            on to the next one and the report.

    Raises:
        UsageError: an unknown check name, or both ``config`` and ``config_path``.
    """
    selected = _select(checks)
    limits = limits or Limits()
    workdir.mkdir(parents=True, exist_ok=True)
    report = Report(
        connector=connector.id,
        connector_version=connector.version,
        kind=connector.info.kind,
        hookline_version=__version__,
        complete=len(selected) == len(all_checks()),
        required_level=required_level,
        limits=limits.to_dict(),
    )
    report.with_fixture = config is None and config_path is None
    capture = Capture()
    plugins = load_plugins() if plugins is None else plugins
    connector.attach_plugins(plugins)
    with capture.active():
        ctx, fixture_error = _context(connector, workdir, config, config_path, capture)
        ctx.outcomes = report.checks
        ctx.plugins = plugins
        ctx.limits = limits
        observer = _ReadObserver(ctx)
        connector.attach(observer, _SPY)
        worker = Worker()
        try:
            for number, item in enumerate(selected, 1):
                if on_start is not None:
                    on_start(number, len(selected), item)
                outcome = _run_bounded(worker, ctx, item, fixture_error)
                report.checks.append(outcome)
                if on_result is not None:
                    on_result(outcome)
        finally:
            worker.close()
            connector.detach(observer)
            ctx.guard = Guard(limits)
            ctx.close()
            if ctx.fixture is not None and ctx.fixture.cleanup is not None:
                try:
                    ctx.fixture.cleanup()
                except Exception as exc:  # the report matters more than a stuck fake
                    ctx.note_error("fixture cleanup", exc)
    return report


def _select(names: Sequence[str]) -> list[Check]:
    everything = all_checks()
    if not names:
        return everything
    known = {c.name for c in everything} | {c.phase for c in everything}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(
            f"unknown check {', '.join(map(repr, unknown))}; `hookline test --list` names them"
        )
    return [c for c in everything if c.name in names or c.phase in names]


def _context(
    connector: Connector,
    workdir: Path,
    config: dict[str, Any] | None,
    config_path: Path | None,
    capture: Capture,
) -> tuple[SuiteContext, str | None]:
    from hookline.config import load_document

    if config is not None and config_path is not None:
        raise UsageError("give a config or a config file, not both")
    fixture: ConformanceFixture | None = None
    error = None
    origin, base_dir = "<fixture config>", workdir
    if config_path is not None:
        config = load_document(config_path)
        origin, base_dir = str(config_path), config_path.parent
    elif config is not None:
        origin = "<given config>"
    else:
        try:
            fixture = connector.conformance_fixture(workdir)
        except Exception as exc:
            error = f"hookline_conformance_fixture failed: {describe_exception(exc)}"
            capture.add("the fixture's error", str(exc))
        else:
            if fixture is not None and not isinstance(fixture, ConformanceFixture):
                error = (
                    "hookline_conformance_fixture returned "
                    f"{type(fixture).__name__}, not a ConformanceFixture"
                )
                fixture = None
            elif fixture is not None:
                config = fixture.config
    ctx = SuiteContext(connector, workdir, fixture, config, base_dir, origin, capture)
    return ctx, error


def _run_bounded(
    worker: Worker, ctx: SuiteContext, item: Check, fixture_error: str | None
) -> CheckOutcome:
    """Run one check in the worker within its limits; a limit hit fails it, saying so."""
    guard = ctx.guard = Guard(ctx.limits)
    started = time.monotonic()
    finished, outcome = worker.run(lambda: _run_check(ctx, item, fixture_error), guard)
    if guard.reason is None and finished and isinstance(outcome, CheckOutcome):
        return outcome
    reason = guard.reason or "the check stopped without an outcome"
    if not finished:
        reason += "; the check did not stop when interrupted and was abandoned"
    return CheckOutcome(
        name=item.name,
        phase=item.phase,
        level=item.level,
        doc=item.doc,
        status="failed",
        message=reason,
        seconds=time.monotonic() - started,
    )


def _run_check(ctx: SuiteContext, item: Check, fixture_error: str | None) -> CheckOutcome:
    started = time.monotonic()
    applicable = True
    holds_back = None
    try:
        if fixture_error is not None and item.phase != "describe":
            if item.name == "config.fixture_accepted":
                raise CheckFailed(fixture_error)
            raise CheckSkipped(
                "the conformance fixture failed (see config.fixture_accepted)", applicable=True
            )
        message = item.function(ctx) or "ok"
        status = "passed"
    except CheckFailed as exc:
        status, message = "failed", str(exc)
    except CheckSkipped as exc:
        status, message, applicable = "skipped", str(exc), exc.applicable
        holds_back = exc.holds_back
    except LimitReached as exc:
        status, message = "failed", str(exc)
    except Precondition as exc:
        status, message = "failed", str(exc)
    except Exception as exc:
        status = "failed"
        message = f"stopped by {ctx.note_error(item.name, exc)}"
    return CheckOutcome(
        name=item.name,
        phase=item.phase,
        level=item.level,
        doc=item.doc,
        status=status,
        message=" ".join(message.split()),
        seconds=time.monotonic() - started,
        applicable=applicable,
        holds_back=holds_back,
    )
