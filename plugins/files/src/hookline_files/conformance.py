"""The files connector's conformance fixture: sample files, and how to read written ones back.

``hookline test files`` calls :func:`hookline_files.connector.hookline_conformance_fixture`,
which returns :func:`conformance_fixture`'s result. It writes, under the suite's working
directory::

    data/customers.jsonl            13 customers (primary key id, cursor updated_at)
    data/orders/orders-0001.jsonl   orders 1 to 9
    data/orders/orders-0002.jsonl   orders 10 to 17 (primary key id, cursor updated_at)

and configures both streams with ``batch_size: 5``, so every stream reads in several
batches. Written streams land in ``data/<stream>.jsonl`` (JSON Lines keeps every JSON type),
which the fixture's ``read_back`` parses. The connector takes no credentials and talks to
no service, so there are no bad credentials and no URL setting.

The fixture declares how many records each stream holds (``record_counts``), and its
``change_data`` changes the files between two reads the way the connector's incremental
contract knows (new lines, new files; a rewritten file is read again whole): the new
versions of two customers and two new customers are appended to ``customers.jsonl``, and
a third orders file brings an updated order and two new ones.
"""

from __future__ import annotations

__all__ = ["BATCH_SIZE", "CUSTOMERS", "ORDERS", "conformance_fixture", "read_written"]

from pathlib import Path
from typing import Any

import orjson

from hookline import jsoncodec as _json
from hookline.conformance import ConformanceFixture
from hookline.errors import ReadError
from hookline.models import ConfiguredStream, Record

#: The records per batch the fixture configures: small, so reads span several batches.
BATCH_SIZE = 5
#: How many customers the fixture writes.
CUSTOMERS = 13
#: How many orders the fixture writes (over two files).
ORDERS = 17

_DATA = "data"
_CITIES = ("Lyon", "Porto", "Graz", "Turku", "Gent")


def _timestamp(day: int, hour: int) -> str:
    return f"2024-03-{day:02d}T{hour:02d}:00:00Z"


def _customer(n: int) -> Record:
    return {
        "id": n,
        "name": f"Customer {n}",
        "email": f"customer{n}@example.test",
        "vip": n % 4 == 0,
        "city": _CITIES[n % len(_CITIES)],
        "updated_at": _timestamp(1 + n, 8 + n % 10),
    }


def _order(n: int) -> Record:
    return {
        "id": n,
        "customer_id": 1 + n % CUSTOMERS,
        "total": round(9.5 * n + 0.25, 2),
        "status": "paid" if n % 3 else "open",
        "items": [{"sku": f"SKU-{n:03d}", "quantity": 1 + n % 3}],
        "updated_at": _timestamp(1 + (n + 1) // 2, n % 24),
    }


def _changed_customer(n: int) -> Record:
    return {**_customer(n), "name": f"Customer {n} (renamed)", "updated_at": _timestamp(28, n)}


def _change(data: Path) -> dict[str, list[Record]]:
    """Change the sample files as a later export would; return the records changed."""
    customers = [_changed_customer(n) for n in (3, 8, CUSTOMERS + 1, CUSTOMERS + 2)]
    with open(data / "customers.jsonl", "ab") as handle:
        handle.write(b"".join(orjson.dumps(r) + b"\n" for r in customers))
    orders = [{**_order(4), "status": "refunded", "updated_at": _timestamp(29, 1)}]
    orders += [{**_order(n), "updated_at": _timestamp(29, n % 24)} for n in (ORDERS + 1, 99)]
    _write_jsonl(data / "orders" / "orders-0003.jsonl", orders)
    return {"customers": customers, "orders": orders}


def _write_jsonl(path: Path, records: list[Record]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))


def read_written(directory: Path, stream: str) -> list[Record]:
    """Return the records the connector wrote for ``stream`` into ``directory``.

    Reads ``<directory>/<stream>.jsonl`` as the destination writes it (one JSON object per
    line, integers of any size exact); a stream never written has no records.

    Raises:
        ReadError: the file holds a line that is not a JSON object.
    """
    path = directory / f"{stream}.jsonl"
    if not path.exists():
        return []
    records: list[Record] = []
    for number, line in enumerate(path.read_bytes().splitlines(), start=1):
        if not line.strip():
            continue
        value: Any = _json.loads(line)
        if not isinstance(value, dict):
            raise ReadError(f"{path}, line {number}: not a JSON object", stream=stream)
        records.append(value)
    return records


def conformance_fixture(workdir: Path) -> ConformanceFixture:
    """Write the sample files under ``workdir`` and return the files connector's fixture.

    The config reads ``customers`` and ``orders`` from ``workdir/data`` in batches of
    :data:`BATCH_SIZE` and writes JSON Lines there; ``invalid_config`` points a source at
    a directory that does not exist, which the connector refuses with an
    :class:`~hookline.errors.AuthError`.
    """
    data = Path(workdir) / _DATA
    _write_jsonl(data / "customers.jsonl", [_customer(n) for n in range(1, CUSTOMERS + 1)])
    _write_jsonl(data / "orders" / "orders-0001.jsonl", [_order(n) for n in range(1, 10)])
    _write_jsonl(data / "orders" / "orders-0002.jsonl", [_order(n) for n in range(10, ORDERS + 1)])
    streams = [
        {
            "name": "customers",
            "path": "customers.jsonl",
            "primary_key": ["id"],
            "cursor_field": "updated_at",
        },
        {
            "name": "orders",
            "path": "orders/*.jsonl",
            "primary_key": ["id"],
            "cursor_field": "updated_at",
        },
    ]
    config: dict[str, Any] = {
        "directory": _DATA,
        "batch_size": BATCH_SIZE,
        "output_format": "jsonl",
        "streams": streams,
    }

    def read_back(stream: ConfiguredStream) -> list[Record]:
        return read_written(data, stream.name)

    return ConformanceFixture(
        config=config,
        bad_credentials=None,
        invalid_config={"directory": "no-such-directory", "streams": streams},
        url_setting=None,
        read_back=read_back,
        record_counts={"customers": CUSTOMERS, "orders": ORDERS},
        change_data=lambda: _change(data),
    )
