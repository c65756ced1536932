"""The five fake systems of the demo API, each with its own authentication.

=============  ============================================  ===============================
prefix         what                                          authentication
=============  ============================================  ===============================
``/shop``      web shop: orders, page pagination             bearer token
``/inventory`` warehouse: reservations, idempotent POST      API key header ``X-API-Key``
``/crm``       CRM: customers, cursor pagination             OAuth2 client credentials
``/quoting``   quoting tool: customers, PUT upsert           basic auth
``/payments``  payment service: transactions, next links     API key in the query
=============  ============================================  ===============================

Each system answers :meth:`System.handle` with a :class:`Reply`; ``serve.py`` does HTTP.
Every system has ``POST /<prefix>/_touch`` (no authentication: a demo control) that changes
some of its data, so that a second sync has something to pick up.
"""

from __future__ import annotations

import base64
import binascii
import random
import secrets
import time
import urllib.parse
from typing import Any

import demo_data
from demo_common import (
    CRM_CLIENT_ID,
    CRM_CLIENT_SECRET,
    INVENTORY_KEY,
    PAYMENTS_KEY,
    QUOTING_PASSWORD,
    QUOTING_USER,
    SHOP_TOKEN,
    Reply,
    Request,
    System,
    error,
    filtered,
    int_param,
    json_body,
    now,
    unauthorized,
)


class Shop(System):
    """``GET /shop/orders?page=1&per_page=25&updated_since=...`` with a bearer token."""

    prefix = "/shop"

    def __init__(self, orders: int, rng: random.Random) -> None:
        super().__init__()
        self.orders = demo_data.make_orders(orders, rng)
        self.clock = demo_data.Clock(demo_data.latest(self.orders))
        self.rng = rng

    def authenticate(self, request: Request) -> Reply | None:
        if request.headers.get("authorization") != f"Bearer {SHOP_TOKEN}":
            return unauthorized("a valid bearer token is required", 'Bearer realm="shop"')
        return None

    def route(self, request: Request) -> Reply:
        if (request.method, request.path) != ("GET", "/orders"):
            return super().route(request)
        try:
            page = int_param(request, "page", 1, 1, 10**9)
            per_page = int_param(request, "per_page", 25, 1, 100)
        except ValueError:
            return error(400, "page and per_page must be integers")
        records = filtered(self.orders, request)
        if isinstance(records, Reply):
            return records
        total = len(records)
        chunk = records[(page - 1) * per_page : page * per_page]
        pages = (total + per_page - 1) // per_page
        meta = {"page": page, "per_page": per_page, "total": total, "total_pages": pages}
        return Reply(200, {"data": chunk, "meta": meta})

    def touch(self, count: int) -> Reply:
        """Ship ``count`` open orders and take ``count`` new ones."""
        changed = [o for o in self.orders if o["status"] in ("placed", "paid")][:count]
        for order in changed:
            order["status"] = "shipped"
            order["updated_at"] = self.clock.tick()
        added = demo_data.make_orders(len(self.orders) + count, self.rng)[len(self.orders) :]
        for order in added:
            order["created_at"] = order["updated_at"] = self.clock.tick()
        self.orders.extend(added)
        ids = {"updated": [o["id"] for o in changed], "added": [o["id"] for o in added]}
        return Reply(200, ids)


class Inventory(System):
    """``POST /inventory/reservations`` (idempotent with ``Idempotency-Key``) and
    ``GET /inventory/reservations``, with the header ``X-API-Key``."""

    prefix = "/inventory"

    def __init__(self) -> None:
        super().__init__()
        self.reservations: list[dict[str, Any]] = []
        self.replies: dict[str, Reply] = {}

    def authenticate(self, request: Request) -> Reply | None:
        if request.headers.get("x-api-key") != INVENTORY_KEY:
            return unauthorized("a valid X-API-Key header is required", 'ApiKey header="X-API-Key"')
        return None

    def route(self, request: Request) -> Reply:
        if request.path != "/reservations":
            return super().route(request)
        if request.method == "GET":
            wanted = request.query.get("order_id")
            found = [r for r in self.reservations if wanted in (None, str(r["order_id"]))]
            return Reply(200, {"data": found, "total": len(found)})
        if request.method != "POST":
            return error(405, "use GET or POST")
        key = request.headers.get("idempotency-key")
        if key and key in self.replies:
            first = self.replies[key]
            return Reply(first.status, first.body, {"Idempotent-Replayed": "true"})
        reply = self.reserve(json_body(request))
        if key and reply.status < 500:
            self.replies[key] = reply
        return reply

    def reserve(self, order: Any) -> Reply:
        """Validate an order-shaped body and record a reservation (201), or answer 422."""
        problems = reservation_problems(order)
        if problems:
            return error(422, "; ".join(problems), details=problems)
        reservation = {
            "id": f"res_{len(self.reservations) + 1:06d}",
            "order_id": order["order_id"],
            "items": [{"sku": i["sku"], "quantity": i["quantity"]} for i in order["items"]],
            "status": "reserved",
            "reserved_at": now(),
            "received": order,
        }
        self.reservations.append(reservation)
        return Reply(201, reservation)


def reservation_problems(order: Any) -> list[str]:
    """What is wrong with a reservation request (empty when it is fine)."""
    if not isinstance(order, dict):
        return ["the body must be a JSON object"]
    problems = []
    if order.get("order_id") in (None, ""):
        problems.append("order_id is required")
    items = order.get("items")
    if not isinstance(items, list) or not items:
        problems.append("items must be a non-empty array")
        return problems
    for n, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("sku"), str) or not item["sku"]:
            problems.append(f"items[{n}].sku is required")
        elif not isinstance(item.get("quantity"), int) or isinstance(item["quantity"], bool):
            problems.append(f"items[{n}].quantity must be an integer")
        elif item["quantity"] < 1:
            problems.append(f"items[{n}].quantity must be at least 1")
    return problems


class Crm(System):
    """``POST /crm/oauth/token`` (client credentials) and ``GET /crm/customers?cursor=...``."""

    prefix = "/crm"

    def __init__(
        self, customers: int, rng: random.Random, token_ttl: int, token_uses: int | None
    ) -> None:
        super().__init__()
        self.customers = demo_data.make_customers(customers, rng)
        self.clock = demo_data.Clock(demo_data.latest(self.customers))
        self.token_ttl, self.token_uses = token_ttl, token_uses
        self.tokens: dict[str, list[float]] = {}  # token -> [expires at, uses left]
        self.tokens_issued = 0

    def handle(self, request: Request) -> Reply:
        if request.path == "/oauth/token":
            with self.lock:
                return self.issue_token(request)
        return super().handle(request)

    def issue_token(self, request: Request) -> Reply:
        """Issue an access token for the demo client (form or basic credentials)."""
        if request.method != "POST":
            return error(405, "use POST")
        form = dict(urllib.parse.parse_qsl(request.body.decode("utf-8", "replace")))
        client = (form.get("client_id"), form.get("client_secret"))
        given = request.headers.get("authorization", "")
        if given.startswith("Basic "):
            try:
                pair = base64.b64decode(given[6:], validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                pair = ""
            user, _, password = pair.partition(":")
            client = (urllib.parse.unquote(user), urllib.parse.unquote(password))
        if form.get("grant_type") != "client_credentials":
            return error(400, "unsupported_grant_type")
        if client != (CRM_CLIENT_ID, CRM_CLIENT_SECRET):
            return error(401, "invalid_client")
        token = f"crm-{secrets.token_hex(12)}"
        uses = float("inf") if self.token_uses is None else self.token_uses
        self.tokens[token] = [time.monotonic() + self.token_ttl, uses]
        self.tokens_issued += 1
        body = {"access_token": token, "token_type": "Bearer", "expires_in": self.token_ttl}
        return Reply(200, body, {"Cache-Control": "no-store"})

    def authenticate(self, request: Request) -> Reply | None:
        given = request.headers.get("authorization", "")
        token = given[7:] if given.startswith("Bearer ") else ""
        life = self.tokens.get(token)
        if life is None or life[0] <= time.monotonic() or life[1] <= 0:
            self.tokens.pop(token, None)
            return unauthorized(
                "invalid_token: missing, unknown or expired; get one at /crm/oauth/token",
                'Bearer realm="crm", error="invalid_token"',
            )
        life[1] -= 1
        return None

    def route(self, request: Request) -> Reply:
        if (request.method, request.path) != ("GET", "/customers"):
            return super().route(request)
        try:
            limit = int_param(request, "limit", 25, 1, 100)
            offset = decode_cursor(request.query.get("cursor"))
        except ValueError:
            return error(400, "limit must be an integer and cursor one this API returned")
        records = filtered(self.customers, request)
        if isinstance(records, Reply):
            return records
        chunk = records[offset : offset + limit]
        more = offset + limit < len(records)
        return Reply(
            200, {"data": chunk, "next_cursor": encode_cursor(offset + limit) if more else None}
        )

    def touch(self, count: int) -> Reply:
        """Change the e-mail address and phone of ``count`` customers, spread over the list
        (a customer without an address gets one)."""
        step = max(1, len(self.customers) // max(count, 1))
        changed = self.customers[::step][:count]
        for customer in changed:
            email = customer["email"] or "{first_name}.{last_name}{id}@example.com".format(
                **customer
            )
            local, _, domain = email.partition("@")
            customer["email"] = f"{local.split('+')[0]}+{self.clock.latest.minute}@{domain}"
            customer["phone"] = customer["phone"][:-2] + f"{customer['id'] % 100:02d}"
            customer["updated_at"] = self.clock.tick()
        return Reply(200, {"updated": [c["id"] for c in changed], "added": []})


def encode_cursor(offset: int) -> str:
    """An opaque cursor for a position in the result."""
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The position a cursor stands for (0 without one).

    Raises:
        ValueError: the cursor was not made by :func:`encode_cursor`.
    """
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError(cursor) from exc
    kind, _, offset = text.partition(":")
    if kind != "offset" or not offset.isdigit():
        raise ValueError(cursor)
    return int(offset)


class Quoting(System):
    """``PUT /quoting/customers/{id}`` (upsert) and ``GET /quoting/customers[/{id}]`` with
    basic auth."""

    prefix = "/quoting"

    def __init__(self) -> None:
        super().__init__()
        self.customers: dict[str, dict[str, Any]] = {}

    def authenticate(self, request: Request) -> Reply | None:
        expected = base64.b64encode(f"{QUOTING_USER}:{QUOTING_PASSWORD}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return unauthorized("valid basic credentials are required", 'Basic realm="quoting"')
        return None

    def route(self, request: Request) -> Reply:
        parts = request.path.strip("/").split("/")
        if parts[0] != "customers" or len(parts) > 2:
            return super().route(request)
        if len(parts) == 1 and request.method == "GET":
            found = sorted(self.customers.values(), key=lambda c: _id_key(c["id"]))
            return Reply(200, {"data": found, "total": len(found)})
        if len(parts) == 1:
            return error(405, "use GET, or PUT /quoting/customers/{id}")
        ident = parts[1]
        if request.method == "GET":
            if ident not in self.customers:
                return error(404, f"no customer {ident}")
            return Reply(200, self.customers[ident])
        if request.method != "PUT":
            return error(405, "use GET or PUT")
        return self.upsert(ident, json_body(request))

    def upsert(self, ident: str, body: Any) -> Reply:
        """Create (201) or replace (200) a customer; the same body again changes nothing."""
        if not isinstance(body, dict):
            return error(422, "the body must be a JSON object")
        email = body.get("email")
        if not isinstance(email, str) or "@" not in email:
            return error(422, "email is required and must be an e-mail address")
        own = ("id", "version", "updated_at")
        fields = {k: v for k, v in body.items() if k not in own}
        current = self.customers.get(ident)
        if current is not None and {k: current[k] for k in current if k not in own} == fields:
            return Reply(200, current)
        customer = {
            "id": ident,
            **fields,
            "version": 1 if current is None else current["version"] + 1,
            "updated_at": now(),
        }
        self.customers[ident] = customer
        return Reply(201 if current is None else 200, customer)


def _id_key(ident: str) -> tuple[int, str]:
    """Sort numeric ids as numbers, others after them as text."""
    return (int(ident), "") if ident.isdigit() else (10**18, ident)


class Payments(System):
    """``GET /payments/transactions?api_key=...`` with ``links.next`` pagination."""

    prefix = "/payments"

    def __init__(self, transactions: int, rng: random.Random) -> None:
        super().__init__()
        self.transactions = demo_data.make_transactions(transactions, rng)
        self.clock = demo_data.Clock(demo_data.latest(self.transactions))
        self.rng = rng

    def authenticate(self, request: Request) -> Reply | None:
        if request.query.get("api_key") != PAYMENTS_KEY:
            return unauthorized("a valid api_key query parameter is required", "ApiKey")
        return None

    def route(self, request: Request) -> Reply:
        if (request.method, request.path) != ("GET", "/transactions"):
            return super().route(request)
        try:
            limit = int_param(request, "limit", 50, 1, 200)
            offset = int_param(request, "offset", 0, 0, 10**9)
        except ValueError:
            return error(400, "limit and offset must be integers")
        records = filtered(self.transactions, request)
        if isinstance(records, Reply):
            return records
        chunk = records[offset : offset + limit]
        following = None
        if offset + limit < len(records):
            query = {"limit": limit, "offset": offset + limit}
            if request.query.get("updated_since"):
                query["updated_since"] = request.query["updated_since"]
            following = f"{request.base_url}/payments/transactions?{urllib.parse.urlencode(query)}"
        return Reply(200, {"transactions": chunk, "links": {"next": following}})

    def touch(self, count: int) -> Reply:
        """Settle pending transactions and record ``count`` new payments."""
        settled = [t for t in self.transactions if t["status"] == "pending"][:count]
        for transaction in settled:
            transaction["status"] = "settled"
            transaction["updated_at"] = self.clock.tick()
        size = len(self.transactions)
        added = demo_data.make_transactions(size + count, self.rng)[size:]
        for transaction in added:
            transaction["created_at"] = transaction["updated_at"] = self.clock.tick()
        self.transactions.extend(added)
        ids = {"updated": [t["id"] for t in settled], "added": [t["id"] for t in added]}
        return Reply(200, ids)
