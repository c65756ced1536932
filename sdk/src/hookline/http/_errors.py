"""The errors the HTTP toolkit raises, and how a URL is shown in them and in logs.

::

    ConnectorError
    └── HttpError                      an HTTP request failed (names method and masked URL)
        ├── HttpStatusError            a 4xx answer that retrying cannot fix (fail fast)
        ├── RetriesExhausted           retriable failures until the retry budget ran out
        ├── DeadlineExceeded           the request's overall deadline passed
        ├── HostNotAllowed             the URL's host is not one the connector declared
        └── InvalidResponse            the body is not what was expected (e.g. not JSON)

The classes live in :mod:`hookline.errors` with every other error a user can meet; they
are named here too, where the toolkit's code imports them. A failed HTTP request is never
a :class:`~hookline.errors.RetriableError` for the runner: the client already retried it,
and a per-record write may have stored part of its batch.
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
    "host_pattern_problem",
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

from hookline.errors import (
    DeadlineExceeded,
    HostNotAllowed,
    HttpError,
    HttpStatusError,
    InvalidResponse,
    RetriesExhausted,
)
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
    host = host.lower().rstrip(".").strip("[]")
    special = host in _LOOPBACK_NAMES or _is_ip(host)
    for entry in allowed_hosts:
        entry = entry.strip().lower().rstrip(".").strip("[]")
        if entry == host:
            return True
        if entry.startswith("*.") and not special and host.endswith(entry[1:]):
            return True
    return False


def host_pattern_problem(entry: object) -> str | None:
    """Return why ``entry`` cannot be an allowed host, or ``None`` when it can.

    An entry is an exact host name (``api.example.com``), an IP address (``127.0.0.1``,
    ``::1``) or ``*.`` and a domain of at least two labels (``*.example.com``: its
    subdomains). A bare ``*`` is refused on purpose: the list exists so that credentials
    go to the hosts named and no others. So are a ``*`` anywhere but as the first label, a
    wildcard over a top-level domain (``*.com``), and a URL, port or path instead of a host.
    The message is written for the user; it names what to write instead.
    """
    if not isinstance(entry, str) or not entry.strip():
        return "an allowed host must be a host name such as api.example.com, not empty"
    text = entry.strip().lower().rstrip(".")
    hint = "; list each host the connector talks to (api.example.com), or *.example.com"
    if text in ("*", "*.", ""):
        return (
            f"{entry!r} would allow every host, so credentials could go anywhere: it is "
            f"not allowed{hint} for the subdomains of one domain"
        )
    if _is_ip(text):
        return None
    if any(c in text for c in "/:@?#") or any(c.isspace() for c in text):
        return (
            f"{entry!r} is not a host name: write the host alone, without scheme, port, "
            "path or spaces (api.example.com)"
        )
    wildcard = text.startswith("*.")
    rest = text[2:] if wildcard else text
    if "*" in rest:
        return (
            f"{entry!r}: '*' may only stand as the whole first label, as in *.example.com "
            "(every subdomain of example.com)"
        )
    if wildcard and "." not in rest:
        return (
            f"{entry!r} would allow every host under a top-level domain{hint} for the "
            "subdomains of one domain"
        )
    if any(not label for label in rest.split(".")):
        return f"{entry!r} is not a host name: it has an empty label (two dots in a row)"
    return None


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
