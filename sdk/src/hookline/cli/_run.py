"""Commands of the main job: ``run``, ``validate``, ``runs``, ``state show`` and ``state reset``."""

from __future__ import annotations

import contextlib
import datetime
from pathlib import Path
from typing import Any

import click

from hookline._wording import plural
from hookline.cli._output import echo_json, echo_table

_PIPELINE = click.argument(
    "pipeline_path", metavar="PIPELINE", type=click.Path(dir_okay=False, path_type=Path)
)


@click.command()
@_PIPELINE
@click.option(
    "--stream", "-s", "streams", multiple=True, metavar="NAME", help="Run only this stream."
)
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON, no progress.")
@click.option(
    "--profile",
    "profile_dir",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Profile every thread of the run (main, each stream's worker and reader) into "
    "DIR/<thread>.prof, for python -m pstats.",
)
def run(
    pipeline_path: Path, streams: tuple[str, ...], as_json: bool, profile_dir: Path | None
) -> None:
    """Run a pipeline: read, map, write, and commit state after each delivered batch.

    Exit status: 0 when every stream succeeded, 1 when the run failed, 2 when the
    pipeline or a config is wrong (nothing is read then), 130 when interrupted.
    """
    from hookline.cli._progress import choose_progress
    from hookline.runner import run_pipeline
    from hookline.runner._profiling import profiled

    progress = choose_progress(quiet=as_json)
    manager = progress if hasattr(progress, "__enter__") else contextlib.nullcontext()
    with manager, profiled(profile_dir, "main"):
        result = run_pipeline(
            pipeline_path, streams=streams, progress=progress, profile_dir=profile_dir
        )
    if as_json:
        echo_json(result.to_dict())
    else:
        _summary(result)
    if result.status == "interrupted":
        raise click.exceptions.Exit(130)
    if not result.ok:
        raise click.exceptions.Exit(1)


@click.command()
@_PIPELINE
@click.option(
    "--stream", "-s", "streams", multiple=True, metavar="NAME", help="Check only this stream."
)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
def validate(pipeline_path: Path, streams: tuple[str, ...], as_json: bool) -> None:
    """Check a pipeline as a run would before reading, and read and write nothing.

    Loads both connectors and checks their configs, authenticates both sides, discovers
    the selected streams and plans each one: its settings, the capabilities it needs of
    both connectors, its mapping's references and the source's schema. No record is read
    or written, and no state or run history is touched.

    Exit status: 0 when the pipeline would run, 2 when something in it is wrong (every
    problem is listed, one a line).
    """
    from hookline.runner import validate_pipeline

    plans = validate_pipeline(pipeline_path, streams=streams)
    rows = [
        {
            "stream": plan.name,
            "sync": plan.source_stream.sync_mode,
            "write": plan.dest_stream.write_mode,
            "mapped": plan.mapper is not None,
        }
        for plan in plans
    ]
    if as_json:
        echo_json({"pipeline": str(pipeline_path), "valid": True, "streams": rows})
        return
    echo_table(
        ["stream", "sync", "write", "mapping"],
        [[r["stream"], r["sync"], r["write"], "yes" if r["mapped"] else "no"] for r in rows],
    )
    click.echo(f"{pipeline_path}: valid, {plural(len(rows), 'stream')} planned; nothing read")


def _summary(result: Any) -> None:
    rows = [
        [
            name,
            r.status,
            f"{r.read:,}",
            f"{r.written:,}",
            f"{r.failed:,}",
            f"{r.seconds:.1f}",
            f"{r.records_per_second:,.0f}",
        ]
        for name, r in result.streams.items()
    ]
    echo_table(["stream", "status", "read", "written", "failed", "seconds", "records/s"], rows)
    click.echo(
        f"run {result.run_id} of {result.pipeline}: {result.status} in {result.seconds:.1f}s"
    )
    if any(r.failed for r in result.streams.values()):
        click.echo(f"failed records are in {result.dead_letter_dir}")
    for failed in result.failures:
        click.echo(f"error: stream {failed.name!r}: {failed.error}", err=True)
    if result.problem:
        click.echo(f"error: {result.problem}", err=True)


@click.command()
@_PIPELINE
@click.option("--limit", default=20, show_default=True, help="How many runs to show.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
def runs(pipeline_path: Path, limit: int, as_json: bool) -> None:
    """Show a pipeline's run history, newest first.

    The ``run`` column is the run's number among the pipeline's runs (1 for its first).
    A run killed before it could finish shows ``running`` until the next run starts, then
    ``interrupted``, with the counts its state commits recorded.
    """
    from hookline._statestore import StateStore
    from hookline.pipeline import load_pipeline

    pipeline = load_pipeline(pipeline_path)
    store = StateStore(pipeline.state_dir)
    try:
        history = store.runs(pipeline.name, limit)
    finally:
        store.close()
    if as_json:
        echo_json([{k: v for k, v in item.items() if k != "id"} for item in history])
        return
    if not history:
        click.echo(f"{pipeline.name} has not run yet.")
        return
    rows = []
    for item in history:
        summary = item["summary"] or {}
        streams = [s for s in summary.values() if isinstance(s, dict)]
        totals = [f"{sum(s.get(k, 0) for s in streams):,}" for k in ("read", "written", "failed")]
        finished = item["finished_at"]
        seconds = "-" if finished is None else f"{finished - item['started_at']:.1f}"
        rows.append([item["number"], _when(item["started_at"]), item["status"], *totals, seconds])
    echo_table(["run", "started", "status", "read", "written", "failed", "seconds"], rows)


@click.group()
def state() -> None:
    """Show or reset what a pipeline remembers between runs."""


@state.command("show")
@_PIPELINE
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
def state_show(pipeline_path: Path, as_json: bool) -> None:
    """Show each stream's committed state."""
    from hookline._statestore import StateStore
    from hookline.pipeline import load_pipeline

    pipeline = load_pipeline(pipeline_path)
    store = StateStore(pipeline.state_dir)
    try:
        states = store.all(pipeline.name)
    finally:
        store.close()
    if as_json:
        echo_json({name: value for name, (value, _) in states.items()})
        return
    if not states:
        click.echo(f"{pipeline.name} has no state: the next run reads everything.")
        return
    for name, (value, at) in states.items():
        click.echo(f"{name} (committed {_when(at)}):")
        import orjson

        from hookline.jsoncodec import dumps

        text = dumps(value, option=orjson.OPT_INDENT_2).decode()
        click.echo("  " + text.replace("\n", "\n  "))


@state.command("reset")
@_PIPELINE
@click.option(
    "--stream", "-s", "streams", multiple=True, metavar="NAME", help="Reset only this stream."
)
def state_reset(pipeline_path: Path, streams: tuple[str, ...]) -> None:
    """Forget the state, so the next run reads the stream(s) from the start.

    When the state database itself is empty or damaged, resetting the whole pipeline
    sets the file aside (renamed to ``state.db.damaged-<time>``, not deleted): the next
    run of every pipeline sharing the state directory starts with no state.
    """
    from hookline._statestore import StateStore, set_aside
    from hookline.errors import StateStoreDamaged
    from hookline.pipeline import load_pipeline
    from hookline.runner._lock import pipeline_lock

    pipeline = load_pipeline(pipeline_path)
    with pipeline_lock(pipeline):
        try:
            store = StateStore(pipeline.state_dir)
        except StateStoreDamaged as exc:
            if streams:
                raise click.UsageError(
                    f"{exc}; the whole file is unusable, so reset without --stream"
                ) from None
            moved = set_aside(pipeline.state_dir)
            click.echo(
                f"set the damaged state database aside as {moved}: the next run reads "
                "every stream from the start"
            )
            return
        try:
            reset = store.reset(pipeline.name, list(streams) or None)
        finally:
            store.close()
    unknown = sorted(set(streams) - set(reset))
    for name in reset:
        click.echo(f"reset {name}")
    if unknown:
        raise click.UsageError(f"no state to reset for: {', '.join(unknown)}")
    if not reset:
        click.echo("nothing to reset")


def _when(timestamp: float) -> str:
    return datetime.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S")
