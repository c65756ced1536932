"""The HTTP toolkit every HTTP connector builds on (httpx underneath).

- :func:`make_client`: timeouts always set, a user agent naming hookline and the
  connector, connection limits, TLS verification, an overall deadline per request (the
  whole exchange: connecting, headers, body, token requests, retries), the hosts the
  connector may talk to (anything else is refused; :func:`host_pattern_problem` says what
  an entry may be), credentials stripped on a redirect to another origin, retries
  (:class:`RetryPolicy`) and a per-host rate limit (:class:`RateLimit`); every attempt
  logged on ``hookline.http`` with secrets masked. JSON bodies keep integers of any size.
- Auth flows (``httpx.Auth``): :class:`NoAuth`, :class:`ApiKeyAuth`, :class:`BearerAuth`,
  :class:`BasicAuth`, :class:`OAuth2ClientCredentials`, :class:`OAuth2RefreshToken` (with
  a :class:`RefreshTokenStore` for endpoints that rotate refresh tokens).
- Pagination: :func:`paginate` with :class:`PageNumberPagination`,
  :class:`OffsetPagination`, :class:`CursorPagination`, :class:`NextUrlPagination`,
  :class:`LinkHeaderPagination`; loops are detected, and a page cap stops a walk.

See docs/how-to/http-client.md and docs/how-to/http-auth-and-pagination.md.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_TIMEOUT",
    "TOKEN_TIMEOUT",
    "ApiKeyAuth",
    "BasicAuth",
    "BearerAuth",
    "CursorPagination",
    "DeadlineExceeded",
    "Fetched",
    "HostNotAllowed",
    "HttpClient",
    "HttpError",
    "HttpStatusError",
    "InvalidResponse",
    "LinkHeaderPagination",
    "NextUrlPagination",
    "NoAuth",
    "OAuth2ClientCredentials",
    "OAuth2RefreshToken",
    "OffsetPagination",
    "Page",
    "PageNumberPagination",
    "Pagination",
    "RateLimit",
    "RefreshTokenStore",
    "RetriesExhausted",
    "RetryPolicy",
    "credentials_folder",
    "host_pattern_problem",
    "make_client",
    "mask_url",
    "paginate",
    "parse_retry_after",
]

from hookline._credentials import RefreshTokenStore, credentials_folder
from hookline.http._auth import (
    TOKEN_TIMEOUT,
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    NoAuth,
    OAuth2ClientCredentials,
    OAuth2RefreshToken,
)
from hookline.http._client import DEFAULT_TIMEOUT, HttpClient, make_client
from hookline.http._errors import (
    DeadlineExceeded,
    HostNotAllowed,
    HttpError,
    HttpStatusError,
    InvalidResponse,
    RetriesExhausted,
    host_pattern_problem,
    mask_url,
)
from hookline.http._pagination import (
    CursorPagination,
    Fetched,
    LinkHeaderPagination,
    NextUrlPagination,
    OffsetPagination,
    Page,
    PageNumberPagination,
    Pagination,
    paginate,
)
from hookline.http._ratelimit import RateLimit
from hookline.http._retry import RetryPolicy, parse_retry_after
