"""Turning a pipeline and the source's catalog into one plan per stream."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from hookline.errors import ConfigError, ConfigProblem
from hookline.models import Catalog, ConfiguredStream, Stream
from hookline.pipeline import Pipeline, StreamSettings, parse_failure_limit, unknown_stream_problems


@attrs.frozen
class StreamPlan:
    """Everything a stream's worker needs.

    Attributes:
        name: the stream.
        source_stream: how it is read (the source's schema, sync mode).
        dest_stream: how it is written (the mapped schema, write mode, schema policy).
        mapper: the compiled mapping (``apply(records)``), or ``None``.
        validator: the compiled check of records against the source schema.
        limit: failed records tolerated: ``(count, None)`` or ``(None, percent)``.
        commit_per_batch: whether each batch's state is committed as it is delivered
            (everything but ``replace``, which commits once the new data is in place).
    """

    name: str
    source_stream: ConfiguredStream
    dest_stream: ConfiguredStream
    mapper: Any
    validator: Any
    limit: tuple[int | None, float | None]
    commit_per_batch: bool


def plan_streams(
    pipeline: Pipeline, catalog: Catalog, only: Sequence[str] = ()
) -> list[StreamPlan]:
    """Build a plan for every selected stream, or raise ConfigError with every problem."""
    from hookline.mapping import compile_mapping, compile_validator

    source = str(pipeline.path)
    problems = unknown_stream_problems(pipeline, catalog.names)
    selected = pipeline.streams if pipeline.streams is not None else {}
    names = list(selected) if pipeline.streams is not None else catalog.names
    missing = [n for n in only if n not in names]
    if missing:
        problems.append(
            ConfigProblem(
                source,
                f"--stream {', '.join(missing)}: not selected by this pipeline "
                f"(it syncs: {', '.join(names) or 'nothing'})",
                "$.streams",
            )
        )
    if problems:
        raise ConfigError(problems)
    plans = []
    for name in names:
        if only and name not in only:
            continue
        stream = catalog.get(name)
        assert stream is not None
        settings = selected.get(name) or StreamSettings()
        path = f"$.streams.{name}"
        try:
            plans.append(
                _plan(pipeline, stream, settings, path, compile_mapping, compile_validator)
            )
        except ConfigError as exc:
            problems += exc.problems
    if problems:
        raise ConfigError(problems)
    return plans


def _plan(
    pipeline: Pipeline,
    stream: Stream,
    settings: StreamSettings,
    path: str,
    compile_mapping: Any,
    compile_validator: Any,
) -> StreamPlan:
    source = str(pipeline.path)
    problems: list[ConfigProblem] = []
    if settings.primary_key is not None or settings.cursor_field is not None:
        stream = attrs.evolve(
            stream,
            primary_key=settings.primary_key
            if settings.primary_key is not None
            else stream.primary_key,
            cursor_field=settings.cursor_field or stream.cursor_field,
        )
    offers_incremental = "incremental" in stream.sync_modes
    sync = settings.sync or ("incremental" if offers_incremental else "full")
    if sync == "incremental" and not offers_incremental:
        problems.append(
            ConfigProblem(
                source,
                f"stream {stream.name!r} cannot be read incrementally; use sync: full",
                f"{path}.sync",
            )
        )
    write = settings.write or ("upsert" if stream.primary_key else "append")
    if write == "replace":
        sync = "full"
    if write == "upsert" and not stream.primary_key:
        problems.append(
            ConfigProblem(
                source,
                "write: upsert needs a primary key; set primary_key for "
                "this stream or use write: append",
                f"{path}.write",
            )
        )
    for field in (*stream.primary_key, *([stream.cursor_field] if stream.cursor_field else [])):
        if field not in stream.schema.get("properties", {field: None}):
            problems.append(
                ConfigProblem(
                    source,
                    f"field {field!r} is not in the stream's schema",
                    f"{path}.primary_key"
                    if field in stream.primary_key
                    else f"{path}.cursor_field",
                )
            )
    mapper = None
    output_schema = stream.schema
    if settings.map is not None:
        try:
            mapper = compile_mapping(settings.map, stream.schema, source=source, path=f"{path}.map")
            output_schema = mapper.output_schema
        except ConfigError as exc:
            problems += exc.problems
    limit = pipeline.max_failed_records
    if settings.max_failed_records is not None:
        limit, _ = parse_failure_limit(settings.max_failed_records, source=source, path=path)
    if problems:
        raise ConfigError(problems)
    source_stream = ConfiguredStream(stream, sync_mode=sync, write_mode=write)
    dest_stream = ConfiguredStream(
        attrs.evolve(stream, schema=output_schema),
        sync_mode=sync,
        write_mode=write,
        schema_policy=settings.schema_policy,
    )
    return StreamPlan(
        name=stream.name,
        source_stream=source_stream,
        dest_stream=dest_stream,
        mapper=mapper,
        validator=compile_validator(stream.schema),
        limit=limit,
        commit_per_batch=write != "replace",
    )
