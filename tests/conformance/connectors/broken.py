"""Broken variants of the reference connectors: each one has exactly one defect.

Each class subclasses a reference and overrides the hook (or hooks) the defect lives in,
re-decorated with ``@hookimpl``. ``DEFECTS`` lists every variant with the conformance
check that must catch it.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import attrs
import httpx
from conformance.connectors.reference import (
    Reference,
    Store,
    stream_document,
    stream_from_document,
)
from conformance.connectors.reference_http import Api, ReferenceHttp

from hookline import hookimpl
from hookline.errors import AuthError
from hookline.models import (
    Batch,
    Catalog,
    ConfiguredStream,
    ConnectorContext,
    State,
    WriteResult,
)
from hookline.secrets import Secret

# -- describe ---------------------------------------------------------------------------


class InvalidId(Reference):
    """Describes itself with an id that is not a valid connector id."""

    connector_id = "Reference Files"


class DeclaresTransformWithoutHook(Reference):
    """Declares the capability ``transform`` but implements no ``hookline_transform``."""

    capabilities = (*Reference.capabilities, "transform")


class ImplementsCheckUndeclared(Reference):
    """Implements ``hookline_check`` but does not declare the capability ``check``."""

    capabilities = tuple(c for c in Reference.capabilities if c != "check")


@attrs.frozen
class PlainApiKeyConfig:
    """The reference settings plus an API key typed as a plain string."""

    directory: str
    token: Secret
    batch_size: int = 5
    api_key: str = ""


class PlainApiKey(Reference):
    """Has a config field ``api_key`` typed ``str`` instead of ``Secret``."""

    config_model = PlainApiKeyConfig


# -- config and check -------------------------------------------------------------------


class AuthRaisesValueError(Reference):
    """Raises a bare ``ValueError`` (a traceback for the user) for a missing directory."""

    @hookimpl
    def hookline_auth(self, config: Any, context: ConnectorContext) -> Store:
        root = self.resolve(config, context)
        if not root.is_dir():
            raise ValueError(f"directory not found: {root}")
        return super().hookline_auth(config, context)


class AcceptsAnyToken(Reference):
    """Never compares the token: bad credentials are accepted."""

    @hookimpl
    def hookline_auth(self, config: Any, context: ConnectorContext) -> Store:
        root = self.resolve(config, context)
        if not root.is_dir():
            return super().hookline_auth(config, context)  # refuses it, as it should
        return Store(root=root, batch_size=config.batch_size, logger=context.logger)


# -- discover ---------------------------------------------------------------------------


class CursorNotInSchema(Reference):
    """Announces a cursor field (``modified_at``) that its schema does not have."""

    @hookimpl
    def hookline_discover(self, config: Any, connection: Store) -> Catalog:
        catalog = super().hookline_discover(config, connection)
        return Catalog(
            attrs.evolve(s, cursor_field="modified_at") if s.name == "customers" else s
            for s in catalog.streams
        )


class ChangingDiscover(Reference):
    """Stamps each discover's customers schema with a call counter: no two catalogs agree."""

    def __init__(self) -> None:
        self.calls = itertools.count(1)

    @hookimpl
    def hookline_discover(self, config: Any, connection: Store) -> Catalog:
        catalog = super().hookline_discover(config, connection)
        call = next(self.calls)
        return Catalog(
            attrs.evolve(s, schema={**s.schema, "description": f"snapshot {call}"})
            if s.name == "customers"
            else s
            for s in catalog.streams
        )


class ReadsFirstStreamAlways(Reference):
    """Ignores which stream it is asked to read and always reads the first one."""

    @hookimpl
    def hookline_read(
        self, config: Any, connection: Store, stream: ConfiguredStream, state: State | None
    ) -> Iterator[Batch]:
        first = self.hookline_discover(config, connection).streams[0]
        return super().hookline_read(config, connection, attrs.evolve(stream, stream=first), state)


class ReorderingDiscover(Reference):
    """Lists the same streams in the opposite order on every second discover."""

    def __init__(self) -> None:
        self.calls = itertools.count()

    @hookimpl
    def hookline_discover(self, config: Any, connection: Store) -> Catalog:
        streams = list(super().hookline_discover(config, connection).streams)
        if next(self.calls) % 2:
            streams.reverse()
        return Catalog(streams)


# -- read -------------------------------------------------------------------------------


class RecordViolatesSchema(Reference):
    """Emits customer 4 with ``tier`` set to ``"platinum"``, outside the schema's enum."""

    @hookimpl
    def hookline_read(
        self, config: Any, connection: Store, stream: ConfiguredStream, state: State | None
    ) -> Iterator[Batch]:
        for batch in super().hookline_read(config, connection, stream, state):
            records = [
                {**r, "tier": "platinum"} if stream.name == "customers" and r["id"] == 4 else r
                for r in batch.records
            ]
            yield Batch(records, batch.state)


class DuplicatePrimaryKey(Reference):
    """Emits the first order (id 101) a second time in the last batch of a full read."""

    @hookimpl
    def hookline_read(
        self, config: Any, connection: Store, stream: ConfiguredStream, state: State | None
    ) -> Iterator[Batch]:
        batches = list(super().hookline_read(config, connection, stream, state))
        if stream.name == "orders" and len(batches) >= 2 and stream.sync_mode == "full":
            first = batches[0].records[0]
            last = batches[-1]
            batches[-1] = Batch([*last.records, dict(first)], last.state)
        yield from batches


class StateNeverAdvances(Reference):
    """Hands back the state it was given after every batch: resuming starts over."""

    @hookimpl
    def hookline_read(
        self, config: Any, connection: Store, stream: ConfiguredStream, state: State | None
    ) -> Iterator[Batch]:
        for batch in super().hookline_read(config, connection, stream, state):
            yield Batch(batch.records, dict(state or {}))


class ReemitsOldestRecord(Reference):
    """Resuming from a state also emits the stream's oldest record again."""

    @hookimpl
    def hookline_read(
        self, config: Any, connection: Store, stream: ConfiguredStream, state: State | None
    ) -> Iterator[Batch]:
        if stream.sync_mode == "incremental" and state:
            everything = list(super().hookline_read(config, connection, stream, None))
            if everything:
                yield Batch([everything[0].records[0]], dict(state))
        yield from super().hookline_read(config, connection, stream, state)


class ResumeOffByOne(Reference):
    """Each batch's state points one record too early: resuming repeats a record."""

    @hookimpl
    def hookline_read(
        self, config: Any, connection: Store, stream: ConfiguredStream, state: State | None
    ) -> Iterator[Batch]:
        stored, _ = self.stored(connection, stream.name)
        for batch in super().hookline_read(config, connection, stream, state):
            assert batch.state is not None
            if stored.cursor_field is not None:
                if len(batch.records) >= 2:
                    before = {"cursor": batch.records[-2][stored.cursor_field]}
                else:
                    before = dict(state or {})
            else:
                before = {"position": batch.state["position"] - 1}
            yield Batch(batch.records, before)
            state = batch.state


# -- secrets ----------------------------------------------------------------------------


class LogsToken(Reference):
    """Logs the revealed token when it connects."""

    @hookimpl
    def hookline_auth(self, config: Any, context: ConnectorContext) -> Store:
        store = super().hookline_auth(config, context)
        context.logger.info("opened %s with token %s", store.root, config.token.reveal())
        return store


class TokenInState(Reference):
    """Puts the revealed token into every batch's state."""

    @hookimpl
    def hookline_read(
        self, config: Any, connection: Store, stream: ConfiguredStream, state: State | None
    ) -> Iterator[Batch]:
        for batch in super().hookline_read(config, connection, stream, state):
            yield Batch(batch.records, {**(batch.state or {}), "auth": config.token.reveal()})


# -- write ------------------------------------------------------------------------------


class UpsertAppends(Reference):
    """Treats upsert as append: writing a batch twice duplicates it."""

    @hookimpl
    def hookline_write(
        self, config: Any, connection: Store, stream: ConfiguredStream, batch: Batch
    ) -> WriteResult:
        appending = attrs.evolve(stream, write_mode="append")
        return super().hookline_write(config, connection, appending, batch)


class DropsNewField(Reference):
    """Keeps a stream's schema as first written and silently drops any field it lacks."""

    @hookimpl
    def hookline_write_start(
        self, config: Any, connection: Store, stream: ConfiguredStream
    ) -> None:
        if connection.load(stream.name) is None:
            connection.save(stream.name, stream_document(stream.stream, []))

    @hookimpl
    def hookline_write(
        self, config: Any, connection: Store, stream: ConfiguredStream, batch: Batch
    ) -> WriteResult:
        document = connection.load(stream.name)
        known = set(stream.stream.schema.get("properties", {}))
        if document is not None:
            known = set(stream_from_document(document).schema.get("properties", {}))
        kept = [{k: v for k, v in r.items() if k in known} for r in batch.records]
        return super().hookline_write(config, connection, stream, Batch(kept, batch.state))


class FreezeIgnored(Reference):
    """Declares ``freeze`` but evolves the schema under ``freeze`` too."""

    @hookimpl
    def hookline_write_start(
        self, config: Any, connection: Store, stream: ConfiguredStream
    ) -> None:
        evolving = attrs.evolve(stream, schema_policy="evolve")
        super().hookline_write_start(config, connection, evolving)


class LosesLastBatch(Reference):
    """Buffers each batch until the next one arrives, and never flushes at the end."""

    def __init__(self) -> None:
        self.buffered: dict[str, list[dict[str, Any]]] = {}

    @hookimpl
    def hookline_write(
        self, config: Any, connection: Store, stream: ConfiguredStream, batch: Batch
    ) -> WriteResult:
        previous = self.buffered.get(stream.name)
        self.buffered[stream.name] = list(batch.records)
        if previous:
            super().hookline_write(config, connection, stream, Batch(previous, None))
        return WriteResult(written=len(batch.records))


# -- HTTP faults ------------------------------------------------------------------------


def _raw_client(config: Any) -> httpx.Client:
    return httpx.Client(
        base_url=config.base_url,
        headers={"Authorization": f"Bearer {config.token.reveal()}"},
        timeout=5.0,
    )


class _RawHttpReader(ReferenceHttp):
    """Reads the same pages as the reference, through a raw ``httpx.Client``."""

    def raw_get(self, client: httpx.Client, path: str, params: dict[str, Any]) -> httpx.Response:
        response = client.get(path, params=params)
        response.raise_for_status()
        return response

    @hookimpl
    def hookline_read(
        self, config: Any, connection: Api, stream: ConfiguredStream, state: State | None
    ) -> Iterator[Batch]:
        params: dict[str, Any] = {"offset": 0, "limit": connection.page_size}
        if stream.sync_mode == "incremental" and state and state.get("cursor"):
            params["updated_after"] = state["cursor"]
        with _raw_client(config) as client:
            while True:
                body = self.raw_get(client, f"/{stream.name}", params).json()
                records = body["data"]
                if records:
                    cursor = records[-1].get("updated_at")
                    yield Batch(records, {"cursor": cursor} if cursor else None)
                params["offset"] += len(records)
                if not records or not body["meta"]["has_more"]:
                    return


class IgnoresRetryAfter(_RawHttpReader):
    """Retries a 429 or 503 at once, up to ten times, never reading Retry-After."""

    def raw_get(self, client: httpx.Client, path: str, params: dict[str, Any]) -> httpx.Response:
        for _ in range(10):
            response = client.get(path, params=params)
            if response.status_code not in (429, 503):
                break
        if response.status_code == 401:
            raise AuthError("the API refused the token; check the setting 'token'")
        response.raise_for_status()
        return response


class Raw401(_RawHttpReader):
    """Calls ``raise_for_status()`` on raw responses: a 401 is an httpx.HTTPStatusError.

    It waits out a 429 or 503 as Retry-After asks, so that only the 401 is mishandled.
    """

    def raw_get(self, client: httpx.Client, path: str, params: dict[str, Any]) -> httpx.Response:
        for _ in range(10):
            response = client.get(path, params=params)
            if response.status_code not in (429, 503):
                break
            time.sleep(float(response.headers.get("Retry-After", "1")))
        response.raise_for_status()
        return response


__all__ = [
    "AcceptsAnyToken",
    "AuthRaisesValueError",
    "ChangingDiscover",
    "CursorNotInSchema",
    "DeclaresTransformWithoutHook",
    "DropsNewField",
    "DuplicatePrimaryKey",
    "FreezeIgnored",
    "IgnoresRetryAfter",
    "ImplementsCheckUndeclared",
    "InvalidId",
    "LogsToken",
    "LosesLastBatch",
    "PlainApiKey",
    "Raw401",
    "RecordViolatesSchema",
    "ReadsFirstStreamAlways",
    "ReorderingDiscover",
    "ReemitsOldestRecord",
    "ResumeOffByOne",
    "StateNeverAdvances",
    "TokenInState",
    "UpsertAppends",
]
