"""Reading tables as streams: discovery, and batches in a stable order with resumable state.

**Discovery.** Every user table is a stream (``table_prefix`` removed from its name), with
a JSON Schema built from its columns: the property schema recorded when hookline created
the column, or one made from the column's kind (see :mod:`hookline_sqlite._types`);
``null`` is allowed unless the column is ``NOT NULL``. The primary key is the table's.

**Order and state.** A stream is read in a stable order, one query per batch
(``WHERE (order) > (last values) ORDER BY order LIMIT batch_size``), so a batch's state
is simply the order values of its last row::

    {"order": ["rowid"], "after": [5000]}
    {"order": ["updated_at", "rowid"], "after": ["2024-03-01T10:00:00Z", 17]}

The order is the table's rowid, or with a cursor column (``cursor_fields``) that column
and then the rowid. A ``WITHOUT ROWID`` table is ordered by its primary key instead; it
offers incremental reads only with a cursor column, since new keys may sort anywhere.
Rowid order sees new rows, not updated ones: it suits append-only tables. A cursor column
that grows with every change (``updated_at``) sees both.
"""

from __future__ import annotations

__all__ = ["STATE_KEYS", "discover_streams", "read_table", "stream_for_table"]

import sqlite3
from collections import deque
from collections.abc import Iterator
from itertools import repeat
from operator import itemgetter, setitem
from typing import Any

from hookline.errors import DiscoveryError, ReadError
from hookline.models import Batch, Catalog, ConfiguredStream, ReadProgress, State, Stream
from hookline_sqlite._database import SqliteDatabase
from hookline_sqlite._names import quote
from hookline_sqlite._tables import Column, TableInfo, inspect_table, list_tables
from hookline_sqlite._types import decode_values, nullable_schema, property_schema
from hookline_sqlite.config import SqliteConfig

#: The keys of a read state.
STATE_KEYS = ("order", "after")


def _property(column: Column) -> dict[str, Any]:
    nullable = not column.not_null
    if column.schema is not None and column.kind != "json":
        return nullable_schema(column.schema) if nullable else column.schema
    return property_schema(column.kind, nullable=nullable, declared=column.declared)


def _order(info: TableInfo, cursor: str | None) -> list[str]:
    """Return the names the table is read in order of (the rowid by its alias)."""
    tail = [info.rowid] if info.rowid else list(info.primary_key)
    return [cursor, *tail] if cursor else tail


def stream_for_table(info: TableInfo, name: str, cursor: str | None) -> Stream:
    """Return the stream a table offers (``name`` is the table's name without prefix)."""
    properties = {column.name: _property(column) for column in info.columns}
    incremental = cursor is not None or info.rowid is not None
    return Stream(
        name=name,
        schema={"type": "object", "properties": properties},
        primary_key=info.primary_key,
        cursor_field=cursor,
        sync_modes=("full", "incremental") if incremental else ("full",),
    )


def _open(db: SqliteDatabase, error: type[DiscoveryError] | type[ReadError]) -> sqlite3.Connection:
    try:
        return db.reader()
    except FileNotFoundError:
        raise error(
            f"database file {db.path} does not exist: check path (a relative path starts "
            "at the configuration file's folder)"
        ) from None
    except sqlite3.Error as exc:
        raise error(f"cannot open {db.path}: {exc}") from None


def _cursor_for(config: SqliteConfig, name: str, info: TableInfo) -> str | None:
    cursor = config.cursor_fields.get(name)
    if cursor is None:
        return None
    column = info.column(cursor)
    if column is None:
        raise DiscoveryError(
            f"cursor field {cursor!r} is not a column of table {info.name!r} (columns: "
            f"{', '.join(c.name for c in info.columns)}); fix cursor_fields",
            stream=name,
        )
    return column.name


def discover_streams(db: SqliteDatabase, config: SqliteConfig) -> Catalog:
    """Return a stream for every table offered (see the module).

    Raises:
        DiscoveryError: the file does not exist or is no database, a table listed in
            ``tables`` does not exist, or a cursor field is not a column.
    """
    connection = _open(db, DiscoveryError)
    prefix = config.table_prefix
    try:
        tables = {t[len(prefix) :]: t for t in list_tables(connection) if t.startswith(prefix)}
        if config.tables:
            missing = [name for name in config.tables if name not in tables]
            if missing:
                offered = ", ".join(tables) or "none"
                raise DiscoveryError(
                    f"no table for stream(s) {', '.join(map(repr, missing))} in {db.path} "
                    f"(tables{f' with prefix {prefix!r}' if prefix else ''}: {offered}); fix "
                    "tables"
                )
            names = list(config.tables)
        else:
            names = list(tables)
        unknown = sorted(set(config.cursor_fields) - set(names))
        if unknown:
            raise DiscoveryError(
                f"cursor_fields names stream(s) {', '.join(map(repr, unknown))} that are "
                f"not offered (streams: {', '.join(names) or 'none'}); fix cursor_fields"
            )
        streams = []
        for name in names:
            info = inspect_table(connection, tables[name])
            if info is None:
                continue  # dropped since it was listed
            streams.append(stream_for_table(info, name, _cursor_for(config, name, info)))
    except sqlite3.Error as exc:
        raise DiscoveryError(f"cannot read the tables of {db.path}: {exc}") from None
    return Catalog(streams=streams)


def _resume_after(state: State | None, order: list[str], stream: str) -> list[Any] | None:
    """Return the order values to continue after, from ``state`` (``None``: the start)."""
    if not state:
        return None
    if not isinstance(state, dict) or set(state) != set(STATE_KEYS):
        raise ReadError(
            "the stream's state is not an sqlite-connector state (keys 'order' and "
            "'after'); reset the stream's state or read it with sync mode full",
            stream=stream,
        )
    after = state["after"]
    if state["order"] != order:
        raise ReadError(
            f"the stream's state continues an order by {state['order']!r}, but the table is "
            f"now read by {order!r} (its cursor field changed); reset the stream's state "
            "or read it with sync mode full",
            stream=stream,
        )
    if after is None:
        return None
    if not isinstance(after, list) or len(after) != len(order):
        raise ReadError(
            "the stream's state is damaged ('after' does not match 'order'); reset the "
            "stream's state or read it with sync mode full",
            stream=stream,
        )
    return after


def _where(order: list[str], after: list[Any] | None, has_cursor: bool) -> tuple[str, list[Any]]:
    if after is None:
        return "", []
    names = [o if o in ("rowid", "_rowid_", "oid") else quote(o) for o in order]
    marks = ", ".join("?" * len(names))
    if has_cursor and after[0] is None:
        # Rows without a cursor value sort first; continue among them, then the rest.
        rest = ", ".join(names[1:])
        rest_marks = ", ".join("?" * (len(names) - 1))
        where = (
            f"WHERE ({names[0]} IS NULL AND ({rest}) > ({rest_marks})) OR {names[0]} IS NOT NULL"
        )
        return where, list(after[1:])
    return f"WHERE ({', '.join(names)}) > ({marks})", list(after)


def read_table(
    db: SqliteDatabase, config: SqliteConfig, stream: ConfiguredStream, state: State | None
) -> Iterator[Batch]:
    """Read one stream's table in batches; incremental reads continue after ``state``.

    With sync mode ``full`` the state is ignored; either way every batch carries the
    state that continues right after it. A read that finds nothing yields one empty
    batch with the state it started from.

    Raises:
        ReadError: the table does not exist, the state is not this connector's, or
            incremental reading is asked of a table that cannot offer it.
    """
    connection = _open(db, ReadError)
    table = config.table_prefix + stream.name
    info = inspect_table(connection, table)
    if info is None:
        raise ReadError(
            f"no table {table!r} in {db.path}; check the stream name and table_prefix",
            stream=stream.name,
        )
    cursor = stream.stream.cursor_field or config.cursor_fields.get(stream.name)
    if cursor is not None:
        column = info.column(cursor)
        if column is None:
            raise ReadError(
                f"cursor field {cursor!r} is not a column of table {table!r}",
                stream=stream.name,
            )
        cursor = column.name
    order = _order(info, cursor)
    incremental = stream.sync_mode == "incremental"
    if incremental and cursor is None and info.rowid is None:
        raise ReadError(
            f"table {table!r} has no rowid (WITHOUT ROWID), so it can be read incrementally "
            "only with a cursor column: set cursor_fields, or read with sync mode full",
            stream=stream.name,
        )
    after = _resume_after(state, order, stream.name) if incremental else None
    return _batches(db, config, stream.name, info, order, cursor, after)


def _batches(
    db: SqliteDatabase,
    config: SqliteConfig,
    stream: str,
    info: TableInfo,
    order: list[str],
    cursor: str | None,
    after: list[Any] | None,
) -> Iterator[Batch]:
    names = [column.name for column in info.columns]
    select = ", ".join(quote(n) for n in names)
    if info.rowid:
        select += f", {info.rowid}"  # last: zip() with the names leaves it out
    positions = [len(names) if o == info.rowid else names.index(o) for o in order]
    order_sql = ", ".join(o if o == info.rowid else quote(o) for o in order)
    decoders = [(i, c.kind, not c.known) for i, c in enumerate(info.columns)]
    yielded = False
    to_read, done = _rows_to_read(db, info, order, after, cursor is not None), 0
    while True:
        where, params = _where(order, after, cursor is not None)
        sql = f"SELECT {select} FROM {quote(info.name)} {where} ORDER BY {order_sql} LIMIT ?"
        try:
            rows = db.reader().execute(sql, [*params, config.batch_size]).fetchall()
        except sqlite3.Error as exc:
            raise ReadError(f"cannot read table {info.name!r}: {exc}", stream=stream) from None
        if not rows:
            break
        last = rows[-1]
        after = [last[p] for p in positions]
        records = _records(names, rows, decoders)
        done += len(rows)
        progress = None if to_read is None else ReadProgress(done, max(to_read, done), "rows")
        yield Batch(records=records, state={"order": order, "after": after}, progress=progress)
        yielded = True
        if len(rows) < config.batch_size:
            break
    if not yielded:
        yield Batch(records=[], state={"order": order, "after": after})


def _records(
    names: list[str], rows: list[tuple[Any, ...]], decoders: list[tuple[int, str, bool]]
) -> list[dict[str, Any]]:
    """Return the rows as records, decoding the columns that need it (see ``_types``)."""
    records: list[dict[str, Any]] = list(map(dict, map(zip, repeat(names), rows)))
    for index, kind, raw in decoders:
        if kind in ("integer", "number", "string") and not raw:
            continue
        decoded = decode_values(kind, list(map(itemgetter(index), rows)), raw=raw)
        if decoded is not None:
            # Setting an existing key keeps the record's field order.
            deque(map(setitem, records, repeat(names[index]), decoded), maxlen=0)
    return records


def _rows_to_read(
    db: SqliteDatabase, info: TableInfo, order: list[str], after: list[Any] | None, by_cursor: bool
) -> int | None:
    """How many rows the read has ahead of it (for progress); ``None`` if it cannot say."""
    where, params = _where(order, after, by_cursor)
    try:
        row = db.reader().execute(f"SELECT count(*) FROM {quote(info.name)} {where}", params)
        return int(row.fetchone()[0])
    except sqlite3.Error:
        return None  # the read itself will say what is wrong
