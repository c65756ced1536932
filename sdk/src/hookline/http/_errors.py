"""The errors the HTTP toolkit raises, and how a URL is shown in them and in logs.

::

    ConnectorError
    └── HttpError                      an HTTP request failed (names method and masked URL)
        ├── HttpStatusError            a 4xx answer that retrying cannot fix (fail fast)
        ├── RetriesExhausted           retriable failures until the retry budget ran out
        ├── DeadlineExceeded           the request's overall deadline passed
        ├── HostNotAllowed             the URL's host is not one the connector declared
        └── InvalidResponse            the body is not what was expected (e.g. not JSON)

``RetriesExhausted`` and ``DeadlineExceeded`` are also :class:`~hookline.errors.RetriableError`:
the same request may succeed later (the next scheduled run).
"""

from __future__ import annotations

__all__ = [
    "DeadlineExceeded",
    "HostNotAllowed",
    "HttpError",
    "HttpStatusError",
    "InvalidResponse",
    "RetriesExhausted",
    "body_excerpt",
    "host_allowed",
    "looks_secret",
    "mask_httpx_logs",
    "mask_url",
]

import ipaddress
import logging
import re
import urllib.parse
from collections.abc import Collection, Iterable

import httpx

from hookline.errors import ConnectorError, RetriableError
from hookline.secrets import MASK, redact

_SECRET_NAME = re.compile(
    r"key|token|secret|passw|pwd|signature|^sig$|auth|credential|session|cookie",
    re.IGNORECASE,
)
_EXCERPT_LENGTH = 200
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def looks_secret(name: str, extra: Collection[str] = ()) -> bool:
    """Return whether a query parameter or header called ``name`` probably holds a secret.

    ``extra`` names more parameters to treat as secret (compared case-insensitively).
    """
    lowered = name.lower()
    return bool(_SECRET_NAME.search(name)) or lowered in {e.lower() for e in extra}


def mask_url(url: httpx.URL | str, secret_params: Collection[str] = ()) -> str:
    """Return ``url`` fit for a log line or an error message.

    The values of query parameters whose name looks secret (or is in ``secret_params``)
    and any password in the user-info part are replaced by ``********``; every registered
    secret value left anywhere in the URL is masked by :func:`hookline.secrets.redact`.
    """
    url = httpx.URL(url)
    if url.params:
        masked = [
            (name, MASK if looks_secret(name, secret_params) else value)
            for name, value in url.params.multi_items()
        ]
        url = url.copy_with(params=masked)
    if url.password:
        user = urllib.parse.quote(url.username, safe="")
        url = url.copy_with(userinfo=f"{user}:{MASK}".encode())
    return redact(str(url)).replace("%2A%2A%2A%2A%2A%2A%2A%2A", MASK)


def host_allowed(host: str, allowed_hosts: Iterable[str]) -> bool:
    """Return whether ``host`` matches one of ``allowed_hosts``.

    An entry is an exact host name or IP address, or ``*.example.com``, which matches
    every subdomain of ``example.com`` (not ``example.com`` itself). A wildcard never
    matches an IP address or a loopback name: those must be declared exactly.
    """
    host = host.lower().rstrip(".")
    special = host in _LOOPBACK_NAMES or _is_ip(host)
    for entry in allowed_hosts:
        entry = entry.lower().rstrip(".")
        if entry == host:
            return True
        if entry.startswith("*.") and not special and host.endswith(entry[1:]):
            return True
    return False


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class _HttpxUrlFilter(logging.Filter):
    """Mask the URL in httpx's own ``HTTP Request: GET <url> ...`` log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 2 and isinstance(args[1], httpx.URL):
            record.args = (args[0], mask_url(args[1]), *args[2:])
        return True


def mask_httpx_logs() -> None:
    """Make the ``httpx`` logger mask URLs as :func:`mask_url` does (idempotent)."""
    target = logging.getLogger("httpx")
    if not any(isinstance(f, _HttpxUrlFilter) for f in target.filters):
        target.addFilter(_HttpxUrlFilter())


def body_excerpt(body: bytes, *, limit: int = _EXCERPT_LENGTH) -> str:
    """Return the start of a response body as one short, redacted line of text."""
    text = " ".join(body[: limit * 4].decode("utf-8", errors="replace").split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return redact(text)


class HttpError(ConnectorError):
    """An HTTP request failed.

    Attributes:
        method: the request method.
        url: the request URL, secrets masked.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        url: str = "",
        connector: str | None = None,
        stream: str | None = None,
    ) -> None:
        self.method = method
        self.url = url
        super().__init__(redact(message), connector=connector, stream=stream)


class HttpStatusError(HttpError):
    """The server answered with a status that retrying will not fix (most 4xx).

    Attributes:
        status: the HTTP status code.
        server_message: a short excerpt of the response body.
    """

    def __init__(
        self,
        *,
        method: str,
        url: str,
        status: int,
        reason: str,
        server_message: str,
        connector: str | None = None,
    ) -> None:
        self.status = status
        self.server_message = server_message
        hint = {
            401: "check the connector's credentials",
            403: "check the credentials' permissions",
            404: "check the URL and the configured resource names",
        }.get(status, "check the request the configuration produces")
        said = f": {server_message}" if server_message else ""
        super().__init__(
            f"{method} {url} failed with {status} {reason}{said} ({hint})",
            method=method,
            url=url,
            connector=connector,
        )


class RetriesExhausted(HttpError, RetriableError):
    """Every attempt failed with a retriable error until the retry budget ran out.

    Attributes:
        attempts: one line per attempt, such as ``"attempt 2: 503 Service Unavailable"``.
    """

    def __init__(
        self,
        *,
        method: str,
        url: str,
        attempts: Iterable[str],
        why: str,
        connector: str | None = None,
    ) -> None:
        self.attempts = tuple(attempts)
        super().__init__(
            f"{method} {url} gave up after {len(self.attempts)} attempt(s) ({why}): "
            + "; ".join(self.attempts)
            + "; the service may be down or overloaded, try again later",
            method=method,
            url=url,
            connector=connector,
        )


class DeadlineExceeded(HttpError, RetriableError):
    """The request's overall deadline passed (a slow or dripping server)."""


class HostNotAllowed(HttpError):
    """The URL's host is not among the hosts the connector declared; nothing was sent."""


class InvalidResponse(HttpError):
    """The response body is not what was expected, such as non-JSON where JSON was asked."""
