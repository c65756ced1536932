"""HTTP sources written on httpx by hand: a good one, and variants with one fault defect each.

:class:`HandRolledHttp` reads the reference HTTP API (:mod:`.reference_http`) the way a
careful author without ``hookline.http`` would: a raw ``httpx.Client`` with the timeout of
its ``timeout`` setting, redirects followed by hand with the token dropped on the way to
another origin, 401 an AuthError at once, 429 and 5xx retried a few times (Retry-After
honoured), any other 4xx a ReadError showing the server's message, a body that is not
JSON a ReadError, and an error naming the attempts when the retries run out. It passes
every fault check.

Each variant below overrides the one method its defect lives in; ``__all__`` lists them
(``tests/conformance/test_broken_faults.py`` names the check that must catch each).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import attrs
import httpx
from conformance.connectors.reference_http import ReferenceHttp, ReferenceHttpConfig

from hookline import hookimpl
from hookline.errors import AuthError, ReadError
from hookline.http._errors import mask_httpx_logs
from hookline.models import CheckResult, ConnectorContext, ConnectorInfo

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_RETRIED = frozenset({429, 500, 502, 503, 504})


@attrs.frozen
class HandRolledConfig(ReferenceHttpConfig):
    """The reference HTTP settings, plus the seconds one network operation may wait."""

    timeout: float = attrs.field(default=5.0, validator=attrs.validators.gt(0))


@attrs.define
class RawApi:
    """The connection: a raw httpx client (token in its headers) and the page size."""

    http: httpx.Client
    page_size: int

    def close(self) -> None:
        self.http.close()


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


def _excerpt(response: httpx.Response) -> str:
    return " ".join(response.text[:200].split())


class HandRolledHttp(ReferenceHttp):
    """A good HTTP source on a raw ``httpx.Client`` (id ``hand-rolled-http``)."""

    connector_id = "hand-rolled-http"
    #: Attempts in all for a 429, a 5xx or a dropped connection.
    attempts = 4

    @hookimpl
    def hookline_describe(self) -> ConnectorInfo:
        return attrs.evolve(super().hookline_describe(), config_model=HandRolledConfig)

    # -- the connection -----------------------------------------------------------------

    def headers(self, config: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {config.token.reveal()}"}

    def raw_client(self, config: Any) -> httpx.Client:
        return httpx.Client(
            base_url=config.base_url, headers=self.headers(config), timeout=config.timeout
        )

    @hookimpl
    def hookline_auth(self, config: Any, context: ConnectorContext) -> RawApi:
        url = httpx.URL(config.base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise AuthError(
                f"the setting 'base_url' must be an http or https URL, not {config.base_url!r}"
            )
        return RawApi(self.raw_client(config), config.page_size)

    @hookimpl
    def hookline_check(self, config: Any, connection: RawApi) -> CheckResult:
        body = self.fetch(connection, "/customers", {"offset": 0, "limit": 1})
        return CheckResult(ok=True, message=f"the API answered; {body['meta']['total']} customers")

    # -- one request --------------------------------------------------------------------

    def follow(self, request: httpx.Request, target: httpx.URL) -> httpx.Request:
        """The request to send to a redirect's ``target``: no token to another origin."""
        headers = httpx.Headers(request.headers)
        headers.pop("host", None)
        if _origin(target) != _origin(request.url):
            headers.pop("authorization", None)
        return httpx.Request("GET", target, headers=headers)

    def send(self, connection: RawApi, request: httpx.Request) -> httpx.Response:
        """Send ``request``, following up to five redirects."""
        for _ in range(5):
            response = connection.http.send(request)
            if response.status_code not in _REDIRECTS or "location" not in response.headers:
                return response
            request = self.follow(request, request.url.join(response.headers["location"]))
        raise ReadError(f"GET {request.url.path}: too many redirects")

    def pause(self, attempt: int, response: httpx.Response | None) -> None:
        asked = response.headers.get("retry-after") if response is not None else None
        try:
            wait = float(asked) if asked is not None else 0.1 * 2 ** (attempt - 1)
        except ValueError:
            wait = 1.0
        time.sleep(min(wait, 5.0))

    def refused(self, path: str) -> Exception:
        return AuthError(f"GET {path} was refused with 401: check the setting 'token'")

    def on_401(self, connection: RawApi, request: httpx.Request, path: str) -> httpx.Response:
        """What a 401 leads to: an AuthError, at once."""
        raise self.refused(path)

    def failed(self, path: str, response: httpx.Response) -> Exception:
        status = response.status_code
        return ReadError(f"GET {path} failed with {status}: {_excerpt(response)}")

    def gave_up(self, path: str, outcomes: list[str]) -> Exception:
        return ReadError(
            f"GET {path} gave up after {len(outcomes)} attempts: {'; '.join(outcomes)}"
        )

    def decode(self, path: str, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("content-type", "no content type")
            raise ReadError(
                f"GET {path} answered {kind!r}, not JSON: {_excerpt(response)}"
            ) from None

    def is_retried(self, status: int) -> bool:
        return status in _RETRIED

    def out_of_attempts(self, attempt: int) -> bool:
        return attempt >= self.attempts

    def fetch(self, connection: RawApi, path: str, params: dict[str, Any]) -> Any:
        """GET ``path`` and return its JSON body."""
        request = connection.http.build_request("GET", path, params=params)
        outcomes: list[str] = []
        attempt = 0
        while True:
            attempt += 1
            response: httpx.Response | None = None
            try:
                response = self.send(connection, request)
            except httpx.TransportError as exc:
                outcomes.append(f"attempt {attempt}: {type(exc).__name__}")
            else:
                status = response.status_code
                if status == 401:
                    response = self.on_401(connection, request, path)
                    status = response.status_code
                if not self.is_retried(status):
                    if status >= 400:
                        raise self.failed(path, response)
                    return self.decode(path, response)
                outcomes.append(f"attempt {attempt}: {status}")
            if self.out_of_attempts(attempt):
                raise self.gave_up(path, outcomes)
            self.pause(attempt, response)

    # -- pages --------------------------------------------------------------------------

    def pages(self, connection: Any, name: str, params: dict[str, Any]) -> Iterator[list[Any]]:
        offset = 0
        while True:
            query = {**params, "offset": offset, "limit": connection.page_size}
            body = self.fetch(connection, f"/{name}", query)
            records = body.get("data") if isinstance(body, dict) else None
            if not isinstance(records, list):
                raise ReadError(f"GET /{name}: the answer holds no 'data' list of records")
            if records:
                yield records
            if not records or not (body.get("meta") or {}).get("has_more"):
                return
            offset += len(records)


# -- redirects --------------------------------------------------------------------------


class KeepsTokenAcrossOrigins(HandRolledHttp):
    """Follows a redirect to another origin with the Authorization header still on."""

    def follow(self, request: httpx.Request, target: httpx.URL) -> httpx.Request:
        headers = httpx.Headers(request.headers)
        headers.pop("host", None)
        return httpx.Request("GET", target, headers=headers)


class ApiKeyHeaderFollowsRedirect(HandRolledHttp):
    """Also sends the token in ``X-Api-Token`` and lets httpx follow redirects.

    httpx drops ``Authorization`` on the way to another origin, but not a custom header.
    """

    def headers(self, config: Any) -> dict[str, str]:
        return {**super().headers(config), "X-Api-Token": config.token.reveal()}

    def send(self, connection: RawApi, request: httpx.Request) -> httpx.Response:
        return connection.http.send(request, follow_redirects=True)


class QueryKeyFollowsRedirect(HandRolledHttp):
    """Also sends the token as ``?api_key=``, and puts it back on every redirect."""

    @hookimpl
    def hookline_auth(self, config: Any, context: ConnectorContext) -> RawApi:
        mask_httpx_logs()  # httpx logs each URL; its api_key shows masked
        api = super().hookline_auth(config, context)
        api.http.params = api.http.params.set("api_key", config.token.reveal())
        return api

    def follow(self, request: httpx.Request, target: httpx.URL) -> httpx.Request:
        followed = super().follow(request, target)
        key = request.url.params.get("api_key")
        if key is not None:
            followed.url = followed.url.copy_merge_params({"api_key": key})
        return followed


# -- timeouts ---------------------------------------------------------------------------


class NoReadTimeout(HandRolledHttp):
    """Builds its client with ``timeout=None`` (its ``timeout`` setting is ignored)."""

    def raw_client(self, config: Any) -> httpx.Client:
        return httpx.Client(base_url=config.base_url, headers=self.headers(config), timeout=None)


# -- answers that retrying cannot fix ---------------------------------------------------


class RetriesClientErrors(HandRolledHttp):
    """Retries every error status, a 404 or a 422 as much as a 503."""

    def is_retried(self, status: int) -> bool:
        return status >= 400


class HidesServerMessage(HandRolledHttp):
    """Says only the status of a failed request, not what the server said."""

    def failed(self, path: str, response: httpx.Response) -> Exception:
        return ReadError(f"GET {path} failed with HTTP {response.status_code}")


class Retries401(HandRolledHttp):
    """Asks again after a 401, three more times, before raising the AuthError."""

    def on_401(self, connection: RawApi, request: httpx.Request, path: str) -> httpx.Response:
        for _ in range(3):
            time.sleep(0.05)
            response = self.send(connection, request)
            if response.status_code != 401:
                return response
        raise self.refused(path)


# -- a 5xx burst ------------------------------------------------------------------------


class VagueAfterRetries(HandRolledHttp):
    """Gives up after its attempts with an error that does not say how many were made."""

    def gave_up(self, path: str, outcomes: list[str]) -> Exception:
        return ReadError("the API is not available right now; try again later")


class RetriesForever(HandRolledHttp):
    """Never runs out of attempts: a 5xx is retried until the service is back."""

    def out_of_attempts(self, attempt: int) -> bool:
        return False

    def pause(self, attempt: int, response: httpx.Response | None) -> None:
        if response is not None and "retry-after" in response.headers:
            super().pause(attempt, response)
        else:
            time.sleep(0.02)


# -- broken bodies ----------------------------------------------------------------------


class EmptyOnBadBody(HandRolledHttp):
    """Takes a body that is not JSON for an empty last page: the read ends, no error."""

    def decode(self, path: str, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            return {"data": [], "meta": {"has_more": False}}


class RawJsonError(HandRolledHttp):
    """Calls ``response.json()`` unguarded: a body that is not JSON is a JSONDecodeError."""

    def decode(self, path: str, response: httpx.Response) -> Any:
        return response.json()


__all__ = [
    "ApiKeyHeaderFollowsRedirect",
    "EmptyOnBadBody",
    "HidesServerMessage",
    "KeepsTokenAcrossOrigins",
    "NoReadTimeout",
    "QueryKeyFollowsRedirect",
    "RawJsonError",
    "Retries401",
    "RetriesClientErrors",
    "RetriesForever",
    "VagueAfterRetries",
]
