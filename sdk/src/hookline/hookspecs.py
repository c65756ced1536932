"""The hook specifications: the whole contract between the host and a connector.

These are the only hook declarations in hookline. A connector implements the hooks it
needs with :data:`hookline.hookimpl`; the host calls them through :mod:`hookline.host`.

The host builds one plugin manager per connector in use, holding that connector and the
cross-cutting plugins (group ``hookline.plugins``), so a call reaches exactly one connector
and the plugins' wrappers (``@hookimpl(wrapper=True)``) observe or wrap every phase of
either side of a run, in every command (``run``, ``check``, ``discover``, ``read``,
``test``). Every hook supports wrappers.

Hooks are grouped by phase, in the order a sync calls them:

* Identity: :func:`hookline_describe`
* Connection: :func:`hookline_auth`, :func:`hookline_check`
* Discovery: :func:`hookline_discover`
* Planning: :func:`hookline_validate_streams`
* Reading: :func:`hookline_read`
* In flight: :func:`hookline_transform`
* Writing: :func:`hookline_write_start`, :func:`hookline_write`,
  :func:`hookline_write_finish`
* Testing: :func:`hookline_conformance_fixture`

Reading, transforming and writing are called per *batch*: a pluggy call costs about a
microsecond, which per record would dominate a fast pipeline.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

from hookline._markers import PROJECT_NAME

if TYPE_CHECKING:
    from hookline.models import (
        Batch,
        Catalog,
        CheckResult,
        ConfiguredStream,
        ConformanceFixture,
        ConnectorContext,
        ConnectorInfo,
        SettingProblem,
        State,
        TransformBatch,
        WriteResult,
    )

__all__ = [
    "hookline_auth",
    "hookline_check",
    "hookline_conformance_fixture",
    "hookline_describe",
    "hookline_discover",
    "hookline_read",
    "hookline_transform",
    "hookline_validate_streams",
    "hookline_write",
    "hookline_write_finish",
    "hookline_write_start",
    "hookspec",
]

#: Marks a function as a hook specification (host side only).
hookspec = pluggy.HookspecMarker(PROJECT_NAME)


# -- Identity --------------------------------------------------------------------------


@hookspec(firstresult=True)
def hookline_describe() -> ConnectorInfo:
    """Say who the connector is.

    Called once when the connector is loaded, before any other hook, and again whenever
    metadata is shown (``hookline info``, the registry). It must be cheap and must not
    touch the network.

    Returns:
        The connector's :class:`~hookline.models.ConnectorInfo`: id (equal to its
        entry-point name), version, kind, config model with secret fields typed
        :class:`~hookline.Secret`, capabilities, hosts and hook API version.

    Calling convention: first result wins (``firstresult``); only the connector implements
    it. Wrappers are supported. Since 0.1.
    """


# -- Connection ------------------------------------------------------------------------


@hookspec(firstresult=True)
def hookline_auth(config: Any, context: ConnectorContext) -> Any:
    """Establish the connection from the configuration and its credentials.

    Called once per run (and per command), before check, discover, read or write.

    Args:
        config: the connector's configuration, an instance of its ``config_model``
            (already validated; secrets are :class:`~hookline.Secret`).
        context: where relative paths start and which logger to use.

    Returns:
        A connection object handed unchanged to every later hook as ``connection``:
        an ``httpx.Client``, a database connection, resolved paths. ``None`` means the
        connector needs no connection object. If the object has a ``close()`` method the
        host calls it when the run ends.

    Raises:
        hookline.errors.AuthError: credentials are refused or unusable; the message says
            which setting to fix (never the secret's value).

    Calling convention: first result wins; only the connector implements it. Wrappers are
    supported. Since 0.1.
    """


@hookspec(firstresult=True)
def hookline_check(config: Any, connection: Any) -> CheckResult:
    """Probe cheaply that the connection works (``hookline check``).

    Called on demand, after :func:`hookline_auth`. It should make the smallest request
    that proves credentials and reachability (one page of one resource, a ``SELECT 1``).

    Args:
        config: the connector's validated configuration.
        connection: what :func:`hookline_auth` returned.

    Returns:
        A :class:`~hookline.models.CheckResult`; ``ok=False`` with a message that says
        what to fix. ``None`` (not implemented) counts as passed once auth succeeded.

    Calling convention: first result wins; only the connector implements it. Wrappers are
    supported. Since 0.1.
    """


# -- Discovery -------------------------------------------------------------------------


@hookspec(firstresult=True)
def hookline_discover(config: Any, connection: Any, streams: Sequence[str] | None) -> Catalog:
    """List the streams the source offers.

    Called once per run, after :func:`hookline_auth`, and by ``hookline discover``. Two
    calls with the same configuration and data must return the same catalog.

    Args:
        config: the connector's validated configuration.
        connection: what :func:`hookline_auth` returned.
        streams: the names of the streams the caller will use, or ``None`` for all of
            them (``hookline discover``, a pipeline selecting ``all``). A connector whose
            discovery costs something per stream (a first page fetched, a sample read to
            infer a schema) may discover only these; one that lists everything cheaply
            can leave this argument out of its signature. Each named stream it offers
            must be described exactly as in a full discovery (the conformance check
            ``discover.selection`` compares them); names it does not offer are left out,
            and the host then discovers everything to say which streams exist.

    Returns:
        A :class:`~hookline.models.Catalog`: for each stream its name, JSON Schema,
        primary key, cursor field and sync modes.

    Calling convention: first result wins; only source connectors implement it. Wrappers
    are supported. Since 0.1.
    """


# -- Planning --------------------------------------------------------------------------


@hookspec(firstresult=True)
def hookline_validate_streams(
    config: Any, streams: Sequence[ConfiguredStream], role: str
) -> Sequence[SettingProblem]:
    """Say, before anything is read, which selected streams the configuration cannot serve.

    Called once per run (and by ``hookline test``) after the streams are planned and
    before any record is read or written, once for each side the connector plays. Use it
    for settings a stream needs from the connector's own configuration: a destination
    that sends each stream to an endpoint of its own finds here that a stream has none.
    It must not touch the network.

    Args:
        config: the connector's validated configuration.
        streams: every stream of the run as the connector will see it: as read (for
            ``role == "source"``) or as written, after the mapping (``"destination"``).
        role: ``"source"`` or ``"destination"``: the side the connector plays (a
            connector of kind ``both`` is asked once for each side it plays in the run).

    Returns:
        One :class:`~hookline.models.SettingProblem` per problem: a JSON path into the
        connector's configuration (``$.writes``) and a message saying what to do. The
        host reports them with the config file and the full path, as configuration
        errors (exit code 2), before reading. An empty sequence, or ``None`` (not
        implemented), means every stream can be served.

    Calling convention: first result wins; optional, for sources and destinations.
    Wrappers are supported. Since 0.2.
    """


# -- Reading ---------------------------------------------------------------------------


@hookspec(firstresult=True)
def hookline_read(
    config: Any, connection: Any, stream: ConfiguredStream, state: State | None
) -> Iterable[Batch]:
    """Read one stream, yielding batches of records with the state after each batch.

    Called once per selected stream per run. The host iterates the result lazily and may
    stop early; it commits a batch's ``state`` only once the batch is delivered.

    Args:
        config: the connector's validated configuration.
        connection: what :func:`hookline_auth` returned.
        stream: the stream to read and its sync mode. With ``sync_mode == "full"`` the
            connector reads everything and ignores ``state``.
        state: the state from the last delivered batch of an earlier read, or ``None`` on
            the first read.

    Returns:
        An iterable (usually a generator) of :class:`~hookline.models.Batch`. Each batch's
        ``state`` must be JSON-serializable and must let a later read continue right after
        that batch: resuming from it yields exactly the records that follow.

    Calling convention: first result wins; only source connectors implement it. Wrappers
    are supported (a wrapper sees the iterable, not each batch). Since 0.1.
    """


# -- In flight -------------------------------------------------------------------------


@hookspec
def hookline_transform(stream: ConfiguredStream, batch: TransformBatch) -> None:
    """Change a batch of records in flight, between read and write.

    Called once per batch, for every implementation, in this order: the source
    connector's own (before the pipeline's mapping, with the stream as read), then every
    cross-cutting plugin's (group ``hookline.plugins``; after the mapping, sorted by
    plugin name, ``tryfirst``/``trylast`` apply among them), then the destination
    connector's own (with the stream as written). A connector that is both source and
    destination of a run takes part once, as the source. Each one sees the batch as the
    previous one left it.

    Args:
        stream: the stream the records belong to, as the implementation's side sees it.
        batch: the records in flight. Replace or edit ``batch.records``; move a record that
            cannot be transformed to ``batch.rejected`` with the reason (it goes to the
            dead-letter store) instead of raising.

    Returns:
        ``None``: the hook works on ``batch`` in place. Raise
        :class:`~hookline.errors.TransformError` only when the whole batch cannot go on.

    Calling convention: all implementations are called. Wrappers are supported. Since 0.1.
    """


# -- Writing ---------------------------------------------------------------------------


@hookspec(firstresult=True)
def hookline_write_start(config: Any, connection: Any, stream: ConfiguredStream) -> None:
    """Prepare the destination for one stream's batches in this run.

    Called once per stream per run, before its first :func:`hookline_write`, even when the
    stream turns out to have no records. Create the table or file from
    ``stream.stream.schema`` here, apply the schema policy (``stream.schema_policy``), and
    for ``write_mode == "replace"`` set up the staging area the batches go to (dropping
    any left over by an earlier, interrupted run).

    Args:
        config: the connector's validated configuration.
        connection: what :func:`hookline_auth` returned.
        stream: the stream about to be written: schema, primary key, write mode, policy.

    Returns:
        ``None``. Raise :class:`~hookline.errors.WriteError` when the stream cannot be
        written (for example a schema change that ``freeze`` forbids).

    Calling convention: first result wins; destinations implement it when they need to
    prepare (it is optional). Wrappers are supported. Since 0.1.
    """


@hookspec(firstresult=True)
def hookline_write_finish(config: Any, connection: Any, stream: ConfiguredStream) -> None:
    """Complete one stream after its last batch was written.

    Called once per stream per run, after every batch was written successfully; never
    after a failed write. For ``write_mode == "replace"`` this is where the staged data
    replaces the old, atomically: readers see the old data or the new, never a mix. The
    host commits a ``replace`` stream's final state only after this returns.

    Args:
        config: the connector's validated configuration.
        connection: what :func:`hookline_auth` returned.
        stream: the stream that was written.

    Returns:
        ``None``. Raise :class:`~hookline.errors.WriteError` if the data cannot be made
        final; the old data must then stay as it was.

    Calling convention: first result wins; optional for destinations. Wrappers are
    supported. Since 0.1.
    """


@hookspec(firstresult=True)
def hookline_write(
    config: Any, connection: Any, stream: ConfiguredStream, batch: Batch
) -> WriteResult:
    """Deliver one batch to the destination, durably.

    Called once per batch, in read order. When it returns, the records it counts as
    written must survive a crash: the host then commits ``batch.state``. Writing the same
    batch twice under ``upsert`` must not duplicate records.

    Args:
        config: the connector's validated configuration.
        connection: what :func:`hookline_auth` returned.
        stream: the stream the batch belongs to (its schema, primary key, write mode).
        batch: the records to store.

    Returns:
        A :class:`~hookline.models.WriteResult`: how many records were stored and which
        were rejected, each with the reason.

    Raises:
        hookline.errors.WriteError: the batch as a whole could not be stored; nothing of
            it may be counted as delivered.

    Calling convention: first result wins; only destination connectors implement it.
    Wrappers are supported. Since 0.1.
    """


# -- Testing ---------------------------------------------------------------------------


@hookspec(firstresult=True)
def hookline_conformance_fixture(workdir: Path) -> ConformanceFixture:
    """Set up what the conformance suite needs to exercise the connector offline.

    Called once per ``hookline test`` (and by the pytest plugin and ``hookline registry
    validate``), before any other phase. Create sample data under ``workdir`` (an empty
    directory the suite owns) and, for a connector that talks to a service, start a small
    local fake of that service on loopback; stop it in ``cleanup``.

    Args:
        workdir: an empty directory for the fixture's files; relative paths in the
            returned config are relative to it.

    Returns:
        A :class:`~hookline.models.ConformanceFixture`: a working config (its secret
        values are the canaries the secrets check looks for), and optionally bad
        credentials, an invalid config, the setting that holds the service URL (enables
        the fault checks) and a way to read written records back.

    Calling convention: first result wins; optional (without it only the describe checks
    run, unless ``hookline test --config`` gives a config). Wrappers are supported.
    Since 0.1.
    """
