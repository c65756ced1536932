"""A real HTTP server on loopback for tests: serves a handler function in a thread.

::

    def handler(request: Received) -> Reply:
        return Reply(200, {"Content-Type": "application/json"}, b'{"ok": true}')

    with HttpServer(handler) as server:
        httpx.get(server.url + "/items")
        assert server.requests[0].path == "/items"

A :class:`Reply` may also delay its answer, drip its body one byte at a time, or reset the
connection without answering. :func:`sequence` serves a list of replies in turn.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import attrs


@attrs.frozen
class Received:
    """One request the server received.

    ``headers`` has lower-case names; ``query`` maps each name to its values; ``at`` is the
    ``time.monotonic()`` of its arrival.
    """

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float


@attrs.frozen
class Reply:
    """What the server answers.

    Attributes:
        status: the status code.
        headers: the response headers (``Content-Length`` is added).
        body: the body; a ``str`` is sent as UTF-8.
        delay: seconds to wait before answering at all.
        drip: when set, send the body one byte at a time, this many seconds apart.
        reset: close the connection without answering.
    """

    status: int = 200
    headers: Mapping[str, str] = attrs.field(factory=dict)
    body: bytes | str = b""
    delay: float = 0.0
    drip: float | None = None
    reset: bool = False


Handler = Callable[[Received], Reply]


def sequence(replies: Iterable[Reply], then: Reply | None = None) -> Handler:
    """Return a handler answering with ``replies`` in turn, then ``then`` (or the last)."""
    pending = list(replies)
    lock = threading.Lock()
    last: list[Reply] = [then] if then is not None else []

    def handler(_: Received) -> Reply:
        with lock:
            if pending:
                reply = pending.pop(0)
                if then is None:
                    last[:] = [reply]
                return reply
            return last[0]

    return handler


class HttpServer:
    """Serve ``handler`` on ``host`` (an ephemeral port) until the context exits."""

    def __init__(self, handler: Handler, host: str = "127.0.0.1") -> None:
        self.handler = handler
        self.requests: list[Received] = []
        self._closing = threading.Event()
        self._server = ThreadingHTTPServer((host, 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.host = host
        self.port = self._server.server_address[1]

    @property
    def url(self) -> str:
        """The server's base URL, such as ``http://127.0.0.1:51234``."""
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> HttpServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                received = Received(
                    method=self.command,
                    path=parts.path,
                    query=urllib.parse.parse_qs(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                    at=time.monotonic(),
                )
                server.requests.append(received)
                reply = server.handler(received)
                if reply.delay and server._closing.wait(reply.delay):
                    return
                if reply.reset:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                body = reply.body.encode() if isinstance(reply.body, str) else reply.body
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if reply.drip is None:
                        self.wfile.write(body)
                        return
                    for i in range(len(body)):
                        self.wfile.write(body[i : i + 1])
                        self.wfile.flush()
                        if server._closing.wait(reply.drip):
                            return
                except OSError:
                    self.close_connection = True  # the client went away

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

            def log_message(self, format: str, *args: Any) -> None:
                """Stay quiet: tests read ``server.requests`` instead."""

        return _Handler
