"""One stream's run: a reader thread, a bounded queue, and the deliver-then-commit loop.

The reader thread iterates the source's batches into a queue of at most ``queue_size``
batches (back-pressure: a fast source waits for a slow destination, so memory stays
flat). With ``queue_size: 0`` the worker reads the batches itself, one at a time: for a
local source that is CPU-bound anyway this is faster in CPython (no contention for the
GIL with the destination's driver) and needs half the memory.

The worker takes each batch through the schema check, the mapping and the transform
plugins, has the destination write it, sets aside what was refused in the
dead-letter store, and only then commits the batch's state.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

import attrs

from hookline._deadletter import DeadLetterStore
from hookline._statestore import StateStore
from hookline.errors import HooklineError
from hookline.host import Connector
from hookline.models import Batch
from hookline.runner._plan import StreamPlan
from hookline.runner._results import Progress, StreamResult

log = logging.getLogger("hookline.runner")


class Interrupted(HooklineError):
    """The run was asked to stop (Ctrl-C); what was delivered is committed."""

    exit_code = 130


class TooManyFailures(HooklineError):
    """More records failed than ``max_failed_records`` allows."""


@attrs.frozen
class Side:
    """A connector in a run, with its validated config and its connection."""

    connector: Connector
    config: Any
    connection: Any


@attrs.frozen
class StreamRun:
    """The shared parts of a run that every stream's worker uses."""

    pipeline: str
    source: Side
    destination: Side
    store: StateStore
    dead_letters: DeadLetterStore
    progress: Progress
    queue_size: int
    stop: threading.Event


def run_stream(run: StreamRun, plan: StreamPlan) -> StreamResult:
    """Run one stream to its end and return its counts (never raises)."""
    result = StreamResult(plan.name)
    started = time.monotonic()
    run.progress.stream_started(result)
    try:
        _deliver(run, plan, result)
        result.status = "succeeded"
    except Interrupted as exc:
        result.status, result.error = "interrupted", str(exc)
    except HooklineError as exc:
        result.status, result.error = "failed", str(exc)
    except Exception as exc:
        log.debug("stream %s failed", plan.name, exc_info=True)
        result.status = "failed"
        result.error = f"unexpected {type(exc).__name__}: {exc} (run with --debug for details)"
    result.seconds = time.monotonic() - started
    run.progress.stream_finished(result)
    return result


def _deliver(run: StreamRun, plan: StreamPlan, result: StreamResult) -> None:
    source, dest = run.source, run.destination
    dest.connector.write_start(dest.config, dest.connection, plan.dest_stream)
    state = None
    if plan.source_stream.sync_mode == "incremental":
        state = run.store.get(run.pipeline, plan.name)
    transforms = source.connector.has_transforms()
    last_state = None
    batches = source.connector.read(source.config, source.connection, plan.source_stream, state)
    if run.queue_size > 0:
        batches = _prefetch(batches, run.queue_size)
    for batch in batches:
        records = batch.records
        result.read += len(records)
        records, rejected = plan.validator.split(records)
        _set_aside(run, plan, result, "schema", rejected)
        if plan.mapper is not None:
            mapped = plan.mapper.apply(records)
            records = mapped.records
            result.filtered += mapped.filtered
            _set_aside(run, plan, result, "mapping", mapped.rejected)
        if transforms and records:
            transformed = source.connector.transform(plan.dest_stream, records)
            records = transformed.records
            _set_aside(run, plan, result, "transform", transformed.rejected)
        if records:
            written = dest.connector.write(
                dest.config, dest.connection, plan.dest_stream, Batch(records, batch.state)
            )
            result.written += written.written
            _set_aside(run, plan, result, "write", list(written.rejected))
        if batch.state is not None:
            last_state = batch.state
            if plan.commit_per_batch:
                run.store.commit(run.pipeline, plan.name, batch.state)
        run.progress.batch_done(result)
        _check_count(run, plan, result)
        if run.stop.is_set():
            raise Interrupted("interrupted; what was delivered is committed, run again to go on")
    dest.connector.write_finish(dest.config, dest.connection, plan.dest_stream)
    if not plan.commit_per_batch and last_state is not None:
        run.store.commit(run.pipeline, plan.name, last_state)
    _check_percent(run, plan, result)


def _set_aside(
    run: StreamRun, plan: StreamPlan, result: StreamResult, stage: str, rejected: list[Any]
) -> None:
    if rejected:
        run.dead_letters.add(plan.name, stage, rejected)
        result.failed += len(rejected)


def _check_count(run: StreamRun, plan: StreamPlan, result: StreamResult) -> None:
    count, _ = plan.limit
    if count is not None and result.failed > count:
        raise TooManyFailures(
            f"{result.failed} records failed, more than max_failed_records ({count}); "
            f"they are in {run.dead_letters.path(plan.name)}"
        )


def _check_percent(run: StreamRun, plan: StreamPlan, result: StreamResult) -> None:
    _, percent = plan.limit
    if percent is not None and result.read and result.failed * 100 / result.read > percent:
        share = result.failed * 100 / result.read
        raise TooManyFailures(
            f"{result.failed} of {result.read} records failed ({share:.2f}%), more than "
            f"max_failed_records ({percent:g}%); they are in {run.dead_letters.path(plan.name)}"
        )


_END = object()


def _prefetch(batches: Iterator[Batch], size: int) -> Iterator[Batch]:
    """Iterate ``batches`` in a reader thread, at most ``size`` batches ahead."""
    pending: queue.Queue[Any] = queue.Queue(maxsize=size)
    done = threading.Event()

    def put(item: Any) -> bool:
        while not done.is_set():
            try:
                pending.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for batch in batches:
                if not put(batch):
                    return
            put(_END)
        except BaseException as exc:
            put(exc)

    reader = threading.Thread(target=produce, name="hookline-reader", daemon=True)
    reader.start()
    try:
        while True:
            item = pending.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        done.set()
        reader.join(timeout=5)
