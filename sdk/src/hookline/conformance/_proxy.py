"""A loopback HTTP proxy that answers with scripted faults, then passes requests through.

The fault checks point the connector's URL setting at this proxy. Each request is either
answered by a scripted :class:`Fault` or forwarded to the real (fake) service. A fault is
a plain answer (a status, headers and body), a redirect to another origin, silence (no
answer at all for a while), the service's own answer stalled half-way, dripped a byte at
a time, cut short or truncated. Every request is kept (:class:`Seen`: when it arrived, its
method, target and headers, and what it was answered), so a check can see how long the
client waited after a ``Retry-After``, whether it asked again, and what reached a
redirect's target.
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from collections.abc import Callable, Collection
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import attrs

from hookline.secrets import looks_like_credential

# Headers that describe one hop, not the message: never forwarded.
_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "content-length",
        "content-encoding",
        "host",
        "upgrade",
    }
)

#: The ways a fault answers (see :class:`Fault`).
MODES = ("answer", "redirect", "silent", "stalled_body", "drip", "truncated", "cut")

# The modes that first fetch the service's own answer and then spoil it.
_FORWARDING = frozenset({"stalled_body", "drip", "truncated", "cut"})

#: The pause between two bytes of a dripped answer, in seconds.
DRIP_INTERVAL = 0.25


@attrs.frozen
class Fault:
    """One scripted answer.

    Attributes:
        status: the status answered (``answer`` and ``redirect``).
        headers: headers sent with it.
        body: the body (``answer``).
        content_type: the body's content type (``answer``).
        mode: ``"answer"`` (status, headers, body), ``"redirect"`` (``status`` with a
            ``Location`` at ``location`` plus the request's path and query, credential
            parameters left out), ``"silent"`` (nothing for ``seconds``, then the
            connection is closed), ``"stalled_body"`` (the service's status, headers and
            half its body, then nothing for ``seconds``), ``"drip"`` (the service's answer
            one byte every :data:`DRIP_INTERVAL` seconds, for at most ``seconds``),
            ``"truncated"`` (the service's answer with half its body, the length matching)
            or ``"cut"`` (the service's answer announcing its full length, half sent).
        seconds: how long ``silent``, ``stalled_body`` and ``drip`` last.
        location: the origin a ``redirect`` points to.
    """

    status: int = 200
    headers: dict[str, str] = attrs.field(factory=dict)
    body: bytes = b'{"error": "injected by the conformance suite"}'
    content_type: str = "application/json"
    mode: str = attrs.field(default="answer", validator=attrs.validators.in_(MODES))
    seconds: float = 0.0
    location: str = ""

    @classmethod
    def redirect(cls, status: int, origin: str) -> Fault:
        """A redirect (301, 302, 303, 307, 308) to the same path at ``origin``."""
        return cls(status, body=b"", mode="redirect", location=origin.rstrip("/"))

    @classmethod
    def silent(cls, seconds: float) -> Fault:
        """No answer for ``seconds``; then the connection is closed."""
        return cls(0, body=b"", mode="silent", seconds=seconds)

    @classmethod
    def stalled_body(cls, seconds: float) -> Fault:
        """The service's answer up to half its body; then nothing for ``seconds``."""
        return cls(0, body=b"", mode="stalled_body", seconds=seconds)

    @classmethod
    def drip(cls, seconds: float) -> Fault:
        """The service's answer a byte at a time, for at most ``seconds``."""
        return cls(0, body=b"", mode="drip", seconds=seconds)

    @classmethod
    def truncated(cls) -> Fault:
        """The service's answer with only the first half of its body (a complete message)."""
        return cls(0, body=b"", mode="truncated")

    @classmethod
    def cut(cls) -> Fault:
        """The service's answer announcing its whole length; the connection closes half-way."""
        return cls(0, body=b"", mode="cut")


@attrs.define
class Seen:
    """One request the proxy received and what it answered.

    ``path`` is the request target (path and query); ``status`` is ``0`` when no status
    was sent (a ``silent`` fault); ``mode`` is the fault's mode, or ``""`` when the request
    was passed through; ``number`` counts the proxy's requests from 0.
    """

    at: float
    method: str
    path: str
    status: int
    fault: bool
    headers: dict[str, str] = attrs.field(factory=dict)
    mode: str = ""
    number: int = 0

    @property
    def query(self) -> list[tuple[str, str]]:
        """The query parameters of the request, in order."""
        return urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query, True)


#: Chooses the fault for a request from its number (from 0), method and target.
Plan = Callable[[int, str, str], "Fault | None"]


class FaultProxy:
    """Serve on 127.0.0.1 (a free port) in a daemon thread; use as a context manager.

    Args:
        upstream: the service's base URL; only its scheme, host and port are used.
        faults: answered, in order, to the first requests.
        always: when set, every request is answered with this fault.
        plan: when set (and ``always`` is not), called for each request with its number
            (from 0), method and target; the fault it returns is answered, ``None`` passes
            the request through.
        secrets: values a redirect's ``Location`` must not carry (the query parameters
            holding one are left out, as are those named like a credential).
    """

    def __init__(
        self,
        upstream: str,
        faults: list[Fault] | None = None,
        always: Fault | None = None,
        *,
        plan: Plan | None = None,
        secrets: Collection[str] = (),
    ) -> None:
        parts = urllib.parse.urlsplit(upstream)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.faults = list(faults or [])
        self.always = always
        self.plan = plan
        self.secrets = tuple(s for s in secrets if s)
        self.seen: list[Seen] = []
        self._count = 0
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._client: Any = None

    @property
    def port(self) -> int:
        """The port the proxy listens on."""
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The proxy's own origin, ``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    def rewrite(self, url: str) -> str:
        """Return ``url`` with its origin replaced by the proxy's."""
        parts = urllib.parse.urlsplit(url)
        return urllib.parse.urlunsplit(("http", self.url[7:], *parts[2:]))

    def __enter__(self) -> FaultProxy:
        import httpx

        self._client = httpx.Client(timeout=30.0)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._client.close()

    def next_fault(self, method: str = "GET", target: str = "/") -> tuple[int, Fault | None]:
        """Number the current request and choose its fault, if any (thread-safe)."""
        with self._lock:
            number = self._count
            self._count += 1
            if self.always is not None:
                return number, self.always
            if self.plan is not None:
                return number, self.plan(number, method, target)
            return number, self.faults.pop(0) if self.faults else None

    def record(self, seen: Seen) -> None:
        """Keep one request's record."""
        with self._lock:
            self.seen.append(seen)

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; return ``True`` early when the proxy is closing."""
        return self._closing.wait(seconds)

    def forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """Send the request on to the service; return status, headers and body."""
        response = self._client.request(
            method, self.origin + path, headers=headers, content=body or None
        )
        kept = [(k, v) for k, v in response.headers.items() if k.lower() not in _HOP]
        return response.status_code, kept, response.content

    def location(self, fault: Fault, target: str) -> str:
        """Where a redirect fault sends ``target``: its origin, credentials left out."""
        parts = urllib.parse.urlsplit(target)
        kept = [
            (name, value)
            for name, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
            if not looks_like_credential(name) and not any(s in value for s in self.secrets)
        ]
        query = urllib.parse.urlencode(kept)
        return fault.location + parts.path + (f"?{query}" if query else "")


class _QuietServer(ThreadingHTTPServer):
    """A server that does not print a traceback when a client drops its connection."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None


def _head(status: int, headers: list[tuple[str, str]], length: int) -> bytes:
    """The status line and headers of an answer, as bytes."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    lines = [f"HTTP/1.1 {status} {phrase}"]
    lines += [f"{name}: {value}" for name, value in headers]
    lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _handler_for(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self) -> None:
            arrived = time.monotonic()
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            number, fault = proxy.next_fault(self.command, self.path)
            seen = Seen(
                arrived,
                self.command,
                self.path,
                0,
                fault is not None,
                dict(self.headers.items()),
                fault.mode if fault is not None else "",
                number,
            )
            # Kept before answering, the status set before a byte is sent: a client that
            # has its answer finds the request in ``seen``.
            proxy.record(seen)
            self._answer(fault, body, seen)

        def _answer(self, fault: Fault | None, body: bytes, seen: Seen) -> None:
            if fault is None or fault.mode in _FORWARDING:
                status, headers, content = self._forward(body)
                seen.status = status
                if fault is not None:
                    self._spoil(fault, status, headers, content)
                    return
            elif fault.mode == "silent":
                proxy.wait(fault.seconds)
                self.close_connection = True
                return
            elif fault.mode == "redirect":
                status, content = fault.status, fault.body
                headers = [*fault.headers.items(), ("Location", proxy.location(fault, self.path))]
            else:
                status, content = fault.status, fault.body
                headers = [*fault.headers.items(), ("Content-Type", fault.content_type)]
            seen.status = status
            self._send(_head(status, headers, len(content)) + content)

        def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
            forwarded = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
            try:
                return proxy.forward(self.command, self.path, forwarded, body)
            except Exception as exc:  # the service is gone: answer like a gateway
                return 502, [("Content-Type", "text/plain")], f"proxy: {exc!r}".encode()

        def _spoil(
            self, fault: Fault, status: int, headers: list[tuple[str, str]], content: bytes
        ) -> None:
            half = content[: len(content) // 2]
            if fault.mode == "truncated":
                self._send(_head(status, headers, len(half)) + half)
                return
            self.close_connection = True
            if fault.mode == "drip":
                self._drip(_head(status, headers, len(content)) + content, fault.seconds)
                return
            self._send(_head(status, headers, len(content)) + half)
            if fault.mode == "stalled_body":
                proxy.wait(fault.seconds)

        def _send(self, data: bytes) -> bool:
            try:
                self.wfile.write(data)
                self.wfile.flush()
            except OSError:  # the client gave up
                self.close_connection = True
                return False
            return True

        def _drip(self, data: bytes, seconds: float) -> None:
            until = time.monotonic() + seconds
            for index in range(len(data)):
                if not self._send(data[index : index + 1]) or time.monotonic() >= until:
                    return
                if proxy.wait(DRIP_INTERVAL):
                    return

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _any

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler
