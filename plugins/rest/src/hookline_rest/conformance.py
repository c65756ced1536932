"""The REST connector's conformance fixture: a fake shop API on loopback, and its config.

``hookline test rest`` calls :func:`hookline_rest.connector.hookline_conformance_fixture`,
which returns :func:`conformance_fixture`'s result. It starts
:class:`~hookline_rest._fake_api.FakeShopApi` on ``127.0.0.1`` (a free port) with
:data:`CUSTOMERS` customers and :data:`ORDERS` orders behind a bearer token (a canary, so
the suite can search every output for it), and configures:

* streams ``customers`` and ``orders``: ``GET /customers`` and ``GET /orders`` in pages of
  :data:`PAGE_SIZE` (one batch per page), incremental on ``updated_at`` through the API's
  inclusive ``updated_since`` parameter, declared sorted (the fake answers in ascending
  ``updated_at`` order, so each page is asked for from the bookmark and a walk resumes
  from it), with declared schemas;
* writes: every stream the suite writes (:data:`WRITE_STREAMS`) goes to
  ``PUT /store/{stream}/{id}``, so writing a record again replaces it (an upsert by id);
  the write sample's streams (:data:`~hookline.conformance.SAMPLE_STREAMS`) go to
  ``PUT /store/{stream}/{region}:{order_no}``, by their composite key.

``read_back`` returns what the fake stored for a stream; ``cleanup`` stops the fake. The
fixture declares how many records each stream holds (``record_counts``); its
``change_data`` changes the served data between two reads: two customers and an order
updated (each moves from its page to the last, and every record after it up a place
across the page boundaries), a customer and an order added.
``bad_credentials`` sends another token (``401``, an :class:`~hookline.errors.AuthError`);
``invalid_config`` names an endpoint the API does not have.
"""

from __future__ import annotations

__all__ = [
    "CUSTOMERS",
    "ORDERS",
    "PAGE_SIZE",
    "WRITE_STREAMS",
    "conformance_fixture",
    "sample_customers",
    "sample_orders",
]

from pathlib import Path
from typing import Any

from hookline.conformance import (
    SAMPLE_KEY,
    SAMPLE_STREAMS,
    WRITE_STREAMS,
    ConformanceFixture,
    canary,
)
from hookline.models import ConfiguredStream, Record
from hookline_rest._fake_api import FakeShopApi

#: Records per page (and so per batch): small, so reads span several batches.
PAGE_SIZE = 5
#: How many customers the fake API serves.
CUSTOMERS = 13
#: How many orders the fake API serves.
ORDERS = 17

_CITIES = ("Lyon", "Porto", "Graz", "Turku", "Gent")
_STAMP = {"type": "string", "format": "date-time"}

_CUSTOMER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "email": {"type": "string"},
        "vip": {"type": "boolean"},
        "balance": {"type": ["number", "null"]},
        "address": {"type": "object", "properties": {"city": {"type": "string"}}},
        "updated_at": _STAMP,
    },
    "required": ["id", "updated_at"],
}

_ORDER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "customer_id": {"type": "integer"},
        "total": {"type": "number"},
        "status": {"type": "string"},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"sku": {"type": "string"}, "quantity": {"type": "integer"}},
            },
        },
        "updated_at": _STAMP,
    },
    "required": ["id", "updated_at"],
}


def _timestamp(day: int, hour: int) -> str:
    return f"2024-03-{day:02d}T{hour:02d}:00:00Z"


def sample_customers(count: int = CUSTOMERS) -> list[Record]:
    """Return the customers the fake API serves (ids 1 to ``count``)."""
    return [
        {
            "id": n,
            "name": f"Customer {n}",
            "email": f"customer{n}@example.test",
            "vip": n % 4 == 0,
            "balance": None if n % 5 == 0 else round(12.5 * n, 2),
            "address": {"city": _CITIES[n % len(_CITIES)]},
            "updated_at": _timestamp(1 + n, 8 + n % 10),
        }
        for n in range(1, count + 1)
    ]


def sample_orders(count: int = ORDERS) -> list[Record]:
    """Return the orders the fake API serves (ids 1 to ``count``)."""
    return [
        {
            "id": n,
            "customer_id": 1 + n % CUSTOMERS,
            "total": round(9.5 * n + 0.25, 2),
            "status": "paid" if n % 3 else "open",
            "items": [{"sku": f"SKU-{n:03d}", "quantity": 1 + n % 3}],
            "updated_at": _timestamp(1 + (n + 1) // 2, n % 24),
        }
        for n in range(1, count + 1)
    ]


def _change(api: FakeShopApi) -> dict[str, list[Record]]:
    """Change what ``api`` serves as the shop would; return the records changed."""
    customers = sample_customers(CUSTOMERS + 1)
    changed_customers = [
        {**customers[n - 1], "name": f"Customer {n} (renamed)", "updated_at": _timestamp(28, n)}
        for n in (3, 8)
    ]
    changed_customers.append({**customers[CUSTOMERS], "updated_at": _timestamp(28, 20)})
    orders = sample_orders(ORDERS + 1)
    changed_orders = [
        {**orders[3], "status": "refunded", "updated_at": _timestamp(29, 1)},
        {**orders[ORDERS], "updated_at": _timestamp(29, 2)},
    ]
    api.change("customers", changed_customers)
    api.change("orders", changed_orders)
    return {"customers": changed_customers, "orders": changed_orders}


def _stream(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "path": f"/{name}",
        "records": "data",
        "primary_key": ["id"],
        "cursor": {"field": "updated_at", "param": "updated_since", "sorted": True},
        "pagination": {
            "kind": "page",
            "param": "page",
            "size_param": "per_page",
            "size": PAGE_SIZE,
            "total_pages_path": "meta.total_pages",
        },
        "schema": schema,
    }


def _write_path(stream: str) -> str:
    """The write path of a stream the suite writes: by ``id``, or by the sample's key."""
    if stream in SAMPLE_STREAMS:
        return "/store/{stream}/" + ":".join(f"{{{field}}}" for field in SAMPLE_KEY)
    return "/store/{stream}/{id}"


def conformance_fixture(workdir: Path) -> ConformanceFixture:
    """Start the fake API and return the REST connector's fixture (``workdir`` is unused).

    The fake runs until the fixture's ``cleanup`` is called.
    """
    token = canary("token")
    api = FakeShopApi(token, {"customers": sample_customers(), "orders": sample_orders()}).start()
    streams = [_stream("customers", _CUSTOMER_SCHEMA), _stream("orders", _ORDER_SCHEMA)]
    config: dict[str, Any] = {
        "base_url": api.url,
        "auth": {"kind": "bearer", "token": token},
        "timeout": 10,
        "retry": {"max_attempts": 5, "base_delay": 0.05, "max_delay": 30, "max_elapsed": 60},
        "streams": streams,
        "writes": {
            name: {"method": "PUT", "path": _write_path(name), "mode": "record"}
            for name in WRITE_STREAMS
        },
    }
    missing = [{**streams[0], "name": "customers", "path": "/v1/customers"}]

    def read_back(stream: ConfiguredStream) -> list[Record]:
        """Return what the fake API stored for the written stream ``stream``."""
        return api.stored(stream.name)

    return ConformanceFixture(
        config=config,
        bad_credentials={"auth": {"token": "hl-wrong-token-for-the-fake-shop"}},
        invalid_config={**config, "streams": missing},
        url_setting="base_url",
        read_back=read_back,
        cleanup=api.stop,
        record_counts={"customers": CUSTOMERS, "orders": ORDERS},
        change_data=lambda: _change(api),
    )
