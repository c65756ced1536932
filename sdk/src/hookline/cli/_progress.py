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
        self._say(result, "started")

    def batch_done(self, result: StreamResult) -> None:
        """Say how far a stream is, at most every few seconds."""
        now = time.monotonic()
        if now - self._last.get(result.name, 0.0) >= _LOG_EVERY:
            self._last[result.name] = now
            self._say(result, _counts(result), share=_share(result))

    def stream_finished(self, result: StreamResult) -> None:
        """Say how a stream ended."""
        end = f"{result.status} in {result.seconds:.1f}s"
        if result.error:
            end += f": {result.error}"
        self._say(result, f"{_counts(result)}; {end}", status=result.status)

    def _say(self, result: StreamResult, message: str, share: str = "", **more: Any) -> None:
        """Write one line about ``result``'s stream: ``name: message`` and the share read."""
        from hookline.cli._output import redact

        with self._lock:
            click.echo(redact(f"{result.name}: {message}{share}"), err=True)


class JsonLineProgress(LineProgress):
    """:class:`LineProgress` as JSON lines (``--log-format json``), with the counts as fields."""

    def _say(self, result: StreamResult, message: str, share: str = "", **more: Any) -> None:
        """Write one JSON line: ``message``, the counts and ``more`` as fields (the share
        read as ``progress``, in figures)."""
        from hookline._logging import json_line

        fields: dict[str, Any] = {
            "stream": result.name,
            "read": result.read,
            "written": result.written,
            "failed": result.failed,
            **more,
        }
        if result.progress is not None:
            fields["progress"] = {
                "done": result.progress.done,
                "total": result.progress.total,
                "unit": result.progress.unit,
            }
        with self._lock:
            click.echo(json_line("info", "hookline.progress", message, **fields), err=True)


class BarProgress:
    """Live progress bars (rich), one per stream, on the terminal's stderr."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
            TextColumn("{task.fields[left]}"),
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
            result.name, total=None, counts="starting", left=""
        )

    def batch_done(self, result: StreamResult) -> None:
        """Update the stream's counts, and its bar when the source knows its size."""
        task = self._tasks[result.name]
        known = result.progress
        if known is None:
            self._progress.update(task, counts=_counts(result))
            return
        self._progress.update(
            task,
            total=max(known.total, 1),
            completed=known.done,
            counts=_counts(result),
            left=_time_left(self._progress.tasks[task].elapsed, known.done, known.total),
        )

    def stream_finished(self, result: StreamResult) -> None:
        """Mark the stream done."""
        mark = "done" if result.status == "succeeded" else result.status.upper()
        task = self._tasks[result.name]
        known = result.progress
        total, done = (1, 1) if known is None else (max(known.total, 1), known.done)
        if result.status == "succeeded":
            done = total
        self._progress.update(
            task, counts=f"{_counts(result)}  {mark}", total=total, completed=done, left=""
        )


def _counts(result: StreamResult) -> str:
    text = f"{result.read:,} read, {result.written:,} written, {result.failed:,} failed"
    if result.filtered:
        text += f", {result.filtered:,} filtered"
    return text


def _share(result: StreamResult) -> str:
    """`` (42% of 1.2 MB)`` when the source knows its size, else nothing."""
    known = result.progress
    if known is None or known.total <= 0:
        return ""
    percent = min(100, known.done * 100 // known.total)
    return f" ({percent}% of {_amount(known.total, known.unit)})"


def _amount(count: int, unit: str) -> str:
    if unit != "bytes":
        return f"{count:,} {unit}"
    size = float(count)
    for name in ("bytes", "kB", "MB", "GB"):
        if size < 1000 or name == "GB":
            return f"{size:,.0f} {name}" if name == "bytes" else f"{size:,.1f} {name}"
        size /= 1000
    raise AssertionError("unreachable")


def _time_left(elapsed: float | None, done: int, total: int) -> str:
    """``about 12 s left`` from the rate so far; nothing before there is a rate."""
    if not elapsed or done <= 0 or total <= done:
        return ""
    seconds = elapsed * (total - done) / done
    return f"about {seconds:,.0f} s left"


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
