"""An httpbin-like API on loopback that checks credentials and echoes every request.

``with EchoApi(auth) as api:`` serves, on ``api.url`` (127.0.0.1, a free port):

* ``GET /records?page=N``: ``pages`` pages of ``per_page`` records. Each record echoes the
  request it came in, as httpbin's ``/headers`` and ``/get`` do::

      {"id": 4, "amount": "40", "updated_at": "2026-01-01T00:04:00Z",
       "headers": {"authorization": "Bearer ...", ...}, "args": {"api_key": "...", ...}}

  Every third record's ``amount`` is ``"n/a"`` (a mapping that casts it to an integer
  rejects that record). Pages link with ``next_url`` (``{"data": [...], "next": URL}``)
  or ``link`` (a ``Link: <URL>; rel="next"`` header); the next URL repeats the request's
  whole query, an API key in it too.
* ``POST /oauth/token``: the ``client_credentials`` and ``refresh_token`` grants, the
  client authenticated by HTTP Basic or in the form body. Each access token (and each
  rotated refresh token) is a new canary value, kept in ``api.issued``. An access token
  serves ``token_uses`` requests, then is refused (a ``401``: the client must refresh).
  With rotation, a refresh issues a new refresh token; the configured one stays valid
  too (each process starts from it), an earlier rotated one does not.

What ``/records`` demands is :class:`Expect`; a wrong or missing credential is a ``401``.
``api.fail_with`` makes ``/records`` answer that status (a ``401``, or a ``500`` until the
client's retries run out) from page ``api.fail_from`` on (``1``: to everything). Every
request is in ``api.server.requests``.
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from types import TracebackType
from typing import Any, Literal

import attrs

from hookline.conformance import canary
from support.http_server import HttpServer, Received, Reply

_JSON = {"Content-Type": "application/json"}


@attrs.frozen
class Expect:
    """The credentials ``/records`` and ``/oauth/token`` demand (each ``None``: not asked).

    Attributes:
        headers: header name (lower case) to the exact value it must have.
        query: query parameter to the exact value it must have.
        basic: the user name and password HTTP Basic must carry.
        oauth: ``/records`` wants ``Authorization: Bearer <a token /oauth/token issued>``.
        client: the OAuth2 client id and secret the token endpoint wants.
        client_auth: how the client authenticates there: ``basic`` or ``body``.
        refresh_token: the refresh token the ``refresh_token`` grant wants at first.
        rotate: each refresh issues a new refresh token, and only that one works next.
    """

    headers: dict[str, str] = attrs.field(factory=dict)
    query: dict[str, str] = attrs.field(factory=dict)
    basic: tuple[str, str] | None = None
    oauth: bool = False
    client: tuple[str, str] | None = None
    client_auth: Literal["basic", "body"] = "basic"
    refresh_token: str | None = None
    rotate: bool = False


class EchoApi:
    """The echo API; a context manager serving on loopback (see the module)."""

    def __init__(
        self,
        expect: Expect,
        *,
        pages: int = 3,
        per_page: int = 2,
        pagination: Literal["next_url", "link"] = "next_url",
        token_uses: int = 1000,
    ) -> None:
        self.expect = expect
        self.pages, self.per_page, self.pagination = pages, per_page, pagination
        self.token_uses = token_uses
        self.fail_with: int | None = None
        self.fail_from = 1
        #: Every token the token endpoint issued (access tokens, rotated refresh tokens).
        self.issued: list[str] = []
        self._access: dict[str, int] = {}  # live access token -> requests it may still serve
        self._refresh = expect.refresh_token
        self._lock = threading.Lock()
        self.server = HttpServer(self._handle)

    @property
    def url(self) -> str:
        """The base URL, such as ``http://127.0.0.1:50123``."""
        return self.server.url

    def __enter__(self) -> EchoApi:
        self.server.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.server.__exit__(exc_type, exc, tb)

    # -- routing ------------------------------------------------------------------------------

    def _handle(self, request: Received) -> Reply:
        if request.method == "POST" and request.path == "/oauth/token":
            return self._token(request)
        if request.method == "GET" and request.path == "/records":
            return self._records(request)
        return _json(404, {"error": f"no route {request.method} {request.path}"})

    # -- OAuth2 -------------------------------------------------------------------------------

    def _token(self, request: Received) -> Reply:
        form = {k: v[0] for k, v in urllib.parse.parse_qs(request.body.decode()).items()}
        expect = self.expect
        if expect.client is not None:
            if expect.client_auth == "basic":
                given = _basic(request.headers.get("authorization", ""))
            else:
                given = (form.get("client_id", ""), form.get("client_secret", ""))
            if given != expect.client:
                return _json(401, {"error": "invalid_client"})
        with self._lock:
            reply: dict[str, Any] = {"token_type": "Bearer", "expires_in": 3600}
            grant = form.get("grant_type")
            if grant == "refresh_token":
                offered = form.get("refresh_token")
                if offered is None or offered not in (expect.refresh_token, self._refresh):
                    return _json(400, {"error": "invalid_grant"})
                if expect.rotate:
                    self._refresh = canary("rotated-refresh")
                    self.issued.append(self._refresh)
                    reply["refresh_token"] = self._refresh
            elif grant != "client_credentials":
                return _json(400, {"error": "unsupported_grant_type"})
            token = canary("access")
            self.issued.append(token)
            self._access[token] = self.token_uses
            reply["access_token"] = token
        return _json(200, reply)

    # -- the records --------------------------------------------------------------------------

    def _authorized(self, request: Received) -> bool:
        expect = self.expect
        headers = request.headers
        if any(headers.get(name) != value for name, value in expect.headers.items()):
            return False
        if any(request.query.get(name) != [value] for name, value in expect.query.items()):
            return False
        given = headers.get("authorization", "")
        if expect.basic is not None and _basic(given) != expect.basic:
            return False
        if expect.oauth:
            token = given.removeprefix("Bearer ")
            with self._lock:
                uses = self._access.get(token, 0)
                if uses <= 0:
                    return False
                self._access[token] = uses - 1
        return True

    def _records(self, request: Received) -> Reply:
        page = int(request.query.get("page", ["1"])[0])
        if self.fail_with is not None and page >= self.fail_from:
            return _json(self.fail_with, {"error": "failing on purpose"})
        if not self._authorized(request):
            return _json(401, {"error": "unauthorized"})
        args = {name: values[0] for name, values in request.query.items()}
        first = (page - 1) * self.per_page + 1
        data = [
            {
                "id": n,
                "amount": "n/a" if n % 3 == 0 else str(n * 10),
                "updated_at": f"2026-01-01T00:{n:02d}:00Z",
                "headers": dict(request.headers),
                "args": args,
            }
            for n in range(first, first + self.per_page)
        ]
        following = None
        if page < self.pages:
            query = urllib.parse.urlencode({**args, "page": str(page + 1)})
            following = f"{self.url}/records?{query}"
        if self.pagination == "link":
            extra = {"Link": f'<{following}>; rel="next"'} if following else {}
            return _json(200, {"data": data}, extra)
        return _json(200, {"data": data, "next": following})


def _basic(header: str) -> tuple[str, str] | None:
    if not header.startswith("Basic "):
        return None
    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    return user, password


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, {**_JSON, **(headers or {})}, json.dumps(body))
