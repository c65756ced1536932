"""A good HTTP source over a small fake API on loopback, built on ``hookline.http``.

The fake API serves two resources, each paginated by offset and limit and guarded by a
bearer token::

    GET /customers?offset=0&limit=5[&updated_after=...]   {"data": [...], "meta": {...}}
    GET /products?offset=0&limit=5

Customers are read incrementally on ``updated_at`` (the state is the last value read;
the API answers in ascending ``updated_at`` order, as a real API asked for a sort would);
products are read in full. The fixture declares how many records each resource holds,
and changes its customers between two reads (``change_data``).
"""

from __future__ import annotations

import hmac
import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import attrs
import httpx

from hookline import hookimpl
from hookline.conformance import ConformanceFixture, canary
from hookline.errors import AuthError, ReadError
from hookline.http import (
    BearerAuth,
    HttpClient,
    OffsetPagination,
    RetryPolicy,
    make_client,
    paginate,
)
from hookline.models import (
    Batch,
    Catalog,
    CheckResult,
    ConfiguredStream,
    ConnectorContext,
    ConnectorInfo,
    State,
    Stream,
)
from hookline.secrets import Secret

CUSTOMER_COUNT = 13
PRODUCT_COUNT = 12

CUSTOMERS = Stream(
    name="customers",
    schema={
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "updated_at": {"type": "string"},
        },
        "required": ["id", "name", "updated_at"],
    },
    primary_key=("id",),
    cursor_field="updated_at",
    sync_modes=("full", "incremental"),
)

PRODUCTS = Stream(
    name="products",
    schema={
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "price": {"type": "number"},
        },
        "required": ["id", "title", "price"],
    },
    primary_key=("id",),
    sync_modes=("full",),
)


# -- the fake API ---------------------------------------------------------------------


class _QuietServer(ThreadingHTTPServer):
    """A server that does not print a traceback when a client drops its connection."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet: a client closing a kept-alive connection is not an error here."""


class FakeApi:
    """Serve the two resources on 127.0.0.1 (a free port) until :meth:`stop`."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.data: dict[str, list[dict[str, Any]]] = {
            "customers": [
                {"id": n, "name": f"Customer {n}", "updated_at": f"2024-02-{n:02d}T08:00:00Z"}
                for n in range(1, CUSTOMER_COUNT + 1)
            ],
            "products": [
                {"id": n, "title": f"Product {n}", "price": 2.5 * n}
                for n in range(1, PRODUCT_COUNT + 1)
            ],
        }
        self.requests: list[str] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                status, body = api.answer(self.path, self.headers.get("Authorization", ""))
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                """Stay quiet."""

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def answer(self, path: str, authorization: str) -> tuple[int, Any]:
        parts = urllib.parse.urlsplit(path)
        self.requests.append(parts.path)
        expected = f"Bearer {self.token}"
        if not hmac.compare_digest(authorization.encode(), expected.encode()):
            return 401, {"error": "unauthorized"}
        resource = parts.path.strip("/")
        if resource not in self.data:
            return 404, {"error": f"no resource {resource!r}"}
        query = dict(urllib.parse.parse_qsl(parts.query))
        records = self.data[resource]
        if resource == "customers":
            records = sorted(records, key=lambda r: (r["updated_at"], r["id"]))
        after = query.get("updated_after")
        if after is not None:
            records = [r for r in records if r["updated_at"] > after]
        offset = int(query.get("offset", 0))
        limit = int(query.get("limit", 5))
        page = records[offset : offset + limit]
        more = offset + len(page) < len(records)
        return 200, {"data": page, "meta": {"total": len(records), "has_more": more}}

    def change(self) -> dict[str, list[dict[str, Any]]]:
        """Update three customers and add four, as a live API would between two reads.

        The updated ones (from the first, the second and the last page) move to the end
        of the ``updated_at`` order, across page boundaries; the added ones fall between
        them. Products do not change.
        """
        customers = self.data["customers"]
        updated = []
        for index, number in enumerate((2, 6, 11)):
            record = next(r for r in customers if r["id"] == number)
            record.update(name=f"Customer {number} (renamed)", updated_at=_stamp(21 + 2 * index))
            updated.append(dict(record))
        added = [
            {"id": number, "name": f"Customer {number}", "updated_at": _stamp(20 + 2 * index)}
            for index, number in enumerate(range(CUSTOMER_COUNT + 1, CUSTOMER_COUNT + 5))
        ]
        customers += added
        return {"customers": updated + added}


def _stamp(day: int) -> str:
    return f"2024-02-{day:02d}T09:00:00Z"


# -- the connector --------------------------------------------------------------------


@attrs.frozen
class ReferenceHttpConfig:
    """The settings: the API's base URL, its bearer token, the page size."""

    base_url: str
    token: Secret
    page_size: int = attrs.field(default=5, validator=attrs.validators.ge(1))


class ClientSender:
    """Lets :func:`hookline.http.paginate` send through an :class:`HttpClient`."""

    def __init__(self, client: HttpClient) -> None:
        self.client = client

    def send(self, request: httpx.Request) -> httpx.Response:
        return self.client.request(request.method, request.url)


@attrs.frozen
class Api:
    """The connection: the HTTP client and the page size."""

    client: HttpClient
    page_size: int

    def close(self) -> None:
        self.client.close()


class ReferenceHttp:
    """The reference HTTP source (id ``reference-http``)."""

    connector_id = "reference-http"
    version = "1.0.0"
    capabilities: tuple[str, ...] = ("discover", "read", "incremental", "check")

    @hookimpl
    def hookline_describe(self) -> ConnectorInfo:
        return ConnectorInfo(
            id=self.connector_id,
            version=self.version,
            kind="source",
            title="Reference HTTP",
            description="Customers and products from a paginated JSON API.",
            config_model=ReferenceHttpConfig,
            capabilities=self.capabilities,
        )

    def build_client(self, config: Any) -> HttpClient:
        host = httpx.URL(config.base_url).host
        return make_client(
            base_url=config.base_url,
            connector=f"{self.connector_id}/{self.version}",
            allowed_hosts=[host],
            timeout=5.0,
            deadline=30.0,
            retry=RetryPolicy(max_attempts=5, base_delay=0.1, max_delay=5.0, max_elapsed=30.0),
            auth=BearerAuth(config.token, setting="token"),
        )

    @hookimpl
    def hookline_auth(self, config: Any, context: ConnectorContext) -> Api:
        url = httpx.URL(config.base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise AuthError(
                f"the setting 'base_url' must be an http or https URL, not {config.base_url!r}"
            )
        return Api(client=self.build_client(config), page_size=config.page_size)

    @hookimpl
    def hookline_check(self, config: Any, connection: Api) -> CheckResult:
        body = connection.client.get_json("/customers", params={"offset": 0, "limit": 1})
        total = body.get("meta", {}).get("total")
        return CheckResult(ok=True, message=f"the API answered; {total} customer(s)")

    @hookimpl
    def hookline_discover(self, config: Any, connection: Api) -> Catalog:
        return Catalog([CUSTOMERS, PRODUCTS])

    def pages(self, connection: Api, name: str, params: dict[str, Any]) -> Iterator[list[Any]]:
        request = connection.client.httpx_client.build_request("GET", f"/{name}", params=params)
        pagination = OffsetPagination(limit=connection.page_size, has_more_path="meta.has_more")
        sender = ClientSender(connection.client)
        for page in paginate(sender, request, pagination, records_path="data"):
            if page.records:
                yield page.records

    @hookimpl
    def hookline_read(
        self, config: Any, connection: Api, stream: ConfiguredStream, state: State | None
    ) -> Iterator[Batch]:
        if stream.name == "products":
            for records in self.pages(connection, "products", {}):
                yield Batch(records, None)
            return
        if stream.name != "customers":
            raise ReadError(f"no stream {stream.name!r}; run discover")
        params: dict[str, Any] = {}
        cursor = state.get("cursor") if stream.sync_mode == "incremental" and state else None
        if cursor is not None and not isinstance(cursor, str):
            raise ReadError(
                f"the state's cursor {json.dumps(cursor)} is not an updated_at value; reset "
                "the stream's state or read it with sync mode full",
                stream=stream.name,
            )
        if cursor:
            params["updated_after"] = cursor
        for records in self.pages(connection, "customers", params):
            yield Batch(records, {"cursor": records[-1]["updated_at"]})

    def make_fixture(self, workdir: Path) -> ConformanceFixture:
        token = canary("token")
        api = FakeApi(token)
        return ConformanceFixture(
            config={"base_url": api.url, "token": token, "page_size": 5},
            bad_credentials={"token": "not-the-token-0000"},
            invalid_config={"base_url": "no-scheme.example", "token": token},
            url_setting="base_url",
            cleanup=api.stop,
            record_counts={"customers": CUSTOMER_COUNT, "products": PRODUCT_COUNT},
            change_data=api.change,
        )

    @hookimpl
    def hookline_conformance_fixture(self, workdir: Path) -> ConformanceFixture:
        return self.make_fixture(workdir)
