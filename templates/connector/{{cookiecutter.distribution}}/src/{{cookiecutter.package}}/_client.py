"""The HTTP client every request to the {{ cookiecutter.title }} API goes through.

:func:`build_client` makes a :class:`hookline.http.HttpClient`: timeouts, retries of 429
and 5xx answers (``Retry-After`` honoured), a guard that refuses undeclared hosts, masked
logs, and the auth flow. :func:`request` and :class:`Sender` (for
:func:`hookline.http.paginate`) send through it and turn a refusal into an AuthError.
{%- if cookiecutter.kind != "destination" %}
:func:`pagination` says how the API's pages link.
{%- endif %}
"""

from __future__ import annotations

__all__ = [
    "Sender",
    "build_client",
{%- if cookiecutter.kind != "destination" %}
    "pagination",
{%- endif %}
    "request",
]

from typing import Any

import httpx
from hookline.errors import AuthError
{%- set names = ["HttpClient", "HttpStatusError", "RetryPolicy"] %}
{%- set _ = names.append({"bearer": "BearerAuth", "api_key": "ApiKeyAuth", "basic": "BasicAuth", "oauth2": "OAuth2ClientCredentials", "none": "NoAuth"}[cookiecutter.auth]) %}
{%- if cookiecutter.kind != "destination" %}
{%- set _ = names.append("Pagination") %}
{%- set _ = names.append({"page": "PageNumberPagination", "offset": "OffsetPagination", "cursor": "CursorPagination", "next_url": "NextUrlPagination", "link": "LinkHeaderPagination"}[cookiecutter.pagination]) %}
{%- endif %}
from hookline.http import (
{%- for name in names|sort(case_sensitive=true) %}
    {{ name }},
{%- endfor %}
    make_client,
)

from {{ cookiecutter.package }} import __version__
from {{ cookiecutter.package }}.config import Config

#: Retries: 5 attempts in all, for 429, 500, 502, 503 and 504 answers and dropped
#: connections, with backoff; a ``Retry-After`` header is waited out (up to 30 seconds).
RETRY = RetryPolicy(max_attempts=5, base_delay=0.5, max_delay=30.0, max_elapsed=120.0)


def _auth(config: Config) -> httpx.Auth:
    """Return the auth flow that signs every request (it turns a 401 into AuthError)."""
{%- if cookiecutter.auth == "bearer" %}
    return BearerAuth(config.token, setting="token")
{%- elif cookiecutter.auth == "api_key" %}
    # Replace the header name with the one your API expects.
    return ApiKeyAuth(config.api_key, name="X-API-Key", setting="api_key")
{%- elif cookiecutter.auth == "basic" %}
    return BasicAuth(config.username, config.password, settings=("username", "password"))
{%- elif cookiecutter.auth == "oauth2" %}
    # The token is fetched on the first request, cached, and fetched again when it expires.
    return OAuth2ClientCredentials(
        config.token_url,
        config.client_id,
        config.client_secret,
        scope=config.scope,
        settings=("client_id", "client_secret"),
    )
{%- else %}
    # Replace this with your API's auth flow once it needs credentials (hookline.http has
    # BearerAuth, ApiKeyAuth, BasicAuth and the OAuth2 flows).
    return NoAuth()
{%- endif %}


def build_client(config: Config) -> HttpClient:
    """Build the client for ``config``; no request is sent yet."""
    return make_client(
        base_url=config.base_url,
        connector=f"{{ cookiecutter.id }}/{__version__}",
        allowed_hosts=config.hosts,
        timeout=config.timeout,
        retry=RETRY,
        auth=_auth(config),
        headers={"Accept": "application/json"},
    )
{%- if cookiecutter.kind != "destination" %}


def pagination(config: Config) -> Pagination:
    """Return how the API's list pages link.

    Replace this with your API's scheme; hookline.http also offers page numbers, offsets,
    cursors, next-page URLs in the body and Link headers.
    """
{%- if cookiecutter.pagination == "page" %}
    # ?page=2&per_page=100; the body's meta.total_pages ends the walk.
    return PageNumberPagination(
        param="page",
        size_param="per_page",
        size=config.page_size,
        total_pages_path="meta.total_pages",
    )
{%- elif cookiecutter.pagination == "offset" %}
    # ?offset=100&limit=100; the body's meta.total ends the walk.
    return OffsetPagination(limit=config.page_size, total_path="meta.total")
{%- elif cookiecutter.pagination == "cursor" %}
    # The body's meta.next_cursor, sent back as ?cursor=...; none ends the walk.
    return CursorPagination(cursor_path="meta.next_cursor", param="cursor")
{%- elif cookiecutter.pagination == "next_url" %}
    # The next page's URL in the body's links.next; none ends the walk.
    return NextUrlPagination(next_path="links.next")
{%- else %}
    # The URL in the Link: <...>; rel="next" response header; none ends the walk.
    return LinkHeaderPagination(rel="next")
{%- endif %}
{%- endif %}


def request(client: HttpClient, method: str, url: str, **options: Any) -> httpx.Response:
    """Send one request; a 401 or 403 answer raises :class:`~hookline.errors.AuthError`."""
    try:
        return client.request(method, url, **options)
    except HttpStatusError as exc:
        if exc.status in (401, 403):
            raise AuthError(
                f"{exc.method} {exc.url} was refused with {exc.status}: check the "
                "connector's credentials and their permissions"
            ) from None
        raise


class Sender:
    """Lets :func:`hookline.http.paginate` send its page requests through the client.

    Every page then gets the client's retries, host guard, auth and masked logs.
    """

    def __init__(self, client: HttpClient) -> None:
        self.client = client

    def send(self, page_request: httpx.Request) -> httpx.Response:
        """Send the request ``paginate`` built (its URL carries every parameter)."""
        return request(self.client, page_request.method, str(page_request.url))
