"""What a table looks like: its columns and their kinds, keys, rowid; the metadata table.

The metadata table records, per table and column, the column's kind (see
:mod:`hookline_sqlite._types`) and the JSON Schema of the property it was made from::

    CREATE TABLE _hookline_columns (
      table_name TEXT, column_name TEXT, json_type TEXT, json_schema TEXT,
      PRIMARY KEY (table_name, column_name))

It is written in the same transaction as the change it describes. A column without a row
in it (a table hookline did not create) gets its kind from its declared type.
"""

from __future__ import annotations

__all__ = [
    "METADATA_TABLE",
    "Column",
    "TableInfo",
    "delete_metadata",
    "ensure_metadata",
    "inspect_table",
    "list_tables",
    "rename_metadata",
    "schema_version",
    "set_metadata",
]

import sqlite3
from typing import Any

import attrs

from hookline_sqlite import _json
from hookline_sqlite._names import RESERVED_PREFIX, fold, quote
from hookline_sqlite._types import affinity, kind_for_declared

#: The table that records each column's kind.
METADATA_TABLE = "_hookline_columns"

_CREATE_METADATA = f"""
CREATE TABLE IF NOT EXISTS {METADATA_TABLE} (
  table_name TEXT NOT NULL COLLATE NOCASE,
  column_name TEXT NOT NULL COLLATE NOCASE,
  json_type TEXT NOT NULL,
  json_schema TEXT,
  PRIMARY KEY (table_name, column_name)
)
"""
_ROWID_ALIASES = ("rowid", "_rowid_", "oid")


@attrs.frozen
class Column:
    """One column of a table, as the connector sees it.

    Attributes:
        name: the column name.
        kind: what it holds (see :mod:`hookline_sqlite._types`).
        affinity: SQLite's affinity for its declared type (``INTEGER``, ``TEXT``, ...).
        declared: its declared type, as written in ``CREATE TABLE``.
        schema: the JSON Schema of the property it was made from, or ``None``.
        not_null: whether it is declared ``NOT NULL`` (or is part of the primary key).
        known: whether the metadata table records it (hookline made or adopted it).
    """

    name: str
    kind: str
    affinity: str
    declared: str = ""
    schema: dict[str, Any] | None = None
    not_null: bool = False
    known: bool = True


@attrs.frozen
class TableInfo:
    """A table's columns (in table order), keys and rowid.

    Attributes:
        name: the table name.
        columns: its columns, in table order.
        primary_key: its primary key columns, in key order (empty without one).
        unique_keys: the column sets of its primary key and unique indexes.
        rowid: the name that reads its rowid (``rowid``, ``_rowid_`` or ``oid``, the
            first no column shadows), or ``None`` for a ``WITHOUT ROWID`` table.
    """

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    unique_keys: tuple[frozenset[str], ...]
    rowid: str | None

    def column(self, name: str) -> Column | None:
        """Return the column called ``name`` (compared as SQLite does), or ``None``."""
        wanted = fold(name)
        for column in self.columns:
            if fold(column.name) == wanted:
                return column
        return None


def schema_version(connection: sqlite3.Connection) -> int:
    """Return the database's schema version (it changes with every schema change)."""
    version: int = connection.execute("PRAGMA schema_version").fetchone()[0]
    return version


def ensure_metadata(connection: sqlite3.Connection) -> None:
    """Create the metadata table if it does not exist (inside a write transaction)."""
    connection.execute(_CREATE_METADATA)


def _has_metadata(connection: sqlite3.Connection) -> bool:
    row = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (METADATA_TABLE,)
    ).fetchone()
    return row is not None


def _metadata(connection: sqlite3.Connection, table: str) -> dict[str, tuple[str, Any]]:
    if not _has_metadata(connection):
        return {}
    rows = connection.execute(
        f"SELECT column_name, json_type, json_schema FROM {METADATA_TABLE} WHERE table_name = ?",
        (table,),
    ).fetchall()
    found = {}
    for name, kind, schema in rows:
        try:
            parsed = _json.loads(schema) if schema else None
        except ValueError:
            parsed = None
        found[fold(name)] = (kind, parsed if isinstance(parsed, dict) else None)
    return found


def set_metadata(
    connection: sqlite3.Connection,
    table: str,
    column: str,
    kind: str,
    schema: dict[str, Any] | None,
) -> None:
    """Record (or change) the kind and property schema of ``table.column``."""
    connection.execute(
        f"INSERT INTO {METADATA_TABLE} (table_name, column_name, json_type, json_schema) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (table_name, column_name) DO UPDATE SET "
        "json_type = excluded.json_type, json_schema = excluded.json_schema",
        (table, column, kind, _json.dumps(schema).decode() if schema is not None else None),
    )


def delete_metadata(connection: sqlite3.Connection, table: str) -> None:
    """Forget the columns of ``table`` (it was dropped)."""
    if _has_metadata(connection):
        connection.execute(f"DELETE FROM {METADATA_TABLE} WHERE table_name = ?", (table,))


def rename_metadata(connection: sqlite3.Connection, old: str, new: str) -> None:
    """Move the columns recorded for table ``old`` to table ``new``."""
    connection.execute(
        f"UPDATE {METADATA_TABLE} SET table_name = ? WHERE table_name = ?", (new, old)
    )


def _rowid_name(connection: sqlite3.Connection, table: str, names: set[str]) -> str | None:
    for alias in _ROWID_ALIASES:
        if alias in names:
            continue  # a column of that name shadows the rowid
        try:
            connection.execute(f"SELECT {alias} FROM {quote(table)} LIMIT 0")
        except sqlite3.OperationalError:
            return None  # a WITHOUT ROWID table
        return alias
    return None


def _unique_keys(connection: sqlite3.Connection, table: str) -> list[frozenset[str]]:
    keys = []
    indexes = connection.execute(
        'SELECT name, "unique", partial FROM pragma_index_list(?)', (table,)
    ).fetchall()
    for name, unique, partial in indexes:
        if unique and not partial:
            columns = connection.execute(
                "SELECT name FROM pragma_index_info(?) ORDER BY seqno", (name,)
            ).fetchall()
            if all(c[0] is not None for c in columns):  # an index on expressions is no key
                keys.append(frozenset(fold(c[0]) for c in columns))
    return keys


def inspect_table(connection: sqlite3.Connection, table: str) -> TableInfo | None:
    """Return what ``table`` looks like, or ``None`` if there is no such table."""
    kind = connection.execute(
        "SELECT type FROM sqlite_master "
        "WHERE name = ? COLLATE NOCASE AND type IN ('table', 'view')",
        (table,),
    ).fetchone()
    if kind is None or kind[0] != "table":
        return None
    rows = connection.execute(
        'SELECT name, type, "notnull", pk FROM pragma_table_info(?) ORDER BY cid', (table,)
    ).fetchall()
    if not rows:
        return None
    recorded = _metadata(connection, table)
    columns = []
    key: list[tuple[int, str]] = []
    for name, declared, not_null, pk in rows:
        declared = declared or ""
        kind, schema = recorded.get(fold(name), (None, None))
        columns.append(
            Column(
                name=name,
                kind=kind or kind_for_declared(declared),
                affinity=affinity(declared),
                declared=declared,
                schema=schema,
                not_null=bool(not_null or pk),
                known=kind is not None,
            )
        )
        if pk:
            key.append((pk, name))
    primary_key = tuple(name for _, name in sorted(key))
    unique = _unique_keys(connection, table)
    if primary_key:
        unique.insert(0, frozenset(fold(k) for k in primary_key))
    names = {fold(c.name) for c in columns}
    return TableInfo(
        name=table,
        columns=tuple(columns),
        primary_key=primary_key,
        unique_keys=tuple(unique),
        rowid=_rowid_name(connection, table, names),
    )


def list_tables(connection: sqlite3.Connection) -> list[str]:
    """Return the user tables of the main database, sorted (no views, virtual tables,
    shadow tables, SQLite's ``sqlite_*`` or the connector's ``_hookline_*`` tables)."""
    try:
        rows = connection.execute(
            "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table'"
        ).fetchall()
    except sqlite3.OperationalError:  # SQLite before 3.37
        rows = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'"
        ).fetchall()
    names = [row[0] for row in rows]
    return sorted(n for n in names if not fold(n).startswith(("sqlite_", RESERVED_PREFIX)))
