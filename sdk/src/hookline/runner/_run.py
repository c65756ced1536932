"""The run: the one object that owns what spans both sides of a pipeline.

A :class:`Run` is made from a pipeline, its source and destination connectors and the
installed cross-cutting plugins. It opens and closes both connections, registers the
plugins with both connectors (their wrappers observe every phase of either side),
discovers the source, compiles the typed stream plans (checking every setting against
both connectors' capabilities before a record is read), and runs the streams::

    with Run.open(pipeline) as run:
        plans = run.plan()
        result = run.execute(plans, progress)
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from hookline._deadletter import DeadLetterStore
from hookline._statestore import StateStore
from hookline.errors import ConfigProblem, StateStoreError
from hookline.host import Connector, Plugins, load_plugins
from hookline.models import Catalog
from hookline.pipeline import Pipeline
from hookline.runner._plan import StreamPlan, plan_streams
from hookline.runner._results import NoProgress, Progress, RunResult, StreamResult
from hookline.runner._sides import Side, open_sides
from hookline.runner._stream import StreamRun, run_stream
from hookline.runner._transforms import TransformChain

log = logging.getLogger("hookline.runner")


class Run:
    """One run of a pipeline: both sides, the plugins, the plans, the outcome.

    Make one with :meth:`open`; it is the only place hook results of the two sides meet.

    Attributes:
        pipeline: the pipeline being run.
        source: the source side (connector, config, connection).
        destination: the destination side.
        plugins: the cross-cutting plugins taking part.
        chain: the transforms each batch passes, in their documented order.
    """

    def __init__(self, pipeline: Pipeline, source: Side, destination: Side, plugins: Plugins):
        self.pipeline = pipeline
        self.source = source
        self.destination = destination
        self.plugins = plugins
        self.chain = TransformChain.of(source, destination, plugins)
        self._catalog: Catalog | None = None

    @classmethod
    @contextmanager
    def open(
        cls,
        pipeline: Pipeline,
        *,
        connectors: Mapping[str, Connector] | None = None,
        plugins: Plugins | None = None,
        pending: Sequence[ConfigProblem] = (),
    ) -> Iterator[Run]:
        """Open both sides of ``pipeline``; they are closed when the block ends.

        Args:
            pipeline: a pipeline from :func:`hookline.pipeline.load_pipeline`.
            connectors: connectors already loaded, by id, used instead of the installed
                ones (the conformance suite runs connectors that are not installed).
            plugins: the cross-cutting plugins (default: every installed, enabled one).
            pending: problems already found in the pipeline file, reported together
                with the connectors' configs' (nothing is opened while there are any).

        Raises:
            ConfigError: a connector cannot play its side, or a config has problems.
            HooklineError: a connector cannot be loaded, or cannot connect.
        """
        plugins = load_plugins() if plugins is None else plugins
        with open_sides(pipeline, plugins, connectors, pending) as (source, destination):
            yield cls(pipeline, source, destination, plugins)

    def discover(self, only: Sequence[str] = ()) -> Catalog:
        """The source's catalog (discovered once per run).

        The source is asked for the streams the run needs: ``only``, else the pipeline's
        selected streams, else all of them.
        """
        if self._catalog is None:
            side = self.source
            selected = self.pipeline.streams
            wanted = list(only) or (list(selected) if selected is not None else None)
            self._catalog = side.connector.discover(side.config, side.connection, wanted)
        return self._catalog

    def plan(self, only: Sequence[str] = ()) -> list[StreamPlan]:
        """Plan every selected stream (or only ``only``); nothing is read.

        Raises:
            ConfigError: every problem with the streams' settings at once.
        """
        catalog = self.discover(only)
        return plan_streams(self.pipeline, catalog, self.source, self.destination, only)

    def execute(
        self,
        plans: Sequence[StreamPlan],
        progress: Progress | None = None,
        profile_dir: Path | None = None,
    ) -> RunResult:
        """Run the planned streams concurrently and return what happened.

        A stream that fails does not stop the others; the run's status is then ``failed``
        and each stream's result says why. With ``profile_dir``, every stream's threads
        are profiled there (see :mod:`hookline.runner._profiling`).
        """
        progress = progress or NoProgress()
        pipeline = self.pipeline
        store = StateStore(pipeline.state_dir)
        record = store.start_run(pipeline.name)
        dead_letters = DeadLetterStore(
            pipeline.state_dir / "dead-letter" / pipeline.name, record.number
        )
        stop = threading.Event()
        shared = StreamRun(
            pipeline=pipeline.name,
            run_id=record.id,
            source=self.source,
            destination=self.destination,
            chain=self.chain,
            store=store,
            dead_letters=dead_letters,
            progress=progress,
            queue_size=pipeline.queue_size,
            stop=stop,
            profile_dir=profile_dir,
        )
        started = time.monotonic()
        results: dict[str, StreamResult] = {}
        status = "succeeded"
        try:
            with (
                _fewer_collections(),
                ThreadPoolExecutor(
                    max_workers=min(pipeline.concurrency, max(1, len(plans))),
                    thread_name_prefix="hookline-stream",
                ) as pool,
            ):
                futures = {plan.name: pool.submit(run_stream, shared, plan) for plan in plans}
                try:
                    for name, future in futures.items():
                        results[name] = future.result()
                except KeyboardInterrupt:
                    stop.set()
                    for name, future in futures.items():
                        results[name] = future.result()
                    status = "interrupted"
        finally:
            if status != "interrupted" and (
                any(r.status == "failed" for r in results.values()) or len(results) < len(plans)
            ):
                status = "failed"
            problem = _finish(store, record.id, status, results)
        return RunResult(
            pipeline=pipeline.name,
            run_id=record.number,
            status="failed" if problem and status == "succeeded" else status,
            streams={plan.name: results[plan.name] for plan in plans if plan.name in results},
            seconds=time.monotonic() - started,
            dead_letter_dir=str(dead_letters.directory),
            problem=problem,
        )


def _finish(
    store: StateStore, run_id: int, status: str, results: Mapping[str, StreamResult]
) -> str | None:
    """Record how the run ended; say why when the history cannot be written (disk full).

    What the streams delivered is committed already; only the run's end is missing from
    the history, and the next run closes it as ``interrupted``.
    """
    try:
        store.finish_run(run_id, status, {name: r.to_dict() for name, r in results.items()})
    except StateStoreError as exc:
        return f"the end of the run was not recorded: {exc}"
    finally:
        store.close()
    return None


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
