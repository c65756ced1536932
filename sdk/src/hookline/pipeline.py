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
    "FailureLimit",
    "Pipeline",
    "StreamSettings",
    "check_pipeline",
    "load_pipeline",
    "parse_failure_limit",
]

import os
import re
from pathlib import Path
from typing import Any, Literal

import attrs

from hookline._converter import structure
from hookline.config import load_document
from hookline.errors import ConfigError, ConfigProblem
from hookline.mapping import MappingSpec, parse_mapping

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
class FailureLimit:
    """How many bad records a stream tolerates: a count, or a share of the records read.

    Attributes:
        count: the most failed records allowed (checked after every batch), or ``None``.
        percent: the largest share of failed records in percent (checked at the end of
            the stream), or ``None``.
    """

    count: int | None = 0
    percent: float | None = None

    def exceeded(self, failed: int) -> bool:
        """Whether ``failed`` records are more than the count allows."""
        return self.count is not None and failed > self.count

    def exceeded_share(self, failed: int, read: int) -> bool:
        """Whether ``failed`` of ``read`` records are more than the share allows."""
        return self.percent is not None and read > 0 and failed * 100 / read > self.percent

    def __str__(self) -> str:
        return f"{self.percent:g}%" if self.percent is not None else str(self.count)


@attrs.frozen
class StreamSettings:
    """How one stream is synced, as the pipeline file says; every field is optional.

    Attributes:
        sync: ``full`` or ``incremental``; default incremental when the source offers it.
        write: ``append``, ``upsert`` or ``replace``; default upsert when the stream has a
            primary key and the destination can upsert, else append.
        primary_key: overrides the source's primary key.
        cursor_field: overrides the source's cursor field.
        schema_policy: ``evolve`` or ``freeze``; ``None`` (not set) means evolve.
        map: the declarative mapping (see the mapping reference), already read.
        max_failed_records: bad records tolerated for this stream; ``None``: the
            pipeline's.
    """

    sync: Literal["full", "incremental"] | None = None
    write: Literal["append", "upsert", "replace"] | None = None
    primary_key: tuple[str, ...] | None = None
    cursor_field: str | None = None
    schema_policy: Literal["evolve", "freeze"] | None = None
    map: MappingSpec | None = None
    max_failed_records: FailureLimit | None = None


@attrs.frozen
class _StreamDocument:
    """The part of a stream's settings the converter structures (the rest is read apart)."""

    sync: Literal["full", "incremental"] | None = None
    write: Literal["append", "upsert", "replace"] | None = None
    primary_key: tuple[str, ...] | None = None
    cursor_field: str | None = None
    schema_policy: Literal["evolve", "freeze"] | None = None


@attrs.frozen
class _PipelineDocument:
    source: ConnectorRef
    destination: ConnectorRef
    name: str | None = None
    state_dir: str = ".hookline"
    concurrency: int = 4
    queue_size: int = 4


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

    def at(self, path: str) -> str:
        """The full JSON path of ``path``, a path relative to these settings (``$.writes``)."""
        rest = path[1:] if path.startswith("$") else f".{path}"
        return self.path + rest if self.path != "$" else "$" + rest


@attrs.frozen
class Pipeline:
    """A validated pipeline, with paths resolved and every stream's settings typed.

    Attributes:
        path: the pipeline file.
        name: its name (the file name without suffix, unless set): keys its state.
        source, destination: the two connectors and their settings.
        source_config, destination_config: the settings as data, with the file and JSON
            path errors in them are reported at.
        streams: ``None`` for every stream, else the selected names and their settings.
        state_dir: where state, run history and dead letters live.
        max_failed_records: the default tolerance of bad records.
        concurrency: how many streams run at once.
        queue_size: how many batches may wait between a stream's reader thread and its
            writer; 0 reads in the writer's thread, without a reader thread.
    """

    path: Path
    name: str
    source: ConnectorRef
    destination: ConnectorRef
    source_config: ConfigSource
    destination_config: ConfigSource
    streams: dict[str, StreamSettings] | None
    state_dir: Path
    max_failed_records: FailureLimit
    concurrency: int
    queue_size: int

    def settings(self, stream: str) -> StreamSettings:
        """The settings of ``stream`` (all defaults when the pipeline gives none)."""
        return (self.streams or {}).get(stream) or StreamSettings()

    def limit(self, stream: str) -> FailureLimit:
        """The bad-record tolerance of ``stream``: its own, else the pipeline's."""
        return self.settings(stream).max_failed_records or self.max_failed_records


def parse_failure_limit(
    value: Any, *, source: str, path: str
) -> tuple[FailureLimit, list[ConfigProblem]]:
    """Read a ``max_failed_records`` value: a count (``10``) or a percentage (``"1%"``)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return FailureLimit(count=value), []
    if isinstance(value, str):
        if value.strip().isdigit():
            return FailureLimit(count=int(value)), []
        match = _PERCENT.match(value)
        if match and float(match[1]) <= 100:
            return FailureLimit(count=None, percent=float(match[1])), []
    problem = ConfigProblem(
        source, "expected a count of records (such as 10) or a percentage (such as '1%')", path
    )
    return FailureLimit(), [problem]


_TOP_LEVEL = ("streams", "max_failed_records")


def load_pipeline(path: str | os.PathLike[str]) -> Pipeline:
    """Read and validate a pipeline file, its stream settings and mappings included.

    Raises:
        ConfigError: every problem in the file (and in the config files it names), one
            per line, with its JSON path.
    """
    pipeline, problems = check_pipeline(path)
    if pipeline is None or problems:
        raise ConfigError(problems)
    return pipeline


def check_pipeline(
    path: str | os.PathLike[str],
) -> tuple[Pipeline | None, tuple[ConfigProblem, ...]]:
    """Read a pipeline file; return it with every problem found in it.

    For callers that report these problems together with their own (the runner adds the
    problems of both connectors' configs, so a user fixes everything in one pass). The
    pipeline is ``None`` when its connectors or settings cannot be known; when problems
    are returned with a pipeline, its streams with problems are left out of it, and it
    must not be run.

    Raises:
        ConfigError: the file cannot be read or is not a mapping.
    """
    file = Path(path)
    source = str(path)
    data = load_document(file)
    if not isinstance(data, dict):
        raise ConfigError([ConfigProblem(source, "expected a mapping with source and destination")])
    problems: list[ConfigProblem] = []
    document: _PipelineDocument | None = None
    try:
        rest = {k: v for k, v in data.items() if k not in _TOP_LEVEL}
        document = structure(rest, _PipelineDocument, source=source)
    except ConfigError as exc:
        problems += exc.problems
    streams, stream_problems = _streams(data.get("streams", "all"), source)
    problems += stream_problems
    limit, limit_problems = parse_failure_limit(
        data.get("max_failed_records", 0), source=source, path="$.max_failed_records"
    )
    problems += limit_problems
    sides: dict[str, ConfigSource] = {}
    sides_ok = document is not None
    if document is not None:
        if document.concurrency < 1:
            problems.append(ConfigProblem(source, "must be 1 or more", "$.concurrency"))
        if document.queue_size < 0:
            problems.append(ConfigProblem(source, "must be 0 or more", "$.queue_size"))
        for side in ("source", "destination"):
            config, side_problems = _config_source(getattr(document, side), file, side)
            problems += side_problems
            sides_ok = sides_ok and not side_problems
            sides[side] = config
    if document is not None:
        problems += _name_problems(document.name, file, source)
    if document is None or not sides_ok:
        return None, tuple(problems)
    base = file.resolve().parent
    state_dir = Path(document.state_dir).expanduser()
    pipeline = Pipeline(
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
    )
    return pipeline, tuple(problems)


#: What a pipeline name may be: it becomes file names (its lock, its dead letters).
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def _name_problems(name: str | None, file: Path, source: str) -> list[ConfigProblem]:
    """A pipeline's name keys its state and names its lock file and dead-letter folder,
    so it must be a plain file name: no separators, no ``..``, nothing hidden."""
    rule = (
        "use 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit "
        "(it names the pipeline's files in state_dir)"
    )
    if name is not None:
        if NAME_PATTERN.fullmatch(name):
            return []
        return [ConfigProblem(source, f"name {name!r} cannot be a pipeline name: {rule}", "$.name")]
    if NAME_PATTERN.fullmatch(file.stem):
        return []
    message = f"the file name {file.stem!r} cannot be the pipeline's name: set name: ({rule})"
    return [ConfigProblem(source, message, "$.name")]


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
    for name, body in raw.items():
        settings, found = _stream_settings(body, source, f"$.streams.{name}")
        problems += found
        if settings is not None:
            selected[str(name)] = settings
    return selected, problems


def _stream_settings(
    body: Any, source: str, path: str
) -> tuple[StreamSettings | None, list[ConfigProblem]]:
    """Read one stream's settings, its mapping and failure limit included, in one pass."""
    if body is None:
        return StreamSettings(), []
    if not isinstance(body, dict):
        return None, [ConfigProblem(source, "expected a mapping of stream settings", path)]
    problems: list[ConfigProblem] = []
    plain = {k: v for k, v in body.items() if k not in ("map", "max_failed_records")}
    document = None
    try:
        document = structure(plain, _StreamDocument, source=source, path=path)
    except ConfigError as exc:
        problems += exc.problems
    spec = None
    if body.get("map") is not None:
        try:
            spec = parse_mapping(body["map"], source=source, path=f"{path}.map")
        except ConfigError as exc:
            problems += exc.problems
    limit = None
    if body.get("max_failed_records") is not None:
        limit, limit_problems = parse_failure_limit(
            body["max_failed_records"], source=source, path=f"{path}.max_failed_records"
        )
        problems += limit_problems
    if document is not None and document.write == "replace" and document.sync == "incremental":
        problems.append(
            ConfigProblem(
                source,
                "write: replace rewrites the whole stream, so it needs sync: full",
                f"{path}.sync",
            )
        )
    if document is None or problems:
        return None, problems
    settings = StreamSettings(
        sync=document.sync,
        write=document.write,
        primary_key=document.primary_key,
        cursor_field=document.cursor_field,
        schema_policy=document.schema_policy,
        map=spec,
        max_failed_records=limit,
    )
    return settings, []
