"""Progress over a counted number of steps (the checks of `hookline test`, the stages of
`registry validate`): a bar with the step, percent and time left on a terminal, numbered
lines elsewhere."""

from __future__ import annotations

import sys
from typing import Any

import click


class StepProgress:
    """Say which step of how many is running.

    On a terminal (stderr a tty, ``bar=True``), a live bar on stderr: ``step/total``,
    percent, elapsed time, time left and the step's name. Elsewhere nothing is drawn:
    :meth:`label` gives the ``[ 3/45]`` prefix a caller puts on its own lines.
    """

    def __init__(self, total: int, *, what: str, bar: bool | None = None) -> None:
        self.total = total
        self.done = 0
        self._what = what
        self._bar = sys.stderr.isatty() if bar is None else bar
        self._progress: Any = None
        self._task: Any = None
        self._out: Any = None
        self._err: Any = None

    def __enter__(self) -> StepProgress:
        if self._bar:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn(f"[bold]{self._what}"),
                BarColumn(),
                MofNCompleteColumn(),
                TaskProgressColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                TextColumn("{task.fields[step]}"),
                # The terminal itself, not whatever sys.stderr is later (the suite tees it).
                console=Console(file=sys.stderr),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(self._what, total=self.total or None, step="")
        # The streams of now (rich's proxies while the bar shows), kept for lines written
        # while something else (the suite's capture of a connector's output) holds sys.stdout.
        self._out, self._err = sys.stdout, sys.stderr
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def begin(self, step: str, *, total: int | None = None) -> None:
        """A step starts (``total`` corrects the count when more steps became known)."""
        if total is not None:
            self.total = total
        if self._progress is not None:
            self._progress.update(self._task, total=self.total, step=step)

    def finish(self) -> None:
        """The current step is done."""
        self.done += 1
        if self._progress is not None:
            self._progress.update(self._task, completed=self.done)

    def label(self) -> str:
        """``[ 3/45]``: the running step's number of the total, width-aligned."""
        width = len(str(self.total))
        return f"[{self.done + 1:>{width}}/{self.total}]"

    def echo(self, line: str, *, err: bool = False) -> None:
        """Write a line above the bar (or plainly, without one)."""
        stream = self._err if err else self._out
        click.echo(line, file=stream, err=err)
