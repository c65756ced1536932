"""Reading a stream: pages walked with ``paginate``, one batch per page, exact resumption.

A batch's state (JSON)::

    {"bookmark": "2026-03-01T10:00:00Z",           # the largest cursor value delivered
     "walk": {"since": "2026-02-28T10:00:00Z",      # what the walk asked from (cursor.param)
              "page": {"page": 4}}}                 # paginate's state: the next page

``walk`` is there only while a walk is unfinished: a later read continues it with the same
``since`` and from the same page. Without ``walk``, a read starts a new walk from
``bookmark - lookback_seconds``. ``bookmark`` is absent until a record with a cursor
value was delivered (and in streams without a cursor).
"""

from __future__ import annotations

__all__ = ["first_page", "page_request", "read_stream"]

import json
from collections.abc import Iterator
from typing import Any

import httpx

from hookline.errors import ReadError
from hookline.http import HttpClient, Page, paginate
from hookline.models import Batch, Record, State
from hookline_rest._client import ClientSender, pagination_spec
from hookline_rest._cursor import cursor_key, later, minus
from hookline_rest.config import StreamConfig


def page_request(client: HttpClient, stream: StreamConfig, since: Any = None) -> httpx.Request:
    """Return the first page's request (without pagination parameters)."""
    params = {k: _param(v) for k, v in stream.params.items()}
    if since is not None and stream.cursor is not None and stream.cursor.param:
        params[stream.cursor.param] = _param(since)
    return client.httpx_client.build_request("GET", stream.path, params=params)


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def first_page(client: HttpClient, stream: StreamConfig) -> Page:
    """Fetch the stream's first page (for check and schema inference).

    The walk is a generator: taking its first page fetches that page only (a page cap of
    one would log that pages remain, which is no news here).
    """
    pages = paginate(
        ClientSender(client),
        page_request(client, stream),
        pagination_spec(stream.pagination),
        records_path=stream.records,
    )
    return next(iter(pages))


def _objects(records: list[Any], stream: StreamConfig, url: str) -> list[Record]:
    for record in records:
        if not isinstance(record, dict):
            where = f"records path {stream.records!r}" if stream.records else "the body's list"
            raise ReadError(
                f"{url}: the {where} holds a {type(record).__name__}, not objects; point "
                "records at the list of record objects",
                stream=stream.name,
            )
    return records


def _key(record: Record, fields: tuple[str, ...]) -> str | None:
    if any(field not in record for field in fields):
        return None
    return json.dumps([record[field] for field in fields], sort_keys=True, default=str)


def _walk_start(stream: StreamConfig, state: State | None) -> tuple[Any, Any, Any]:
    """Return (bookmark, since, page state) to start or continue from."""
    state = state or {}
    bookmark = state.get("bookmark")
    walk = state.get("walk")
    if isinstance(walk, dict):
        return bookmark, walk.get("since"), walk.get("page")
    if bookmark is None or stream.cursor is None:
        return bookmark, None, None
    try:
        since = minus(bookmark, stream.cursor.lookback_seconds)
    except ValueError as exc:
        raise ReadError(str(exc), stream=stream.name) from None
    return bookmark, since, None


def read_stream(
    client: HttpClient, stream: StreamConfig, state: State | None, *, incremental: bool
) -> Iterator[Batch]:
    """Yield one :class:`Batch` per page of ``stream``; see the module for the state.

    With ``incremental`` false the state is ignored and everything is read. Records whose
    primary key was already delivered in this read are dropped (overlapping pages), and
    in incremental reads so are records whose cursor is older than the walk's ``since``.
    """
    bookmark, since, resume = _walk_start(stream, state if incremental else None)
    cursor_field = stream.cursor.field if stream.cursor is not None else None
    floor = cursor_key(since) if since is not None else None
    seen: set[str] = set()
    pages = paginate(
        ClientSender(client),
        page_request(client, stream, since),
        pagination_spec(stream.pagination),
        records_path=stream.records,
        max_pages=stream.pagination.max_pages,
        state=resume,
    )
    for page in pages:
        records: list[Record] = []
        for record in _objects(page.records, stream, page.url):
            if stream.primary_key:
                key = _key(record, stream.primary_key)
                if key is not None:
                    if key in seen:
                        continue
                    seen.add(key)
            if cursor_field is not None:
                value = record.get(cursor_field)
                if floor is not None and value is not None and cursor_key(value) < floor:
                    continue
                bookmark = later(bookmark, value)
            records.append(record)
        new_state: State = {}
        if bookmark is not None:
            new_state["bookmark"] = bookmark
        if page.state is not None:
            new_state["walk"] = {"since": since, "page": page.state}
        yield Batch(records=records, state=new_state)
