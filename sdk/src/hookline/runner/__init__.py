"""The runner: ``hookline run`` as a library call, and the only place hook results meet.

:class:`Run` is the crossroads of a pipeline run: it owns both sides (connectors,
configs, connections), the cross-cutting plugins and the stream plans; see
:mod:`hookline.runner._run`. :func:`run_pipeline` is the whole job in one call::

    result = run_pipeline(load_pipeline("pipeline.yaml"))

Everything that can be checked is checked before a record is read (pipeline, both
configs, streams, capabilities, mappings: every problem in one
:class:`~hookline.errors.ConfigError`; :func:`validate_pipeline` does that alone); then the
streams run concurrently, each with a
bounded queue between its reader and its writer. A batch's state is committed only after
the destination accepted the batch, so a killed run resumes where it was, without loss.
"""

from __future__ import annotations

from contextlib import nullcontext

__all__ = [
    "NoProgress",
    "Progress",
    "Run",
    "RunResult",
    "StreamPlan",
    "StreamResult",
    "run_pipeline",
    "validate_pipeline",
]

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from hookline.errors import ConfigError, ConfigProblem
from hookline.host import Connector, Plugins
from hookline.pipeline import Pipeline, check_pipeline
from hookline.runner._lock import pipeline_lock
from hookline.runner._plan import StreamPlan
from hookline.runner._results import NoProgress, Progress, RunResult, StreamResult
from hookline.runner._run import Run


def run_pipeline(
    pipeline: Pipeline | str | os.PathLike[str],
    *,
    streams: Sequence[str] = (),
    progress: Progress | None = None,
    connectors: Mapping[str, Connector] | None = None,
    plugins: Plugins | None = None,
    profile_dir: Path | None = None,
) -> RunResult:
    """Run ``pipeline`` once and return what happened.

    Args:
        pipeline: a pipeline from :func:`hookline.pipeline.load_pipeline`, or the path of
            a pipeline file (then the file's problems and both connectors' config
            problems are reported together).
        streams: run only these of the pipeline's streams (default: all it selects).
        progress: receives progress from the streams' threads.
        connectors: connectors already loaded, by id, used instead of the installed ones
            of that id (the conformance suite runs connectors that are not installed).
        plugins: the cross-cutting plugins (default: every installed, enabled one).
        profile_dir: profile each stream's worker and reader threads into this directory
            (``stream-<name>.prof``, ``reader-<name>.prof``; see ``hookline run --profile``).

    Raises:
        PipelineBusy: another process runs the same pipeline.
        ConfigError: anything about the pipeline, its connectors' configs, its streams,
            capabilities or mappings is wrong; nothing was read or written.
        HooklineError: a connector could not be loaded or could not connect.
    """
    pipeline, pending = _loaded(pipeline)
    opened = Run.open(pipeline, connectors=connectors, plugins=plugins, pending=pending)
    # With problems pending, Run.open raises before anything is opened: no lock is taken
    # (a bad name must not become a lock file's path).
    lock = nullcontext() if pending else pipeline_lock(pipeline)
    with lock, opened as run:
        plans = run.plan(streams)
        return run.execute(plans, progress, profile_dir)


def validate_pipeline(
    pipeline: Pipeline | str | os.PathLike[str],
    *,
    streams: Sequence[str] = (),
    connectors: Mapping[str, Connector] | None = None,
    plugins: Plugins | None = None,
) -> list[StreamPlan]:
    """Check ``pipeline`` as :func:`run_pipeline` does before reading, and stop there.

    Both connectors are loaded and their configs checked, both sides authenticate, the
    source discovers the selected streams, and every stream is planned: its settings,
    the capabilities both connectors need for it, its mapping's references to the
    source's fields, and whether the source's schema can check records. Nothing is read,
    nothing is written, no state or run history is touched and no lock is taken.

    Returns:
        The plans of the selected streams (or only ``streams``), as a run would make them.

    Raises:
        ConfigError: every problem found, together, a stream's unusable schema included.
        HooklineError: a connector could not be loaded or could not connect.
    """
    pipeline, pending = _loaded(pipeline)
    with Run.open(pipeline, connectors=connectors, plugins=plugins, pending=pending) as run:
        plans = run.plan(streams)
    unusable = [
        ConfigProblem(
            str(pipeline.path),
            f"the source's schema for stream {plan.name!r} cannot check records: "
            f"{plan.schema_problem}",
            f"$.streams.{plan.name}",
        )
        for plan in plans
        if plan.schema_problem is not None
    ]
    if unusable:
        raise ConfigError(unusable)
    return plans


def _loaded(
    pipeline: Pipeline | str | os.PathLike[str],
) -> tuple[Pipeline, tuple[ConfigProblem, ...]]:
    """The pipeline, read from its file if need be, and the file's problems still pending.

    Problems that leave no pipeline to work with raise at once; the others are reported
    together with both connectors' config problems (see :meth:`Run.open`).
    """
    if isinstance(pipeline, Pipeline):
        return pipeline, ()
    loaded, pending = check_pipeline(pipeline)
    if loaded is None:
        raise ConfigError(pending)
    return loaded, pending
