"""Generate the demo web shop's data: customers, products and orders.

The same arguments always write the same bytes (a seeded random generator, fixed dates):

    python generate.py                      # data/: 200 customers, 50 products, 2,000 orders
    python generate.py --orders 10000 --out /tmp/shop
    python generate.py --append 100         # a new orders file with 100 more orders

Files written under the output directory:

* ``customers.csv``: id, first_name, last_name, email (mixed case), country, updated_at
* ``products.jsonl``: id, sku, name, category, unit_price, updated_at
* ``orders/orders-0001.jsonl``, ...: id, customer_id, status, items (product_id, quantity,
  unit_price), total (a string with two decimals), created_at, updated_at

``--append N`` adds the next ``orders/orders-NNNN.jsonl`` file, continuing the order ids
and timestamps of the files already there, as a shop that keeps selling would.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
START = datetime(2024, 1, 1, 8, 0, tzinfo=timezone.utc)
ORDERS_PER_FILE = 1000

FIRST_NAMES = [
    "Anna", "Ben", "Chloé", "David", "Elif", "Finn", "Greta", "Hugo", "Ines", "Jonas",
    "Kai", "Lena", "Mateo", "Nora", "Oskar", "Paula", "Quentin", "Rosa", "Sven", "Tara",
]  # fmt: skip
LAST_NAMES = [
    "Schmidt", "Martin", "García", "Jansen", "Rossi", "Novak", "Dubois", "Müller",
    "Smith", "Kowalski", "Larsen", "Silva", "Weber", "Moreau", "Bakker", "Costa",
]  # fmt: skip
DOMAINS = ["example.com", "mail.example", "shop.example.org", "post.example.net"]
COUNTRIES = ["DE", "FR", "NL", "AT", "CH", "ES", "IT", "PL", "DK", "US", "GB"]
CATEGORIES = {
    "tools": ["Hammer", "Screwdriver Set", "Tape Measure", "Spirit Level", "Pliers"],
    "garden": ["Garden Hose", "Pruning Shears", "Watering Can", "Rake", "Seed Mix"],
    "kitchen": ["Chef Knife", "Cutting Board", "Coffee Grinder", "Kettle", "Mixing Bowl"],
    "office": ["Desk Lamp", "Notebook", "Fountain Pen", "Stapler", "Monitor Stand"],
    "outdoor": ["Tent", "Headlamp", "Water Bottle", "Camping Stove", "Sleeping Bag"],
}
STATUSES = ["placed", "paid", "shipped", "delivered", "cancelled"]
STATUS_WEIGHTS = [10, 20, 30, 35, 5]


def iso(moment: datetime) -> str:
    """Format a UTC time as RFC 3339 with a ``Z``, to the second."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def mixed_case(text: str, rng: random.Random) -> str:
    """Return ``text`` in the kind of case people type e-mail addresses in."""
    style = rng.choice(["lower", "lower", "title", "upper", "domain"])
    if style == "title":
        return text.title()
    if style == "upper":
        return text.upper()
    if style == "domain":
        local, _, domain = text.partition("@")
        return f"{local}@{domain.upper()}"
    return text


def customers(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """Return ``count`` customers; a few have no country (an empty CSV cell)."""
    rows = []
    for number in range(1, count + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local = unicodedata.normalize("NFKD", f"{first}.{last}{number}")
        local = local.encode("ascii", "ignore").decode()
        email = f"{local}@{rng.choice(DOMAINS)}".lower()
        rows.append(
            {
                "id": number,
                "first_name": first,
                "last_name": last,
                "email": mixed_case(email, rng),
                "country": "" if rng.random() < 0.03 else rng.choice(COUNTRIES),
                "updated_at": iso(START + timedelta(minutes=rng.randrange(0, 60 * 24 * 30))),
            }
        )
    return rows


def products(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """Return ``count`` products with prices in cents turned into decimal numbers."""
    names = [(category, name) for category, items in CATEGORIES.items() for name in items]
    rows = []
    for number in range(1, count + 1):
        category, name = names[(number - 1) % len(names)]
        edition = (number - 1) // len(names)
        rows.append(
            {
                "id": number,
                "sku": f"{category[:3].upper()}-{number:04d}",
                "name": name if edition == 0 else f"{name} ({edition + 1})",
                "category": category,
                "unit_price": rng.randrange(199, 25000) / 100,
                "updated_at": iso(START + timedelta(hours=rng.randrange(0, 24 * 30))),
            }
        )
    return rows


def orders(
    first_id: int,
    count: int,
    after: datetime,
    customer_count: int,
    catalog: list[dict[str, Any]],
    rng: random.Random,
) -> list[dict[str, Any]]:
    """Return ``count`` orders with ids from ``first_id``, placed after ``after``."""
    rows = []
    moment = after
    for number in range(first_id, first_id + count):
        moment += timedelta(seconds=rng.randrange(60, 1800))
        items = []
        total_cents = 0
        for product in rng.sample(catalog, rng.randint(1, min(4, len(catalog)))):
            quantity = rng.randint(1, 5)
            price = product["unit_price"]
            total_cents += quantity * round(price * 100)
            items.append({"product_id": product["id"], "quantity": quantity, "unit_price": price})
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        updated = moment if status == "placed" else moment + timedelta(hours=rng.randint(1, 96))
        rows.append(
            {
                "id": number,
                "customer_id": rng.randint(1, customer_count),
                "status": status,
                "items": items,
                "total": f"{total_cents // 100}.{total_cents % 100:02d}",
                "created_at": iso(moment),
                "updated_at": iso(updated),
            }
        )
    return rows


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    """Write one JSON object per line (UTF-8, ``\\n`` line ends)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as file:
        for row in rows:
            file.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    """Write a header row and the rows (UTF-8, ``\\n`` line ends)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def generate(
    out: Path, order_count: int, customer_count: int, product_count: int, seed: int
) -> None:
    """Write the whole data set to ``out`` (existing files are replaced)."""
    rng = random.Random(seed)
    write_csv(out / "customers.csv", customers(customer_count, rng))
    catalog = products(product_count, rng)
    write_jsonl(out / "products.jsonl", catalog)
    for old in sorted((out / "orders").glob("orders-*.jsonl")):
        old.unlink()
    all_orders = orders(1, order_count, START, customer_count, catalog, rng)
    for index in range(0, max(order_count, 1), ORDERS_PER_FILE):
        chunk = all_orders[index : index + ORDERS_PER_FILE]
        write_jsonl(out / "orders" / f"orders-{index // ORDERS_PER_FILE + 1:04d}.jsonl", chunk)


def append(out: Path, count: int, seed: int) -> Path:
    """Write the next orders file with ``count`` orders; return its path."""
    files = sorted((out / "orders").glob("orders-*.jsonl"))
    if not files:
        raise SystemExit(f"no orders files in {out / 'orders'}: run without --append first")
    last_id, last_time = 0, START
    for file in files:
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                order = json.loads(line)
                last_id = max(last_id, order["id"])
                created = datetime.strptime(order["created_at"], "%Y-%m-%dT%H:%M:%S%z")
                last_time = max(last_time, created)
    products_text = (out / "products.jsonl").read_text(encoding="utf-8")
    catalog = [json.loads(line) for line in products_text.splitlines() if line.strip()]
    with (out / "customers.csv").open(encoding="utf-8", newline="") as file:
        customer_count = sum(1 for _ in csv.DictReader(file))
    number = int(files[-1].stem.rsplit("-", 1)[1]) + 1
    rng = random.Random(f"{seed}-{number}")
    path = out / "orders" / f"orders-{number:04d}.jsonl"
    write_jsonl(path, orders(last_id + 1, count, last_time, customer_count, catalog, rng))
    return path


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and write the files."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / "data", help="output directory")
    parser.add_argument("--orders", type=int, default=2000, help="number of orders")
    parser.add_argument("--customers", type=int, default=200, help="number of customers")
    parser.add_argument("--products", type=int, default=50, help="number of products")
    parser.add_argument("--seed", type=int, default=42, help="random seed")
    parser.add_argument(
        "--append", type=int, metavar="N", help="add a new orders file with N more orders"
    )
    args = parser.parse_args(argv)
    if args.append is not None:
        path = append(args.out, args.append, args.seed)
        print(f"wrote {args.append} orders to {path}")
        return 0
    generate(args.out, args.orders, args.customers, args.products, args.seed)
    print(
        f"wrote {args.customers} customers, {args.products} products and {args.orders} "
        f"orders to {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
