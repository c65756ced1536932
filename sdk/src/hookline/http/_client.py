"""The HTTP client every HTTP connector uses: polite, persistent, and careful with secrets.

:func:`make_client` builds an :class:`HttpClient` around an ``httpx.Client``. Every request
goes through :meth:`HttpClient.request`, which, in order: refuses hosts the connector did
not declare; waits for the per-host rate limit; sends the request and reads the body
within the overall deadline; follows redirects itself, dropping every credential when one
leads to another origin; retries what may be retried; and logs each attempt on the
``hookline.http`` logger with secrets masked.

The overall deadline bounds the whole exchange, not each read: connecting, sending,
waiting for and reading the status line and headers, reading the body, the requests an
auth flow makes on the way (an OAuth2 token request), every retry and every wait between
them. httpx's own timeouts still bound each network operation (a read that waits longer
than ``timeout`` fails and is retried); the deadline is enforced below httpx, in its
network backend (see :mod:`hookline.http._budget`), so a server that trickles its headers
a byte at a time cannot stretch a request past it.
"""

from __future__ import annotations

__all__ = ["DEFAULT_TIMEOUT", "HttpClient", "make_client"]

import importlib.util
import logging
import random
import ssl
import threading
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from types import TracebackType
from typing import Any

import httpx

from hookline._version import __version__
from hookline.http._budget import BudgetSpent, bounded, install_budget
from hookline.http._errors import (
    DeadlineExceeded,
    HostNotAllowed,
    HttpError,
    HttpStatusError,
    InvalidResponse,
    body_excerpt,
    host_allowed,
    host_pattern_problem,
    looks_secret,
    mask_httpx_logs,
    mask_url,
)
from hookline.http._json import decode_json, encode_json
from hookline.http._ratelimit import HostRateLimiter, RateLimit
from hookline.http._retry import RetryPolicy, send_with_retries
from hookline.secrets import redact

log = logging.getLogger("hookline.http")

#: Inactivity timeouts used unless a connector sets its own: 10 s, 5 s to connect.
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return (url.scheme, url.host, url.port or default)


class HttpClient:
    """An ``httpx.Client`` wrapped with retries, rate limits, deadlines and a host guard.

    Build it with :func:`make_client`. Use it as a context manager, or call :meth:`close`.
    The underlying client is :attr:`httpx_client`, for what this class does not offer; a
    request sent through it directly bypasses every guarantee of this class.
    """

    def __init__(
        self,
        client: httpx.Client,
        *,
        connector: str,
        allowed_hosts: Collection[str],
        retry: RetryPolicy,
        limiter: HostRateLimiter,
        deadline: float,
        auth: httpx.Auth | None = None,
        secret_params: Collection[str] = (),
        secret_headers: Collection[str] = (),
        max_redirects: int = 10,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.httpx_client = client
        self.connector = connector
        self.allowed_hosts = tuple(allowed_hosts)
        self.retry = retry
        self.limiter = limiter
        self.deadline = deadline
        self.secret_params = frozenset(secret_params)
        self.secret_headers = frozenset(h.lower() for h in secret_headers)
        self.max_redirects = max_redirects
        self._auth = auth
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._clock = clock
        # Per thread: the request httpx sent last (an auth flow's token request, perhaps).
        self._sending = threading.local()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections of the underlying client."""
        self.httpx_client.close()

    def mask(self, url: httpx.URL | str) -> str:
        """Return ``url`` with its secrets masked, as this client logs it."""
        return mask_url(url, self.secret_params)

    def request(
        self,
        method: str,
        url: httpx.URL | str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        data: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        deadline: float | None = None,
    ) -> httpx.Response:
        """Send a request and return its response, body read, status 2xx or 3xx.

        ``url`` is relative to the client's base URL or absolute. ``idempotency_key`` is
        sent in the policy's idempotency header, the same on every attempt; without it a
        POST or PATCH is never retried. ``deadline`` overrides the client's overall
        deadline in seconds for this call (connecting, headers, body, an auth flow's token
        request, attempts and waits included). A ``json`` body is written by
        :func:`~hookline.http._json.encode_json`: integers of any size exactly.

        Raises:
            HostNotAllowed: the host (or a redirect's) is not declared; nothing was sent.
            HttpStatusError: a status that retrying cannot fix, such as 404.
            RetriesExhausted: every attempt failed retriably.
            DeadlineExceeded: the overall deadline passed.
            HttpError: ``json`` has no JSON form (a set, NaN); nothing was sent.
        """
        if json is not None and content is None:
            content = self._json_body(method, url, json)
            given = {name.lower() for name in headers or {}}
            if "content-type" not in given:
                headers = {**(headers or {}), "Content-Type": "application/json"}
        request = self.httpx_client.build_request(
            method, url, params=params, headers=headers, content=content, data=data
        )
        if idempotency_key is not None:
            request.headers[self.retry.idempotency_header] = idempotency_key
        self._check_host(request)
        return self._with_retries(request, deadline if deadline is not None else self.deadline)

    def get_json(
        self,
        url: httpx.URL | str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """GET ``url`` and return its JSON body; raise :class:`InvalidResponse` if not JSON."""
        response = self.request("GET", url, params=params, headers=headers)
        try:
            return decode_json(response.content)
        except ValueError:
            kind = response.headers.get("content-type", "no content type")
            raise InvalidResponse(
                f"GET {self.mask(response.request.url)} answered {kind!r}, not JSON: "
                f"{body_excerpt(response.content)}",
                method="GET",
                url=self.mask(response.request.url),
                connector=self.connector,
            ) from None

    # -- the pieces of one request --------------------------------------------------------

    def _json_body(self, method: str, url: httpx.URL | str, value: Any) -> bytes:
        try:
            return encode_json(value)
        except (TypeError, ValueError) as exc:
            shown = self.mask(self.httpx_client.base_url.join(url))
            raise HttpError(
                f"{method} {shown}: the request body has no JSON form ({redact(str(exc))}); "
                "nothing was sent: turn the value into a string, number, list or mapping",
                method=method,
                url=shown,
                connector=self.connector,
            ) from None

    def _note_sending(self, request: httpx.Request) -> None:
        """Remember the request httpx is sending in this thread (an httpx event hook)."""
        self._sending.request = request

    def _check_host(self, request: httpx.Request) -> None:
        if request.url.scheme not in ("http", "https"):
            raise HostNotAllowed(
                f"{request.method} {self.mask(request.url)}: only http and https URLs are allowed",
                method=request.method,
                url=self.mask(request.url),
                connector=self.connector,
            )
        if not host_allowed(request.url.host, self.allowed_hosts):
            declared = ", ".join(self.allowed_hosts) or "none"
            raise HostNotAllowed(
                f"{request.method} {self.mask(request.url)}: host {request.url.host!r} is not "
                f"one the connector declared ({declared}); nothing was sent. Declare the "
                "host in the connector's allowed hosts if it is meant to be reached",
                method=request.method,
                url=self.mask(request.url),
                connector=self.connector,
            )

    def _with_retries(self, request: httpx.Request, deadline: float) -> httpx.Response:
        start = self._clock()
        response = send_with_retries(
            lambda: self._send(request, start + deadline, deadline),
            self.retry,
            method=request.method,
            url=self.mask(request.url),
            may_retry=self.retry.may_retry(request.method, request.headers),
            give_up_at=min(start + self.retry.max_elapsed, start + deadline),
            clock=self._clock,
            sleep=self._sleep,
            rng=self._rng,
            connector=self.connector,
        )
        return self._final(response)

    def _final(self, response: httpx.Response) -> httpx.Response:
        if response.status_code < 400:
            return response
        shown = self.mask(response.request.url)
        raise HttpStatusError(
            method=response.request.method,
            url=shown,
            status=response.status_code,
            reason=response.reason_phrase,
            server_message=body_excerpt(response.content),
            connector=self.connector,
        )

    def _send(self, request: httpx.Request, stop_at: float, deadline: float) -> httpx.Response:
        """Send ``request``, following redirects ourselves; read each body by the deadline."""
        origin = _origin(request.url)
        crossed = False
        for _ in range(self.max_redirects + 1):
            host = request.url.host
            remaining = stop_at - self._clock()
            if remaining <= 0:
                raise self._deadline(request, deadline)
            waited = self.limiter.acquire(host, max_wait=remaining)
            if waited > remaining:
                raise self._deadline(
                    request, deadline, f"the rate limit of {host} asks to wait {waited:.1f} s"
                )
            remaining = stop_at - self._clock()
            if remaining <= 0:
                raise self._deadline(request, deadline)
            request.extensions["timeout"] = _bounded(self.httpx_client.timeout, remaining)
            auth = None if crossed else self._auth
            self._sending.request = request
            try:
                with bounded(remaining):
                    response = self.httpx_client.send(request, auth=auth, stream=True)
                    try:
                        self._read(response, stop_at, deadline)
                    finally:
                        response.close()
            except BudgetSpent:
                raise self._deadline(request, deadline, self._side_request(request)) from None
            except httpx.TransportError as exc:
                raise self._naming_side_request(exc, request) from None
            self.limiter.observe(host, response.headers)
            if response.status_code not in _REDIRECTS or "location" not in response.headers:
                return response
            request = self._redirect(response)
            self._check_host(request)
            crossed = crossed or _origin(request.url) != origin
            if crossed:
                self._strip_credentials(request)
        raise HttpError(
            f"{request.method} {self.mask(request.url)}: more than {self.max_redirects} redirects",
            method=request.method,
            url=self.mask(request.url),
            connector=self.connector,
        )

    def _read(self, response: httpx.Response, stop_at: float, deadline: float) -> None:
        chunks: list[bytes] = []
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            if self._clock() > stop_at:
                raise self._deadline(response.request, deadline)
        # What httpx's own Response.read() does, with the deadline checked between chunks.
        response._content = b"".join(chunks)

    def _side_request(self, request: httpx.Request) -> str | None:
        """Name the request an auth flow was sending for ``request``, if it was another."""
        sending = getattr(self._sending, "request", None)
        if sending is None or sending is request or sending.url == request.url:
            return None
        return f"it was waiting for {sending.method} {self.mask(sending.url)}, sent on its way"

    def _naming_side_request(
        self, exc: httpx.TransportError, request: httpx.Request
    ) -> httpx.TransportError:
        """``exc``, its message naming the auth flow's request it happened in, if any."""
        side = self._side_request(request)
        if side is None:
            return exc
        text = f"{redact(str(exc)) or type(exc).__name__} ({side})"
        try:
            return type(exc)(text, request=exc.request)
        except (TypeError, RuntimeError):  # an exception class that takes other arguments
            return exc

    def _deadline(
        self, request: httpx.Request, deadline: float, why: str | None = None
    ) -> DeadlineExceeded:
        shown = self.mask(request.url)
        because = f"; {why}" if why else " (a slow or stalled server)"
        return DeadlineExceeded(
            f"{request.method} {shown} did not complete within the deadline of "
            f"{deadline:g} s{because}; try again later or raise the connector's deadline "
            "setting",
            method=request.method,
            url=shown,
            connector=self.connector,
        )

    def _redirect(self, response: httpx.Response) -> httpx.Request:
        previous = response.request
        url = previous.url.join(response.headers["location"])
        method = previous.method
        body: bytes | None = previous.content
        headers = httpx.Headers(previous.headers)
        if (response.status_code == 303 and method != "HEAD") or (
            response.status_code in (301, 302) and method == "POST"
        ):
            method, body = "GET", None
            for name in ("content-length", "content-type", "transfer-encoding"):
                headers.pop(name, None)
        headers.pop("host", None)
        return httpx.Request(method, url, headers=headers, content=body)

    def _strip_credentials(self, request: httpx.Request) -> None:
        for name in list(request.headers.keys()):
            lowered = name.lower()
            value = request.headers[name]
            if (
                lowered in _CREDENTIAL_HEADERS
                or lowered in self.secret_headers
                or (lowered != self.retry.idempotency_header.lower() and looks_secret(lowered))
                or redact(value) != value
            ):
                del request.headers[name]
        kept = [
            (name, value)
            for name, value in request.url.params.multi_items()
            if not looks_secret(name, self.secret_params) and redact(value) == value
        ]
        if len(kept) != len(request.url.params.multi_items()):
            request.url = request.url.copy_with(params=kept)
            request.headers["host"] = request.url.netloc.decode("ascii")


def _bounded(timeout: httpx.Timeout, remaining: float) -> dict[str, float | None]:
    values = timeout.as_dict()
    return {k: remaining if v is None else min(v, remaining) for k, v in values.items()}


def make_client(
    *,
    base_url: str = "",
    connector: str,
    allowed_hosts: Iterable[str],
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    deadline: float = 300.0,
    retry: RetryPolicy | None = None,
    rate_limit: RateLimit | None = None,
    auth: httpx.Auth | None = None,
    headers: Mapping[str, str] | None = None,
    secret_params: Collection[str] = (),
    secret_headers: Collection[str] = (),
    http2: bool = False,
    ssl_context: ssl.SSLContext | None = None,
    max_connections: int = 10,
    max_redirects: int = 10,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> HttpClient:
    """Build the :class:`HttpClient` a connector talks to its service with.

    Args:
        base_url: what relative request URLs are joined to.
        connector: ``"<id>/<version>"``; sent as ``User-Agent: hookline/<v> <connector>``.
        allowed_hosts: the hosts this client may reach (exact names, ``*.example.com``);
            loopback and IP addresses only when listed exactly. Any other is refused.
        timeout: httpx inactivity timeouts (connect, read, write, pool); all must be set.
        deadline: seconds one :meth:`HttpClient.request` call may take in all.
        retry: when and how to retry; default :class:`RetryPolicy()`.
        rate_limit: per-host request rate and quota headers; default :class:`RateLimit()`.
        auth: an ``httpx.Auth`` applied to every request, never across origins.
        headers: sent with every request (an API-key header too: it is dropped on a
            redirect to another origin, as is any header whose name looks secret).
        secret_params: more query parameter names to mask in logs and drop across origins.
        secret_headers: more header names to drop on a redirect to another origin.
        http2: negotiate HTTP/2; needs the ``h2`` package (``pip install 'httpx[http2]'``).
        ssl_context: a custom TLS context (a private CA); certificates are always verified.
        max_connections: the connection pool's size.
        max_redirects: redirects followed per attempt.
        sleep: how to wait (tests pass a fake).
        rng: the source of backoff jitter (tests pass a seeded one).
    """
    timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
    if None in timeout.as_dict().values():
        raise ValueError(f"every HTTP timeout must be set, got {timeout!r}")
    if deadline <= 0:
        raise ValueError(f"the deadline must be positive, not {deadline!r}")
    if http2 and importlib.util.find_spec("h2") is None:
        raise HttpError(
            "HTTP/2 was asked for but the 'h2' package is not installed; install it with "
            "pip install 'httpx[http2]' or leave http2 off",
            connector=connector,
        )
    hosts = tuple(allowed_hosts)
    for index, entry in enumerate(hosts):
        problem = host_pattern_problem(entry)
        if problem is not None:
            raise HttpError(f"allowed_hosts[{index}]: {problem}", connector=connector)
    all_headers = {"User-Agent": f"hookline/{__version__} {connector}"}
    all_headers.update(headers or {})
    client = httpx.Client(
        base_url=base_url,
        headers=all_headers,
        timeout=timeout,
        limits=httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        ),
        verify=ssl_context if ssl_context is not None else True,
        http2=http2,
        follow_redirects=False,
    )
    mask_httpx_logs()
    if not install_budget(client):
        log.warning(
            "the installed httpx %s lays out its transports in a way hookline does not "
            "know: the deadline of %s is checked between reads only; install an httpx "
            "release hookline supports",
            httpx.__version__,
            connector,
        )
    policy = retry or RetryPolicy()
    limiter = HostRateLimiter(rate_limit or RateLimit(), sleep=sleep)
    wrapped = HttpClient(
        client,
        connector=connector,
        allowed_hosts=hosts,
        retry=policy,
        limiter=limiter,
        deadline=deadline,
        auth=auth,
        secret_params=secret_params,
        secret_headers=secret_headers,
        max_redirects=max_redirects,
        sleep=sleep,
        rng=rng,
    )
    # Requests an auth flow makes on its own (an OAuth2 token request) go straight through
    # httpx: check their host too, and remember them to name them in errors.
    client.event_hooks["request"].append(wrapped._check_host)
    client.event_hooks["request"].append(wrapped._note_sending)
    return wrapped
