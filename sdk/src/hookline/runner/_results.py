"""What a run reports: counts per stream and the outcome."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import attrs

if TYPE_CHECKING:
    from hookline.models import ReadProgress


@attrs.define
class StreamResult:
    """The counts of one stream in one run (updated as batches go through).

    Attributes:
        name: the stream.
        status: ``running``, ``succeeded``, ``failed`` or ``interrupted``.
        read: records the source yielded.
        written: records the destination stored.
        failed: records set aside in the dead-letter store (schema, mapping, write).
        filtered: records a mapping filter dropped on purpose.
        seconds: how long the stream took.
        error: why it failed, in one line.
        progress: how far the read is, as the last batch said (``None``: the source cannot
            know its size).
    """

    name: str
    status: str = "running"
    read: int = 0
    written: int = 0
    failed: int = 0
    filtered: int = 0
    seconds: float = 0.0
    error: str | None = None
    progress: ReadProgress | None = None

    def counts(self) -> dict[str, int]:
        """The counts so far, as the run history keeps them."""
        return {
            "read": self.read,
            "written": self.written,
            "failed": self.failed,
            "filtered": self.filtered,
        }

    @property
    def records_per_second(self) -> float:
        """Records read per second of the stream's run."""
        return self.read / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Return the counts as JSON-compatible data."""
        return {
            "status": self.status,
            "read": self.read,
            "written": self.written,
            "failed": self.failed,
            "filtered": self.filtered,
            "seconds": round(self.seconds, 3),
            "records_per_second": round(self.records_per_second, 1),
            "error": self.error,
        }


@attrs.frozen
class RunResult:
    """The outcome of one pipeline run.

    Attributes:
        pipeline: the pipeline's name.
        run_id: the run's number in the pipeline's run history (1 for its first run).
        status: ``succeeded``, ``failed`` or ``interrupted``.
        streams: each stream's counts and, when it failed, why.
        seconds: how long the run took.
        dead_letter_dir: where set-aside records went.
        problem: why the run failed apart from any stream (its history could not be
            recorded, say), else ``None``.
    """

    pipeline: str
    run_id: int
    status: str
    streams: dict[str, StreamResult]
    seconds: float
    dead_letter_dir: str | None = None
    problem: str | None = None

    @property
    def failures(self) -> list[StreamResult]:
        """The streams that failed, in run order."""
        return [r for r in self.streams.values() if r.status == "failed"]

    @property
    def error(self) -> str | None:
        """Why the run failed, in one line (each failed stream, then the run's own problem)."""
        parts = [f"stream {r.name!r}: {r.error}" for r in self.failures]
        if self.problem:
            parts.append(self.problem)
        return "; ".join(parts) or None

    @property
    def ok(self) -> bool:
        """Whether the run succeeded."""
        return self.status == "succeeded"

    def to_dict(self) -> dict[str, Any]:
        """Return the run as JSON-compatible data (the ``--json`` output)."""
        return {
            "status": self.status,
            "pipeline": self.pipeline,
            "run_id": self.run_id,
            "seconds": round(self.seconds, 3),
            "streams": {name: result.to_dict() for name, result in self.streams.items()},
            "error": self.error,
            "dead_letter_dir": self.dead_letter_dir,
        }


class Progress(Protocol):
    """Receives progress as a run goes; the CLI shows it as bars or log lines.

    Methods are called from the streams' worker threads.
    """

    def stream_started(self, result: StreamResult) -> None:
        """A stream begins."""

    def batch_done(self, result: StreamResult) -> None:
        """A batch of the stream was delivered and its state committed."""

    def stream_finished(self, result: StreamResult) -> None:
        """A stream ended (``result.status`` says how)."""


class NoProgress:
    """Shows nothing."""

    def stream_started(self, result: StreamResult) -> None:
        """Ignore."""

    def batch_done(self, result: StreamResult) -> None:
        """Ignore."""

    def stream_finished(self, result: StreamResult) -> None:
        """Ignore."""
