"""Turning the pipeline's typed stream settings and the source's catalog into stream plans.

One pass, every problem at once: unknown streams, settings the connectors' capabilities
cannot serve, keys and cursors missing from the schema, mapping references to fields the
schema does not have, and what each connector says of the planned streams
(``hookline_validate_streams``). Nothing has been read when this raises.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import attrs

from hookline.errors import ConfigError, ConfigProblem
from hookline.mapping import Mapper, SchemaError, Validator, compile_mapping, compile_validator
from hookline.models import Catalog, ConfiguredStream, Stream
from hookline.pipeline import FailureLimit, Pipeline, StreamSettings
from hookline.runner._capabilities import check_policy, choose_sync, choose_write
from hookline.runner._sides import Side


@attrs.frozen
class StreamPlan:
    """Everything a stream's worker needs.

    Attributes:
        name: the stream.
        source_stream: how it is read (the source's schema, sync mode).
        dest_stream: how it is written (the mapped schema, write mode, schema policy).
        mapper: the compiled mapping, or ``None`` when the stream has none.
        validator: the compiled check of records against the source schema, or
            ``None`` when that schema cannot check records (see ``schema_problem``).
        limit: how many bad records the stream tolerates.
        schema_problem: why the source's schema for this stream cannot check records
            (not valid JSON Schema, a ``$ref`` that cannot be resolved): the connector's
            fault, not the pipeline file's, so the stream fails with it before reading
            while the other streams run.
    """

    name: str
    source_stream: ConfiguredStream
    dest_stream: ConfiguredStream
    mapper: Mapper | None
    validator: Validator | None
    limit: FailureLimit
    schema_problem: str | None = None

    @property
    def commit_per_batch(self) -> bool:
        """Whether each batch's state is committed once it is delivered (all but replace,
        which commits once the new data is in place)."""
        return self.dest_stream.write_mode != "replace"


def plan_streams(
    pipeline: Pipeline,
    catalog: Catalog,
    source: Side,
    destination: Side,
    only: Sequence[str] = (),
) -> list[StreamPlan]:
    """Build a plan for every selected stream, or raise ConfigError with every problem."""
    file = str(pipeline.path)
    names = list(pipeline.streams) if pipeline.streams is not None else catalog.names
    missing = [n for n in only if n not in names]
    # With --stream, only those streams were discovered (see Run.discover): the others
    # the pipeline selects are neither checked against the catalog nor planned.
    problems = _unknown_streams([n for n in names if not only or n in only], catalog, file)
    if missing:
        problems.append(
            ConfigProblem(
                file,
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
        assert stream is not None  # _unknown_streams found every other name
        plan, found = _plan(pipeline, stream, source, destination)
        problems += found
        if plan is not None:
            plans.append(plan)
    if not problems:
        for side, streams in (
            (source, [p.source_stream for p in plans]),
            (destination, [p.dest_stream for p in plans]),
        ):
            for problem in side.connector.validate_streams(side.config, streams, side.role):
                problems.append(side.problem(problem.path, problem.message))
    if problems:
        raise ConfigError(problems)
    return plans


def _unknown_streams(names: Sequence[str], catalog: Catalog, file: str) -> list[ConfigProblem]:
    problems = []
    for name in names:
        if catalog.get(name) is not None:
            continue
        close = difflib.get_close_matches(name, catalog.names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(
            ConfigProblem(
                file,
                f"the source offers no stream {name!r}{hint}; it offers: "
                f"{', '.join(catalog.names) or 'none'}",
                f"$.streams.{name}",
            )
        )
    return problems


def _plan(
    pipeline: Pipeline, stream: Stream, source: Side, destination: Side
) -> tuple[StreamPlan | None, list[ConfigProblem]]:
    file = str(pipeline.path)
    where = f"$.streams.{stream.name}"
    settings: StreamSettings = pipeline.settings(stream.name)
    if settings.primary_key is not None or settings.cursor_field is not None:
        stream = attrs.evolve(
            stream,
            primary_key=(
                stream.primary_key if settings.primary_key is None else settings.primary_key
            ),
            cursor_field=settings.cursor_field or stream.cursor_field,
        )
    sync, problems = choose_sync(stream, settings, source, where, file)
    write, found = choose_write(stream, settings, destination, where, file)
    problems += found
    problems += check_policy(settings, destination, where, file)
    if write == "replace":
        sync = "full"
    if write == "upsert" and not stream.primary_key:
        problems.append(
            ConfigProblem(
                file,
                "write: upsert needs a primary key; set primary_key for this stream or use "
                "write: append",
                f"{where}.write",
            )
        )
    properties = stream.schema.get("properties") if isinstance(stream.schema, dict) else None
    if properties:
        for field in stream.primary_key:
            if field not in properties:
                problems.append(_not_in_schema(file, field, properties, f"{where}.primary_key"))
        if stream.cursor_field and stream.cursor_field not in properties:
            problems.append(
                _not_in_schema(file, stream.cursor_field, properties, f"{where}.cursor_field")
            )
    mapper = None
    output_schema = stream.schema
    if settings.map is not None:
        try:
            mapper = compile_mapping(settings.map, stream.schema, source=file, path=f"{where}.map")
            output_schema = mapper.output_schema
        except ConfigError as exc:
            problems += exc.problems
    if problems:
        return None, problems
    validator, schema_problem = None, None
    try:
        validator = compile_validator(stream.schema)
    except SchemaError as exc:
        schema_problem = f"stream {stream.name}: {exc}"
    plan = StreamPlan(
        name=stream.name,
        source_stream=ConfiguredStream(stream, sync_mode=sync, write_mode=write),
        dest_stream=ConfiguredStream(
            attrs.evolve(stream, schema=output_schema),
            sync_mode=sync,
            write_mode=write,
            schema_policy=settings.schema_policy or "evolve",
        ),
        mapper=mapper,
        validator=validator,
        limit=pipeline.limit(stream.name),
        schema_problem=schema_problem,
    )
    return plan, []


def _not_in_schema(
    file: str, field: str, properties: dict[str, object], path: str
) -> ConfigProblem:
    close = difflib.get_close_matches(field, list(properties), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return ConfigProblem(
        file,
        f"field {field!r} is not in the stream's schema{hint}; it has: {', '.join(properties)}",
        path,
    )
