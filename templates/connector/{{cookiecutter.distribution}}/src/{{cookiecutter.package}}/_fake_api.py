"""A small local fake of the {{ cookiecutter.title }} API, for the conformance fixture.

It behaves like the real API as far as the connector relies on it, so ``hookline test``
and ``pytest`` run offline. Keep it in step with the real API when you change the
connector: same paths, parameters, page links, auth and error statuses.

On ``http://127.0.0.1:<free port>`` it serves:
{% if cookiecutter.auth == "bearer" %}
* every request needs ``Authorization: Bearer <token>``, otherwise ``401``;
{%- elif cookiecutter.auth == "api_key" %}
* every request needs the header ``X-API-Key: <key>``, otherwise ``401``;
{%- elif cookiecutter.auth == "basic" %}
* every request needs HTTP Basic auth with the user name and password, otherwise ``401``;
{%- elif cookiecutter.auth == "oauth2" %}
* ``POST /oauth/token``: the OAuth2 client credentials grant (client id and secret as HTTP
  Basic auth or in the form), answering ``{"access_token", "token_type", "expires_in"}``
  or ``401``; every other request needs ``Authorization: Bearer <an issued token>``;
{%- else %}
* no credentials: every request is served;
{%- endif %}
* ``GET /status``: ``{"status": "ok"}``, the cheap probe ``hookline check`` uses;
{%- if cookiecutter.kind != "destination" %}
* ``GET /<resource>`` (``customers``, ``orders``): the records sorted by ``updated_at``
  then ``id``, only those updated at or after ``?updated_since=<timestamp>``, in pages:
{%- if cookiecutter.pagination == "page" %}
  ``?page=N&per_page=M``, body ``{"data": [...], "meta": {"page", "per_page", "total",
  "total_pages"}}``;
{%- elif cookiecutter.pagination == "offset" %}
  ``?offset=N&limit=M``, body ``{"data": [...], "meta": {"offset", "limit", "total"}}``;
{%- elif cookiecutter.pagination == "cursor" %}
  ``?limit=M`` then ``?cursor=C``, body ``{"data": [...], "meta": {"next_cursor"}}``
  (``null`` on the last page);
{%- elif cookiecutter.pagination == "next_url" %}
  ``?per_page=M``, body ``{"data": [...], "links": {"next"}}`` with the next page's URL
  (``null`` on the last page);
{%- else %}
  ``?per_page=M``, body ``{"data": [...]}`` and a ``Link: <url>; rel="next"`` header
  on every page but the last;
{%- endif %}
{%- endif %}
{%- if cookiecutter.kind != "source" %}
* ``PUT /<stream>/<id>``: stores the JSON object in the body under its ``id`` (which must
  match the path; a body without ``id`` is stored under the path's key, such as a
  composite ``north:3``), replacing what was stored: an upsert. ``201`` when created, ``200``
  when replaced, ``422`` for a body that is not such an object. :meth:`FakeApi.stored`
  returns what was stored for a stream.
{%- endif %}

Anything else is ``404``. The server runs on daemon threads; :meth:`FakeApi.stop` ends it.
"""

from __future__ import annotations

__all__ = ["FakeApi"]
{% if cookiecutter.auth in ("basic", "oauth2") %}
import base64
{%- endif %}
import json
{%- if cookiecutter.kind != "destination" and cookiecutter.pagination == "page" %}
import math
{%- endif %}
{%- if cookiecutter.auth == "oauth2" %}
import secrets
{%- endif %}
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = tuple[int, Any]
{%- if cookiecutter.kind != "destination" %}

_MAX_PAGE_SIZE = 1000
{%- endif %}


class _QuietServer(ThreadingHTTPServer):
    """Serves each request on a daemon thread; a client dropping its connection is no news."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None
{%- if cookiecutter.kind != "destination" %}


def _size(value: str | None, default: int) -> int | None:
    if value is None:
        return default
    return int(value) if value.isdigit() and 0 < int(value) <= _MAX_PAGE_SIZE else None
{%- endif %}


class FakeApi:
    """The fake API: its data, what was written to it, and its server.

    Args:
{%- if cookiecutter.kind != "destination" %}
        resources: per list endpoint (``"customers"``), its records, each with an ``id``
            and an ISO 8601 ``updated_at`` (all in the same format, so they sort as text).
{%- endif %}
{%- if cookiecutter.auth == "bearer" %}
        token: the bearer token the API accepts.
{%- elif cookiecutter.auth == "api_key" %}
        api_key: the API key the API accepts.
{%- elif cookiecutter.auth == "basic" %}
        username, password: the credentials the API accepts.
{%- elif cookiecutter.auth == "oauth2" %}
        client_id, client_secret: the client credentials the token endpoint accepts.
{%- endif %}
    """

    def __init__(
        self,
{%- if cookiecutter.kind != "destination" %}
        resources: dict[str, list[dict[str, Any]]],
{%- endif %}
{%- if cookiecutter.auth != "none" %}
        *,
{%- endif %}
{%- if cookiecutter.auth == "bearer" %}
        token: str,
{%- elif cookiecutter.auth == "api_key" %}
        api_key: str,
{%- elif cookiecutter.auth == "basic" %}
        username: str,
        password: str,
{%- elif cookiecutter.auth == "oauth2" %}
        client_id: str,
        client_secret: str,
{%- endif %}
    ) -> None:
{%- if cookiecutter.kind != "destination" %}
        self.resources = {
            name: sorted(records, key=lambda r: (r["updated_at"], r["id"]))
            for name, records in resources.items()
        }
{%- endif %}
{%- if cookiecutter.auth == "bearer" %}
        self._authorization = f"Bearer {token}"
{%- elif cookiecutter.auth == "api_key" %}
        self._api_key = api_key
{%- elif cookiecutter.auth == "basic" %}
        self._authorization = _basic(username, password)
{%- elif cookiecutter.auth == "oauth2" %}
        self._client = _basic(client_id, client_secret)
        self._client_id, self._client_secret = client_id, client_secret
        self._issued: set[str] = set()
{%- endif %}
{%- if cookiecutter.kind != "source" %}
        self._stored: dict[str, dict[str, dict[str, Any]]] = {}
{%- endif %}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- the server --------------------------------------------------------------------

    def start(self) -> FakeApi:
        """Start serving on a free loopback port; return the API."""
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

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="{{ cookiecutter.id }}-fake-api",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (calling it twice is harmless)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        """The API's base URL, such as ``http://127.0.0.1:50123``."""
        if self._server is None:
            raise RuntimeError("the fake API is not running; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"
{%- if cookiecutter.kind != "destination" %}

    def change(self, name: str, records: list[dict[str, Any]]) -> None:
        """Add or replace (by ``id``) records of ``name`` while the API serves them.

        The resource stays in ``updated_at`` order, so an updated record moves to the
        last page and every record after it moves up a place.
        """
        with self._lock:
            by_id = {r["id"]: r for r in self.resources[name]}
            by_id.update((r["id"], r) for r in records)
            self.resources[name] = sorted(by_id.values(), key=lambda r: (r["updated_at"], r["id"]))
{%- endif %}
{%- if cookiecutter.kind != "source" %}

    def stored(self, stream: str) -> list[dict[str, Any]]:
        """Return copies of the records stored for ``stream``, in the order first stored."""
        with self._lock:
            return [json.loads(json.dumps(r)) for r in self._stored.get(stream, {}).values()]
{%- endif %}

    # -- requests ----------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urllib.parse.urlsplit(handler.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        segments = [urllib.parse.unquote(s) for s in parts.path.split("/") if s]
        headers: dict[str, str] = {}
{%- if cookiecutter.auth == "oauth2" %}
        if method == "POST" and segments == ["oauth", "token"]:
            status, reply = self._token(handler.headers.get("Authorization", ""), body)
        elif not self._authorized(handler):
{%- else %}
        if not self._authorized(handler):
{%- endif %}
            status, reply = 401, {"error": "unauthorized: send valid credentials"}
        else:
            status, reply = self._route(method, segments, query, body, headers)
        payload = json.dumps(reply).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)

    def _authorized(self, handler: BaseHTTPRequestHandler) -> bool:
{%- if cookiecutter.auth in ("bearer", "basic") %}
        return handler.headers.get("Authorization", "") == self._authorization
{%- elif cookiecutter.auth == "api_key" %}
        return handler.headers.get("X-API-Key", "") == self._api_key
{%- elif cookiecutter.auth == "oauth2" %}
        scheme, _, token = handler.headers.get("Authorization", "").partition(" ")
        with self._lock:
            return scheme == "Bearer" and token in self._issued
{%- else %}
        return True
{%- endif %}
{%- if cookiecutter.auth == "oauth2" %}

    def _token(self, authorization: str, body: bytes) -> Reply:
        form = dict(urllib.parse.parse_qsl(body.decode()))
        by_form = (form.get("client_id"), form.get("client_secret"))
        known = authorization == self._client or by_form == (self._client_id, self._client_secret)
        if form.get("grant_type") != "client_credentials" or not known:
            return 401, {"error": "invalid_client"}
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._issued.add(token)
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600}
{%- endif %}

    def _route(
        self,
        method: str,
        segments: list[str],
        query: dict[str, str],
        body: bytes,
        headers: dict[str, str],
    ) -> Reply:
        if method == "GET" and segments == ["status"]:
            return 200, {"status": "ok"}
{%- if cookiecutter.kind != "destination" %}
        if method == "GET" and len(segments) == 1 and segments[0] in self.resources:
            return self._list(segments[0], query, headers)
{%- endif %}
{%- if cookiecutter.kind != "source" %}
        if method == "PUT" and len(segments) == 2:
            return self._put(segments[0], segments[1], body)
{%- endif %}
        return 404, {"error": f"no endpoint {method} /{'/'.join(segments)}"}
{%- if cookiecutter.kind != "destination" %}

    def _list(self, name: str, query: dict[str, str], headers: dict[str, str]) -> Reply:
        records = self.resources[name]
        since = query.get("updated_since")
        if since is not None:
            records = [r for r in records if r["updated_at"] >= since]
{%- if cookiecutter.pagination == "page" %}
        page, size = _size(query.get("page"), 1), _size(query.get("per_page"), 10)
        if page is None or size is None:
            return 400, {"error": f"page must be 1 or more, per_page 1 to {_MAX_PAGE_SIZE}"}
        start = (page - 1) * size
        meta = {
            "page": page,
            "per_page": size,
            "total": len(records),
            "total_pages": math.ceil(len(records) / size),
        }
        return 200, {"data": records[start : start + size], "meta": meta}
{%- elif cookiecutter.pagination == "offset" %}
        limit = _size(query.get("limit"), 10)
        offset = query.get("offset", "0")
        if limit is None or not offset.isdigit():
            return 400, {"error": f"offset must be 0 or more, limit 1 to {_MAX_PAGE_SIZE}"}
        start = int(offset)
        meta = {"offset": start, "limit": limit, "total": len(records)}
        return 200, {"data": records[start : start + limit], "meta": meta}
{%- elif cookiecutter.pagination == "cursor" %}
        limit = _size(query.get("limit"), 10)
        start = _decode_cursor(query.get("cursor", ""))
        if limit is None or start is None:
            return 400, {"error": f"unknown cursor, or limit not 1 to {_MAX_PAGE_SIZE}"}
        end = start + limit
        following = _encode_cursor(end) if end < len(records) else None
        return 200, {"data": records[start:end], "meta": {"next_cursor": following}}
{%- else %}
        page, size = _size(query.get("page"), 1), _size(query.get("per_page"), 10)
        if page is None or size is None:
            return 400, {"error": f"page must be 1 or more, per_page 1 to {_MAX_PAGE_SIZE}"}
        start = (page - 1) * size
        following = None
        if start + size < len(records):
            following = f"/{name}?" + urllib.parse.urlencode({**query, "page": page + 1})
{%- if cookiecutter.pagination == "next_url" %}
        return 200, {"data": records[start : start + size], "links": {"next": following}}
{%- else %}
        if following is not None:
            headers["Link"] = f'<{following}>; rel="next"'
        return 200, {"data": records[start : start + size]}
{%- endif %}
{%- endif %}
{%- endif %}
{%- if cookiecutter.kind != "source" %}

    def _put(self, stream: str, key: str, body: bytes) -> Reply:
        try:
            record = json.loads(body or b"null")
        except ValueError:
            return 422, {"error": "the body is not JSON"}
        if not isinstance(record, dict) or ("id" in record and str(record["id"]) != key):
            return 422, {"error": f"the body must be a JSON object whose id is {key}"}
        with self._lock:
            records = self._stored.setdefault(stream, {})
            created = key not in records
            records[key] = record
        return (201 if created else 200), record
{%- endif %}
{%- if cookiecutter.auth in ("basic", "oauth2") %}


def _basic(username: str, password: str) -> str:
    pair = f"{username}:{password}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")
{%- endif %}
{%- if cookiecutter.kind != "destination" and cookiecutter.pagination == "cursor" %}


def _encode_cursor(offset: int) -> str:
    return f"after-{offset}"


def _decode_cursor(cursor: str) -> int | None:
    if not cursor:
        return 0
    number = cursor.removeprefix("after-")
    return int(number) if number.isdigit() else None
{%- endif %}
