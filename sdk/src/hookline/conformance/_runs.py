"""Runs through the real runner, for the checks that need the whole delivery path.

The connector under test is paired with the suite's own connector
(:mod:`hookline.conformance._memory`): as a source it delivers into the suite's memory, as
a destination it is fed scripted batches. Each run gets its own state directory.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hookline.conformance._context import SuiteContext
from hookline.conformance._memory import MEMORY_ID, MemoryConnector, received, write_script
from hookline.host import connector_from_plugin
from hookline.models import Record, Stream
from hookline.pipeline import ConfigSource, ConnectorRef, FailureLimit, Pipeline, StreamSettings
from hookline.runner import RunResult, run_pipeline


def run_source(ctx: SuiteContext, stream: Stream) -> tuple[RunResult, list[Record]]:
    """Run the connector under test as the source of ``stream`` alone, in full."""
    memory = _memory_dir(ctx, f"source-{stream.name}")
    pipeline = _pipeline(
        ctx,
        f"source-{stream.name}",
        source=(ctx.connector.id, _connector_config(ctx)),
        destination=(MEMORY_ID, _memory_config(memory)),
        streams={stream.name: StreamSettings(sync="full", write="append")},
    )
    result = _run(ctx, pipeline)
    return result, received(memory, stream.name)


def run_destination(
    ctx: SuiteContext,
    stream: Stream,
    batches: list[list[Record]],
    *,
    write: str,
    max_failed_records: int = 0,
    name: str | None = None,
) -> tuple[RunResult, Path]:
    """Feed ``batches`` of ``stream`` to the connector under test through the runner.

    Returns the run's result and the file its dead letters for the stream went to.
    """
    label = name or f"destination-{stream.name}"
    memory = _memory_dir(ctx, label)
    write_script(
        memory,
        [
            {
                "name": stream.name,
                "schema": stream.schema,
                "primary_key": list(stream.primary_key),
                "batches": batches,
            }
        ],
    )
    pipeline = _pipeline(
        ctx,
        label,
        source=(MEMORY_ID, _memory_config(memory)),
        destination=(ctx.connector.id, _connector_config(ctx)),
        streams={stream.name: StreamSettings(sync="full", write=write)},  # type: ignore[arg-type]
        max_failed_records=max_failed_records,
    )
    result = _run(ctx, pipeline)
    dead = Path(result.dead_letter_dir or pipeline.state_dir) / f"{stream.name}.jsonl"
    return result, dead


def dead_letters(path: Path) -> list[dict[str, Any]]:
    """Return the dead-letter entries in ``path`` (stage, reason, record)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _run(ctx: SuiteContext, pipeline: Pipeline) -> RunResult:
    memory = connector_from_plugin(MemoryConnector())
    return run_pipeline(
        pipeline,
        connectors={MEMORY_ID: memory, ctx.connector.id: ctx.connector},
        plugins=ctx.plugins,
    )


def _memory_dir(ctx: SuiteContext, label: str) -> Path:
    directory = ctx.workdir / "suite" / label
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _memory_config(directory: Path) -> ConfigSource:
    return ConfigSource(
        data={"directory": str(directory)},
        source="<conformance suite>",
        path="$",
        base_dir=directory,
    )


def _connector_config(ctx: SuiteContext) -> ConfigSource:
    return ConfigSource(
        data=ctx.require_config(), source=ctx.config_origin, path="$", base_dir=ctx.config_base_dir
    )


def _pipeline(
    ctx: SuiteContext,
    name: str,
    *,
    source: tuple[str, ConfigSource],
    destination: tuple[str, ConfigSource],
    streams: dict[str, StreamSettings],
    max_failed_records: int = 0,
) -> Pipeline:
    state_dir = ctx.workdir / "suite" / name / "state"
    return Pipeline(
        path=ctx.workdir / "suite" / f"{name}.yaml",
        name=name,
        source=ConnectorRef(source[0], config=source[1].data),
        destination=ConnectorRef(destination[0], config=destination[1].data),
        source_config=source[1],
        destination_config=destination[1],
        streams=streams,
        state_dir=state_dir,
        max_failed_records=FailureLimit(count=max_failed_records),
        concurrency=1,
        queue_size=0,
    )
