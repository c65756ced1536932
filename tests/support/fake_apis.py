"""Fake web services on a real loopback socket: a shop API and its OAuth2 token server.

``with FakeShop() as shop:`` serves, on ``shop.url`` (127.0.0.1, a free port):

* ``GET /{style}/customers``: ``shop.total`` customers (95) in pages of ``per_page`` (10),
  paginated in one of five styles:

  ==========  ============================================================================
  ``page``    ``?page=N&per_page=M``; body ``{"data": [...], "meta": {"page", "total",
              "total_pages", "has_more"}}``
  ``offset``  ``?offset=N&limit=M``; body ``{"data": [...], "meta": {"total", "has_more"}}``
  ``cursor``  ``?cursor=C``; body ``{"data": [...], "meta": {"next_cursor": C or null}}``
  ``next``    body ``{"data": [...], "links": {"next": "/next/customers?after=N" or null}}``
  ``link``    body ``[...]``; header ``Link: <...>; rel="next"`` while more remain
  ==========  ============================================================================

* ``POST /oauth/token``: OAuth2 ``client_credentials`` and ``refresh_token`` grants.

Switches (plain attributes, change them at any time): ``auth`` (what ``/customers`` needs:
``None``, ``"api_key"``, ``"api_key_query"``, ``"basic"``, ``"bearer"``, ``"oauth"``),
``token_ttl`` (the ``expires_in`` reported), ``token_uses`` (a token dies after this many
API requests, unannounced), ``reject_tokens`` (every access token is refused),
``rotate_refresh`` (each refresh issues a new refresh token), and the pagination faults
``repeat_cursor``, ``cursor_cycle``, ``empty_last_page`` and ``malformed_page``.

Every request is recorded in ``shop.requests``.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import attrs

API_KEY = "shop-api-key-5f1c9e"
USERNAME, PASSWORD = "shopuser", "shop-password-8d2a"
BEARER = "static-bearer-71be0c"
CLIENT_ID, CLIENT_SECRET = "shop-client", "client-secret-3a9f47"
REFRESH_TOKEN = "refresh-token-c0ffee"


@attrs.frozen
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: str


def customer(n: int) -> dict[str, Any]:
    """The customer with id ``n`` as the fake serves it."""
    return {"id": n, "name": f"Customer {n}", "email": f"customer{n}@example.test"}


class FakeShop:
    """A fake shop API with its token server; a context manager serving on loopback."""

    def __init__(self, total: int = 95, per_page: int = 10) -> None:
        self.total, self.per_page = total, per_page
        self.auth: str | None = None
        self.token_ttl: int | None = 3600
        self.token_uses: int | None = None
        self.reject_tokens = False
        self.rotate_refresh = False
        self.repeat_cursor = False
        self.cursor_cycle = False
        self.empty_last_page = False
        self.malformed_page: int | None = None
        self.requests: list[Recorded] = []
        self.tokens_issued = 0
        self._tokens: dict[str, int] = {}  # live access token -> uses left (-1: unlimited)
        self._refresh = REFRESH_TOKEN
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- the server ---------------------------------------------------------------------------

    def __enter__(self) -> FakeShop:
        shop = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                shop._handle(self, "GET")

            def do_POST(self) -> None:
                shop._handle(self, "POST")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        """The base URL, such as ``http://127.0.0.1:50123``."""
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def api_requests(self) -> list[Recorded]:
        """The requests to the API (not to the token endpoint)."""
        return [r for r in self.requests if not r.path.startswith("/oauth")]

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urllib.parse.urlsplit(handler.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode() if length else ""
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self._lock:
            self.requests.append(Recorded(method, parts.path, query, headers, body))
        if method == "POST" and parts.path == "/oauth/token":
            status, reply, extra = self._token(headers, dict(urllib.parse.parse_qsl(body)))
        elif method == "GET" and parts.path.endswith("/customers"):
            status, reply, extra = self._customers(parts.path.split("/")[1], query, headers)
        else:
            status, reply, extra = 404, {"error": "not found"}, {}
        if isinstance(reply, bytes):
            payload, kind = reply, "text/html; charset=utf-8"
        else:
            payload, kind = json.dumps(reply).encode(), "application/json"
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in extra.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)

    # -- OAuth2 -------------------------------------------------------------------------------

    def _token(self, headers: dict[str, str], form: dict[str, str]) -> tuple[int, Any, dict]:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if headers.get("authorization", "").startswith("Basic "):
            pair = base64.b64decode(headers["authorization"][6:]).decode()
            client_id, _, secret = pair.partition(":")
        grant = form.get("grant_type")
        with self._lock:
            if grant == "client_credentials":
                if (client_id, secret) != (CLIENT_ID, CLIENT_SECRET):
                    return 401, {"error": "invalid_client"}, {}
            elif grant == "refresh_token":
                if form.get("refresh_token") != self._refresh:
                    return 400, {"error": "invalid_grant", "error_description": "bad token"}, {}
                if self.rotate_refresh:
                    self._refresh = f"refresh-{next(self._counter)}-rotated"
            else:
                return 400, {"error": "unsupported_grant_type"}, {}
            token = f"access-{next(self._counter)}-{time.monotonic_ns()}"
            self._tokens[token] = -1 if self.token_uses is None else self.token_uses
            self.tokens_issued += 1
            reply: dict[str, Any] = {"access_token": token, "token_type": "Bearer"}
            if self.token_ttl is not None:
                reply["expires_in"] = self.token_ttl
            if grant == "refresh_token" and self.rotate_refresh:
                reply["refresh_token"] = self._refresh
            return 200, reply, {}

    def _authorized(self, query: dict[str, str], headers: dict[str, str]) -> bool:
        given = headers.get("authorization", "")
        if self.auth is None:
            return True
        if self.auth == "api_key":
            return headers.get("x-api-key") == API_KEY
        if self.auth == "api_key_query":
            return query.get("api_key") == API_KEY
        if self.auth == "basic":
            expected = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
            return given == f"Basic {expected}"
        if self.auth == "bearer":
            return given == f"Bearer {BEARER}"
        token = given.removeprefix("Bearer ")
        with self._lock:
            uses = self._tokens.get(token)
            if uses is None or uses == 0 or self.reject_tokens:
                return False
            if uses > 0:
                self._tokens[token] = uses - 1
            return True

    # -- the customers ------------------------------------------------------------------------

    def _customers(
        self, style: str, query: dict[str, str], headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        if not self._authorized(query, headers):
            return 401, {"error": "unauthorized"}, {"WWW-Authenticate": "Bearer"}
        size = int(query.get("per_page") or query.get("limit") or self.per_page)
        if style == "page":
            offset = (int(query.get("page", "1")) - 1) * size
        elif style == "offset":
            offset = int(query.get("offset", "0"))
        elif style == "cursor":
            offset = int(query.get("cursor", "c0")[1:])
        elif style in ("next", "link"):
            offset = int(query.get("after", "0"))
        else:
            return 404, {"error": f"no pagination style {style!r}"}, {}
        if self.malformed_page is not None and offset // size + 1 == self.malformed_page:
            return 200, b"<html><body>Service temporarily unavailable</body></html>", {}
        data = [customer(n) for n in range(offset + 1, min(offset + size, self.total) + 1)]
        after = offset + len(data)
        more = after < self.total or (self.empty_last_page and bool(data))
        meta: dict[str, Any] = {"total": self.total, "has_more": after < self.total}
        if style == "page":
            meta |= {"page": offset // size + 1, "total_pages": -(-self.total // size)}
            return 200, {"data": data, "meta": meta}, {}
        if style == "offset":
            return 200, {"data": data, "meta": meta}, {}
        if style == "cursor":
            cursor = f"c{after}" if more else None
            if self.repeat_cursor and offset >= size:
                cursor = f"c{offset}"
            if self.cursor_cycle and offset == 2 * size:
                cursor = f"c{size}"
            return 200, {"data": data, "meta": {"next_cursor": cursor}}, {}
        following = f"/{style}/customers?after={after}&per_page={size}" if more else None
        if style == "next":
            return 200, {"data": data, "links": {"next": following}}, {}
        link = {"Link": f'<{self.url}{following}>; rel="next"'} if following else {}
        return 200, data, link
