"""Showing a run's progress: live bars on a terminal, plain log lines elsewhere."""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

import click

from hookline.runner import StreamResult

_LOG_EVERY = 10.0  # seconds between progress lines when not on a terminal


class LineProgress:
    """One line per stream start and end, and a progress line every few seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}

    def stream_started(self, result: StreamResult) -> None:
        """Say a stream began."""
        self._last[result.name] = time.monotonic()
        self._say(f"{result.name}: started")

    def batch_done(self, result: StreamResult) -> None:
        """Say how far a stream is, at most every few seconds."""
        now = time.monotonic()
        if now - self._last.get(result.name, 0.0) >= _LOG_EVERY:
            self._last[result.name] = now
            self._say(f"{result.name}: {_counts(result)}")

    def stream_finished(self, result: StreamResult) -> None:
        """Say how a stream ended."""
        end = f"{result.status} in {result.seconds:.1f}s"
        if result.error:
            end += f": {result.error}"
        self._say(f"{result.name}: {_counts(result)}; {end}")

    def _say(self, line: str) -> None:
        from hookline.cli._output import redact

        with self._lock:
            click.echo(redact(line), err=True)


class JsonLineProgress(LineProgress):
    """:class:`LineProgress` as JSON lines (``--log-format json``), with the counts as fields."""

    def stream_started(self, result: StreamResult) -> None:
        """Say a stream began."""
        self._last[result.name] = time.monotonic()
        self._emit(result, "started")

    def batch_done(self, result: StreamResult) -> None:
        """Say how far a stream is, at most every few seconds."""
        now = time.monotonic()
        if now - self._last.get(result.name, 0.0) >= _LOG_EVERY:
            self._last[result.name] = now
            self._emit(result, _counts(result))

    def stream_finished(self, result: StreamResult) -> None:
        """Say how a stream ended."""
        end = f"{result.status} in {result.seconds:.1f}s"
        if result.error:
            end += f": {result.error}"
        self._emit(result, f"{_counts(result)}; {end}", status=result.status)

    def _emit(self, result: StreamResult, message: str, **more: Any) -> None:
        from hookline._logging import json_line

        fields = {
            "stream": result.name,
            "read": result.read,
            "written": result.written,
            "failed": result.failed,
            **more,
        }
        with self._lock:
            click.echo(json_line("info", "hookline.progress", message, **fields), err=True)


class BarProgress:
    """Live progress bars (rich), one per stream, on the terminal's stderr."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> BarProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def stream_started(self, result: StreamResult) -> None:
        """Add a bar for the stream."""
        self._tasks[result.name] = self._progress.add_task(
            result.name, total=None, counts="starting"
        )

    def batch_done(self, result: StreamResult) -> None:
        """Update the stream's counts."""
        self._progress.update(self._tasks[result.name], counts=_counts(result))

    def stream_finished(self, result: StreamResult) -> None:
        """Mark the stream done."""
        mark = "done" if result.status == "succeeded" else result.status.upper()
        self._progress.update(
            self._tasks[result.name], counts=f"{_counts(result)}  {mark}", total=1, completed=1
        )


def _counts(result: StreamResult) -> str:
    text = f"{result.read:,} read, {result.written:,} written, {result.failed:,} failed"
    if result.filtered:
        text += f", {result.filtered:,} filtered"
    return text


def choose_progress(quiet: bool) -> Any:
    """Bars on a terminal, lines otherwise (JSON lines with ``--log-format json``), nothing
    when ``quiet``."""
    from hookline.cli import _main
    from hookline.runner import NoProgress

    if quiet:
        return NoProgress()
    if _main.log_format == "json":
        return JsonLineProgress()
    if sys.stderr.isatty():
        return BarProgress()
    return LineProgress()
