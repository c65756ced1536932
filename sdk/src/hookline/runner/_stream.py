"""One stream's run: a reader thread, a bounded queue, and the deliver-then-commit loop.

The reader thread iterates the source's batches into a queue of at most ``queue_size``
batches (back-pressure: a fast source waits for a slow destination, so memory stays
flat). With ``queue_size: 0`` the worker reads the batches itself, one at a time: for a
local source that is CPU-bound anyway this is faster in CPython (no contention for the
GIL with the destination's driver) and needs half the memory.

Where a record goes, per batch (:func:`_deliver` is the one loop every record passes):
the schema check, the source's transform, the mapping, the plugins' and the
destination's transforms (see :mod:`hookline.runner._transforms`), the destination's
``hookline_write``; what any stage refused goes to the dead-letter store; only then is
the batch's state committed, with the stream's counts so far.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

from hookline import jsoncodec
from hookline._deadletter import DeadLetterStore
from hookline._logcontext import about, in_this_context
from hookline._statestore import StateStore
from hookline._wording import plural
from hookline.errors import HooklineError, Interrupted, RetriableError, TooManyFailures
from hookline.mapping import SchemaError, Validator
from hookline.models import Batch, RejectedRecord, State, WriteResult
from hookline.runner._plan import StreamPlan
from hookline.runner._profiling import profiled
from hookline.runner._results import Progress, StreamResult
from hookline.runner._sides import Side
from hookline.runner._transforms import TransformChain, apply
from hookline.secrets import any_registered, redact

log = logging.getLogger("hookline.runner")

#: How often a batch whose write raised a RetriableError is written in all.
WRITE_ATTEMPTS = 3
#: The pause before the second attempt, in seconds; it doubles for each one after.
WRITE_RETRY_PAUSE = 1.0


@attrs.frozen
class StreamRun:
    """The shared parts of a run that every stream's worker uses."""

    pipeline: str
    run_id: int
    source: Side
    destination: Side
    chain: TransformChain
    store: StateStore
    dead_letters: DeadLetterStore
    progress: Progress
    queue_size: int
    stop: threading.Event
    #: Where each thread's profile goes (``hookline run --profile``), or ``None``.
    profile_dir: Path | None = None


def run_stream(run: StreamRun, plan: StreamPlan) -> StreamResult:
    """Run one stream to its end and return its counts (never raises).

    What the stream's thread logs meanwhile names the pipeline and the stream (see
    :mod:`hookline._logcontext`).
    """
    result = StreamResult(plan.name)
    started = time.monotonic()
    with about(pipeline=run.pipeline, stream=plan.name):
        run.progress.stream_started(result)
        try:
            with profiled(run.profile_dir, f"stream-{plan.name}"):
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
    if plan.validator is None:
        raise SchemaError(plan.schema_problem or f"stream {plan.name}: unusable schema")
    validator = plan.validator
    source, dest = run.source, run.destination
    dest.connector.write_start(dest.config, dest.connection, plan.dest_stream)
    state = None
    if plan.source_stream.sync_mode == "incremental":
        state = run.store.get(run.pipeline, plan.name)
    last_state = None
    batches = source.connector.read(source.config, source.connection, plan.source_stream, state)
    if run.queue_size > 0:
        batches = _prefetch(batches, run.queue_size, run.profile_dir, f"reader-{plan.name}")
    for batch in batches:
        # Every copy of this batch (checked, transformed, mapped, written) is released when
        # _deliver_batch returns, and the batch itself below, before the next one is read:
        # each stage then runs on one batch in memory, not two.
        _deliver_batch(run, plan, validator, result, batch)
        batch_state = batch.state
        if batch.progress is not None:
            result.progress = batch.progress
        del batch
        if batch_state is not None:
            last_state = _safe_state(plan.name, batch_state)
        if plan.commit_per_batch and last_state is not None and batch_state is not None:
            run.store.commit(
                run.pipeline, plan.name, last_state, run_id=run.run_id, counts=result.counts()
            )
        else:
            run.store.record_counts(run.run_id, plan.name, result.counts())
        run.progress.batch_done(result)
        if plan.limit.exceeded(result.failed):
            raise TooManyFailures(
                f"{plural(result.failed, 'record')} failed, more than max_failed_records "
                f"({plan.limit}); they are in {run.dead_letters.path(plan.name)}"
            )
        if run.stop.is_set():
            raise Interrupted("interrupted; what was delivered is committed, run again to go on")
    dest.connector.write_finish(dest.config, dest.connection, plan.dest_stream)
    if not plan.commit_per_batch and last_state is not None:
        run.store.commit(
            run.pipeline, plan.name, last_state, run_id=run.run_id, counts=result.counts()
        )
    if plan.limit.exceeded_share(result.failed, result.read):
        share = result.failed * 100 / result.read
        raise TooManyFailures(
            f"{result.failed:,} of {plural(result.read, 'record')} failed ({share:.2f}%), "
            f"more than max_failed_records ({plan.limit}); they are in "
            f"{run.dead_letters.path(plan.name)}"
        )


def _deliver_batch(
    run: StreamRun, plan: StreamPlan, validator: Validator, result: StreamResult, batch: Batch
) -> None:
    """Take one batch through every stage to the destination.

    What a stage refused goes to the dead-letter store; the counts go into ``result``.
    """
    records, rejected = validator.split(batch.records)
    result.read += len(batch.records)
    _set_aside(run, plan, result, "schema", rejected)
    records, rejected = apply(run.chain.before_mapping, plan.source_stream, records)
    _set_aside(run, plan, result, "transform", rejected)
    if plan.mapper is not None and records:
        mapped = plan.mapper.apply(records)
        records = mapped.records
        result.filtered += mapped.filtered
        _set_aside(run, plan, result, "mapping", mapped.rejected)
    records, rejected = apply(run.chain.after_mapping, plan.dest_stream, records)
    _set_aside(run, plan, result, "transform", rejected)
    if records:
        written = _write(run, plan, Batch(records, batch.state))
        result.written += written.written
        _set_aside(run, plan, result, "write", list(written.rejected))


def _write(run: StreamRun, plan: StreamPlan, batch: Batch) -> WriteResult:
    """Write one batch; a RetriableError (nothing was stored) is tried again, a few times."""
    dest = run.destination
    pause = WRITE_RETRY_PAUSE
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            return dest.connector.write(dest.config, dest.connection, plan.dest_stream, batch)
        except RetriableError as exc:
            if attempt == WRITE_ATTEMPTS or run.stop.is_set():
                raise
            log.warning(
                "stream %s: writing a batch of %d records failed (attempt %d of %d: %s); "
                "nothing of it was stored, trying again in %.0f s",
                plan.name,
                len(batch.records),
                attempt,
                WRITE_ATTEMPTS,
                exc,
                pause,
            )
            if run.stop.wait(pause):
                raise
            pause *= 2
    raise AssertionError("unreachable")  # pragma: no cover


def _safe_state(stream: str, state: State) -> State:
    """The state to store: a secret inside it is masked (and reported), never stored.

    A connector must keep secrets out of its state (credentials in stored URLs are
    stripped by ``hookline.http``); this is the second line of defence.
    """
    if not any_registered():
        return state
    text = jsoncodec.dumps(state).decode()
    masked = redact(text)
    if masked == text:
        return state
    log.warning(
        "stream %s: the state the source returned holds a secret value; it was masked "
        "before it was stored (the source connector should not put credentials in its "
        "state: report this to its authors)",
        stream,
    )
    safe: State = jsoncodec.loads(masked)
    return safe


def _set_aside(
    run: StreamRun,
    plan: StreamPlan,
    result: StreamResult,
    stage: str,
    rejected: list[RejectedRecord],
) -> None:
    if rejected:
        run.dead_letters.add(plan.name, stage, rejected)
        result.failed += len(rejected)


_END = object()


def _prefetch(
    batches: Iterator[Batch], size: int, profile_dir: Path | None = None, thread: str = ""
) -> Iterator[Batch]:
    """Iterate ``batches`` in a reader thread, at most ``size`` batches ahead.

    With ``profile_dir``, the reader thread is profiled as ``thread`` (see
    :mod:`hookline.runner._profiling`).
    """
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
            with profiled(profile_dir, thread):
                for batch in batches:
                    if not put(batch):
                        return
                    del batch  # not kept while the next one is read
            put(_END)
        except BaseException as exc:
            put(exc)

    reader = threading.Thread(target=in_this_context(produce), name="hookline-reader", daemon=True)
    reader.start()
    try:
        while True:
            item = pending.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
            del item  # not kept while the next batch is awaited
    finally:
        done.set()
        reader.join(timeout=5)
