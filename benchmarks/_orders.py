"""The benchmark's data: generated demo-shop orders, and the plain-Python baseline loop.

Kept apart from ``bench_pipeline.py`` so each file reads in one sitting.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _common import WORK_DIR

SEED = 42
DATA_VERSION = 1
ORDERS_PER_FILE = 10_000
BATCH_SIZE = 10_000

DATA_DIR = WORK_DIR / "pipeline" / "data"

# The columns every side produces, in this order: the source's fields after the mapping.
COLUMNS = ("id", "customer", "status", "items", "total", "created_at", "updated_at")
CREATE_TABLE = (
    "CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, customer INTEGER, "
    "status TEXT, items TEXT, total REAL, created_at TEXT, updated_at TEXT)"
)
UPSERT = (
    f"INSERT INTO orders ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
    "ON CONFLICT(id) DO UPDATE SET "
    + ", ".join(f"{column} = excluded.{column}" for column in COLUMNS[1:])
)


# -- data ------------------------------------------------------------------------------------

_EPOCH_START = 1_704_096_000  # 2024-01-01T08:00:00Z, where the demo shop's data starts
_STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled")
_STATUS_WEIGHTS = (10, 20, 30, 35, 5)
_PRODUCTS = 50
_CUSTOMERS = 200
_ITEM_LISTS = 4096


def _item_lists(rng: random.Random) -> list[tuple[str, str]]:
    """Return ``_ITEM_LISTS`` order lines lists as JSON text, each with its total."""
    prices = [rng.randrange(199, 25000) for _ in range(_PRODUCTS)]
    lists = []
    for _ in range(_ITEM_LISTS):
        items, cents = [], 0
        for product in rng.sample(range(1, _PRODUCTS + 1), rng.randint(1, 4)):
            quantity = rng.randint(1, 5)
            price = prices[product - 1]
            cents += quantity * price
            items.append(
                f'{{"product_id":{product},"quantity":{quantity},"unit_price":{price / 100!r}}}'
            )
        lists.append((f"[{','.join(items)}]", f"{cents // 100}.{cents % 100:02d}"))
    return lists


def order_lines(count: int, seed: int = SEED) -> Iterator[str]:
    """Yield ``count`` orders as JSON Lines, the same for the same arguments.

    The shape of the demo shop's orders; a quarter of the statuses are capitalized
    ("Shipped"), as some shop back-ends write them.
    """
    rng = random.Random(seed)
    lists = _item_lists(rng)
    pairs = zip(_STATUSES, _STATUS_WEIGHTS, strict=True)
    weighted = [status for status, weight in pairs for _ in range(weight)]
    statuses = [s.title() if i % 4 == 0 else s for i, s in enumerate(weighted)]
    fmt, gmtime, strftime, bits = "%Y-%m-%dT%H:%M:%SZ", time.gmtime, time.strftime, rng.getrandbits
    moment = _EPOCH_START
    for number in range(1, count + 1):
        r = bits(64)
        moment += 60 + r % 1741
        r >>= 11
        customer = 1 + r % _CUSTOMERS
        r >>= 8
        items, total = lists[r % _ITEM_LISTS]
        r >>= 12
        status = statuses[r % len(statuses)]
        r >>= 7
        created = strftime(fmt, gmtime(moment))
        later = moment if status.lower() == "placed" else moment + 3600 * (1 + r % 96)
        updated = strftime(fmt, gmtime(later))
        yield (
            f'{{"id":{number},"customer_id":{customer},"status":"{status}","items":{items},'
            f'"total":"{total}","created_at":"{created}","updated_at":"{updated}"}}\n'
        )


@dataclass(frozen=True)
class DataSet:
    """Generated orders: ``orders/orders-NNNN.jsonl`` files under ``directory``."""

    directory: Path
    records: int
    #: Seconds it took to generate, or ``None`` when it was found in the cache.
    generated_in: float | None

    @property
    def files(self) -> list[Path]:
        """The orders files, in order."""
        return sorted((self.directory / "orders").glob("orders-*.jsonl"))


def ensure_orders(records: int) -> DataSet:
    """Return the data set of ``records`` orders, generating it unless it is cached."""
    directory = DATA_DIR / f"orders-v{DATA_VERSION}-{records}"
    if directory.is_dir():
        return DataSet(directory, records, None)
    partial = directory.with_name(directory.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    (partial / "orders").mkdir(parents=True)
    start = time.perf_counter()
    lines = order_lines(records)
    for number in range(1, (records + ORDERS_PER_FILE - 1) // ORDERS_PER_FILE + 1):
        size = min(ORDERS_PER_FILE, records - (number - 1) * ORDERS_PER_FILE)
        chunk = "".join(next(lines) for _ in range(size))
        (partial / "orders" / f"orders-{number:04d}.jsonl").write_text(chunk, encoding="utf-8")
    elapsed = time.perf_counter() - start
    partial.rename(directory)  # complete data sets only, even if a run is interrupted
    return DataSet(directory, records, elapsed)


def ensure_single_file(data: DataSet, records: int) -> Path:
    """Return one file with the first ``records`` orders of ``data`` (for the Singer tap)."""
    path = DATA_DIR / f"orders-v{DATA_VERSION}-first-{records}.jsonl"
    if path.is_file():
        return path
    partial = path.with_name(path.name + ".partial")
    left = records
    with partial.open("wb") as out:
        for file in data.files:
            with file.open("rb") as source:
                for line in source:
                    if left == 0:
                        break
                    out.write(line)
                    left -= 1
    if left:
        raise RuntimeError(f"{data.directory} holds fewer than {records} orders")
    partial.rename(path)
    return path


# -- the plain-Python limit ------------------------------------------------------------------


def plain_load(directory: Path, database: Path) -> dict[str, int]:
    """Load the orders into ``database`` as directly as Python can; return the counts.

    Runs in the hookline environment (it needs orjson): each line parsed with orjson,
    the mapping applied by hand, the rows upserted with ``executemany`` in transactions of
    ``BATCH_SIZE`` records, WAL journal and ``synchronous=NORMAL``.
    """
    import orjson

    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(CREATE_TABLE)
    loads, dumps = orjson.loads, orjson.dumps
    rows: list[tuple[Any, ...]] = []
    records = 0

    def flush() -> None:
        connection.execute("BEGIN")
        connection.executemany(UPSERT, rows)
        connection.execute("COMMIT")
        rows.clear()

    for path in sorted((directory / "orders").glob("orders-*.jsonl")):
        with path.open("rb") as file:
            for line in file:
                order = loads(line)
                rows.append(
                    (
                        order["id"],
                        order["customer_id"],
                        order["status"].lower(),
                        dumps(order["items"]).decode(),
                        float(order["total"]),
                        order["created_at"],
                        order["updated_at"],
                    )
                )
                if len(rows) == BATCH_SIZE:
                    records += len(rows)
                    flush()
    records += len(rows)
    flush()
    (stored,) = connection.execute("SELECT count(*) FROM orders").fetchone()
    connection.close()
    return {"records": records, "rows": stored}


# -- environments ----------------------------------------------------------------------------
