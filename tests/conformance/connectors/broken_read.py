"""Broken variants for the read, state, config-value and boundedness checks: one defect each.

Like :mod:`conformance.connectors.broken`, each class subclasses a reference connector and
overrides the hook (or helper) its defect lives in. Their defects hide from a suite that
takes the connector's own full read as the truth, tries one invalid config, and reads
without limit: a pager that drops a page, a state taken on trust, a batch size of zero,
a pager that never ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
from conformance.connectors.reference import Reference, Store
from conformance.connectors.reference_http import Api, ReferenceHttp

from hookline import hookimpl
from hookline.conformance import ConformanceFixture
from hookline.models import Batch, Catalog, ConfiguredStream, State, Stream

# -- config values ----------------------------------------------------------------------


class TakesAnyBatchSize(Reference):
    """Steps through records by the configured batch size as given: 0 raises, -1 reads none."""

    @hookimpl
    def hookline_read(
        self, config: Any, connection: Store, stream: ConfiguredStream, state: State | None
    ) -> Iterator[Batch]:
        stored, records = self.stored(connection, stream.name)
        if stream.sync_mode == "full":
            state = None
        records, position = self.pending(stored, records, state)
        for start in range(0, len(records), config.batch_size):
            batch = records[start : start + config.batch_size]
            position += len(batch)
            yield Batch(batch, self.state_after(stored, batch, position))


# -- records against their schema ------------------------------------------------------


class RelativeProfileLinks(Reference):
    """Declares each customer's ``profile`` a ``format: uri`` yet reads a relative path
    (``customers/3``) there, not an absolute URI."""

    @hookimpl
    def hookline_discover(self, config: Any, connection: Store) -> Catalog:
        catalog = super().hookline_discover(config, connection)
        profile = {"type": "string", "format": "uri"}
        return Catalog(
            [
                attrs.evolve(
                    s,
                    schema={
                        **s.schema,
                        "properties": {**s.schema["properties"], "profile": profile},
                    },
                )
                if s.name == "customers"
                else s
                for s in catalog.streams
            ]
        )

    @hookimpl
    def hookline_read(
        self, config: Any, connection: Store, stream: ConfiguredStream, state: State | None
    ) -> Iterator[Batch]:
        for batch in super().hookline_read(config, connection, stream, state):
            if stream.name != "customers":
                yield batch
                continue
            records = [{**r, "profile": f"customers/{r['id']}"} for r in batch.records]
            yield Batch(records, batch.state)


class ClosedSchemaExtraField(Reference):
    """Declares its orders closed (``additionalProperties: false``) yet reads each with an
    internal ``_row`` field the schema does not admit."""

    @hookimpl
    def hookline_discover(self, config: Any, connection: Store) -> Catalog:
        catalog = super().hookline_discover(config, connection)
        return Catalog(
            [
                attrs.evolve(s, schema={**s.schema, "additionalProperties": False})
                if s.name == "orders"
                else s
                for s in catalog.streams
            ]
        )

    @hookimpl
    def hookline_read(
        self, config: Any, connection: Store, stream: ConfiguredStream, state: State | None
    ) -> Iterator[Batch]:
        for batch in super().hookline_read(config, connection, stream, state):
            if stream.name != "orders":
                yield batch
                continue
            records = [{**r, "_row": n} for n, r in enumerate(batch.records)]
            yield Batch(records, batch.state)


# -- state ------------------------------------------------------------------------------


class StateKeyError(Reference):
    """Takes any state for its own: one without its key is a raw ``KeyError``."""

    def bookmark(self, stored: Stream, state: State | None) -> Any:
        if state is None:
            return None
        return state["cursor" if stored.cursor_field is not None else "position"]


class StateTypeError(Reference):
    """Uses the state's bookmark without looking at its type: a raw ``TypeError``."""

    def bookmark(self, stored: Stream, state: State | None) -> Any:
        key = "cursor" if stored.cursor_field is not None else "position"
        return state.get(key) if state else None


class FullReadHonoursState(Reference):
    """Resumes from the state it is given in a full read too."""

    @hookimpl
    def hookline_read(
        self, config: Any, connection: Store, stream: ConfiguredStream, state: State | None
    ) -> Iterator[Batch]:
        stored, records = self.stored(connection, stream.name)
        records, position = self.pending(stored, records, state)
        size = max(1, connection.batch_size)
        for start in range(0, len(records), size):
            batch = records[start : start + size]
            position += len(batch)
            yield Batch(batch, self.state_after(stored, batch, position))


class ResumesByPosition(Reference):
    """Resumes its cursor stream by position in cursor order, as if nothing ever changed.

    On unchanging data that is exact; once records are updated (they move to the end of
    the cursor order) or added, positions shift and a resumed read misses records.
    """

    def bookmark(self, stored: Stream, state: State | None) -> Any:
        return super().bookmark(attrs.evolve(stored, cursor_field=None), state)

    def pending(
        self, stored: Stream, records: list[dict[str, Any]], state: State | None
    ) -> tuple[list[dict[str, Any]], int]:
        cursor = stored.cursor_field
        if cursor is not None:
            records = sorted(records, key=lambda r: (r[cursor], r["id"]))
        start = self.bookmark(stored, state) or 0
        return records[start:], start

    def state_after(self, stored: Stream, batch: list[dict[str, Any]], position: int) -> State:
        return {"position": position}


# -- completeness -----------------------------------------------------------------------


class DropsLastPage(ReferenceHttp):
    """Ends the products walk at the page that says there are no more, without its records."""

    def pages(self, connection: Api, name: str, params: dict[str, Any]) -> Iterator[list[Any]]:
        if name != "products":
            yield from super().pages(connection, name, params)
            return
        offset = 0
        while True:
            body = connection.client.get_json(
                f"/{name}", params={**params, "offset": offset, "limit": connection.page_size}
            )
            if not body["meta"]["has_more"]:
                return
            yield body["data"]
            offset += len(body["data"])


class StopsAfterFirstPage(ReferenceHttp):
    """Reads the first page of products and stops: it never follows ``has_more``."""

    def pages(self, connection: Api, name: str, params: dict[str, Any]) -> Iterator[list[Any]]:
        if name != "products":
            yield from super().pages(connection, name, params)
            return
        body = connection.client.get_json(
            f"/{name}", params={**params, "offset": 0, "limit": connection.page_size}
        )
        yield body["data"]


# -- boundedness ------------------------------------------------------------------------


class PagerLoopsForever(ReferenceHttp):
    """Asks for the first page of customers again and again: its offset never advances."""

    def pages(self, connection: Api, name: str, params: dict[str, Any]) -> Iterator[list[Any]]:
        if name != "customers":
            yield from super().pages(connection, name, params)
            return
        while True:
            body = connection.client.get_json(
                f"/{name}", params={**params, "offset": 0, "limit": connection.page_size}
            )
            yield body["data"]


class AccumulatesForever(ReferenceHttp):
    """Collects every page of customers before yielding any, and its walk never ends."""

    def pages(self, connection: Api, name: str, params: dict[str, Any]) -> Iterator[list[Any]]:
        if name != "customers":
            yield from super().pages(connection, name, params)
            return
        collected: list[Any] = []
        while True:
            body = connection.client.get_json(
                f"/{name}", params={**params, "offset": 0, "limit": connection.page_size}
            )
            collected += body["data"]


# -- evidence a fixture leaves out ------------------------------------------------------


class UndeclaredFixture(Reference):
    """A good connector whose fixture declares neither record_counts nor change_data."""

    def make_fixture(self, workdir: Path) -> ConformanceFixture:
        fixture = super().make_fixture(workdir)
        return attrs.evolve(fixture, record_counts=None, change_data=None)


__all__ = [
    "AccumulatesForever",
    "ClosedSchemaExtraField",
    "RelativeProfileLinks",
    "DropsLastPage",
    "FullReadHonoursState",
    "PagerLoopsForever",
    "ResumesByPosition",
    "StateKeyError",
    "StateTypeError",
    "StopsAfterFirstPage",
    "TakesAnyBatchSize",
    "UndeclaredFixture",
]
