"""Authentication as httpx ``Auth`` flows: none, API key, bearer, basic and OAuth2.

Each class is an :class:`httpx.Auth` whose ``auth_flow`` is a generator: it yields the
request to send and receives the response (see httpx's ``_auth.py``). Secrets are
:class:`hookline.Secret` values and are revealed only while a request is being built.

Every credential a flow sends is registered with :mod:`hookline.secrets` when it is made,
so it is masked in every output in each form it travels in: a ``Basic`` header's base64 of
``user:password`` (:func:`~hookline.secrets.register_basic_credentials`, also for the
OAuth2 client authentication), and the tokens an OAuth2 endpoint returns (the access token
and a rotated refresh token are :class:`~hookline.Secret` values; an ``id_token`` or a
refresh token the client credentials grant returns is registered as well). A bearer token
or API key is a :class:`~hookline.Secret` already, so ``Bearer <token>`` shows as
``Bearer ********``.

Every flow turns a ``401 Unauthorized`` into :class:`hookline.errors.AuthError` whose message
names the request (method and URL, secrets masked) and the settings to fix, never a secret.
The OAuth2 flows first fetch a fresh token and retry once; only a second 401 fails.

The OAuth2 flows cache their token, with its expiry less a small skew, and share it between
threads: a lock makes sure that one thread fetches while the others wait for its result.
They are meant for synchronous clients (hookline runs each stream in its own thread).

A token request is bounded like the request it is made for: it carries that request's
timeouts (or :data:`TOKEN_TIMEOUT` when it has none), and sent through an
:class:`~hookline.http.HttpClient` it counts against that request's overall deadline.

:class:`OAuth2RefreshToken` given a :class:`~hookline._credentials.RefreshTokenStore`
keeps a rotated refresh token there before it is used, and starts from the stored one, so
the next process does not present a spent token.
"""

from __future__ import annotations

__all__ = [
    "TOKEN_TIMEOUT",
    "ApiKeyAuth",
    "BasicAuth",
    "BearerAuth",
    "NoAuth",
    "OAuth2ClientCredentials",
    "OAuth2RefreshToken",
]

import base64
import logging
import threading
import time
from collections.abc import Callable, Generator, Sequence
from typing import Any, Literal

import attrs
import httpx

from hookline._credentials import RefreshTokenStore
from hookline.errors import AuthError
from hookline.secrets import (
    MASK,
    Secret,
    redact,
    register_basic_credentials,
    register_secret,
)

log = logging.getLogger("hookline.http")

Flow = Generator[httpx.Request, httpx.Response, None]

#: The timeouts of a token request made for a request that carries none of its own.
TOKEN_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def _settings_hint(settings: Sequence[str]) -> str:
    names = [repr(s) for s in settings]
    if len(names) == 1:
        return f"check the setting {names[0]}"
    return f"check the settings {', '.join(names[:-1])} and {names[-1]}"


def _where(request: httpx.Request, hidden_param: str | None = None) -> str:
    url = request.url
    if hidden_param is not None and hidden_param in url.params:
        url = url.copy_set_param(hidden_param, MASK)
    return redact(f"{request.method} {url}")


def _refused(
    request: httpx.Request, what: str, settings: Sequence[str], hidden: str | None = None
) -> AuthError:
    return AuthError(
        f"{_where(request, hidden)} was refused with 401 Unauthorized: the server did not "
        f"accept {what}; {_settings_hint(settings)}"
    )


class NoAuth(httpx.Auth):
    """No authentication: the request is sent as it is."""

    def auth_flow(self, request: httpx.Request) -> Flow:
        """Send ``request`` unchanged."""
        yield request


class ApiKeyAuth(httpx.Auth):
    """An API key sent in a header (the default) or as a query parameter.

    Args:
        key: the API key.
        name: the header or query parameter that carries it, such as ``X-API-Key``.
        location: ``"header"`` or ``"query"``.
        prefix: text put before the key in a header, such as ``"Token "``.
        setting: the config setting that holds the key (named in errors).
    """

    def __init__(
        self,
        key: Secret,
        *,
        name: str = "X-API-Key",
        location: Literal["header", "query"] = "header",
        prefix: str = "",
        setting: str = "api_key",
    ) -> None:
        if location not in ("header", "query"):
            raise ValueError(f"location must be 'header' or 'query', not {location!r}")
        self.key, self.name, self.location = key, name, location
        self.prefix, self.setting = prefix, setting

    def auth_flow(self, request: httpx.Request) -> Flow:
        """Add the key to ``request``; a 401 raises :class:`AuthError`."""
        if self.location == "header":
            request.headers[self.name] = f"{self.prefix}{self.key.reveal()}"
        else:
            request.url = request.url.copy_set_param(self.name, self.key.reveal())
        response = yield request
        if response.status_code == 401:
            hidden = self.name if self.location == "query" else None
            raise _refused(request, "the API key", [self.setting], hidden)


class BearerAuth(httpx.Auth):
    """A fixed bearer token in the ``Authorization`` header.

    Args:
        token: the token.
        setting: the config setting that holds it (named in errors).
    """

    def __init__(self, token: Secret, *, setting: str = "token") -> None:
        self.token, self.setting = token, setting

    def auth_flow(self, request: httpx.Request) -> Flow:
        """Add ``Authorization: Bearer ...``; a 401 raises :class:`AuthError`."""
        request.headers["Authorization"] = f"Bearer {self.token.reveal()}"
        response = yield request
        if response.status_code == 401:
            raise _refused(request, "the bearer token", [self.setting])


def _basic_header(username: str, password: str) -> str:
    """Return an ``Authorization: Basic`` value; its base64 pair is registered first."""
    register_basic_credentials(username, password)
    pair = f"{username}:{password}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


class BasicAuth(httpx.Auth):
    """HTTP Basic authentication with a user name and a secret password.

    Args:
        username: the user name (not secret).
        password: the password.
        settings: the config settings that hold them (named in errors).
    """

    def __init__(
        self,
        username: str,
        password: Secret,
        *,
        settings: Sequence[str] = ("username", "password"),
    ) -> None:
        self.username, self.password, self.settings = username, password, tuple(settings)
        register_basic_credentials(username, password.reveal())

    def auth_flow(self, request: httpx.Request) -> Flow:
        """Add ``Authorization: Basic ...``; a 401 raises :class:`AuthError`."""
        request.headers["Authorization"] = _basic_header(self.username, self.password.reveal())
        response = yield request
        if response.status_code == 401:
            raise _refused(request, "the user name and password", self.settings)


@attrs.frozen
class _Token:
    value: Secret
    expires_at: float | None  # on the flow's clock; None: valid until refused


class _OAuth2Flow(httpx.Auth):
    """What the OAuth2 grants share: token request, cache, refresh and the 401 retry."""

    requires_response_body = True
    grant_type = ""
    #: What the token endpoint checks, for error messages.
    credentials = "the client credentials"

    def __init__(
        self,
        token_url: str | httpx.URL,
        *,
        client_id: str | None,
        client_secret: Secret | None,
        scope: str | None,
        client_auth: Literal["basic", "body"],
        skew: float,
        clock: Callable[[], float],
        settings: Sequence[str],
    ) -> None:
        if client_auth not in ("basic", "body"):
            raise ValueError(f"client_auth must be 'basic' or 'body', not {client_auth!r}")
        self.token_url = httpx.URL(token_url)
        self.client_id, self.client_secret, self.scope = client_id, client_secret, scope
        self.client_auth, self.skew, self.clock = client_auth, skew, clock
        self.settings = tuple(settings)
        if client_auth == "basic" and client_id is not None and client_secret is not None:
            register_basic_credentials(client_id, client_secret.reveal())
        self._lock = threading.Lock()
        self._token: _Token | None = None
        #: How many tokens this flow has fetched (for logs and tests).
        self.fetches = 0

    def _grant_fields(self) -> dict[str, str]:
        raise NotImplementedError

    def _token_request(self, origin: httpx.Request) -> httpx.Request:
        data = {"grant_type": self.grant_type, **self._grant_fields()}
        if self.scope:
            data["scope"] = self.scope
        headers = {"Accept": "application/json"}
        if self.client_id is not None:
            secret = self.client_secret.reveal() if self.client_secret is not None else ""
            if self.client_auth == "basic":
                headers["Authorization"] = _basic_header(self.client_id, secret)
            else:
                data["client_id"] = self.client_id
                if self.client_secret is not None:
                    data["client_secret"] = secret
        request = httpx.Request("POST", self.token_url, data=data, headers=headers)
        # httpx applies no timeout to a request without this extension: it could wait forever.
        request.extensions["timeout"] = origin.extensions.get("timeout") or TOKEN_TIMEOUT.as_dict()
        return request

    def _fresh(self, token: _Token | None) -> bool:
        if token is None:
            return False
        return token.expires_at is None or self.clock() < token.expires_at

    def _refused_hint(self) -> str:
        """What to check when the endpoint refuses the credentials."""
        return _settings_hint(self.settings)

    def _fetch(self, origin: httpx.Request) -> Flow:
        """Request a token for ``origin`` and cache it; the caller holds the lock."""
        request = self._token_request(origin)
        response = yield request
        where = f"the token endpoint {redact(str(self.token_url))}"
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        if not response.is_success:
            reason = ""
            if isinstance(body, dict) and body.get("error"):
                reason = f" ({body['error']}"
                reason += (
                    f": {body['error_description']})" if body.get("error_description") else ")"
                )
            raise AuthError(
                f"{where} refused {self.credentials} with HTTP {response.status_code}"
                f"{redact(reason)}; {self._refused_hint()}"
            )
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            kind = response.headers.get("content-type", "no content type")
            raise AuthError(
                f"{where} answered without an access_token (content type {kind!r}); "
                "check the setting 'token_url'"
            )
        # Whatever else the endpoint issued is as secret as the access token.
        for name in ("refresh_token", "id_token"):
            if isinstance(body.get(name), str):
                register_secret(body[name])
        self._accept(body)
        expires_in = body.get("expires_in")
        expires_at = None
        if isinstance(expires_in, (int, float)) and not isinstance(expires_in, bool):
            # Refresh a little early, but never so early that a short-lived token is useless.
            expires_at = self.clock() + expires_in - min(self.skew, expires_in / 2)
        self._token = _Token(Secret(body["access_token"]), expires_at)
        self.fetches += 1
        log.log(
            logging.INFO if self.fetches > 1 else logging.DEBUG,
            "%s an OAuth2 %s token from %s%s",
            "renewed" if self.fetches > 1 else "fetched",
            self.grant_type,
            where,
            f" (valid {expires_in:.0f} s)" if expires_at is not None else "",
        )

    def _accept(self, body: dict[str, Any]) -> None:
        """Take what else the token response carries (a rotated refresh token)."""

    def _current(
        self, stale: _Token | None, origin: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, _Token]:
        """Return a fresh token, fetching one when the cache is empty, expired or ``stale``."""
        with self._lock:
            token = self._token
            if token is None or token is stale or not self._fresh(token):
                yield from self._fetch(origin)
            assert self._token is not None
            return self._token

    def auth_flow(self, request: httpx.Request) -> Flow:
        """Send ``request`` with a valid token; on a 401 fetch a new one and retry once."""
        token = yield from self._current(None, request)
        request.headers["Authorization"] = f"Bearer {token.value.reveal()}"
        response = yield request
        if response.status_code != 401:
            return
        log.info("%s: 401 Unauthorized, fetching a new token", _where(request))
        # Another thread may have refreshed already; fetch only if ours is still cached.
        token = yield from self._current(token, request)
        request.headers["Authorization"] = f"Bearer {token.value.reveal()}"
        response = yield request
        if response.status_code == 401:
            raise AuthError(
                f"{_where(request)} was refused with 401 Unauthorized even with a freshly "
                f"issued token; the account may lack access; {_settings_hint(self.settings)}"
            )


class OAuth2ClientCredentials(_OAuth2Flow):
    """OAuth2 client credentials grant: trade a client id and secret for an access token.

    The token is cached until ``expires_in`` less ``skew`` seconds (or until a 401 when the
    server gives no expiry), then fetched again.

    Args:
        token_url: the token endpoint.
        client_id: the client id.
        client_secret: the client secret.
        scope: the scopes to request, space separated, if any.
        client_auth: send the client credentials as HTTP Basic (``"basic"``, RFC 6749's
            default) or in the form body (``"body"``).
        skew: refresh this many seconds before the token expires.
        clock: a monotonic clock in seconds (tests pass a fake one).
        settings: the config settings that hold the credentials (named in errors).
    """

    grant_type = "client_credentials"

    def __init__(
        self,
        token_url: str | httpx.URL,
        client_id: str,
        client_secret: Secret,
        *,
        scope: str | None = None,
        client_auth: Literal["basic", "body"] = "basic",
        skew: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        settings: Sequence[str] = ("client_id", "client_secret"),
    ) -> None:
        super().__init__(
            token_url,
            client_id=client_id,
            client_secret=client_secret,
            scope=scope,
            client_auth=client_auth,
            skew=skew,
            clock=clock,
            settings=settings,
        )

    def _grant_fields(self) -> dict[str, str]:
        return {}


class OAuth2RefreshToken(_OAuth2Flow):
    """OAuth2 refresh token grant: trade a long-lived refresh token for access tokens.

    When the token endpoint rotates the refresh token, the new one is used for the next
    refresh; :attr:`refresh_token` holds the current one. With a ``store`` it is also
    saved there before it is used, and each refresh starts from the stored one when the
    store holds a newer one than this flow knows (saved by an earlier run, or another
    process); without one it lives as long as the flow.

    Args:
        token_url: the token endpoint.
        refresh_token: the refresh token.
        client_id: the client id, if the endpoint wants one.
        client_secret: the client secret, if the endpoint wants one.
        scope: the scopes to request, space separated, if any.
        client_auth: ``"basic"`` or ``"body"``, as for :class:`OAuth2ClientCredentials`.
        skew: refresh this many seconds before the token expires.
        clock: a monotonic clock in seconds (tests pass a fake one).
        settings: the config settings that hold the credentials (named in errors).
        store: where rotated refresh tokens are kept between runs, if anywhere.
    """

    grant_type = "refresh_token"
    credentials = "the refresh token"

    def __init__(
        self,
        token_url: str | httpx.URL,
        refresh_token: Secret,
        *,
        client_id: str | None = None,
        client_secret: Secret | None = None,
        scope: str | None = None,
        client_auth: Literal["basic", "body"] = "basic",
        skew: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        settings: Sequence[str] = ("refresh_token",),
        store: RefreshTokenStore | None = None,
    ) -> None:
        super().__init__(
            token_url,
            client_id=client_id,
            client_secret=client_secret,
            scope=scope,
            client_auth=client_auth,
            skew=skew,
            clock=clock,
            settings=settings,
        )
        self.refresh_token = refresh_token
        self.store = store
        self._stored: str | None = None  # what the store held when last read or written
        self._presented_stored = False  # the token presented last came from the store

    def _grant_fields(self) -> dict[str, str]:
        return {"refresh_token": self.refresh_token.reveal()}

    def _fetch(self, origin: httpx.Request) -> Flow:
        """Start from the stored token when the store holds a newer one; then fetch."""
        if self.store is not None:
            stored = self.store.load()
            if stored is not None and stored != self._stored:
                self.refresh_token = Secret(stored)
                self._presented_stored = True
            self._stored = stored
        yield from super()._fetch(origin)

    def _refused_hint(self) -> str:
        if not self._presented_stored or self.store is None:
            return super()._refused_hint()
        return (
            f"the token was the one stored in {self.store.path} (rotated by the endpoint "
            "in an earlier run); if it was revoked, or spent by another process, put a new "
            f"refresh token in {' / '.join(map(repr, self.settings))} (a new one starts "
            "afresh) or delete that file to start again from the configured one"
        )

    def _accept(self, body: dict[str, Any]) -> None:
        rotated = body.get("refresh_token")
        if not isinstance(rotated, str) or not rotated:
            return
        self.refresh_token = Secret(rotated)
        if self.store is None or rotated == self._stored:
            return
        try:
            self.store.save(rotated)
        except AuthError as exc:  # the folder cannot be written: this process goes on
            log.warning("%s", exc)
            self._presented_stored = False
            return
        self._stored = rotated
        self._presented_stored = True
