"""The REST connector's configuration: the API, how to reach it, its streams and writes.

Everything is YAML; no Python is written for a new API::

    base_url: https://shop.example.com/api
    auth: {kind: bearer, token: "${env:SHOP_TOKEN}"}
    streams:
      - name: orders
        path: /orders
        records: data
        primary_key: [id]
        cursor: {field: updated_at, param: updated_since, sorted: true}
        pagination: {kind: page, param: page, size_param: per_page, size: 100}
    writes:
      reservations: {method: POST, path: /reservations, idempotency_key: "{stream}-{id}"}

How a stopped walk goes on depends on ``cursor.sorted``, ``cursor.exclusive``,
``pagination.immutable`` and ``pagination.stable_links``; see :mod:`hookline_rest._reading`.

hookline structures the YAML into :class:`RestConfig`; the checks below raise
``ValueError`` with a message written for the user, which hookline reports with the file
and the key path of the offending section. The auth and pagination sections are flat: one
``kind`` and the settings that kind takes (see :data:`AUTH_SETTINGS` and
:data:`PAGINATION_SETTINGS`); a setting another kind takes is refused, as a likely mistake.
"""

from __future__ import annotations

__all__ = [
    "AUTH_KINDS",
    "AUTH_SETTINGS",
    "MAX_BOUNDARY_KEYS",
    "PAGINATION_KINDS",
    "PAGINATION_SETTINGS",
    "AuthConfig",
    "CursorConfig",
    "PaginationConfig",
    "RateLimitConfig",
    "RestConfig",
    "RetryConfig",
    "StreamConfig",
    "WriteConfig",
    "template_fields",
]

import re
from typing import Any, Literal

import attrs
import httpx
from cattrs.errors import AttributeValidationNote, IterableValidationError, IterableValidationNote

from hookline.http import host_pattern_problem
from hookline.secrets import Secret, register_credential_header

AuthKind = Literal[
    "none", "api_key", "bearer", "basic", "oauth2_client_credentials", "oauth2_refresh_token"
]
PaginationKind = Literal["none", "page", "offset", "cursor", "next_url", "link"]

#: The auth kinds, as written in ``auth.kind``.
AUTH_KINDS: tuple[str, ...] = AuthKind.__args__  # type: ignore[attr-defined]
#: The pagination kinds, as written in ``pagination.kind``.
PAGINATION_KINDS: tuple[str, ...] = PaginationKind.__args__  # type: ignore[attr-defined]

#: Per auth kind: (required settings, optional settings).
AUTH_SETTINGS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "none": ((), ()),
    "api_key": (("api_key",), ("name", "location", "prefix")),
    "bearer": (("token",), ()),
    "basic": (("username", "password"), ()),
    "oauth2_client_credentials": (
        ("token_url", "client_id", "client_secret"),
        ("scope", "client_auth"),
    ),
    "oauth2_refresh_token": (
        ("token_url", "refresh_token"),
        ("client_id", "client_secret", "scope", "client_auth"),
    ),
}

#: Per pagination kind: (required settings, optional settings); all kinds also take
#: ``has_more_path``, ``stop_on_empty``, ``max_pages`` and ``immutable``.
PAGINATION_SETTINGS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "none": ((), ()),
    "page": ((), ("param", "start", "size_param", "size", "total_path", "total_pages_path")),
    "offset": (("limit",), ("offset_param", "limit_param", "start", "total_path")),
    "cursor": (("cursor_path",), ("param",)),
    "next_url": (("next_path",), ("stable_links",)),
    "link": ((), ("rel", "stable_links")),
}

#: The default of ``cursor.max_boundary_keys``.
MAX_BOUNDARY_KEYS = 1000

_TEMPLATE_FIELD = re.compile(r"\{([^{}]*)\}")
_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def template_fields(template: str) -> list[str]:
    """Return the field names a ``{field}`` template uses, in order.

    Raises:
        ValueError: a placeholder is not a plain field name (no ``{a.b}``, ``{0}``, ``{}``).
    """
    names = _TEMPLATE_FIELD.findall(template)
    for name in names:
        if not _FIELD_NAME.match(name):
            raise ValueError(
                f"template {template!r}: {{{name}}} is not a field name; use {{field}} with "
                "letters, digits and underscores"
            )
    return names


def _description(text: str) -> dict[str, str]:
    return {"description": text}


def _check_kind(section: str, kind: str, given: dict[str, Any], table: dict[str, Any]) -> None:
    required, optional = table[kind]
    missing = [name for name in required if given.get(name) is None]
    if missing:
        names = ", ".join(f"{section}.{m}" for m in missing)
        raise ValueError(f"{section} kind {kind!r} needs {names}: add it")
    allowed = set(required) | set(optional)
    stray = sorted(n for n, v in given.items() if v is not None and n not in allowed)
    if stray:
        names = ", ".join(f"{section}.{s}" for s in stray)
        raise ValueError(
            f"{names} does not apply to {section} kind {kind!r}; remove it or change the kind"
        )


@attrs.frozen
class AuthConfig:
    """How requests prove who they are: one ``kind`` and the settings it takes."""

    kind: AuthKind = attrs.field(
        default="none",
        metadata=_description(
            "none, api_key, bearer, basic, oauth2_client_credentials or oauth2_refresh_token."
        ),
    )
    token: Secret | None = attrs.field(
        default=None, metadata=_description("bearer: the token, sent as Authorization: Bearer.")
    )
    api_key: Secret | None = attrs.field(default=None, metadata=_description("api_key: the key."))
    name: str | None = attrs.field(
        default=None,
        metadata=_description("api_key: the header or query parameter (default X-API-Key)."),
    )
    location: Literal["header", "query"] | None = attrs.field(
        default=None, metadata=_description("api_key: header (default) or query.")
    )
    prefix: str | None = attrs.field(
        default=None, metadata=_description("api_key: text before the key in a header.")
    )
    username: str | None = attrs.field(default=None, metadata=_description("basic: user name."))
    password: Secret | None = attrs.field(
        default=None, metadata=_description("basic: the password.")
    )
    token_url: str | None = attrs.field(
        default=None, metadata=_description("oauth2_*: the token endpoint (an allowed host).")
    )
    client_id: str | None = attrs.field(default=None, metadata=_description("oauth2_*: client id."))
    client_secret: Secret | None = attrs.field(
        default=None, metadata=_description("oauth2_*: the client secret.")
    )
    refresh_token: Secret | None = attrs.field(
        default=None, metadata=_description("oauth2_refresh_token: the refresh token.")
    )
    scope: str | None = attrs.field(
        default=None, metadata=_description("oauth2_*: scopes to ask for, space separated.")
    )
    client_auth: Literal["basic", "body"] | None = attrs.field(
        default=None,
        metadata=_description("oauth2_*: client credentials as HTTP Basic (default) or in body."),
    )

    def __attrs_post_init__(self) -> None:
        given = {f.name: getattr(self, f.name) for f in attrs.fields(AuthConfig)}
        given.pop("kind")
        _check_kind("auth", self.kind, given, AUTH_SETTINGS)


@attrs.frozen
class RetryConfig:
    """When and how failed requests are retried (429, 5xx, transport errors)."""

    max_attempts: int = attrs.field(
        default=5,
        validator=attrs.validators.ge(1),
        metadata=_description("Attempts in all, the first included."),
    )
    base_delay: float = attrs.field(
        default=0.5,
        validator=attrs.validators.gt(0),
        metadata=_description("The first backoff ceiling in seconds; it doubles per attempt."),
    )
    max_delay: float = attrs.field(
        default=30.0,
        validator=attrs.validators.gt(0),
        metadata=_description("The cap on one wait in seconds, Retry-After included."),
    )
    max_elapsed: float = attrs.field(
        default=120.0,
        validator=attrs.validators.gt(0),
        metadata=_description("No retry starts later than this many seconds after the first."),
    )


@attrs.frozen
class RateLimitConfig:
    """A client-side request rate per host."""

    per_second: float | None = attrs.field(
        default=None, metadata=_description("Requests per second per host; none: no limit.")
    )
    burst: int = attrs.field(
        default=1,
        validator=attrs.validators.ge(1),
        metadata=_description("Requests that may go at once after an idle period."),
    )

    def __attrs_post_init__(self) -> None:
        if self.per_second is not None and self.per_second <= 0:
            raise ValueError("rate_limit.per_second must be positive")


@attrs.frozen
class CursorConfig:
    """Incremental reads: the field that grows as records change, and how to ask for it."""

    field: str = attrs.field(
        metadata=_description("The record field that grows, such as updated_at (or id).")
    )
    param: str | None = attrs.field(
        default=None,
        metadata=_description(
            "The query parameter that asks for records from a value on, such as "
            "updated_since; without it records older than the bookmark are dropped locally."
        ),
    )
    lookback_seconds: float = attrs.field(
        default=0.0,
        validator=attrs.validators.ge(0),
        metadata=_description(
            "Ask from this many seconds (or units, for numbers) before the bookmark, to "
            "catch late writes; those records come again."
        ),
    )
    sorted: bool = attrs.field(
        default=False,
        metadata=_description(
            "The API returns records in ascending order of the cursor field (needs param): "
            "each page is then asked for from the largest value delivered, and an "
            "unfinished walk resumes from it, so records changing meanwhile skip nothing."
        ),
    )
    exclusive: bool = attrs.field(
        default=False,
        metadata=_description(
            "param asks for records strictly after the value (>), not from it on (>=): no "
            "boundary keys are kept; records written later with the bookmark's value are "
            "missed unless lookback_seconds covers them."
        ),
    )
    max_boundary_keys: int = attrs.field(
        default=MAX_BOUNDARY_KEYS,
        validator=attrs.validators.ge(0),
        metadata=_description(
            "The most keys of records sharing the bookmark's value kept in the state, so an "
            "inclusive param does not deliver them again; records past it come again."
        ),
    )

    def __attrs_post_init__(self) -> None:
        for name in ("sorted", "exclusive"):
            if getattr(self, name) and self.param is None:
                raise ValueError(
                    f"cursor.{name} needs cursor.param: it describes how the API answers "
                    f"that parameter; add cursor.param or remove cursor.{name}"
                )
        if self.sorted and self.exclusive:
            raise ValueError(
                "cursor.sorted does not go with cursor.exclusive: resuming after the bookmark "
                "with a > parameter would skip records that share its value and were on the "
                "next page; remove one of them"
            )


@attrs.frozen
class PaginationConfig:
    """How pages link: one ``kind`` and the settings it takes (hookline.http's specs)."""

    kind: PaginationKind = attrs.field(
        default="none", metadata=_description("none, page, offset, cursor, next_url or link.")
    )
    param: str | None = attrs.field(
        default=None,
        metadata=_description("page/cursor: the query parameter (default page / cursor)."),
    )
    start: int | None = attrs.field(
        default=None, metadata=_description("page: first page (1); offset: first offset (0).")
    )
    size_param: str | None = attrs.field(
        default=None, metadata=_description("page: the query parameter for the page size.")
    )
    size: int | None = attrs.field(default=None, metadata=_description("page: the page size."))
    total_path: str | None = attrs.field(
        default=None, metadata=_description("page/offset: JMESPath to the total record count.")
    )
    total_pages_path: str | None = attrs.field(
        default=None, metadata=_description("page: JMESPath to the total page count.")
    )
    limit: int | None = attrs.field(default=None, metadata=_description("offset: the page size."))
    offset_param: str | None = attrs.field(
        default=None, metadata=_description("offset: the offset parameter (default offset).")
    )
    limit_param: str | None = attrs.field(
        default=None, metadata=_description("offset: the limit parameter (default limit).")
    )
    cursor_path: str | None = attrs.field(
        default=None, metadata=_description("cursor: JMESPath to the next cursor in the body.")
    )
    next_path: str | None = attrs.field(
        default=None, metadata=_description("next_url: JMESPath to the next page's URL.")
    )
    rel: str | None = attrs.field(
        default=None, metadata=_description("link: the Link header relation (default next).")
    )
    has_more_path: str | None = attrs.field(
        default=None, metadata=_description("JMESPath to a flag; a false one ends the walk.")
    )
    stop_on_empty: bool = attrs.field(
        default=True, metadata=_description("An empty page ends the walk.")
    )
    max_pages: int = attrs.field(
        default=10000,
        validator=attrs.validators.ge(1),
        metadata=_description(
            "The page cap of one walk (a warning when reached); the next incremental read "
            "goes on with the walk."
        ),
    )
    immutable: bool = attrs.field(
        default=False,
        metadata=_description(
            "The collection does not change while it is read (a snapshot, closed periods): "
            "an unfinished walk resumes at its next page number, offset or URL. Otherwise "
            "only cursor pagination (and stable_links) resumes by position."
        ),
    )
    stable_links: bool | None = attrs.field(
        default=None,
        metadata=_description(
            "next_url/link: the URLs carry a server cursor (after=, page_info=), not a page "
            "number or offset, so an unfinished walk resumes at the stored URL."
        ),
    )

    def __attrs_post_init__(self) -> None:
        given = {f.name: getattr(self, f.name) for f in attrs.fields(PaginationConfig)}
        for common in ("kind", "has_more_path", "stop_on_empty", "max_pages", "immutable"):
            given.pop(common)
        _check_kind("pagination", self.kind, given, PAGINATION_SETTINGS)
        if self.total_path is not None and self.kind == "page" and self.size is None:
            raise ValueError("pagination.total_path needs pagination.size: add it")


def _check_params(instance: Any, attribute: attrs.Attribute[Any], value: dict[str, Any]) -> None:
    for name, item in value.items():
        if not isinstance(item, (str, int, float, bool)):
            raise ValueError(f"params.{name} must be a string or a number")


@attrs.frozen
class StreamConfig:
    """One source stream: a GET endpoint whose pages hold records."""

    name: str = attrs.field(metadata=_description("The stream's name, unique here."))
    path: str = attrs.field(
        metadata=_description("The endpoint, relative to base_url (such as /orders).")
    )
    params: dict[str, Any] = attrs.field(
        factory=dict,
        validator=_check_params,
        metadata=_description("Query parameters sent with every page."),
    )
    records: str | None = attrs.field(
        default=None,
        metadata=_description(
            "JMESPath to the list of records in a page, such as data; none: the body is "
            "it. A page without the key fails the read (a null value is an empty page)."
        ),
    )
    total_header: str | None = attrs.field(
        default=None,
        metadata=_description(
            "A response header with the number of records the read will return, such as "
            "X-Total-Count: a run then shows percent and time left (so does "
            "pagination.total_path, from the body)."
        ),
    )
    primary_key: tuple[str, ...] = attrs.field(
        default=(),
        metadata=_description(
            "Fields that identify a record: a repeat in one read is dropped unless its "
            "cursor grew; they also key the records at the bookmark in the state."
        ),
    )
    cursor: CursorConfig | None = attrs.field(
        default=None, metadata=_description("Incremental reads; none: full reads only.")
    )
    pagination: PaginationConfig = attrs.field(
        factory=PaginationConfig, metadata=_description("How the pages link.")
    )
    schema: dict[str, Any] | None = attrs.field(
        default=None,
        metadata=_description("JSON Schema of a record; none: inferred from the first page."),
    )


@attrs.frozen
class WriteConfig:
    """How one stream's records are sent to the API."""

    path: str = attrs.field(
        metadata=_description(
            "The endpoint; a template with record fields in record mode (/customers/{id})."
        )
    )
    method: Literal["POST", "PUT", "PATCH"] = attrs.field(
        default="POST", metadata=_description("POST, PUT or PATCH.")
    )
    mode: Literal["record", "batch"] = attrs.field(
        default="record",
        metadata=_description(
            "record: one request per record; batch: one request, the records as a JSON array."
        ),
    )
    idempotency_key: str | None = attrs.field(
        default=None,
        metadata=_description(
            "Template of the Idempotency-Key header, such as {stream}-{id}; with it a "
            "failed POST or PATCH is retried."
        ),
    )
    upserts: bool = attrs.field(
        default=False,
        metadata=_description(
            "The endpoint itself updates the record that exists with the same key, whatever "
            "the method (a bulk upsert endpoint): lets write: upsert use POST or batch mode."
        ),
    )

    def __attrs_post_init__(self) -> None:
        fields = template_fields(self.path)
        if self.idempotency_key is not None:
            template_fields(self.idempotency_key)
        if self.mode == "batch" and set(fields) - {"stream"}:
            raise ValueError(
                f"path {self.path!r}: in batch mode the path may use only {{stream}}; "
                "use mode: record to put record fields in it"
            )


def _unique_names(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    seen: set[str] = set()
    for stream in value:
        if stream.name in seen:
            raise ValueError(f"stream name {stream.name!r} is used twice; names must be unique")
        seen.add(stream.name)


def _register_credential_headers(
    instance: Any, attribute: attrs.Attribute[Any], value: dict[str, str]
) -> None:
    # Registered as soon as the config exists, before anything (a --debug trace of the
    # config itself) can print it.
    for name, header in value.items():
        register_credential_header(name, header)


def _host_patterns(
    instance: Any, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]
) -> None:
    """Refuse entries that are not hosts (a bare ``*``, a URL), each at its own key path.

    The problems are raised as cattrs reports a bad list item (the item's index noted,
    the list's attribute noted), so hookline names ``$.allowed_hosts[0]``.
    """
    problems: list[Exception] = []
    for index, entry in enumerate(value):
        problem = host_pattern_problem(entry)
        if problem is not None:
            error = ValueError(problem)
            note = IterableValidationNote(f"@ index {index}", index, str)
            error.__notes__ = [note]  # type: ignore[attr-defined]  # Python 3.11+ has it
            problems.append(error)
    if problems:
        group = IterableValidationError(f"invalid {attribute.name}", problems, tuple)
        group.__notes__ = [
            AttributeValidationNote(f"@ attribute {attribute.name}", attribute.name, tuple)
        ]
        raise group


def _http_url(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"base_url {value!r} must be an http or https URL with a host")


@attrs.frozen
class RestConfig:
    """A REST/JSON API as a source (streams) and as a destination (writes)."""

    base_url: str = attrs.field(
        validator=_http_url,
        metadata=_description("The API's root URL; stream and write paths are relative to it."),
    )
    allowed_hosts: tuple[str, ...] = attrs.field(
        default=(),
        validator=_host_patterns,
        metadata=_description(
            "Hosts requests may go to: exact names or IP addresses, or *.example.com for "
            "the subdomains of one domain; a bare * is refused (credentials would go "
            "anywhere). Default: base_url's host."
        ),
    )
    headers: dict[str, str] = attrs.field(
        factory=dict,
        validator=_register_credential_headers,
        metadata=_description(
            "Extra headers sent with every request; a credential among them (Authorization, "
            "a *token*/*key* header, Cookie) is masked in every output."
        ),
    )
    timeout: float = attrs.field(
        default=10.0,
        validator=attrs.validators.gt(0),
        metadata=_description(
            "Seconds one network operation (connect, one read, one write) may wait."
        ),
    )
    deadline: float = attrs.field(
        default=300.0,
        validator=attrs.validators.gt(0),
        metadata=_description(
            "Seconds one request may take in all: connecting, headers, body, a token "
            "request, retries and waits included."
        ),
    )
    retry: RetryConfig = attrs.field(
        factory=RetryConfig, metadata=_description("Retries of 429, 5xx and transport errors.")
    )
    rate_limit: RateLimitConfig = attrs.field(
        factory=RateLimitConfig, metadata=_description("A client-side rate limit per host.")
    )
    auth: AuthConfig = attrs.field(
        factory=AuthConfig, metadata=_description("How requests authenticate.")
    )
    streams: tuple[StreamConfig, ...] = attrs.field(
        default=(),
        validator=_unique_names,
        metadata=_description("Source side: the streams to offer."),
    )
    writes: dict[str, WriteConfig] = attrs.field(
        factory=dict, metadata=_description("Destination side: per stream name, how to send.")
    )

    @property
    def hosts(self) -> tuple[str, ...]:
        """The hosts the client may reach: ``allowed_hosts``, or the host of ``base_url``."""
        return self.allowed_hosts or (httpx.URL(self.base_url).host,)

    def stream(self, name: str) -> StreamConfig | None:
        """Return the configured stream called ``name``, or ``None``."""
        for stream in self.streams:
            if stream.name == name:
                return stream
        return None
