"""A small fake shop API on loopback, for the REST connector's conformance fixture.

It serves, on ``http://127.0.0.1:<free port>``, behind a bearer token:

* ``GET /customers`` and ``GET /orders``: the records sorted by ``updated_at`` then ``id``,
  ``?page=N&per_page=M`` (``per_page`` at most 100), ``?updated_since=T`` for records whose
  ``updated_at`` is ``T`` or later; body ``{"data": [...], "meta": {"page", "per_page",
  "total", "total_pages"}}``.
* ``PUT /store/{stream}/{id}``: stores the JSON object in the body under its integer ``id``
  (which must match the path), replacing what was stored for that id: writing a record
  twice stores it once. A body without ``id`` is stored under the path's last segment
  (a composite key such as ``north:3``). ``201`` when created, ``200`` when replaced;
  ``422`` for a body that is not such an object.
* ``GET /store/{stream}``: what is stored for ``stream``, in the order first stored.

A request without ``Authorization: Bearer <token>`` gets ``401``; an unknown path ``404``.
The server runs on a daemon thread; :meth:`FakeShopApi.stop` ends it.
"""

from __future__ import annotations

__all__ = ["FakeShopApi"]

import datetime as dt
import json
import math
import threading
import urllib.parse
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = tuple[int, Any]

_MAX_PER_PAGE = 100


def _instant(text: str) -> dt.datetime | None:
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.timezone.utc)


def _positive(value: str | None, default: int) -> int | None:
    if value is None:
        return default
    return int(value) if value.isdigit() and int(value) > 0 else None


class _QuietServer(ThreadingHTTPServer):
    """Serves each request in a daemon thread; a client dropping its connection is not news."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None


class FakeShopApi:
    """The fake API: its resources, its store of written records, and its server.

    Args:
        token: the bearer token the API accepts.
        resources: per ``GET`` endpoint name (``"customers"``), its records; each has an
            ``id`` and an ISO 8601 ``updated_at``.
    """

    def __init__(self, token: str, resources: Mapping[str, list[dict[str, Any]]]) -> None:
        self.token = token
        self.resources = {
            name: sorted(records, key=lambda r: (_instant(r["updated_at"]), r["id"]))
            for name, records in resources.items()
        }
        self._stored: dict[str, dict[Any, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- the server ------------------------------------------------------------------------

    def start(self) -> FakeShopApi:
        """Start serving on a free loopback port (idempotent); return the API."""
        if self._server is not None:
            return self
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                api._handle(self, "GET")

            def do_PUT(self) -> None:
                api._handle(self, "PUT")

            def do_POST(self) -> None:
                api._handle(self, "POST")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="hookline-rest-fake-api",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def running(self) -> bool:
        """Whether the server is serving."""
        return self._server is not None

    @property
    def url(self) -> str:
        """The API's base URL, such as ``http://127.0.0.1:50123``."""
        if self._server is None:
            raise RuntimeError("the fake API is not running; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stored(self, stream: str) -> list[dict[str, Any]]:
        """Return copies of the records stored for ``stream``, in the order first stored."""
        with self._lock:
            return [json.loads(json.dumps(r)) for r in self._stored.get(stream, {}).values()]

    # -- requests --------------------------------------------------------------------------

    def change(self, name: str, records: list[dict[str, Any]]) -> None:
        """Add or replace (by ``id``) records of resource ``name`` while the API serves it.

        The resource stays in ``updated_at`` order, so a record updated to a later time
        moves from its page to the last one, and every record after it moves up one place.
        """
        with self._lock:
            by_id = {r["id"]: r for r in self.resources[name]}
            by_id.update((r["id"], r) for r in records)
            self.resources[name] = sorted(
                by_id.values(), key=lambda r: (_instant(r["updated_at"]), r["id"])
            )

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urllib.parse.urlsplit(handler.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        segments = [urllib.parse.unquote(s) for s in parts.path.split("/") if s]
        if handler.headers.get("Authorization", "") != f"Bearer {self.token}":
            status, reply = 401, {"error": "unauthorized: send a valid bearer token"}
        else:
            status, reply = self._route(method, segments, query, body)
        payload = json.dumps(reply).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        if status == 401:
            handler.send_header("WWW-Authenticate", 'Bearer realm="fake-shop"')
        handler.end_headers()
        handler.wfile.write(payload)

    def _route(self, method: str, segments: list[str], query: dict[str, str], body: bytes) -> Reply:
        if len(segments) == 1 and segments[0] in self.resources:
            if method != "GET":
                return 405, {"error": f"{method} is not allowed on /{segments[0]}"}
            return self._list(segments[0], query)
        if len(segments) == 2 and segments[0] == "store":
            if method != "GET":
                return 405, {"error": f"{method} is not allowed on /store/{segments[1]}"}
            return 200, {"data": self.stored(segments[1])}
        if len(segments) == 3 and segments[0] == "store":
            if method != "PUT":
                return 405, {"error": f"{method} is not allowed here; use PUT"}
            return self._put(segments[1], segments[2], body)
        return 404, {"error": f"no endpoint /{'/'.join(segments)}"}

    def _list(self, name: str, query: dict[str, str]) -> Reply:
        page = _positive(query.get("page"), 1)
        per_page = _positive(query.get("per_page"), 10)
        if page is None or per_page is None or per_page > _MAX_PER_PAGE:
            return 400, {"error": f"page must be 1 or more, per_page 1 to {_MAX_PER_PAGE}"}
        records = self.resources[name]
        since_text = query.get("updated_since")
        if since_text is not None:
            since = _instant(since_text)
            if since is None:
                return 400, {"error": f"updated_since {since_text!r} is not an ISO 8601 time"}
            records = [r for r in records if (_instant(r["updated_at"]) or since) >= since]
        start = (page - 1) * per_page
        meta = {
            "page": page,
            "per_page": per_page,
            "total": len(records),
            "total_pages": math.ceil(len(records) / per_page),
        }
        return 200, {"data": records[start : start + per_page], "meta": meta}

    def _put(self, stream: str, key: str, body: bytes) -> Reply:
        try:
            record = json.loads(body or b"null")
        except ValueError:
            return 422, {"error": "the body is not JSON"}
        if not isinstance(record, dict):
            return 422, {"error": "the body must be a JSON object"}
        ident: Any = key
        if "id" in record:
            ident = record["id"]
            if not isinstance(ident, int) or isinstance(ident, bool) or str(ident) != key:
                return 422, {"error": f"the record's id must be the integer in the path ({key})"}
        with self._lock:
            records = self._stored.setdefault(stream, {})
            created = ident not in records
            records[ident] = record
        return (201 if created else 200), record
