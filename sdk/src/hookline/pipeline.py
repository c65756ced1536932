"""Pipeline files: what to sync from where to where, validated with every problem at once.

A pipeline is a YAML (or JSON) file::

    source:
      connector: files
      config: {directory: data, streams: [{name: orders, path: "orders/*.jsonl"}]}
    destination:
      connector: sqlite
      config: {path: warehouse.db}
    streams:                      # all | [names] | {name: settings}
      orders:
        sync: incremental         # full | incremental (default: incremental if offered)
        write: upsert             # append | upsert | replace (default: upsert with a key)
        primary_key: [id]         # overrides what the source says
        cursor_field: updated_at
        schema_policy: evolve     # evolve | freeze
        map: [...]                # see docs/reference/mapping.md
        max_failed_records: 10    # or "1%"; default: the pipeline's
    max_failed_records: 0         # bad records tolerated before the run fails
    state_dir: .hookline          # state, run history, dead letters (next to this file)

Connector configs may instead live in their own files (``config_file: source.yaml``).
Relative paths are relative to the file that names them.
"""

from __future__ import annotations

__all__ = [
    "ConfigSource",
    "ConnectorRef",
    "Pipeline",
    "StreamSettings",
    "load_pipeline",
    "parse_failure_limit",
    "unknown_stream_problems",
]

import difflib
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import attrs

from hookline._converter import structure
from hookline.config import load_document
from hookline.errors import ConfigError, ConfigProblem

_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


@attrs.frozen
class ConnectorRef:
    """One side of a pipeline: a connector id and its settings.

    Attributes:
        connector: the connector id (``hookline connectors`` lists them).
        config: the connector's settings, inline.
        config_file: or a file holding them, relative to the pipeline file.
    """

    connector: str
    config: dict[str, Any] | None = None
    config_file: str | None = None


@attrs.frozen
class StreamSettings:
    """How one stream is synced; every field is optional.

    Attributes:
        sync: ``full`` or ``incremental``; default incremental when the source offers it.
        write: ``append``, ``upsert`` or ``replace``; default upsert when the stream has a
            primary key, else append.
        primary_key: overrides the source's primary key.
        cursor_field: overrides the source's cursor field.
        schema_policy: ``evolve`` (default) or ``freeze``.
        map: the declarative mapping (see the mapping reference).
        max_failed_records: bad records tolerated for this stream (a count, or ``"N%"``).
    """

    sync: Literal["full", "incremental"] | None = None
    write: Literal["append", "upsert", "replace"] | None = None
    primary_key: tuple[str, ...] | None = None
    cursor_field: str | None = None
    schema_policy: Literal["evolve", "freeze"] = "evolve"
    map: Any = None
    max_failed_records: Any = None


@attrs.frozen
class _PipelineDocument:
    source: ConnectorRef
    destination: ConnectorRef
    streams: Any = "all"
    name: str | None = None
    state_dir: str = ".hookline"
    max_failed_records: Any = 0
    concurrency: int = 4
    queue_size: int = 4


@attrs.frozen
class Pipeline:
    """A validated pipeline, with paths resolved.

    Attributes:
        path: the pipeline file.
        name: its name (the file name without suffix, unless set): keys its state.
        source, destination: the two connectors and their settings.
        source_config, destination_config: the settings as data, with the file and JSON
            path errors in them are reported at.
        streams: ``None`` for every stream, else the selected names and their settings.
        state_dir: where state, run history and dead letters live.
        max_failed_records: the default tolerance: ``(count, None)`` or ``(None, percent)``.
        concurrency: how many streams run at once.
        queue_size: how many batches may wait between a stream's reader thread and its
            writer; 0 reads in the writer's thread, without a reader thread.
        problems: problems found in the stream settings (mappings, limits); the runner
            reports them together with the connectors' config problems.
    """

    path: Path
    name: str
    source: ConnectorRef
    destination: ConnectorRef
    source_config: ConfigSource
    destination_config: ConfigSource
    streams: dict[str, StreamSettings] | None
    state_dir: Path
    max_failed_records: tuple[int | None, float | None]
    concurrency: int
    queue_size: int
    problems: tuple[ConfigProblem, ...] = ()


@attrs.frozen
class ConfigSource:
    """A connector's settings as data, and where they were written.

    Attributes:
        data: the settings mapping (references not yet resolved).
        source: the file they came from.
        path: their JSON path inside that file.
        base_dir: where relative paths in them start.
    """

    data: dict[str, Any]
    source: str
    path: str
    base_dir: Path


def parse_failure_limit(
    value: Any, *, source: str, path: str
) -> tuple[tuple[int | None, float | None], list[ConfigProblem]]:
    """Read a ``max_failed_records`` value: a count (``10``) or a percentage (``"1%"``)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return (value, None), []
    if isinstance(value, str):
        if value.strip().isdigit():
            return (int(value), None), []
        match = _PERCENT.match(value)
        if match and float(match[1]) <= 100:
            return (None, float(match[1])), []
    problem = ConfigProblem(
        source, "expected a count of records (such as 10) or a percentage (such as '1%')", path
    )
    return (0, None), [problem]


def load_pipeline(path: str | os.PathLike[str]) -> Pipeline:
    """Read and validate a pipeline file.

    Raises:
        ConfigError: every problem in the file, one per line, with its JSON path.
    """
    file = Path(path)
    source = str(path)
    data = load_document(file)
    if not isinstance(data, dict):
        raise ConfigError([ConfigProblem(source, "expected a mapping with source and destination")])
    problems: list[ConfigProblem] = []
    raw_streams = data.get("streams", "all")
    try:
        document = structure({**data, "streams": None}, _PipelineDocument, source=source)
    except ConfigError as exc:
        problems += exc.problems
        document = None
    streams, stream_problems = _streams(raw_streams, source)
    limit, limit_problems = parse_failure_limit(
        data.get("max_failed_records", 0), source=source, path="$.max_failed_records"
    )
    problems += limit_problems
    if document is not None:
        if document.concurrency < 1:
            problems.append(ConfigProblem(source, "must be 1 or more", "$.concurrency"))
        if document.queue_size < 0:
            problems.append(ConfigProblem(source, "must be 0 or more", "$.queue_size"))
    sides = {}
    if document is not None:
        for side in ("source", "destination"):
            ref: ConnectorRef = getattr(document, side)
            config, side_problems = _config_source(ref, file, side)
            problems += side_problems
            sides[side] = config
    if problems or document is None:
        raise ConfigError(problems + stream_problems)
    base = file.resolve().parent
    state_dir = Path(document.state_dir).expanduser()
    return Pipeline(
        path=file,
        name=document.name or file.stem,
        source=document.source,
        destination=document.destination,
        source_config=sides["source"],
        destination_config=sides["destination"],
        streams=streams,
        state_dir=state_dir if state_dir.is_absolute() else base / state_dir,
        max_failed_records=limit,
        concurrency=document.concurrency,
        queue_size=document.queue_size,
        problems=tuple(stream_problems),
    )


def _config_source(
    ref: ConnectorRef, pipeline_file: Path, side: str
) -> tuple[ConfigSource, list[ConfigProblem]]:
    base = pipeline_file.resolve().parent
    if ref.config is not None and ref.config_file is not None:
        problem = ConfigProblem(
            str(pipeline_file), "give either config or config_file, not both", f"$.{side}"
        )
        return ConfigSource({}, str(pipeline_file), f"$.{side}", base), [problem]
    if ref.config_file is not None:
        file = Path(ref.config_file).expanduser()
        file = file if file.is_absolute() else base / file
        try:
            data = load_document(file)
        except ConfigError as exc:
            return ConfigSource({}, str(file), "$", file.parent), list(exc.problems)
        if data is None:
            data = {}
        if not isinstance(data, dict):
            problem = ConfigProblem(str(file), "expected a mapping of settings")
            return ConfigSource({}, str(file), "$", file.parent), [problem]
        return ConfigSource(data, str(file), "$", file.parent), []
    return ConfigSource(ref.config or {}, str(pipeline_file), f"$.{side}.config", base), []


def _streams(raw: Any, source: str) -> tuple[dict[str, StreamSettings] | None, list[ConfigProblem]]:
    if raw is None or raw == "all":
        return None, []
    if isinstance(raw, list) and all(isinstance(n, str) for n in raw):
        return {name: StreamSettings() for name in raw}, []
    if not isinstance(raw, dict):
        message = "expected 'all', a list of stream names, or a mapping of name to settings"
        return None, [ConfigProblem(source, message, "$.streams")]
    selected: dict[str, StreamSettings] = {}
    problems: list[ConfigProblem] = []
    for name, settings in raw.items():
        path = f"$.streams.{name}"
        try:
            selected[str(name)] = structure(
                settings or {}, StreamSettings, source=source, path=path
            )
        except ConfigError as exc:
            problems += exc.problems
            continue
        stream = selected[str(name)]
        if stream.map is not None:
            problems += _mapping_problems(stream.map, source, f"{path}.map")
        if stream.max_failed_records is not None:
            _, limit_problems = parse_failure_limit(
                stream.max_failed_records, source=source, path=f"{path}.max_failed_records"
            )
            problems += limit_problems
        if stream.write == "replace" and stream.sync == "incremental":
            problems.append(
                ConfigProblem(
                    source,
                    "write: replace rewrites the whole stream, so it needs sync: full",
                    f"{path}.sync",
                )
            )
    return selected, problems


def _mapping_problems(spec: Any, source: str, path: str) -> list[ConfigProblem]:
    from hookline.mapping import parse_mapping

    try:
        parse_mapping(spec, source=source, path=path)
    except ConfigError as exc:
        return list(exc.problems)
    return []


def unknown_stream_problems(pipeline: Pipeline, offered: Sequence[str]) -> list[ConfigProblem]:
    """Return a problem for each selected stream the source does not offer."""
    problems = []
    for name in pipeline.streams or {}:
        if name in offered:
            continue
        close = difflib.get_close_matches(name, offered, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        available = ", ".join(offered) or "none"
        problems.append(
            ConfigProblem(
                str(pipeline.path),
                f"the source offers no stream {name!r}{hint}; it offers: {available}",
                f"$.streams.{name}",
            )
        )
    return problems
