"""The sqlite connector's conformance fixture: a sample database, and how to read it back.

``hookline test sqlite`` calls
:func:`hookline_sqlite.connector.hookline_conformance_fixture`, which returns
:func:`conformance_fixture`'s result. It creates ``shop.db`` under the suite's working
directory, as another program would (plain ``CREATE TABLE``, no hookline metadata)::

    customers   13 rows: id INTEGER PRIMARY KEY, name, email, vip, balance, updated_at
    orders      17 rows: id INTEGER PRIMARY KEY, customer_id, total, status, updated_at

The config offers those two tables (``tables``), reads them by their ``updated_at``
column (``cursor_fields``) in batches of :data:`BATCH_SIZE`, and writes streams into the
same file; ``read_back`` reads a written stream with the connector's own discovery and
reading. The connector takes no credentials and talks to no service.

The fixture declares how many rows each table holds (``record_counts``), and its
``change_data`` changes the database between two reads as the application owning it
would: two customers updated (so they move from the middle of the cursor order to its
end), two inserted (one with an id lower than every other), an order updated and one
inserted.
"""

from __future__ import annotations

__all__ = ["BATCH_SIZE", "CUSTOMERS", "DATABASE", "ORDERS", "conformance_fixture", "read_written"]

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from hookline.conformance import ConformanceFixture
from hookline.models import ConfiguredStream, Record
from hookline_sqlite._database import SqliteDatabase
from hookline_sqlite._reading import discover_streams, read_table
from hookline_sqlite.config import SqliteConfig

#: The records per batch the fixture configures: small, so reads span several batches.
BATCH_SIZE = 5
#: How many customers the sample database holds.
CUSTOMERS = 13
#: How many orders the sample database holds.
ORDERS = 17
#: The sample database's file name, relative to the fixture's working directory.
DATABASE = "shop.db"

_SOURCE_TABLES = ("customers", "orders")
_NOT_A_DATABASE = "notes.db"


def _timestamp(day: int, hour: int) -> str:
    return f"2024-03-{day:02d}T{hour:02d}:00:00Z"


def _create_database(path: Path) -> None:
    customers = [
        (
            n,
            f"Customer {n}",
            f"customer{n}@example.test",
            n % 4 == 0,
            None if n % 5 == 0 else round(12.5 * n, 2),
            _timestamp(1 + n, 8 + n % 10),
        )
        for n in range(1, CUSTOMERS + 1)
    ]
    orders = [
        (
            n,
            1 + n % CUSTOMERS,
            round(9.5 * n + 0.25, 2),
            "paid" if n % 3 else "open",
            _timestamp(1 + (n + 1) // 2, n % 24),
        )
        for n in range(1, ORDERS + 1)
    ]
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute(
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "email TEXT, vip INTEGER NOT NULL, balance REAL, updated_at TEXT NOT NULL)"
        )
        connection.execute(
            "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, "
            "total REAL NOT NULL, status TEXT NOT NULL, updated_at TEXT NOT NULL)"
        )
        connection.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?)", customers)
        connection.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?)", orders)


def _change(path: Path) -> dict[str, list[Record]]:
    """Change the sample database as its application would; return the rows changed."""
    changed = [(n, f"Customer {n} (renamed)", _timestamp(28, n)) for n in (3, 8)]
    added = [
        (0, "Customer 0", _timestamp(28, 20)),
        (CUSTOMERS + 1, "Customer 14", _timestamp(28, 21)),
    ]
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.executemany(
            "UPDATE customers SET name = ?, updated_at = ? WHERE id = ?",
            [(name, at, n) for n, name, at in changed],
        )
        connection.executemany("INSERT INTO customers VALUES (?, ?, NULL, 0, NULL, ?)", added)
        connection.execute(
            "UPDATE orders SET status = 'refunded', updated_at = ? WHERE id = 4",
            (_timestamp(29, 1),),
        )
        connection.execute(
            "INSERT INTO orders VALUES (?, 1, 10.5, 'open', ?)", (ORDERS + 1, _timestamp(29, 2))
        )
    customers = [{"id": n, "name": name, "updated_at": at} for n, name, at in changed + added]
    orders = [
        {"id": 4, "status": "refunded", "updated_at": _timestamp(29, 1)},
        {"id": ORDERS + 1, "status": "open", "updated_at": _timestamp(29, 2)},
    ]
    return {"customers": customers, "orders": orders}


def read_written(path: Path, stream: str) -> list[Record]:
    """Return every record the connector stored for ``stream`` in the database at ``path``.

    The table is read with the connector's own discovery and reading (``sync_mode``
    ``full``), so booleans, objects and arrays come back as they were written. A stream
    whose table does not exist has no records.
    """
    if not path.is_file():
        return []
    database = SqliteDatabase(path)
    try:
        with closing(sqlite3.connect(path)) as connection:
            found = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (stream,)
            ).fetchone()
        if found is None:
            return []
        config = SqliteConfig(path=path, tables=(stream,))
        catalog = discover_streams(database, config)
        discovered = catalog.get(stream)
        if discovered is None:
            return []
        records: list[Record] = []
        for batch in read_table(database, config, ConfiguredStream(discovered), None):
            records.extend(batch.records)
        return records
    finally:
        database.close()


def conformance_fixture(workdir: Path) -> ConformanceFixture:
    """Create the sample database under ``workdir`` and return the sqlite connector's fixture.

    ``invalid_config`` points ``path`` at a file that is not an SQLite database, which the
    connector refuses with an :class:`~hookline.errors.AuthError`.
    """
    workdir = Path(workdir)
    database = workdir / DATABASE
    _create_database(database)
    (workdir / _NOT_A_DATABASE).write_text(
        "These are notes, not an SQLite database.\n" * 40, encoding="utf-8"
    )
    config: dict[str, Any] = {
        "path": DATABASE,
        "tables": list(_SOURCE_TABLES),
        "cursor_fields": {name: "updated_at" for name in _SOURCE_TABLES},
        "batch_size": BATCH_SIZE,
    }

    def read_back(stream: ConfiguredStream) -> list[Record]:
        """Return the records stored for the written stream ``stream``."""
        return read_written(database, stream.name)

    return ConformanceFixture(
        config=config,
        bad_credentials=None,
        invalid_config={"path": _NOT_A_DATABASE, "tables": list(_SOURCE_TABLES)},
        url_setting=None,
        read_back=read_back,
        # An INTEGER column holds 64 bits: larger integers fit the schema but not SQLite.
        refused_records={"hl_refused": [{"big": 2**64}, {"big": -(2**63) - 1}]},
        record_counts={"customers": CUSTOMERS, "orders": ORDERS},
        change_data=lambda: _change(database),
    )
