"""The demo API of the stories (examples/demo-api), started as a user starts it.

Each server is ``python examples/demo-api/serve.py --port 0`` in a subprocess; the tests
talk to it over HTTP with httpx: authentication, pagination, filters, idempotency, OAuth2
tokens, upserts, the ``_touch`` controls and the injected faults.
"""

from __future__ import annotations

import base64
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from support.venvs import ROOT

SERVE = ROOT / "examples" / "demo-api" / "serve.py"
SIZES = ("--orders", "95", "--customers", "47", "--transactions", "83")
SHOP = {"Authorization": "Bearer shop-demo-token"}
INVENTORY = {"X-API-Key": "inventory-demo-key"}
QUOTING = ("quoting", "quoting-demo")
PAYMENTS = {"api_key": "payments-demo-key"}
CRM_CLIENT = {
    "grant_type": "client_credentials",
    "client_id": "crm-demo",
    "client_secret": "crm-demo-secret",
}


@contextmanager
def demo_api(*args: str, quiet: bool = True) -> Iterator[tuple[httpx.Client, list[str]]]:
    """Start the demo API on a free port; yield a client for it and, at exit, its log."""
    command = [sys.executable, str(SERVE), "--port", "0", *SIZES, *args]
    process = subprocess.Popen(
        [*command, "--quiet"] if quiet else command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    log: list[str] = []
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("demo API serving on http://127.0.0.1:"), first
        with httpx.Client(base_url=first.split()[-1], timeout=5) as client:
            yield client, log
    finally:
        process.terminate()
        _, err = process.communicate(timeout=5)
        log.extend(err.splitlines())


@pytest.fixture(scope="module")
def api() -> Iterator[httpx.Client]:
    """A demo API shared by the tests that only read."""
    with demo_api() as (client, _):
        yield client


@pytest.fixture
def fresh() -> Iterator[httpx.Client]:
    """A demo API of its own, for a test that changes data."""
    with demo_api() as (client, _):
        yield client


def crm_token(client: httpx.Client) -> dict[str, str]:
    """A bearer header with a new CRM access token."""
    reply = client.post("/crm/oauth/token", data=CRM_CLIENT)
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def shop_pages(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    """Every order, page by page, until a page comes back short."""
    records: list[dict[str, Any]] = []
    for page in range(1, 100):
        body = client.get(
            "/shop/orders", headers=SHOP, params={"page": page, "per_page": 10, **params}
        ).json()
        records += body["data"]
        if page >= body["meta"]["total_pages"]:
            assert body["meta"]["total"] == len(records)
            return records
    raise AssertionError("no last page")


def crm_pages(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    """Every customer, following ``next_cursor``."""
    headers, records, cursor = crm_token(client), [], None
    for _ in range(100):
        query = {"limit": 10, **params, **({"cursor": cursor} if cursor else {})}
        body = client.get("/crm/customers", headers=headers, params=query).json()
        records += body["data"]
        cursor = body["next_cursor"]
        if cursor is None:
            return records
    raise AssertionError("no last page")


def payment_pages(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    """Every transaction, following ``links.next`` (adding the key to each request)."""
    url: httpx.URL | None = httpx.URL("/payments/transactions", params={"limit": 20, **params})
    records: list[dict[str, Any]] = []
    for _ in range(100):
        assert url is not None
        reply = client.get(url.copy_merge_params(PAYMENTS))
        assert reply.status_code == 200, reply.text
        records += reply.json()["transactions"]
        following = reply.json()["links"]["next"]
        if following is None:
            return records
        assert following.startswith(str(client.base_url)) and "api_key" not in following
        url = httpx.URL(following)
    raise AssertionError("no last page")


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("GET", "/shop/orders", {}),
        ("GET", "/shop/orders", {"headers": {"Authorization": "Bearer wrong"}}),
        ("POST", "/inventory/reservations", {"json": {}}),
        ("GET", "/inventory/reservations", {"headers": {"X-API-Key": "wrong"}}),
        ("GET", "/crm/customers", {}),
        ("GET", "/crm/customers", {"headers": {"Authorization": "Bearer made-up"}}),
        ("PUT", "/quoting/customers/1", {"json": {"email": "a@b.example"}}),
        ("GET", "/quoting/customers", {"auth": ("quoting", "wrong")}),
        ("GET", "/payments/transactions", {}),
        ("GET", "/payments/transactions", {"params": {"api_key": "wrong"}}),
    ],
)
def test_every_system_refuses_requests_without_its_credentials(
    api: httpx.Client, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    reply = api.request(method, path, **kwargs)
    assert reply.status_code == 401
    assert reply.json()["error"]
    assert reply.headers["WWW-Authenticate"]


def test_shop_pages_are_complete_exact_and_ordered_by_update(api: httpx.Client) -> None:
    orders = shop_pages(api)
    assert sorted(o["id"] for o in orders) == list(range(1, 96))
    assert [o["updated_at"] for o in orders] == sorted(o["updated_at"] for o in orders)
    first = orders[0]
    assert {"id", "customer_id", "status", "items", "total", "updated_at"} <= set(first)
    assert {"sku", "quantity"} <= set(first["items"][0])
    body = api.get("/shop/orders", headers=SHOP, params={"page": 99}).json()
    assert body["data"] == [] and body["meta"]["total"] == 95


def test_shop_updated_since_returns_exactly_the_later_orders(api: httpx.Client) -> None:
    orders = shop_pages(api)
    since = orders[39]["updated_at"]
    later = shop_pages(api, updated_since=since)
    assert [o["id"] for o in later] == [o["id"] for o in orders[40:]]
    bad = api.get("/shop/orders", headers=SHOP, params={"updated_since": "yesterday"})
    assert bad.status_code == 400 and "ISO 8601" in bad.json()["error"]


def test_the_same_seed_serves_the_same_data(api: httpx.Client, fresh: httpx.Client) -> None:
    assert shop_pages(api) == shop_pages(fresh)
    assert crm_pages(api) == crm_pages(fresh)
    assert payment_pages(api) == payment_pages(fresh)


def test_shop_touch_changes_orders_that_a_later_sync_sees(fresh: httpx.Client) -> None:
    bookmark = shop_pages(fresh)[-1]["updated_at"]
    touched = fresh.post("/shop/_touch", params={"count": 3}).json()
    assert len(touched["updated"]) == 3 and touched["added"] == [96, 97, 98]
    changed = shop_pages(fresh, updated_since=bookmark)
    assert sorted(o["id"] for o in changed) == sorted(touched["updated"] + touched["added"])
    assert len(shop_pages(fresh)) == 98


ORDER = {"order_id": 7, "items": [{"sku": "SKU-0001", "quantity": 2}], "note": "kept"}


def test_reservation_with_the_same_idempotency_key_is_made_once(fresh: httpx.Client) -> None:
    headers = {**INVENTORY, "Idempotency-Key": "orders-7"}
    first = fresh.post("/inventory/reservations", headers=headers, json=ORDER)
    again = fresh.post("/inventory/reservations", headers=headers, json=ORDER)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json()["items"] == [{"sku": "SKU-0001", "quantity": 2}]
    listed = fresh.get("/inventory/reservations", headers=INVENTORY).json()
    assert listed["total"] == 1 and listed["data"][0]["order_id"] == 7

    other = {**INVENTORY, "Idempotency-Key": "orders-8"}
    fresh.post("/inventory/reservations", headers=other, json={**ORDER, "order_id": 8})
    assert fresh.get("/inventory/reservations", headers=INVENTORY).json()["total"] == 2
    one = fresh.get("/inventory/reservations", headers=INVENTORY, params={"order_id": 8})
    assert [r["order_id"] for r in one.json()["data"]] == [8]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"items": [{"sku": "A", "quantity": 1}]}, "order_id is required"),
        ({"order_id": 1}, "items must be a non-empty array"),
        ({"order_id": 1, "items": []}, "items must be a non-empty array"),
        ({"order_id": 1, "items": [{"quantity": 1}]}, "items[0].sku is required"),
        ({"order_id": 1, "items": [{"sku": "A", "quantity": "2"}]}, "must be an integer"),
        ({"order_id": 1, "items": [{"sku": "A", "quantity": 0}]}, "must be at least 1"),
        ([1, 2], "the body must be a JSON object"),
    ],
)
def test_a_bad_reservation_is_refused_with_422_and_a_reason(
    api: httpx.Client, body: Any, message: str
) -> None:
    headers = {**INVENTORY, "Idempotency-Key": f"bad-{message}"}
    reply = api.post("/inventory/reservations", headers=headers, json=body)
    assert reply.status_code == 422
    assert message in reply.json()["error"]
    assert api.post("/inventory/reservations", headers=headers, json=body).status_code == 422


def test_crm_issues_tokens_to_its_client_only(api: httpx.Client) -> None:
    reply = api.post("/crm/oauth/token", data=CRM_CLIENT).json()
    assert reply["token_type"] == "Bearer" and reply["expires_in"] == 60
    pair = base64.b64encode(b"crm-demo:crm-demo-secret").decode()
    basic = api.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {pair}"},
    )
    assert basic.status_code == 200 and basic.json()["access_token"] != reply["access_token"]
    wrong = api.post("/crm/oauth/token", data={**CRM_CLIENT, "client_secret": "nope"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    grant = api.post("/crm/oauth/token", data={**CRM_CLIENT, "grant_type": "password"})
    assert grant.status_code == 400


def test_crm_cursor_pages_are_complete_and_filter_by_update(api: httpx.Client) -> None:
    customers = crm_pages(api)
    assert sorted(c["id"] for c in customers) == list(range(1, 48))
    assert any(c["email"] and c["email"] != c["email"].lower() for c in customers)
    later = crm_pages(api, updated_since=customers[29]["updated_at"])
    assert [c["id"] for c in later] == [c["id"] for c in customers[30:]]
    bad = api.get("/crm/customers", headers=crm_token(api), params={"cursor": "forged!"})
    assert bad.status_code == 400


def test_crm_touch_changes_customers_that_a_later_sync_sees(fresh: httpx.Client) -> None:
    before = {c["id"]: c for c in crm_pages(fresh)}
    bookmark = max(c["updated_at"] for c in before.values())
    touched = fresh.post("/crm/_touch", params={"count": 4}).json()["updated"]
    changed = crm_pages(fresh, updated_since=bookmark)
    assert sorted(c["id"] for c in changed) == sorted(touched) and len(touched) == 4
    assert all(c["email"] != before[c["id"]]["email"] for c in changed)
    assert crm_pages(fresh, updated_since=changed[-1]["updated_at"]) == []


def test_the_glitches_in_the_data_are_refused_downstream() -> None:
    with demo_api("--orders", "100", "--customers", "60") as (client, _):
        order = next(o for o in shop_pages(client) if o["id"] == 97)
        assert order["items"][-1]["sku"] is None
        body = {"order_id": 97, "items": order["items"]}
        refused = client.post("/inventory/reservations", headers=INVENTORY, json=body)
        assert refused.status_code == 422 and "sku is required" in refused.json()["error"]

        customers = {c["id"]: c for c in crm_pages(client)}
        assert [n for n, c in customers.items() if c["email"] is None] == [50]
        put = client.put("/quoting/customers/50", auth=QUOTING, json=customers[50])
        assert put.status_code == 422
        client.post("/crm/_touch", params={"count": 60})
        assert all(c["email"] for c in crm_pages(client))


def test_crm_tokens_expire_after_their_uses_and_their_lifetime() -> None:
    with demo_api("--token-uses", "2", "--token-ttl", "1") as (client, _):
        headers = crm_token(client)
        assert client.post("/crm/oauth/token", data=CRM_CLIENT).json()["expires_in"] == 1
        for _ in range(2):
            assert client.get("/crm/customers", headers=headers).status_code == 200
        spent = client.get("/crm/customers", headers=headers)
        assert spent.status_code == 401 and "invalid_token" in spent.json()["error"]
        assert 'error="invalid_token"' in spent.headers["WWW-Authenticate"]

        headers = crm_token(client)
        time.sleep(1.1)
        assert client.get("/crm/customers", headers=headers).status_code == 401
        assert client.get("/crm/customers", headers=crm_token(client)).status_code == 200


def test_quoting_put_upserts_and_is_idempotent(fresh: httpx.Client) -> None:
    customer = {"email": "nora.bakker@example.com", "display_name": "Nora Bakker"}
    created = fresh.put("/quoting/customers/12", auth=QUOTING, json=customer)
    assert created.status_code == 201 and created.json()["version"] == 1
    same = fresh.put("/quoting/customers/12", auth=QUOTING, json={**customer, "id": 12})
    assert same.status_code == 200 and same.json() == created.json()
    changed = fresh.put(
        "/quoting/customers/12", auth=QUOTING, json={**customer, "phone": "+49 30 1"}
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2
    listed = fresh.get("/quoting/customers", auth=QUOTING).json()
    assert listed["total"] == 1 and listed["data"][0]["phone"] == "+49 30 1"
    assert fresh.get("/quoting/customers/12", auth=QUOTING).json()["version"] == 2
    assert fresh.get("/quoting/customers/13", auth=QUOTING).status_code == 404
    refused = fresh.put("/quoting/customers/13", auth=QUOTING, json={"display_name": "X"})
    assert refused.status_code == 422 and "email" in refused.json()["error"]


def test_payments_next_links_are_complete_and_filter_by_update(api: httpx.Client) -> None:
    transactions = payment_pages(api)
    assert [t["id"] for t in sorted(transactions, key=lambda t: t["id"])] == [
        f"txn_{n:06d}" for n in range(1, 84)
    ]
    assert all(isinstance(t["amount_cents"], int) for t in transactions)
    assert {t["currency"].strip().upper() for t in transactions} <= {"EUR", "USD", "GBP"}
    later = payment_pages(api, updated_since=transactions[59]["updated_at"])
    assert [t["id"] for t in later] == [t["id"] for t in transactions[60:]]


def test_payments_touch_settles_and_adds_transactions(fresh: httpx.Client) -> None:
    bookmark = payment_pages(fresh)[-1]["updated_at"]
    touched = fresh.post("/payments/_touch", params={"count": 2}).json()
    changed = payment_pages(fresh, updated_since=bookmark)
    assert sorted(t["id"] for t in changed) == sorted(touched["updated"] + touched["added"])
    assert touched["added"] == ["txn_000084", "txn_000085"]


def test_faults_answer_429_with_retry_after_or_503_and_logs_hide_secrets() -> None:
    with demo_api("--faults", "0.5", quiet=False) as (client, log):
        statuses = [
            client.get("/payments/transactions", params=PAYMENTS).status_code for _ in range(30)
        ]
        slowed = next(
            r
            for r in (client.get("/shop/orders", headers=SHOP) for _ in range(30))
            if r.status_code == 429
        )
        assert slowed.headers["Retry-After"] == "1"
        assert client.post("/crm/_touch").status_code == 200
    assert {200, 429, 503} <= set(statuses)
    assert any("api_key=********" in line for line in log)
    assert not any("payments-demo-key" in line for line in log)
