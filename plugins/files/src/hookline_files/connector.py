"""The hook implementations of the files connector (entry point ``files``).

Source: each configured stream is a glob of JSON Lines or CSV files under ``directory``,
read in sorted order and incrementally (per-file byte offsets). Destination: each stream
is written to ``<directory>/<stream>.jsonl`` (or ``.csv``), atomically per batch.
"""

from __future__ import annotations

__all__ = [
    "CAPABILITIES",
    "SYNC_MODES",
    "FilesConnection",
    "hookline_auth",
    "hookline_check",
    "hookline_conformance_fixture",
    "hookline_describe",
    "hookline_discover",
    "hookline_read",
    "hookline_write",
]

import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from hookline import hookimpl
from hookline.errors import AuthError, DiscoveryError, ReadError
from hookline.models import (
    Batch,
    Catalog,
    CheckResult,
    ConfiguredStream,
    ConnectorContext,
    ConnectorInfo,
    State,
    Stream,
    WriteResult,
)
from hookline_files import __version__
from hookline_files._inference import infer_schema
from hookline_files._matching import UnsafePath, match_files
from hookline_files._reading import read_stream, sample_records
from hookline_files._state import load_positions
from hookline_files._writing import write_batch
from hookline_files.config import FilesConfig, StreamConfig

if TYPE_CHECKING:
    from hookline.conformance import ConformanceFixture

#: What the connector can do, as :class:`~hookline.models.ConnectorInfo` reports it.
CAPABILITIES = ("discover", "read", "incremental", "check", "write", "append", "upsert")
#: Every stream can be read incrementally: per-file positions need no cursor field.
SYNC_MODES = ("full", "incremental")


@attrs.frozen
class FilesConnection:
    """What :func:`hookline_auth` returns: the resolved directory and the logger.

    Attributes:
        directory: the absolute directory the files are read from or written to.
        logger: where warnings (rewritten files, incomplete last lines) go.
    """

    directory: Path
    logger: logging.Logger = attrs.field(factory=lambda: logging.getLogger("hookline_files"))


@hookimpl
def hookline_describe() -> ConnectorInfo:
    """Describe the connector: local JSON Lines and CSV files, source and destination."""
    return ConnectorInfo(
        id="files",
        version=__version__,
        kind="both",
        title="Local files",
        description=(
            "Reads JSON Lines and CSV files from a directory as streams, incrementally, "
            "and writes each stream to a file of its own."
        ),
        config_model=FilesConfig,
        capabilities=CAPABILITIES,
        hosts=(),
    )


@hookimpl
def hookline_auth(config: FilesConfig, context: ConnectorContext) -> FilesConnection:
    """Resolve ``directory`` against the config file's folder.

    Raises:
        AuthError: streams are configured (a source) but the directory does not exist,
            or the path exists and is not a directory.
    """
    directory = config.directory.expanduser()
    if not directory.is_absolute():
        directory = Path(context.base_dir) / directory
    directory = Path(os.path.abspath(directory))
    if directory.exists() and not directory.is_dir():
        raise AuthError(
            f"directory {directory} is a file, not a directory: set directory to a folder"
        )
    if config.streams and not directory.exists():
        raise AuthError(
            f"directory {directory} does not exist: create it, or fix the setting "
            "directory (a relative path starts at the configuration file's folder)"
        )
    return FilesConnection(directory=directory, logger=context.logger)


def _check_source(config: FilesConfig, directory: Path) -> CheckResult:
    if not directory.is_dir():
        return CheckResult(ok=False, message=f"directory {directory} does not exist")
    if not os.access(directory, os.R_OK | os.X_OK):
        return CheckResult(ok=False, message=f"directory {directory} is not readable")
    empty = []
    counts = []
    for stream in config.streams:
        try:
            files = match_files(directory, stream.path, follow_symlinks=config.follow_symlinks)
        except UnsafePath as exc:
            return CheckResult(ok=False, message=f"stream {stream.name!r}: {exc}")
        if not files:
            empty.append(f"stream {stream.name!r} matches no files with {stream.path!r}")
        counts.append(f"{stream.name}: {len(files)}")
    if empty:
        return CheckResult(
            ok=False,
            message=f"{'; '.join(empty)} in {directory}: fix the path glob or add the files",
        )
    return CheckResult(ok=True, message=f"{directory}: files per stream: {', '.join(counts)}")


def _check_destination(directory: Path) -> CheckResult:
    existing = directory
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        return CheckResult(ok=False, message=f"{existing} is not a directory")
    if existing != directory:
        if os.access(existing, os.W_OK | os.X_OK):
            return CheckResult(ok=True, message=f"{directory} will be created on first write")
        return CheckResult(
            ok=False, message=f"{directory} does not exist and {existing} is not writable"
        )
    import tempfile  # only a destination's check needs it

    try:
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        return CheckResult(
            ok=False, message=f"directory {directory} is not writable: {exc.strerror or exc}"
        )
    return CheckResult(ok=True, message=f"directory {directory} is writable")


@hookimpl
def hookline_check(config: FilesConfig, connection: FilesConnection) -> CheckResult:
    """Probe the directory: every glob matches a file, or a file can be created in it.

    With streams configured (a source) the directory must be readable and each stream's
    glob must match at least one file; without streams (a destination) a temporary file
    is created and removed, or the directory's nearest existing parent must be writable.
    """
    if config.streams:
        return _check_source(config, connection.directory)
    return _check_destination(connection.directory)


def _stream_schema(stream: StreamConfig, files: list[tuple[str, Path]], limit: int) -> Any:
    """Return the stream's declared schema, or one inferred from its first records."""
    if stream.schema is not None:
        return stream.schema
    try:
        return infer_schema(sample_records(files, stream.file_format, limit))
    except ReadError as exc:
        raise DiscoveryError(f"cannot infer the schema: {exc}", stream=stream.name) from None


def _no_files(stream: StreamConfig, directory: Path) -> str:
    return (
        f"no file matches the glob {stream.path!r} in {directory}: fix the stream's path "
        "(relative to directory) or add the files"
    )


def _discover_stream(stream: StreamConfig, config: FilesConfig, directory: Path) -> Stream:
    try:
        files = match_files(directory, stream.path, follow_symlinks=config.follow_symlinks)
    except UnsafePath as exc:
        raise DiscoveryError(str(exc), stream=stream.name) from None
    if not files and stream.schema is None:
        raise DiscoveryError(
            f"{_no_files(stream, directory)}; with no files the schema cannot be inferred "
            "(declare schema to read an empty stream)",
            stream=stream.name,
        )
    schema = _stream_schema(stream, files, config.infer_records)
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if properties:
        wanted = [*stream.key_fields]
        if stream.cursor_field:
            wanted.append(stream.cursor_field)
        missing = [f for f in wanted if f not in properties]
        if missing:
            raise DiscoveryError(
                f"field(s) {', '.join(map(repr, missing))} named as primary key or cursor "
                f"are not in the records (fields: {', '.join(properties)}); fix "
                "primary_key or cursor_field",
                stream=stream.name,
            )
    return Stream(
        name=stream.name,
        schema=schema,
        primary_key=stream.key_fields,
        cursor_field=stream.cursor_field,
        sync_modes=SYNC_MODES,
    )


@hookimpl
def hookline_discover(
    config: FilesConfig, connection: FilesConnection, streams: Sequence[str] | None
) -> Catalog:
    """List the configured streams with their schemas, keys, cursors and sync modes.

    Schemas are declared or inferred from the first ``infer_records`` records of the
    stream's files in sorted order, so the same files always give the same catalog. With
    ``streams`` named, only those are listed (no other stream's files are sampled).
    """
    wanted = None if streams is None else set(streams)
    selected = [s for s in config.streams if wanted is None or s.name in wanted]
    found = [_discover_stream(s, config, connection.directory) for s in selected]
    # The field's converter (tuple) hides its element type from mypy.
    return Catalog(streams=found)


def _configured(config: FilesConfig, name: str) -> StreamConfig:
    found = config.stream(name)
    if found is None:
        names = ", ".join(s.name for s in config.streams) or "none"
        raise ReadError(
            f"no stream {name!r} is configured (configured streams: {names}); add it to "
            "streams in the configuration",
            stream=name,
        )
    return found


@hookimpl
def hookline_read(
    config: FilesConfig,
    connection: FilesConnection,
    stream: ConfiguredStream,
    state: State | None,
) -> Iterator[Batch]:
    """Read one stream's files in batches; incremental reads continue after ``state``.

    With sync mode ``full`` the state is ignored and every file is read from the start;
    either way each batch carries the state that continues right after it.
    """
    configured = _configured(config, stream.name)
    try:
        files = match_files(
            connection.directory, configured.path, follow_symlinks=config.follow_symlinks
        )
    except UnsafePath as exc:
        raise ReadError(str(exc), stream=stream.name) from None
    if not files:
        connection.logger.warning(
            "stream %s: %s; nothing to read",
            stream.name,
            _no_files(configured, connection.directory),
        )
    schema = stream.stream.schema
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if configured.file_format == "csv" and not properties:
        # The stream was not discovered (or has no typed columns): type CSV cells anyway.
        declared = _stream_schema(configured, files, config.infer_records)
        properties = declared.get("properties") if isinstance(declared, dict) else None
    if stream.sync_mode == "incremental":
        positions, bookmark = load_positions(state)
    else:
        positions, bookmark = {}, None
    return read_stream(
        files,
        file_format=configured.file_format,
        properties=properties if isinstance(properties, dict) else {},
        batch_size=config.batch_size,
        cursor_field=stream.stream.cursor_field or configured.cursor_field,
        positions=positions,
        bookmark=bookmark,
        logger=connection.logger,
    )


@hookimpl
def hookline_write(
    config: FilesConfig, connection: FilesConnection, stream: ConfiguredStream, batch: Batch
) -> WriteResult:
    """Store one batch in ``<directory>/<stream>.<output_format>``, atomically.

    Write mode ``append`` adds the records, ``upsert`` replaces records with the same
    primary key; ``replace`` is not supported (a :class:`~hookline.errors.WriteError`).
    """
    return write_batch(connection.directory, stream, batch.records, config.output_format)


@hookimpl
def hookline_conformance_fixture(workdir: Path) -> ConformanceFixture:
    """Write sample files under ``workdir`` for the conformance suite and return the fixture.

    See :func:`hookline_files.conformance.conformance_fixture`; imported here, on use, so
    loading the connector stays cheap.
    """
    from hookline_files.conformance import conformance_fixture

    return conformance_fixture(workdir)
