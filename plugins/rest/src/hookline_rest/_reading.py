"""Reading a stream: pages walked with ``paginate``, one batch per page, safe resumption.

A batch's state (JSON)::

    {"bookmark": "2026-03-01T10:00:00Z",        # the largest cursor value delivered
     "boundary": ["[17]", "[18]"],               # keys delivered with the bookmark's value
     "walk": {"since": "2026-02-28T10:00:00Z",   # what the walk asked from (cursor.param)
              "reached": "2026-03-01T10:00:00Z"}} # "bookmark": the walk's largest value

    # or, resuming at a "position", paginate's state for the next page (without secrets):
     "walk": {"since": null, "page": {"url": "https://api.example.com/o?after=40",
                                      "stripped": ["api_key"]}}

``bookmark`` is absent until a record with a cursor value was delivered (and in streams
without a cursor). ``boundary`` is described in :mod:`hookline_rest._boundary`; it is
absent with ``cursor.exclusive`` (the API never sends the bookmark's value again), and
once a walk that looks back (``cursor.lookback_seconds``) is over, since the next walk
delivers its whole window again by design.

``walk`` is there only while a walk is unfinished (stopped at ``pagination.max_pages``, or
interrupted). How a later read goes on with it is the stream's :func:`resumption`:

* ``"position"``: at the next page (``walk.page``), with the same ``since``. Exact only
  when positions do not shift: ``pagination.immutable``, cursor pagination (the server
  keeps its cursor stable) and ``pagination.stable_links``.
* ``"bookmark"``: ask again with ``cursor.param`` from ``walk.reached``, the largest
  cursor value the walk delivered, dropping what the boundary says was delivered. Exact
  when the API answers in ascending cursor order (``cursor.sorted``) with an inclusive
  parameter; before the walk delivered a cursor value it restarts. Such a walk asks
  every page after the first the same way (keyset style), so records that change while
  it goes on shift nothing either (see :func:`read_stream`).
* ``"restart"``: the walk starts again from its ``since``: the pages read come again (at
  least once), nothing is skipped. Page numbers and offsets of a collection that changes
  shift (a record edited moves to the end and the rest move up), so going on at the next
  page would skip a record.

Without ``walk``, a read starts a new walk from ``bookmark - lookback_seconds``.
"""

from __future__ import annotations

__all__ = ["first_page", "page_request", "read_stream", "resumption"]

import json
import logging
from collections.abc import Collection, Hashable, Iterator
from typing import Any, Literal

import attrs
import httpx

from hookline.errors import ReadError
from hookline.http import HttpClient, Page, paginate
from hookline.models import Batch, ReadProgress, Record, State
from hookline_rest._boundary import Bookmark, record_key
from hookline_rest._client import ClientSender, pagination_spec
from hookline_rest._cursor import cursor_key, later, minus
from hookline_rest.config import StreamConfig

log = logging.getLogger("hookline.rest")

Resumption = Literal["position", "bookmark", "restart"]


def resumption(stream: StreamConfig) -> Resumption:
    """Return how an unfinished walk of ``stream`` goes on; see the module."""
    pagination = stream.pagination
    if pagination.immutable or pagination.kind == "cursor" or pagination.stable_links:
        return "position"
    if stream.cursor is not None and stream.cursor.sorted:
        return "bookmark"
    return "restart"


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


def first_page(client: HttpClient, stream: StreamConfig, *, keep: bool = False) -> Page:
    """Fetch the stream's first page (for check and schema inference).

    The walk is a generator: taking its first page fetches that page only (a page cap of
    one would log that pages remain, which is no news here). With ``keep``, the response
    is kept for the stream's read, which takes it if it asks for that very page first
    (see :class:`~hookline_rest._client.ClientSender`).
    """
    pages = paginate(
        ClientSender(client, keep_for=stream.name if keep else None),
        page_request(client, stream),
        pagination_spec(stream.pagination),
        records_path=stream.records,
        secret_params=client.secret_params,
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


def _key(record: Record, fields: tuple[str, ...]) -> Hashable | None:
    """Return the record's primary key as a dict key, ``None`` when a field is missing.

    Keys made only of integers and strings (the usual ones) are tuples of them: no two
    such values are equal unless they are the same value (booleans and floats, which
    equal integers, take the other way). Any other key is its JSON text, which a tuple
    never equals.
    """
    try:
        values = tuple([record[field] for field in fields])
    except KeyError:
        return None
    if all(type(value) is int or type(value) is str for value in values):
        return values
    return json.dumps(list(values), sort_keys=True, default=str)


@attrs.frozen
class _Start:
    """Where a read starts: the walk's ``since``, what it asks from now, and its position."""

    since: Any
    ask: Any
    page: State | None
    reached: Any
    bookmark: Bookmark


def _keys(value: Any) -> list[str]:
    return [k for k in value if isinstance(k, str)] if isinstance(value, list) else []


def _start(stream: StreamConfig, state: State | None) -> _Start:
    """Return where to start or continue from, as the module describes."""
    state = state or {}
    cursor = stream.cursor
    cap = cursor.max_boundary_keys if cursor is not None else 0
    value = state.get("bookmark")
    walk = state.get("walk")
    if isinstance(walk, dict):
        since = walk.get("since")
        how = resumption(stream)
        bookmark = Bookmark(value, _keys(state.get("boundary")), cap)
        page = walk.get("page")
        if how == "position" and isinstance(page, dict):
            return _Start(since, since, page, None, bookmark)
        reached = walk.get("reached")
        if how == "bookmark" and reached is not None:
            return _Start(since, reached, None, reached, bookmark)
        return _Start(since, since, None, None, bookmark)
    if value is None or cursor is None:
        return _Start(None, None, None, None, Bookmark(value, (), cap))
    try:
        since = minus(value, cursor.lookback_seconds)
    except ValueError as exc:
        raise ReadError(str(exc), stream=stream.name) from None
    # A walk that looks back delivers its whole window again by design: no boundary.
    keys = () if cursor.lookback_seconds else _keys(state.get("boundary"))
    return _Start(since, since, None, None, Bookmark(value, keys, cap))


def _state(stream: StreamConfig, start: _Start, reached: Any, page: Page) -> State:
    """The state once ``page`` is delivered; see the module."""
    cursor = stream.cursor
    bookmark = start.bookmark
    state: State = {}
    if bookmark.value is not None:
        state["bookmark"] = bookmark.value
        over = page.state is None and cursor is not None and cursor.lookback_seconds > 0
        exclusive = cursor is not None and cursor.exclusive
        if bookmark.keys and not exclusive and not over:
            state["boundary"] = list(bookmark.keys)
    if page.state is not None:
        walk: dict[str, Any] = {"since": start.since}
        how = resumption(stream)
        if how == "position":
            walk["page"] = page.state
        elif how == "bookmark" and reached is not None:
            walk["reached"] = reached
        state["walk"] = walk
    return state


def _warn_about(stream: StreamConfig, page: Page, bookmark: Bookmark, warned: bool) -> bool:
    """Log what the next read cannot do exactly; return whether an overflow was reported."""
    if page.capped and resumption(stream) == "restart":
        log.warning(
            "stream %r: stopped at pagination.max_pages (%d); the next read starts this walk "
            "again from its beginning, since page positions shift when records change: "
            "raise pagination.max_pages, or set cursor.sorted or pagination.immutable "
            "where it holds",
            stream.name,
            stream.pagination.max_pages,
        )
    if bookmark.overflow and not warned:
        log.warning(
            "stream %r: more records share the cursor value %s than "
            "cursor.max_boundary_keys (%d) keeps; those past it come again on the next "
            "read: raise cursor.max_boundary_keys",
            stream.name,
            bookmark.value,
            bookmark.cap,
        )
        return True
    return warned


class _Walk:
    """One read's progress: what it delivered, and what it asks the API from."""

    def __init__(self, stream: StreamConfig, start: _Start) -> None:
        self.stream = stream
        self.bookmark = start.bookmark
        self.reached = start.reached
        self.ask = start.ask
        self.floor = cursor_key(start.ask) if start.ask is not None else None
        self.field = stream.cursor.field if stream.cursor is not None else None
        self.seen: dict[Hashable, Any] = {}  # primary key -> the cursor value delivered with it
        self.older = False  # a page held a record older than the cursor parameter asked

    def select(self, page: Page) -> list[Record]:
        """Return the records of ``page`` to deliver, and take them into account."""
        stream, chosen = self.stream, []
        for record in _objects(page.records, stream, page.url):
            value = record.get(self.field) if self.field is not None else None
            if self.floor is not None and value is not None and cursor_key(value) < self.floor:
                self.older = True
                continue
            key = _key(record, stream.primary_key) if stream.primary_key else None
            if key is not None:
                if key in self.seen and not _newer(value, self.seen[key]):
                    continue
                self.seen[key] = value
            if value is not None:
                boundary_key = record_key(record, stream.primary_key)
                if self.bookmark.delivered(value, boundary_key):
                    continue
                self.bookmark.add(value, boundary_key)
                self.reached = later(self.reached, value)
            chosen.append(record)
        return chosen

    def anchor(self) -> bool:
        """Ask from where the walk reached, if it moved on; return whether it did."""
        if self.reached is None or (
            self.ask is not None and cursor_key(self.reached) <= cursor_key(self.ask)
        ):
            return False
        self.ask, self.floor, self.older = self.reached, cursor_key(self.reached), False
        return True


def read_stream(
    client: HttpClient,
    stream: StreamConfig,
    state: State | None,
    *,
    incremental: bool,
    secret_params: Collection[str] = (),
) -> Iterator[Batch]:
    """Yield one :class:`Batch` per page of ``stream``; see the module for the state.

    With ``incremental`` false the state is ignored and everything is read. A record
    whose primary key was already delivered in this read is dropped unless its cursor
    value grew (it changed while the walk went on); so are records whose cursor is older
    than what the walk asks from and records the boundary says were delivered.
    ``secret_params`` names more query parameters kept out of stored URLs.

    With ``resumption(stream) == "bookmark"`` every page after the first is asked for
    anew from the largest cursor value delivered (keyset style), so records moving behind
    the walk's position shift nothing; while a page brings no later value (many records
    share one), the walk goes on by position. An API that answers records older than
    the parameter asked (it ignores ``cursor.param``) is walked by position after a
    warning.
    """
    start = _start(stream, state if incremental else None)
    walk = _Walk(stream, start)
    keyset = resumption(stream) == "bookmark"
    hidden = {*client.secret_params, *secret_params}
    position, pages_left, warned = start.page, stream.pagination.max_pages, False
    received = 0  # records received in this read, for progress
    first: str | None = stream.name  # the walk's first request may be the kept page
    while True:
        pages = paginate(
            ClientSender(client, reuse_for=first),
            page_request(client, stream, walk.ask),
            pagination_spec(stream.pagination),
            records_path=stream.records,
            max_pages=pages_left,
            state=position,
            secret_params=hidden,
            total_header=stream.total_header,
        )
        anchored = False
        before = received  # what earlier walks received: a new walk's total is what is left
        for page in pages:
            pages_left -= 1
            received += len(page.records)
            records = walk.select(page)
            if incremental:
                warned = _warn_about(stream, page, walk.bookmark, warned)
            progress = None
            if page.total is not None:
                known = max(before + page.total, received)
                progress = ReadProgress(received, known, "records")
            yield Batch(
                records=records,
                state=_state(stream, start, walk.reached, page),
                progress=progress,
            )
            if page.state is None or page.capped:
                return
            if keyset and walk.older:
                keyset = False
                walk.floor = cursor_key(start.ask) if start.ask is not None else None
                log.warning(
                    "stream %r: %s answered records older than %s=%s asked; walking on by "
                    "page position: check cursor.param, or remove cursor.sorted",
                    stream.name,
                    page.url,
                    stream.cursor.param if stream.cursor is not None else None,
                    walk.ask,
                )
            if keyset and walk.anchor():
                anchored = True
                break
        if not anchored:
            return
        position, first = None, None


def _newer(value: Any, delivered: Any) -> bool:
    """Whether cursor ``value`` is later than the one a record was delivered with."""
    if value is None or delivered is None:
        return False
    return cursor_key(value) > cursor_key(delivered)
