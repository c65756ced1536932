"""The runner: ``hookline run`` as a library call, and the only place hook results meet.

:func:`run_pipeline` opens both connectors, validates everything it can before reading a
record (pipeline, both configs, streams, mappings: every problem in one
:class:`~hookline.errors.ConfigError`), then runs the streams concurrently, each with a
bounded queue between its reader and its writer. A batch's state is committed only after
the destination accepted the batch, so a killed run resumes where it was, without loss.
"""

from __future__ import annotations

__all__ = ["NoProgress", "Progress", "RunResult", "StreamResult", "run_pipeline"]

import gc
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from hookline._deadletter import DeadLetterStore
from hookline._statestore import StateStore
from hookline.errors import ConfigError, ConfigProblem
from hookline.host import Connector, open_connector
from hookline.models import ConnectorContext
from hookline.pipeline import ConfigSource, Pipeline
from hookline.runner._lock import pipeline_lock
from hookline.runner._plan import StreamPlan, plan_streams
from hookline.runner._results import NoProgress, Progress, RunResult, StreamResult
from hookline.runner._stream import Side, StreamRun, run_stream


def run_pipeline(
    pipeline: Pipeline,
    *,
    streams: Sequence[str] = (),
    progress: Progress | None = None,
    connectors: Mapping[str, Connector] | None = None,
) -> RunResult:
    """Run ``pipeline`` once and return what happened.

    Args:
        pipeline: a pipeline from :func:`hookline.pipeline.load_pipeline`.
        streams: run only these of the pipeline's streams (default: all it selects).
        progress: receives progress from the streams' threads.
        connectors: connectors already loaded, by id, used instead of the installed ones
            of that id (the conformance suite runs connectors that are not installed).

    Raises:
        ConfigError: anything about the pipeline, its connectors' configs, its streams
            or mappings is wrong; nothing was read or written.
        HooklineError: a connector could not be loaded or could not connect.

    A stream that fails does not stop the others; the run's status is then ``failed``
    and each stream's result says why.
    """
    progress = progress or NoProgress()
    with pipeline_lock(pipeline):
        source, destination = _open_sides(pipeline, connectors or {})
        try:
            catalog = source.connector.discover(source.config, source.connection)
            plans = plan_streams(pipeline, catalog, streams)
            return _execute(pipeline, source, destination, plans, progress)
        finally:
            source.connector.close(source.connection)
            destination.connector.close(destination.connection)


def _open_sides(pipeline: Pipeline, loaded: Mapping[str, Connector]) -> tuple[Side, Side]:
    problems: list[ConfigProblem] = list(pipeline.problems)
    connectors: dict[str, Connector] = {}
    for side, ref, needed in (
        ("source", pipeline.source, "source"),
        ("destination", pipeline.destination, "destination"),
    ):
        connector = loaded.get(ref.connector) or open_connector(
            ref.connector, with_plugins=side == "source"
        )
        can = connector.info.is_source if needed == "source" else connector.info.is_destination
        if not can:
            problems.append(
                ConfigProblem(
                    str(pipeline.path),
                    f"connector {ref.connector!r} is a {connector.info.kind}, it cannot be "
                    f"the {side}",
                    f"$.{side}.connector",
                )
            )
        connectors[side] = connector
    configs = {}
    for side, where in (
        ("source", pipeline.source_config),
        ("destination", pipeline.destination_config),
    ):
        try:
            configs[side] = _parse(connectors[side], where)
        except ConfigError as exc:
            problems += exc.problems
    if problems:
        raise ConfigError(problems)
    sides = []
    for side, where in (
        ("source", pipeline.source_config),
        ("destination", pipeline.destination_config),
    ):
        connector = connectors[side]
        context = ConnectorContext(base_dir=where.base_dir)
        connection = connector.auth(configs[side], context)
        sides.append(Side(connector, configs[side], connection))
    return sides[0], sides[1]


def _parse(connector: Connector, where: ConfigSource) -> object:
    return connector.parse_config(
        where.data, source=where.source, base_dir=where.base_dir, path=where.path
    )


def _execute(
    pipeline: Pipeline,
    source: Side,
    destination: Side,
    plans: list[StreamPlan],
    progress: Progress,
) -> RunResult:
    store = StateStore(pipeline.state_dir)
    run_id = store.start_run(pipeline.name)
    dead_letters = DeadLetterStore(pipeline.state_dir / "dead-letter" / pipeline.name, run_id)
    stop = threading.Event()
    run = StreamRun(
        pipeline.name,
        source,
        destination,
        store,
        dead_letters,
        progress,
        pipeline.queue_size,
        stop,
    )
    started = time.monotonic()
    results: dict[str, StreamResult] = {}
    status, error = "succeeded", None
    try:
        with (
            _fewer_collections(),
            ThreadPoolExecutor(
                max_workers=min(pipeline.concurrency, max(1, len(plans))),
                thread_name_prefix="hookline-stream",
            ) as pool,
        ):
            futures = {plan.name: pool.submit(run_stream, run, plan) for plan in plans}
            try:
                for name, future in futures.items():
                    results[name] = future.result()
            except KeyboardInterrupt:
                stop.set()
                for name, future in futures.items():
                    results[name] = future.result()
                status = "interrupted"
    finally:
        failed = [r for r in results.values() if r.status == "failed"]
        if status != "interrupted" and (failed or len(results) < len(plans)):
            status = "failed"
        if failed:
            error = "; ".join(f"stream {r.name!r}: {r.error}" for r in failed)
        summary = {name: r.to_dict() for name, r in results.items()}
        store.finish_run(run_id, status, summary)
        store.close()
    return RunResult(
        pipeline=pipeline.name,
        run_id=run_id,
        status=status,
        streams={plan.name: results[plan.name] for plan in plans if plan.name in results},
        seconds=time.monotonic() - started,
        error=error,
        dead_letter_dir=str(dead_letters.directory),
    )


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often while records stream through.

    Records are plain dicts and lists without cycles, freed by reference counting; with
    the default thresholds the collector would walk every young record many times per
    batch (about 40% of the read time, measured).
    """
    previous = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
