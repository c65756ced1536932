"""The suite's own bounds: every check has a record cap and a time limit.

A connector whose pager never ends must cost the suite one failed check, not the run:

* **Record cap.** Every read of the connector under test (direct, or through the runner)
  is counted as it yields; a read that passes :attr:`Limits.max_records` is stopped with
  :class:`LimitReached`, and the check it ran in fails saying so.
* **Time limit.** Each check runs in the suite's worker thread. When it runs past
  :attr:`Limits.seconds`, the suite raises :class:`LimitReached` inside the threads that run
  the connector's code for it (and then inside the check itself), again and again for a
  short grace period; a check that still does not stop is abandoned. Either way the check
  fails with the reason and the suite goes on to the next check and the report.

The check's outcome is decided by the :class:`Guard`: once a limit was hit, the check
failed with that reason, whatever the check made of the exception.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from hookline.models import Batch

#: Records one read may yield before it is stopped.
DEFAULT_MAX_RECORDS = 50_000
#: Seconds one check may run.
DEFAULT_SECONDS = 120.0
#: How long a check that ran out of time is given to stop before it is abandoned.
GRACE_SECONDS = 5.0
# How often a stopped check is interrupted again while it does not stop.
_NUDGE_SECONDS = 0.2


def _positive(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(f"{attribute.name} must be a positive number, not {value!r}")


@attrs.frozen
class Limits:
    """The bounds of every check: records per read and seconds per check."""

    max_records: int = attrs.field(default=DEFAULT_MAX_RECORDS, validator=_positive)
    seconds: float = attrs.field(default=DEFAULT_SECONDS, validator=_positive)

    def to_dict(self) -> dict[str, Any]:
        """The limits as JSON data (they are part of the report)."""
        return {"max_records": self.max_records, "seconds": self.seconds}


class LimitReached(Exception):
    """A check passed its record cap or its time limit; the message says which."""

    def __init__(self, message: str = "stopped: the check ran past its time limit") -> None:
        super().__init__(message)


class Guard:
    """One check's budget: its deadline, the threads running it, and what stopped it."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.seconds
        #: Why the check was stopped (the first limit hit), or ``None``.
        self.reason: str | None = None
        self._lock = threading.Lock()
        self._threads: dict[int, int] = {}  # thread id -> nesting depth of connector calls

    def trip(self, reason: str) -> str:
        """Record that a limit was hit (the first reason wins); return the reason."""
        with self._lock:
            if self.reason is None:
                self.reason = reason
            return self.reason

    def time_left(self) -> float:
        """Seconds until the deadline (negative once it passed)."""
        return self.deadline - time.monotonic()

    def tick(self) -> None:
        """Raise :class:`LimitReached` once the check ran out of time (or was stopped)."""
        if self.reason is not None:
            raise LimitReached(self.reason)
        if self.time_left() < 0:
            raise LimitReached(self.trip(self.timeout_reason()))

    def timeout_reason(self) -> str:
        """The failure message of a check that ran past its time limit."""
        return (
            f"stopped at the time limit of {self.limits.seconds:g} s per check (--time-limit): "
            "the connector did not finish (a pager that never ends, a wait without a timeout?)"
        )

    def cap_reason(self, stream: str) -> str:
        """The failure message of a read that passed the record cap."""
        return (
            f"stopped at the record cap: a read of stream {stream!r} yielded more than "
            f"{self.limits.max_records} records (--max-records): the connector does not "
            "stop reading (a pager that loops?)"
        )

    # -- the threads that run connector code for this check ---------------------------

    def enter(self) -> None:
        """Note that the current thread runs the connector's code for this check."""
        ident = threading.get_ident()
        with self._lock:
            self._threads[ident] = self._threads.get(ident, 0) + 1

    def leave(self) -> None:
        """Undo one :meth:`enter` of the current thread."""
        ident = threading.get_ident()
        with self._lock:
            depth = self._threads.get(ident, 0) - 1
            if depth > 0:
                self._threads[ident] = depth
            else:
                self._threads.pop(ident, None)

    def connector_threads(self) -> list[int]:
        """The threads running the connector's code for this check right now."""
        with self._lock:
            return list(self._threads)

    def bounded(self, stream: str, batches: Iterable[Batch]) -> Iterator[Batch]:
        """Yield ``batches``, stopping the read at the record cap or the deadline."""
        iterator = iter(batches)
        count = 0
        while True:
            self.tick()
            self.enter()
            try:
                batch = next(iterator)
            except StopIteration:
                return
            finally:
                self.leave()
            records = getattr(batch, "records", None)
            count += len(records) if isinstance(records, list) else 0
            if count > self.limits.max_records:
                raise LimitReached(self.trip(self.cap_reason(stream)))
            yield batch


def interrupt(thread_id: int) -> bool:
    """Raise :class:`LimitReached` in the thread ``thread_id``; return whether it worked.

    The exception arrives when the thread next runs Python code (not while it waits in a
    blocking call). It is CPython's asynchronous exception; elsewhere nothing happens.
    """
    import ctypes

    try:
        setter = ctypes.pythonapi.PyThreadState_SetAsyncExc
    except AttributeError:  # pragma: no cover - not CPython
        return False
    done = setter(ctypes.c_ulong(thread_id), ctypes.py_object(LimitReached))
    if done > 1:  # pragma: no cover - never expected: undo
        setter(ctypes.c_ulong(thread_id), None)
        return False
    return bool(done == 1)


class Worker:
    """The thread checks run in, so that the suite can stop (or abandon) one that hangs."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._jobs: queue.Queue[Any] = queue.Queue()

    def _start(self) -> threading.Thread:
        jobs = self._jobs

        def serve() -> None:
            while True:
                try:
                    job = jobs.get()
                    if job is None:
                        return
                    job()
                except LimitReached:  # an interruption that arrived late: the job is over
                    continue

        thread = threading.Thread(target=serve, name="hookline-conformance-check", daemon=True)
        thread.start()
        return thread

    def run(self, function: Callable[[], Any], guard: Guard) -> tuple[bool, Any]:
        """Run ``function`` within ``guard``'s time limit.

        Returns ``(True, its result)``, or ``(False, None)`` when it did not stop within
        the grace period after its time limit (the thread is then abandoned, and the next
        job gets a new one).
        """
        if self._thread is None or not self._thread.is_alive():
            self._jobs = queue.Queue()
            self._thread = self._start()
        thread, done = self._thread, threading.Event()
        box: list[Any] = []

        def job() -> None:
            try:
                box.append(function())
            finally:
                done.set()

        self._jobs.put(job)
        if done.wait(max(0.0, guard.time_left())):
            return True, box[0] if box else None
        guard.trip(guard.timeout_reason())
        stop_by = time.monotonic() + GRACE_SECONDS
        nudges = 0
        while not done.is_set() and time.monotonic() < stop_by:
            targets = guard.connector_threads()
            if not targets or nudges >= 5:  # the connector is not running: stop the check
                targets.append(thread.ident or 0)
            for ident in targets:
                if ident:
                    interrupt(ident)
            nudges += 1
            done.wait(_NUDGE_SECONDS)
        if done.is_set():
            return True, box[0] if box else None
        self._thread = None  # abandoned: it may still end some day, on its own
        return False, None

    def close(self) -> None:
        """Let the worker thread end once it is idle."""
        if self._thread is not None and self._thread.is_alive():
            self._jobs.put(None)
        self._thread = None
