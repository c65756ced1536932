"""The demo API's data: seeded, so the same sizes and seed always give the same records.

Every system keeps its records in memory, in the order of their ``updated_at`` (each value
unique), and a *demo clock* that only moves forward: a change made by ``_touch`` gets a
time later than every record's, so an incremental sync sees exactly the changes.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

START = datetime(2025, 1, 6, 8, 0, tzinfo=timezone.utc)

FIRST_NAMES = [
    "Anna", "Ben", "Chloé", "David", "Elif", "Finn", "Greta", "Hugo", "Ines", "Jonas",
    "Kai", "Lena", "Mateo", "Nora", "Oskar", "Paula", "Rosa", "Sven", "Tara", "Yusuf",
]  # fmt: skip
LAST_NAMES = [
    "Schmidt", "Martin", "García", "Jansen", "Rossi", "Novak", "Dubois", "Müller",
    "Smith", "Kowalski", "Larsen", "Silva", "Weber", "Moreau", "Bakker", "Costa",
]  # fmt: skip
COMPANIES = ["Acme GmbH", "Nordwind BV", "Blue Fox SARL", "Kettle & Co", "Orbit AG", None]
DOMAINS = ["example.com", "mail.example", "corp.example.org"]
SKUS = [f"SKU-{n:04d}" for n in range(1, 41)]
ORDER_STATUSES = ["placed", "paid", "shipped", "delivered", "cancelled"]
CURRENCIES = ["EUR", "eur", "USD", "usd", "GBP", " eur "]


def iso(moment: datetime) -> str:
    """Format a UTC time as RFC 3339 with a ``Z``, to the second."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """Parse an ISO 8601 date or time (``Z`` or an offset; no offset means UTC).

    Raises:
        ValueError: the text is not an ISO 8601 date or time.
    """
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class Clock:
    """A demo clock: each tick is one minute later than the latest time handed out."""

    def __init__(self, latest: datetime) -> None:
        self.latest = latest

    def tick(self) -> str:
        """Return the next time, as ISO text."""
        self.latest += timedelta(minutes=1)
        return iso(self.latest)


def make_orders(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """The web shop's orders: id, customer_id, status, items (sku, quantity, unit_price),
    total (a string with two decimals), currency, shipping_country, created_at, updated_at.

    Every 97th order has a line without a SKU, which the inventory refuses.
    """
    orders = []
    for n in range(1, count + 1):
        created = START + timedelta(minutes=30 * n)
        items = [
            {
                "sku": rng.choice(SKUS),
                "quantity": rng.randint(1, 4),
                "unit_price": round(rng.uniform(2, 150), 2),
            }
            for _ in range(rng.randint(1, 3))
        ]
        total = sum(item["quantity"] * item["unit_price"] for item in items)
        if n % 97 == 0:  # a glitch in the shop: a line without a SKU (inventory refuses it)
            items[-1]["sku"] = None
        orders.append(
            {
                "id": n,
                "customer_id": rng.randint(1, 100),
                "status": rng.choices(ORDER_STATUSES, weights=[10, 25, 30, 30, 5])[0],
                "items": items,
                "total": f"{total:.2f}",
                "currency": "EUR",
                "shipping_country": rng.choice(["DE", "FR", "NL", "AT", "DK"]),
                "created_at": iso(created),
                "updated_at": iso(created + timedelta(minutes=rng.randint(0, 20))),
            }
        )
    return orders


def make_customers(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """The CRM's customers: id, first_name, last_name, email (mixed case), company, phone,
    updated_at.

    Every 50th customer has no e-mail address, which the quoting tool refuses.
    """
    customers = []
    for n in range(1, count + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{first}.{last}{n}@{rng.choice(DOMAINS)}"
        customers.append(
            {
                "id": n,
                "first_name": first,
                "last_name": last,
                "email": None if n % 50 == 0 else email if n % 3 else email.upper(),
                "company": rng.choice(COMPANIES),
                "phone": f"+49 30 {rng.randint(1000000, 9999999)}",
                "updated_at": iso(START + timedelta(hours=2 * n, minutes=rng.randint(0, 59))),
            }
        )
    return customers


def make_transactions(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """The payment service's transactions: id (``txn_000001``), order_id, amount_cents,
    currency (inconsistent case and spacing, as some payment exports have it), status,
    created_at, updated_at."""
    transactions = []
    for n in range(1, count + 1):
        created = START + timedelta(minutes=45 * n)
        transactions.append(
            {
                "id": f"txn_{n:06d}",
                "order_id": rng.randint(1, 250),
                "amount_cents": rng.randint(199, 49999),
                "currency": rng.choice(CURRENCIES),
                "status": rng.choices(["settled", "pending", "refunded"], weights=[80, 15, 5])[0],
                "method": rng.choice(["card", "sepa", "paypal"]),
                "created_at": iso(created),
                "updated_at": iso(created + timedelta(minutes=rng.randint(0, 30))),
            }
        )
    return transactions


def latest(records: list[dict[str, Any]]) -> datetime:
    """The latest ``updated_at`` of the records (the start when there are none)."""
    return max((parse_time(r["updated_at"]) for r in records), default=START)


def updated_since(records: list[dict[str, Any]], since: str | None) -> list[dict[str, Any]]:
    """The records updated strictly after ``since``, in ``updated_at`` order.

    Raises:
        ValueError: ``since`` is not an ISO 8601 time.
    """
    ordered = sorted(records, key=lambda r: (r["updated_at"], str(r["id"])))
    if not since:
        return ordered
    bound = parse_time(since)
    return [r for r in ordered if parse_time(r["updated_at"]) > bound]
