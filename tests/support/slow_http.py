"""A loopback HTTP server on raw sockets, for what a well-behaved server never does.

:class:`support.http_server.HttpServer` answers through ``http.server``, which writes a
status line and headers at once. This one writes bytes itself, so a test can make it:

* :class:`Trickle`: send a response one byte at a time, ``every`` seconds apart; with
  ``endless`` the last header never ends (a status line, then ``X-Pad: aaaa...``);
* :class:`Silent`: read the request, then say nothing (until the server stops);
* :class:`Answer`: answer at once, as any server would.

::

    def behave(request: RawRequest) -> Behaviour:
        return Trickle(endless=True, every=0.2)

    with SlowServer(behave) as server:
        httpx.get(server.url + "/x")  # never returns, without an overall deadline

Each connection is served in its own daemon thread; leaving the ``with`` block closes
every connection, so a client still waiting sees the connection end.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from types import TracebackType
from typing import Any

import attrs


@attrs.frozen
class RawRequest:
    """A request as read off the socket: method, path, query, headers (lower case), body."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float


@attrs.frozen
class Answer:
    """Answer at once with ``status``, ``body`` (JSON when not bytes) and ``headers``."""

    status: int = 200
    body: Any = b""
    headers: dict[str, str] = attrs.field(factory=dict)

    def payload(self) -> bytes:
        """The whole response, status line to body."""
        body = self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()
        headers = {"Content-Type": "application/json", **self.headers}
        headers["Content-Length"] = str(len(body))
        lines = [f"HTTP/1.1 {self.status} X", *(f"{k}: {v}" for k, v in headers.items())]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@attrs.frozen
class Trickle:
    """Send ``response`` one byte every ``every`` seconds; ``endless``: a header never ends."""

    response: Answer = attrs.field(factory=Answer)
    every: float = 0.2
    endless: bool = False


@attrs.frozen
class Silent:
    """Read the request and never answer."""


Behaviour = Answer | Trickle | Silent


class SlowServer:
    """Serve ``behave`` on 127.0.0.1 (an ephemeral port) until the context exits."""

    def __init__(self, behave: Callable[[RawRequest], Behaviour]) -> None:
        self.behave = behave
        self.requests: list[RawRequest] = []
        self._closing = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self.port = self._listener.getsockname()[1]

    @property
    def url(self) -> str:
        """The base URL, such as ``http://127.0.0.1:50123``."""
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> SlowServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._closing.set()
        self._thread.join(timeout=5)
        with self._lock:
            for connection in self._connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
                connection.close()
        self._listener.close()

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._connections.append(connection)
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        reader = connection.makefile("rb")
        try:
            while not self._closing.is_set():
                request = _read_request(reader)
                if request is None:
                    return
                self.requests.append(request)
                behaviour = self.behave(request)
                if isinstance(behaviour, Silent):
                    self._closing.wait()
                    return
                if isinstance(behaviour, Answer):
                    connection.sendall(behaviour.payload())
                    continue
                self._trickle(connection, behaviour)
                return
        except OSError:
            return  # the client went away
        finally:
            reader.close()

    def _trickle(self, connection: socket.socket, trickle: Trickle) -> None:
        data = trickle.response.payload()
        if trickle.endless:
            data = f"HTTP/1.1 {trickle.response.status} X\r\nX-Pad: ".encode()
        index = 0
        while not self._closing.is_set():
            if index < len(data):
                connection.sendall(data[index : index + 1])
            elif trickle.endless:
                connection.sendall(b"a")
            else:
                return
            index += 1
            if self._closing.wait(trickle.every):
                return


def _read_request(reader: Any) -> RawRequest | None:
    line = reader.readline()
    if not line:
        return None
    method, target, _ = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while True:
        header = reader.readline().decode("latin-1")
        if header in ("\r\n", "\n", ""):
            break
        name, _, value = header.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length") or 0)
    body = reader.read(length) if length else b""
    parts = urllib.parse.urlsplit(target)
    query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
    return RawRequest(method, parts.path, query, headers, body, time.monotonic())
