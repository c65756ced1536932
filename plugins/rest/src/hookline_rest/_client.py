"""From configuration to hookline.http objects: the client, its auth flow, the page specs.

The ``headers`` setting may carry a credential (``Authorization``, ``X-Api-Token``,
``Cookie``...): :func:`build_client` registers the value of every header that looks like
one with :func:`hookline.secrets.register_credential_header`, so it is masked in every
output as the auth section's secrets are, and names those headers as secret to the client,
which drops them on a redirect to another origin.

With ``auth.kind: oauth2_refresh_token``, a refresh token the endpoint rotates is kept in
``.hookline/credentials/`` next to the configuration file (the connector context's
``base_dir``), so ``hookline run``, ``check``, ``read`` and ``test`` of one configuration
all go on with the latest; see :mod:`hookline._credentials`.
"""

from __future__ import annotations

__all__ = ["ClientSender", "auth_flow", "build_client", "pagination_spec"]

import logging
import weakref
from pathlib import Path
from typing import Any

import attrs
import httpx

from hookline.http import (
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    CursorPagination,
    Fetched,
    HttpClient,
    LinkHeaderPagination,
    NextUrlPagination,
    NoAuth,
    OAuth2ClientCredentials,
    OAuth2RefreshToken,
    OffsetPagination,
    PageNumberPagination,
    Pagination,
    RateLimit,
    RefreshTokenStore,
    RetryPolicy,
    credentials_folder,
    make_client,
)
from hookline.secrets import register_credential_header
from hookline_rest.config import AuthConfig, PaginationConfig, RestConfig

log = logging.getLogger(__name__)


def auth_flow(auth: AuthConfig, base_dir: Path | None = None) -> httpx.Auth:
    """Return the ``httpx.Auth`` flow for the auth section (settings named as in YAML).

    ``base_dir`` is the configuration's folder: a rotated OAuth2 refresh token is kept in
    its ``.hookline/credentials/``; ``None`` keeps it in memory only.
    """
    kind = auth.kind
    # The config model checked that each kind's required settings are present.
    if kind == "api_key" and auth.api_key is not None:
        return ApiKeyAuth(
            auth.api_key,
            name=auth.name or "X-API-Key",
            location=auth.location or "header",
            prefix=auth.prefix or "",
            setting="auth.api_key",
        )
    if kind == "bearer" and auth.token is not None:
        return BearerAuth(auth.token, setting="auth.token")
    if kind == "basic" and auth.username is not None and auth.password is not None:
        return BasicAuth(auth.username, auth.password, settings=("auth.username", "auth.password"))
    if (
        kind == "oauth2_client_credentials"
        and auth.token_url is not None
        and auth.client_id is not None
        and auth.client_secret is not None
    ):
        return OAuth2ClientCredentials(
            auth.token_url,
            auth.client_id,
            auth.client_secret,
            scope=auth.scope,
            client_auth=auth.client_auth or "basic",
            settings=("auth.client_id", "auth.client_secret"),
        )
    if (
        kind == "oauth2_refresh_token"
        and auth.token_url is not None
        and auth.refresh_token is not None
    ):
        store = None
        if base_dir is not None:
            store = RefreshTokenStore(
                credentials_folder(base_dir),
                token_url=auth.token_url,
                client_id=auth.client_id,
                configured=auth.refresh_token.reveal(),
            )
        return OAuth2RefreshToken(
            auth.token_url,
            auth.refresh_token,
            client_id=auth.client_id,
            client_secret=auth.client_secret,
            scope=auth.scope,
            client_auth=auth.client_auth or "basic",
            settings=("auth.refresh_token",),
            store=store,
        )
    return NoAuth()


def build_client(config: RestConfig, connector: str, base_dir: Path | None = None) -> HttpClient:
    """Build the :class:`HttpClient` for ``config``; ``connector`` is ``"rest/<version>"``.

    ``base_dir`` is the configuration's folder (see :func:`auth_flow`).
    """
    retry = config.retry
    secret_params = [config.auth.name] if config.auth.kind == "api_key" and config.auth.name else []
    secret_headers = [
        name for name, value in config.headers.items() if register_credential_header(name, value)
    ]
    return make_client(
        base_url=config.base_url,
        connector=connector,
        allowed_hosts=config.hosts,
        timeout=config.timeout,
        deadline=config.deadline,
        retry=RetryPolicy(
            max_attempts=retry.max_attempts,
            base_delay=retry.base_delay,
            max_delay=retry.max_delay,
            max_elapsed=retry.max_elapsed,
        ),
        rate_limit=RateLimit(
            per_second=config.rate_limit.per_second, burst=config.rate_limit.burst
        ),
        auth=auth_flow(config.auth, base_dir),
        headers=dict(config.headers),
        secret_params=secret_params,
        secret_headers=secret_headers,
    )


@attrs.frozen(kw_only=True)
class _SinglePage(Pagination):
    """No pagination: the first page is the only one."""

    def next_state(self, state: dict[str, Any], got: Fetched) -> dict[str, Any] | None:
        """There is never a next page."""
        return None


def pagination_spec(config: PaginationConfig) -> Pagination:
    """Return the hookline.http pagination spec the section describes."""
    common: dict[str, Any] = {
        "stop_on_empty": config.stop_on_empty,
        "has_more_path": config.has_more_path,
    }
    kind = config.kind
    if kind == "page":
        return PageNumberPagination(
            param=config.param or "page",
            start=1 if config.start is None else config.start,
            size_param=config.size_param,
            size=config.size,
            total_path=config.total_path,
            total_pages_path=config.total_pages_path,
            **common,
        )
    if kind == "offset" and config.limit is not None:
        return OffsetPagination(
            limit=config.limit,
            offset_param=config.offset_param or "offset",
            limit_param=config.limit_param or "limit",
            start=config.start or 0,
            total_path=config.total_path,
            **common,
        )
    if kind == "cursor" and config.cursor_path is not None:
        return CursorPagination(
            cursor_path=config.cursor_path, param=config.param or "cursor", **common
        )
    if kind == "next_url" and config.next_path is not None:
        return NextUrlPagination(next_path=config.next_path, **common)
    if kind == "link":
        return LinkHeaderPagination(rel=config.rel or "next", **common)
    return _SinglePage(**common)


#: Per client and stream, the first page schema inference fetched (its method and URL, and
#: the response), waiting for the stream's read (see :class:`ClientSender`).
_SPARE_PAGES: weakref.WeakKeyDictionary[
    HttpClient, dict[str, tuple[tuple[str, str], httpx.Response]]
] = weakref.WeakKeyDictionary()


class ClientSender:
    """Lets :func:`hookline.http.paginate` send through an :class:`HttpClient`.

    Each page then gets the client's guarantees: the host guard, retries, rate limit,
    deadline, auth and masked logs.

    ``keep_for`` names a stream whose first response is also kept on the client
    (discovery fetches a stream's first page to infer its schema). ``reuse_for`` names a
    stream whose read takes that kept response, once, when its first request asks for
    exactly that page (the same method and URL, every parameter included) instead of
    asking again: a run's read then starts where its discovery left off, as if it had
    begun a moment earlier, and fetches each page once. Any other first request (from a
    bookmark, a resumed walk) goes to the server; the kept page is dropped either way.
    """

    def __init__(
        self, client: HttpClient, *, keep_for: str | None = None, reuse_for: str | None = None
    ) -> None:
        self.client = client
        self._keep = keep_for
        self._reuse = reuse_for

    def send(self, request: httpx.Request) -> httpx.Response:
        """Send the page request ``paginate`` built (its URL carries every parameter)."""
        key = (request.method, str(request.url))
        if self._reuse is not None:
            kept = _SPARE_PAGES.get(self.client, {}).pop(self._reuse, None)
            self._reuse = None
            if kept is not None and kept[0] == key:
                log.debug("%s %s: the first page, as schema inference fetched it", *key)
                return kept[1]
        response = self.client.request(request.method, request.url)
        if self._keep is not None:
            _SPARE_PAGES.setdefault(self.client, {})[self._keep] = (key, response)
            self._keep = None
        return response
