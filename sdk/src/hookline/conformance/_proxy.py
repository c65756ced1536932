"""A loopback HTTP proxy that answers with scripted faults, then passes requests through.

The fault checks point the connector's URL setting at this proxy. Each request is either
answered by the next scripted fault (a status and headers) or forwarded to the real
(fake) service; every request's arrival time is kept, so a check can see how long the
client waited after a ``Retry-After``.
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import attrs

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


@attrs.frozen
class Fault:
    """One scripted answer: a status, its headers and body."""

    status: int
    headers: dict[str, str] = attrs.field(factory=dict)
    body: bytes = b'{"error": "injected by the conformance suite"}'


@attrs.define
class Seen:
    """One request the proxy received and what it answered."""

    at: float
    method: str
    path: str
    status: int
    fault: bool


class FaultProxy:
    """Serve on 127.0.0.1 (a free port) in a daemon thread; use as a context manager.

    Args:
        upstream: the service's base URL; only its scheme, host and port are used.
        faults: answered, in order, to the first requests.
        always: when set, every request is answered with this fault.
    """

    def __init__(
        self, upstream: str, faults: list[Fault] | None = None, always: Fault | None = None
    ) -> None:
        parts = urllib.parse.urlsplit(upstream)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.faults = list(faults or [])
        self.always = always
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._client: Any = None

    @property
    def url(self) -> str:
        """The proxy's own origin, ``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

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
        self._server.shutdown()
        self._server.server_close()
        self._client.close()

    def next_fault(self) -> Fault | None:
        """The fault to answer the current request with, if any (thread-safe)."""
        with self._lock:
            if self.always is not None:
                return self.always
            return self.faults.pop(0) if self.faults else None

    def record(self, seen: Seen) -> None:
        """Keep one request's record."""
        with self._lock:
            self.seen.append(seen)

    def forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """Send the request on to the service; return status, headers and body."""
        response = self._client.request(
            method, self.origin + path, headers=headers, content=body or None
        )
        kept = [(k, v) for k, v in response.headers.items() if k.lower() not in _HOP]
        return response.status_code, kept, response.content


class _QuietServer(ThreadingHTTPServer):
    """A server that does not print a traceback when a client drops its connection."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None


def _handler_for(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self) -> None:
            arrived = time.monotonic()
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            fault = proxy.next_fault()
            if fault is not None:
                status, headers, content = fault.status, list(fault.headers.items()), fault.body
                headers.append(("Content-Type", "application/json"))
            else:
                forwarded = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                try:
                    status, headers, content = proxy.forward(
                        self.command, self.path, forwarded, body
                    )
                except Exception as exc:  # the service is gone: answer like a gateway
                    status, headers = 502, [("Content-Type", "text/plain")]
                    content = f"proxy: {type(exc).__name__}".encode()
            proxy.record(Seen(arrived, self.command, self.path, status, fault is not None))
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _any

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler
