"""Pagination: frozen specs for the common styles, and :func:`paginate` that walks them.

The specs: :class:`PageNumberPagination` (``?page=2``), :class:`OffsetPagination`
(``?offset=20&limit=10``), :class:`CursorPagination` (a cursor from the body sent back as a
parameter), :class:`NextUrlPagination` (the next URL in the body) and
:class:`LinkHeaderPagination` (the ``Link`` header's ``rel="next"``). Walking stops on an
empty page, a missing next cursor or URL, a false has-more flag, a reached total, or the
page cap ``max_pages`` (the last page then says ``capped``). A page whose body lacks the
records path is an error, not an empty page; ``null`` there is an empty page (see
:mod:`hookline.http._records`). Bodies are parsed with integers of any size kept exact.
A page asked for twice (A→A, or a cycle A→B→A) raises :class:`hookline.errors.ReadError`
naming it.

Each :class:`Page` carries a ``state``; ``paginate(..., state=...)`` goes on after it. Pages
are not deduplicated: when data shifts between requests (records inserted while paging by
offset) a page may repeat records of the one before; dedup by key is the connector's job.

A page state never holds a secret, so it can be stored as it is. The URL styles keep the
next page's URL (``{"url": "https://api.example.com/items?after=30"}``); a server that
echoes a query API key into its links would otherwise put the key in the state. Before a
state is yielded, every query parameter whose value holds a registered secret
(:mod:`hookline.secrets`), every parameter named in ``secret_params`` and the parameter of
a query :class:`~hookline.http.ApiKeyAuth` on the client, and any user-info part are
removed from its URL; the names removed are listed under ``"stripped"``::

    {"url": "https://api.example.com/items?after=30", "stripped": ["api_key"]}

Building the request for such a state puts them back from the first page's request (and
its user-info); an auth flow that sets its parameter on every request, as ``ApiKeyAuth``
does, puts its own back as well.
"""

from __future__ import annotations

__all__ = [
    "CursorPagination",
    "Fetched",
    "LinkHeaderPagination",
    "NextUrlPagination",
    "OffsetPagination",
    "Page",
    "PageNumberPagination",
    "Pagination",
    "find",
    "paginate",
]

import functools
import logging
from collections.abc import Collection, Iterator, Mapping
from typing import Any, Protocol

import attrs
import httpx
import jmespath
import jmespath.exceptions
import jmespath.parser

from hookline.errors import ReadError
from hookline.http._auth import ApiKeyAuth
from hookline.http._json import decode_json
from hookline.http._records import MissingRecords, select_records
from hookline.secrets import redact

log = logging.getLogger("hookline.http")

State = dict[str, Any]


@functools.lru_cache(maxsize=256)
def _compile(path: str) -> jmespath.parser.ParsedResult:
    try:
        return jmespath.compile(path)
    except jmespath.exceptions.ParseError as exc:
        raise ValueError(f"{path!r} is not a dotted path or JMESPath expression: {exc}") from None


def find(body: Any, path: str) -> Any:
    """Return the value at ``path`` in ``body``, or ``None`` when it is not there.

    ``path`` is a JMESPath expression: a dotted path such as ``data.items``, or more, such
    as ``data[?active].customer`` or ``meta."next-cursor"``.
    """
    return _compile(path).search(body)


def _is_false(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("", "false", "0", "no")
    return not value


@attrs.frozen
class Fetched:
    """A page as received (request, response, decoded body, records): what a spec reads."""

    request: httpx.Request
    response: httpx.Response
    body: Any
    records: list[Any]


@attrs.frozen(kw_only=True)
class Pagination:
    """The base of every pagination spec; it holds the stop conditions they share."""

    #: Stop when a page holds no records.
    stop_on_empty: bool = True
    #: Path to a flag in the body; stop when it is false.
    has_more_path: str | None = None

    def initial(self) -> State:
        """Return the state that asks for the first page."""
        return {}

    def build(self, template: httpx.Request, state: State) -> httpx.Request:
        """Return the request for the page ``state`` describes."""
        return template

    def next_state(self, state: State, got: Fetched) -> State | None:
        """Return the state for the page after this one, or ``None`` when this is the last."""
        raise NotImplementedError


def _with_params(template: httpx.Request, params: Mapping[str, Any]) -> httpx.Request:
    url = template.url.copy_merge_params({k: str(v) for k, v in params.items()})
    return _with_url(template, url)


def _with_url(template: httpx.Request, url: httpx.URL) -> httpx.Request:
    headers = [(k, v) for k, v in template.headers.multi_items() if k.lower() != "host"]
    return httpx.Request(template.method, url, headers=headers, extensions=template.extensions)


def _number(body: Any, path: str | None) -> int | None:
    value = None if path is None else find(body, path)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@attrs.frozen(kw_only=True)
class PageNumberPagination(Pagination):
    """Pages asked for by number: ``?page=1``, ``?page=2``, ...

    Attributes:
        param: the query parameter for the page number.
        start: the first page's number (0 or 1).
        size_param: the query parameter for the page size, if the API takes one.
        size: the page size to ask for (also what ``total_path`` is counted in).
        total_path: path to the total number of records; needs ``size``.
        total_pages_path: path to the total number of pages.
    """

    param: str = "page"
    start: int = 1
    size_param: str | None = None
    size: int | None = None
    total_path: str | None = None
    total_pages_path: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.total_path is not None and self.size is None:
            raise ValueError("PageNumberPagination: total_path needs size")

    def initial(self) -> State:
        """Ask for page ``start``."""
        return {"page": self.start}

    def build(self, template: httpx.Request, state: State) -> httpx.Request:
        """Set the page (and size) parameters."""
        params: dict[str, Any] = {self.param: state["page"]}
        if self.size_param is not None and self.size is not None:
            params[self.size_param] = self.size
        return _with_params(template, params)

    def next_state(self, state: State, got: Fetched) -> State | None:
        """The next number, unless the total pages or records are reached."""
        done = state["page"] - self.start + 1
        pages = _number(got.body, self.total_pages_path)
        total = _number(got.body, self.total_path)  # with size, checked in __init__
        last = (pages is not None and done >= pages) or (
            total is not None and done * (self.size or 0) >= total
        )
        return None if last else {"page": state["page"] + 1}


@attrs.frozen(kw_only=True)
class OffsetPagination(Pagination):
    """Pages asked for by offset and limit: ``?offset=0&limit=50``, ``?offset=50&limit=50``.

    The next offset is this offset plus the number of records received, so a server that
    returns fewer than ``limit`` records per page loses nothing.

    Attributes:
        limit: the page size to ask for.
        offset_param: the query parameter for the offset.
        limit_param: the query parameter for the limit.
        start: the first offset.
        total_path: path to the total number of records; stop once it is reached.
    """

    limit: int
    offset_param: str = "offset"
    limit_param: str = "limit"
    start: int = 0
    total_path: str | None = None

    def initial(self) -> State:
        """Ask from offset ``start``."""
        return {"offset": self.start}

    def build(self, template: httpx.Request, state: State) -> httpx.Request:
        """Set the offset and limit parameters."""
        params = {self.offset_param: state["offset"], self.limit_param: self.limit}
        return _with_params(template, params)

    def next_state(self, state: State, got: Fetched) -> State | None:
        """The offset after these records, unless the total is reached."""
        offset = state["offset"] + len(got.records)
        total = _number(got.body, self.total_path)
        return None if total is not None and offset >= total else {"offset": offset}


@attrs.frozen(kw_only=True)
class CursorPagination(Pagination):
    """A cursor read from the body and sent back as a query parameter (not on page one).

    Attributes:
        cursor_path: path to the next cursor in the body, such as ``meta.next_cursor``.
        param: the query parameter that carries it.
    """

    cursor_path: str
    param: str = "cursor"

    def build(self, template: httpx.Request, state: State) -> httpx.Request:
        """Set the cursor parameter (not on the first page)."""
        cursor = state.get("cursor")
        return template if cursor is None else _with_params(template, {self.param: cursor})

    def next_state(self, state: State, got: Fetched) -> State | None:
        """The cursor in the body, if any."""
        cursor = find(got.body, self.cursor_path)
        return None if cursor is None or cursor in ("", False) else {"cursor": str(cursor)}


def _next_url(request: httpx.Request, link: Any) -> State | None:
    if not isinstance(link, str) or not link:
        return None
    url = request.url.join(link)
    if (url.scheme, url.host, url.port) != (request.url.scheme, request.url.host, request.url.port):
        # Following it would send this API's credentials to another server.
        raise ReadError(
            f"the next page's URL {redact(str(url))} leaves {request.url.scheme}://"
            f"{request.url.netloc.decode()}; refusing to send credentials there"
        )
    return {"url": str(url)}


def _restored(url: httpx.URL, template: httpx.URL, stripped: Any) -> httpx.URL:
    """``url`` with the ``stripped`` parameters (and user-info) of ``template`` put back."""
    names = [n for n in stripped if isinstance(n, str)] if isinstance(stripped, list) else []
    for name in names:
        values = template.params.get_list(name)
        if values and name not in url.params:
            for value in values:
                url = url.copy_add_param(name, value)
    if template.userinfo and not url.userinfo:
        url = url.copy_with(userinfo=template.userinfo)
    return url


@attrs.frozen(kw_only=True)
class _UrlSpec(Pagination):
    """A spec whose state is the next page's full URL."""

    def build(self, template: httpx.Request, state: State) -> httpx.Request:
        """Request the URL (the first page: the template), secrets stripped put back."""
        if "url" not in state:
            return template
        url = _restored(httpx.URL(state["url"]), template.url, state.get("stripped"))
        return _with_url(template, url)


@attrs.frozen(kw_only=True)
class NextUrlPagination(_UrlSpec):
    """The next page's URL read from the body (relative URLs are resolved).

    Attributes:
        next_path: path to the URL in the body, such as ``links.next``.
    """

    next_path: str

    def next_state(self, state: State, got: Fetched) -> State | None:
        """The URL in the body, if any."""
        return _next_url(got.request, find(got.body, self.next_path))


@attrs.frozen(kw_only=True)
class LinkHeaderPagination(_UrlSpec):
    """The ``Link`` response header's ``rel="next"`` URL (RFC 8288), as GitHub sends it.

    Attributes:
        rel: the relation to follow.
    """

    rel: str = "next"

    def next_state(self, state: State, got: Fetched) -> State | None:
        """The URL of the ``Link`` header's next relation, if any."""
        return _next_url(got.request, got.response.links.get(self.rel, {}).get("url"))


class _Sender(Protocol):
    def send(self, request: httpx.Request) -> httpx.Response: ...


@attrs.frozen
class Page:
    """One page of records.

    Attributes:
        records: the records selected from the body.
        number: 1 for the first page this walk fetched, then 2, 3, ...
        token: what identified the page: ``page=3``, ``offset=20``, ``cursor=...`` or the
            URL; ``None`` for a first page asked for without one.
        url: the URL it was fetched from (secrets masked).
        state: pass it as ``paginate(..., state=...)`` to continue after this page;
            ``None`` when this is the last page. Plain JSON data without secrets (see
            the module), safe to store.
        capped: the walk stopped here because of ``max_pages`` although more pages remain.
        total: how many records the whole walk holds, as this page says (the
            ``total_header`` given to :func:`paginate`, else the spec's ``total_path``);
            ``None`` when it does not say. For progress: percent and time left.
    """

    records: list[Any]
    number: int
    token: str | None
    url: str
    state: State | None
    capped: bool = False
    total: int | None = None


def _total(response: httpx.Response, body: Any, header: str | None, path: str | None) -> int | None:
    """The records the walk holds, from ``header`` if the response has it, else ``path``."""
    if header is not None:
        value = response.headers.get(header, "").strip()
        if value.isdigit():
            return int(value)
    return _number(body, path)


def _secret_names(client: _Sender, extra: Collection[str]) -> frozenset[str]:
    """The query parameter names to strip: ``extra`` and a query API key auth's own."""
    names = {name.lower() for name in extra}
    auth = getattr(client, "auth", None)
    if isinstance(auth, ApiKeyAuth) and auth.location == "query":
        names.add(auth.name.lower())
    return frozenset(names)


def _without_secrets(state: State, names: frozenset[str]) -> State:
    """Return ``state`` with the secrets removed from its URL; see the module."""
    text = state.get("url")
    if not isinstance(text, str):
        return state
    url = httpx.URL(text)
    stripped = [n for n in state.get("stripped", ()) if isinstance(n, str)]
    kept: list[tuple[str, str]] = []
    for name, value in url.params.multi_items():
        if name.lower() in names or redact(value) != value or redact(name) != name:
            if name not in stripped:
                stripped.append(name)
        else:
            kept.append((name, value))
    if len(kept) == len(url.params.multi_items()) and not url.userinfo:
        return state
    clean = url.copy_with(params=kept, userinfo=b"")
    result: State = {**state, "url": str(clean)}
    if stripped:
        result["stripped"] = stripped
    return result


def _token(state: State) -> str | None:
    """What identifies the page ``state`` asks for: its URL, or ``key=value`` pairs."""
    if "url" in state:
        return str(state["url"])
    return ", ".join(f"{k}={v}" for k, v in sorted(state.items())) or None


def _body(response: httpx.Response, url: str) -> Any:
    kind = response.headers.get("content-type", "no content type")
    if response.is_error:
        status, snippet = response.status_code, redact(response.text[:200])
        raise ReadError(f"{response.request.method} {url} failed with HTTP {status}: {snippet}")
    try:
        return decode_json(response.content)
    except ValueError:
        raise ReadError(
            f"{url} returned a body that is not JSON (content type {kind!r}, "
            f"{len(response.content)} bytes); check the URL and the API's response format"
        ) from None


def _records(body: Any, path: str | None, request: httpx.Request, status: int) -> list[Any]:
    url = redact(str(request.url))
    found = body
    if path is not None:
        try:
            found = select_records(body, path, _compile(path).parsed, find(body, path))
        except MissingRecords as missing:
            inside = f"in {missing.where!r}, which is" if missing.where else "in the body, which is"
            raise ReadError(
                f"{request.method} {url} (HTTP {status}): the records path {path!r} is not in "
                f"the response: {missing.key!r} is missing {inside} {missing.shape}; point "
                "records at the list of records (or ask the API why it answered without them)"
            ) from None
    if not isinstance(found, list):
        what = "the body" if path is None else f"the path {path!r}"
        hint = ""
        if isinstance(found, dict):  # an endpoint answering one record
            one = "[@]" if path is None else f"{path} | [@]"
            hint = f"; if it is the one record, set records to {one!r}"
        raise ReadError(
            f"{url}: {what} holds a {type(found).__name__}, not a list of records{hint}"
        )
    return found


def paginate(
    client: _Sender,
    request: httpx.Request,
    pagination: Pagination,
    *,
    records_path: str | None = None,
    max_pages: int | None = None,
    state: Mapping[str, Any] | None = None,
    secret_params: Collection[str] = (),
    total_header: str | None = None,
) -> Iterator[Page]:
    """Fetch page after page, yielding each one's records and the state to resume from.

    Args:
        client: an :class:`httpx.Client` (its auth and headers apply), or anything with a
            compatible ``send``.
        request: the first page's request without pagination parameters, for instance
            ``client.build_request("GET", "/customers")``.
        pagination: how the pages are linked.
        records_path: where the records are in the body (dotted path or JMESPath); ``None``:
            the body is the list.
        max_pages: stop after this many pages; the last one then says ``capped`` and a
            warning is logged.
        state: a :attr:`Page.state` from an earlier walk, to continue after that page.
        secret_params: more query parameters to keep out of page states (compared
            case-insensitively); registered secret values and a query ``ApiKeyAuth``'s
            parameter are kept out anyway. See the module for how they are put back.
        total_header: a response header with the number of records the walk holds (such
            as ``X-Total-Count``), for :attr:`Page.total`.

    Raises:
        ReadError: an HTTP error, a body that is not JSON, no list at ``records_path``, a
            page asked for twice (a loop), or a next URL on another server.
    """
    hidden = _secret_names(client, secret_params)
    current = _without_secrets(dict(state) if state is not None else pagination.initial(), hidden)
    seen: dict[str, int] = {}
    number = 0
    while True:
        number += 1
        token = _token(current)
        page_request = pagination.build(request, current)
        key = token if token is not None else str(page_request.url)
        if key in seen:
            raise ReadError(
                f"pagination loop: the next page is {redact(key)!r} again, first asked "
                f"for as page {seen[key]} of this walk; the API repeats its pages"
            )
        seen[key] = number
        response = client.send(page_request)
        url = redact(str(page_request.url))
        try:
            body = _body(response, url)
        finally:
            response.close()
        records = _records(body, records_path, page_request, response.status_code)
        more = pagination.has_more_path is None or not _is_false(
            find(body, pagination.has_more_path)
        )
        following: State | None = None
        if more and (records or not pagination.stop_on_empty):
            got = Fetched(page_request, response, body, records)
            following = pagination.next_state(current, got)
            if following is not None:
                following = _without_secrets(following, hidden)
        capped = following is not None and max_pages is not None and number >= max_pages
        if capped:
            log.warning("%s: stopped at the page cap of %d pages; more pages remain", url, number)
        total = _total(response, body, total_header, getattr(pagination, "total_path", None))
        yield Page(records, number, token, url, following, capped, total)
        if following is None or capped:
            return
        current = following
