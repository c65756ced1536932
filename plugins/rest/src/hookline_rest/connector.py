"""The hook implementations of the REST connector (entry point ``rest``).

Source: each configured stream is a GET endpoint walked page by page with
:func:`hookline.http.paginate`, one batch per page, incrementally when a cursor is set.
Destination: each stream named under ``writes`` is sent with POST, PUT or PATCH, one
request per record or one per batch. Every request goes through one
:class:`hookline.http.HttpClient`: host guard, retries, rate limit, deadline, auth.
Before a run reads anything, :func:`hookline_validate_streams` names the streams the
configuration cannot serve (see :mod:`hookline_rest._validation`).
"""

from __future__ import annotations

__all__ = [
    "CAPABILITIES",
    "hookline_auth",
    "hookline_check",
    "hookline_conformance_fixture",
    "hookline_describe",
    "hookline_discover",
    "hookline_read",
    "hookline_validate_streams",
    "hookline_write",
]

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hookline import hookimpl
from hookline.errors import DiscoveryError, HooklineError, ReadError, WriteError
from hookline.http import HttpClient
from hookline.models import (
    Batch,
    Catalog,
    CheckResult,
    ConfiguredStream,
    ConnectorContext,
    ConnectorInfo,
    SettingProblem,
    State,
    Stream,
    WriteResult,
)
from hookline.schemas import infer_schema
from hookline_rest import __version__
from hookline_rest._client import build_client
from hookline_rest._reading import first_page, read_stream
from hookline_rest._validation import validate_streams
from hookline_rest._writing import write_batch
from hookline_rest.config import RestConfig, StreamConfig

if TYPE_CHECKING:
    from hookline.conformance import ConformanceFixture

#: What the connector can do, as :class:`~hookline.models.ConnectorInfo` reports it.
CAPABILITIES = ("discover", "read", "incremental", "check", "write", "append", "upsert")


@hookimpl
def hookline_describe() -> ConnectorInfo:
    """Describe the connector: a REST/JSON API, source and destination, set up in YAML."""
    return ConnectorInfo(
        id="rest",
        version=__version__,
        kind="both",
        title="REST API",
        description=(
            "Reads paginated JSON endpoints as streams, incrementally, and sends records "
            "to an API with POST, PUT or PATCH; configured entirely in YAML."
        ),
        config_model=RestConfig,
        capabilities=CAPABILITIES,
        hosts=(),
    )


@hookimpl
def hookline_auth(config: RestConfig, context: ConnectorContext) -> HttpClient:
    """Build the HTTP client: allowed hosts, timeouts, retries, rate limit and auth flow.

    No request is sent here; :func:`hookline_check` probes the credentials. A rotated
    OAuth2 refresh token is kept next to the configuration (``context.base_dir``).
    """
    return build_client(config, f"rest/{__version__}", context.base_dir)


@hookimpl
def hookline_check(config: RestConfig, connection: HttpClient) -> CheckResult:
    """GET the first stream's first page (or ``base_url`` without streams)."""
    try:
        if config.streams:
            stream = config.streams[0]
            page = first_page(connection, stream)
            return CheckResult(
                ok=True,
                message=f"GET {page.url}: {len(page.records)} record(s) on the first page "
                f"of stream {stream.name!r}",
            )
        response = connection.request("GET", config.base_url)
        return CheckResult(
            ok=True,
            message=f"GET {connection.mask(config.base_url)}: {response.status_code}",
        )
    except HooklineError as exc:
        return CheckResult(ok=False, message=str(exc))


def _schema(config_stream: StreamConfig, connection: HttpClient) -> dict[str, Any]:
    if config_stream.schema is not None:
        return config_stream.schema
    try:
        page = first_page(connection, config_stream, keep=True)
    except ReadError as exc:
        raise DiscoveryError(
            f"cannot infer the schema from the first page: {exc}; declare schema to skip this",
            stream=config_stream.name,
        ) from None
    return infer_schema(page.records)


@hookimpl
def hookline_discover(
    config: RestConfig, connection: HttpClient, streams: Sequence[str] | None
) -> Catalog:
    """List the configured streams: schema declared or inferred from the first page.

    Streams with a cursor offer ``incremental`` besides ``full``. With ``streams`` named,
    only those are listed, so a run of some streams fetches no first page of the others.
    """
    wanted = None if streams is None else set(streams)
    found = []
    for configured in config.streams:
        if wanted is not None and configured.name not in wanted:
            continue
        cursor = configured.cursor.field if configured.cursor is not None else None
        found.append(
            Stream(
                name=configured.name,
                schema=_schema(configured, connection),
                primary_key=configured.primary_key,
                cursor_field=cursor,
                sync_modes=("full", "incremental") if cursor else ("full",),
            )
        )
    return Catalog(streams=found)


@hookimpl
def hookline_read(
    config: RestConfig, connection: HttpClient, stream: ConfiguredStream, state: State | None
) -> Iterator[Batch]:
    """Read one stream page by page; an incremental read continues from ``state``.

    The state holds the cursor bookmark and, while a walk is unfinished, the walk's
    position; see :mod:`hookline_rest._reading`.
    """
    configured = config.stream(stream.name)
    if configured is None:
        names = ", ".join(s.name for s in config.streams) or "none"
        raise ReadError(
            f"no stream {stream.name!r} is configured (configured streams: {names}); add "
            "it to streams in the configuration",
            stream=stream.name,
        )
    auth = config.auth
    query_key = (
        [auth.name or "X-API-Key"] if auth.kind == "api_key" and auth.location == "query" else []
    )
    return read_stream(
        connection,
        configured,
        state,
        incremental=stream.sync_mode == "incremental",
        secret_params=query_key,
    )


@hookimpl
def hookline_validate_streams(
    config: RestConfig, streams: Sequence[ConfiguredStream], role: str
) -> list[SettingProblem]:
    """Name, before anything is read, the streams this configuration cannot serve.

    As a destination: a stream without a ``writes`` entry, or whose entry's templates use
    a field the stream's schema does not list. As a source: a stream not configured under
    ``streams``. Nothing is sent over the network.
    """
    return validate_streams(config, streams, role)


@hookimpl
def hookline_write(
    config: RestConfig, connection: HttpClient, stream: ConfiguredStream, batch: Batch
) -> WriteResult:
    """Send one batch as ``writes.<stream>`` says; 4xx answers reject their records.

    Raises:
        WriteError: the stream has no ``writes`` entry (a second line of defence behind
            :func:`hookline_validate_streams`), or a request failed for good (retries
            exhausted, deadline, refused host): nothing of the batch counts.
    """
    spec = config.writes.get(stream.name)
    if spec is None:
        names = ", ".join(sorted(config.writes)) or "none"
        raise WriteError(
            f"no writes entry for stream {stream.name!r} (configured: {names}); add "
            f"writes.{stream.name} with its path",
            stream=stream.name,
        )
    return write_batch(connection, spec, stream.name, batch.records)


@hookimpl
def hookline_conformance_fixture(workdir: Path) -> ConformanceFixture:
    """Start a fake shop API on loopback for the conformance suite and return the fixture.

    See :func:`hookline_rest.conformance.conformance_fixture`; imported here, on use, so
    loading the connector stays cheap. The fixture's ``cleanup`` stops the fake.
    """
    from hookline_rest.conformance import conformance_fixture

    return conformance_fixture(workdir)
