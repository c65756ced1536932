"""Writing streams into tables: create, evolve, upsert, replace; one transaction per batch.

Per stream and run, the host calls :func:`start_stream` once, :func:`write_records` per
batch, then :func:`finish_stream`. :func:`start_stream` makes the stream's table fit its
schema (creating it, adding columns, widening types, or refusing under ``freeze``) and
leaves a :class:`WritePlan` on the connection object: the columns, the prepared
``INSERT`` and the schema version they were read at.

Every batch is one transaction: the schema changes it needs (new columns, widened types,
their metadata rows) and its rows commit together or not at all, before
:func:`write_records` returns. Rows go in with ``executemany``; if the database refuses a
row (a constraint, an integer beyond 64 bits), SQLite undoes that row's statement only,
its record is returned as rejected with SQLite's reason, and ``executemany`` goes on with
the rows after it (see :func:`_insert`).

Besides its rows, a batch that changes no schema runs three statements: ``BEGIN
IMMEDIATE`` and ``COMMIT`` (the transaction, synced as ``synchronous`` says), and a
``PRAGMA schema_version`` read under the write lock, which tells whether another writer
changed the schema since the plan was made (added columns, dropped or recreated the
table); the batch is then prepared again for the table as it is. No savepoint is taken: a
refused row needs none (above).

``replace`` writes into a staging table (``_hookline_staging_<table>``, dropped first if a
crashed run left one) and :func:`finish_stream` swaps it in, in one transaction: readers see
the old table or the new, never a mix, and a run that fails before the end leaves the old
table as it was.
"""

from __future__ import annotations

__all__ = [
    "STAGING_PREFIX",
    "WritePlan",
    "finish_stream",
    "start_stream",
    "staging_name",
    "table_name",
    "write_records",
]

import operator
import sqlite3
from collections.abc import Sequence
from typing import Any

import attrs

from hookline.errors import WriteError
from hookline.models import ConfiguredStream, RejectedRecord, WriteResult
from hookline_sqlite._batch import PreparedBatch, TableShape, prepare_batch
from hookline_sqlite._database import JSON_FUNCTION, SqliteDatabase
from hookline_sqlite._names import RESERVED_PREFIX, column_problem, fold, quote, table_problem
from hookline_sqlite._tables import (
    Column,
    TableInfo,
    delete_metadata,
    ensure_metadata,
    inspect_table,
    rename_metadata,
    schema_version,
    set_metadata,
)
from hookline_sqlite._types import affinity, declared_type, fits, kind_of_property
from hookline_sqlite.config import SqliteConfig

#: Where a ``replace`` stages its rows: this prefix and the table's name.
STAGING_PREFIX = RESERVED_PREFIX + "staging_"

# Errors that concern one row: the row is rejected, the others are written.
_ROW_ERRORS = (
    sqlite3.IntegrityError,
    sqlite3.InterfaceError,
    sqlite3.ProgrammingError,
    sqlite3.DataError,
    OverflowError,
    UnicodeEncodeError,
    ValueError,
)


@attrs.frozen
class WritePlan:
    """How one stream is being written in this run.

    Attributes:
        write_mode: the stream's write mode.
        schema_policy: the stream's schema policy.
        target: the stream's table.
        shape: the table the rows go to (``target``, or its staging table) as last seen.
        exists: whether that table exists yet (a stream whose schema names no fields gets
            its table with its first records).
        conflict_key: the key of ``INSERT ... ON CONFLICT`` (empty: a plain ``INSERT``).
        sql: the ``INSERT`` statement for ``shape``'s columns.
        version: the database's schema version when ``shape`` was read.
    """

    write_mode: str
    schema_policy: str
    target: str
    shape: TableShape
    exists: bool
    conflict_key: tuple[str, ...]
    sql: str
    version: int

    @property
    def table(self) -> str:
        """The table the rows go to."""
        return self.shape.table


def table_name(config: SqliteConfig, stream: str) -> str:
    """Return the table of ``stream`` (``table_prefix`` + name).

    Raises:
        WriteError: the name cannot be a table name (NUL, empty, a reserved prefix).
    """
    name = config.table_prefix + stream
    problem = table_problem(name)
    if problem is not None:
        raise WriteError(
            f"table name {name!r} cannot be used ({problem}); rename the stream",
            stream=stream,
        )
    return name


def staging_name(table: str) -> str:
    """Return the staging table of a ``replace`` into ``table``."""
    return STAGING_PREFIX + table


def _insert_sql(table: str, columns: Sequence[Column], conflict_key: Sequence[str]) -> str:
    if not columns:
        return ""
    names = [quote(c.name) for c in columns]
    sql = f"INSERT INTO {quote(table)} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    if conflict_key:
        keys = {fold(k) for k in conflict_key}
        updates = [
            f"{n} = excluded.{n}"
            for c, n in zip(columns, names, strict=True)
            if fold(c.name) not in keys
        ]
        target = ", ".join(quote(k) for k in conflict_key)
        action = f"UPDATE SET {', '.join(updates)}" if updates else "NOTHING"
        sql += f" ON CONFLICT ({target}) DO {action}"
    return sql


def _plan(
    stream: ConfiguredStream,
    target: str,
    table: str,
    columns: Sequence[Column],
    *,
    exists: bool,
    conflict_key: tuple[str, ...],
    version: int,
) -> WritePlan:
    shape = TableShape(
        stream=stream.name,
        table=table,
        columns=tuple(columns),
        key=conflict_key,
        freeze=stream.schema_policy == "freeze",
    )
    return WritePlan(
        write_mode=stream.write_mode,
        schema_policy=stream.schema_policy,
        target=target,
        shape=shape,
        exists=exists,
        conflict_key=conflict_key,
        sql=_insert_sql(table, columns, conflict_key),
        version=version,
    )


def _new_column(name: str, kind: str, schema: Any, key: Sequence[str]) -> Column:
    declared = declared_type(kind)
    return Column(
        name=name,
        kind=kind,
        affinity=affinity(declared),
        declared=declared,
        schema=schema if isinstance(schema, dict) else None,
        not_null=name in key,
    )


def _schema_columns(stream: ConfiguredStream) -> list[Column]:
    """Return the columns the stream's schema asks for (and its key fields).

    Raises:
        WriteError: a field or key name cannot be a column name, or two differ only in
            letter case.
    """
    schema = stream.stream.schema
    properties = schema.get("properties") if isinstance(schema, dict) else None
    properties = properties if isinstance(properties, dict) else {}
    key = stream.stream.primary_key
    columns = [
        _new_column(name, kind_of_property(sub), sub, key) for name, sub in properties.items()
    ]
    columns += [_new_column(k, "json", None, key) for k in key if k not in properties]
    seen: dict[str, str] = {}
    for column in columns:
        problem = column_problem(column.name)
        if problem is not None:
            raise WriteError(
                f"field name {column.name!r} cannot be a column name ({problem}); rename "
                "the field with a mapping",
                stream=stream.name,
            )
        other = seen.setdefault(fold(column.name), column.name)
        if other != column.name:
            raise WriteError(
                f"fields {other!r} and {column.name!r} differ only in letter case, which "
                "SQLite column names ignore; rename one of them with a mapping",
                stream=stream.name,
            )
    return columns


def _create_table(
    connection: sqlite3.Connection, table: str, columns: Sequence[Column], key: Sequence[str]
) -> None:
    parts = []
    for column in columns:
        part = f"{quote(column.name)} {column.declared}".rstrip()
        parts.append(part + " NOT NULL" if column.name in key else part)
    if key:
        parts.append(f"PRIMARY KEY ({', '.join(quote(k) for k in key)})")
    connection.execute(f"CREATE TABLE {quote(table)} ({', '.join(parts)})")
    delete_metadata(connection, table)  # rows a dropped table of that name left behind
    for column in columns:
        set_metadata(connection, table, column.name, column.kind, column.schema)


def _add_column(connection: sqlite3.Connection, table: str, column: Column) -> None:
    definition = f"{quote(column.name)} {column.declared}".rstrip()
    connection.execute(f"ALTER TABLE {quote(table)} ADD COLUMN {definition}")
    set_metadata(connection, table, column.name, column.kind, column.schema)


def _widen(connection: sqlite3.Connection, stream: str, table: str, column: Column) -> None:
    """Make ``column`` a ``json`` column, turning its stored values into JSON where needed."""
    t, c = quote(table), quote(column.name)
    if column.kind == "boolean":
        connection.execute(
            f"UPDATE {t} SET {c} = CASE {c} WHEN 1 THEN 'true' WHEN 0 THEN 'false' ELSE {c} END "
            f"WHERE {c} IS NOT NULL"
        )
    elif column.kind in ("string", "any"):
        blob = connection.execute(f"SELECT 1 FROM {t} WHERE typeof({c}) = 'blob' LIMIT 1")
        if blob.fetchone() is not None:
            raise WriteError(
                f"column {column.name!r} of table {table!r} holds BLOB values, which JSON "
                "cannot hold, so it cannot take values of other types; map the field to "
                "text, or write to another table",
                stream=stream,
            )
        connection.execute(f"UPDATE {t} SET {c} = {JSON_FUNCTION}({c}) WHERE typeof({c}) = 'text'")
    # integer, number: numbers stay as they are; object, array: already JSON text.
    set_metadata(connection, table, column.name, "json", None)


def _ensure_unique_key(
    connection: sqlite3.Connection, stream: str, info: TableInfo, key: Sequence[str]
) -> None:
    wanted = frozenset(fold(k) for k in key)
    if wanted in info.unique_keys:
        return
    index = quote(f"{RESERVED_PREFIX}key_{info.name}")
    columns = ", ".join(quote(k) for k in key)
    try:
        connection.execute(f"CREATE UNIQUE INDEX {index} ON {quote(info.name)} ({columns})")
    except sqlite3.IntegrityError:
        raise WriteError(
            f"table {info.name!r} has rows with the same primary key ({', '.join(key)}), "
            "so it cannot be upserted into; remove the duplicates, or write to another table",
            stream=stream,
        ) from None


def _reconcile(
    connection: sqlite3.Connection,
    stream: ConfiguredStream,
    info: TableInfo,
    wanted: Sequence[Column],
    *,
    change: bool,
) -> list[Column]:
    """Fit an existing table to the schema's columns; return its columns afterwards.

    Under ``freeze`` a missing column or a type that does not fit raises; under
    ``evolve`` (and when ``change``) columns are added and widened.
    """
    freeze = stream.schema_policy == "freeze"
    key = stream.stream.primary_key
    columns = list(info.columns)
    for column in wanted:
        existing = info.column(column.name)
        if existing is not None and existing.name != column.name:
            raise WriteError(
                f"field {column.name!r} and column {existing.name!r} of table {info.name!r} "
                "differ only in letter case, which SQLite column names ignore; rename the "
                "field with a mapping",
                stream=stream.name,
            )
        if existing is None:
            if freeze:
                raise WriteError(
                    f"field {column.name!r} ({column.kind}) is not a column of table "
                    f"{info.name!r}; schema_policy freeze forbids new columns: add the "
                    "column, drop the field with a mapping, or set schema_policy evolve",
                    stream=stream.name,
                )
            if change:
                _add_column(connection, info.name, column)
            columns.append(column)
        elif not fits(column.kind, existing.kind):
            if freeze or existing.name in key:
                why = (
                    "schema_policy freeze forbids changing a column's type"
                    if freeze
                    else "a primary key column never changes type"
                )
                raise WriteError(
                    f"field {column.name!r} is declared {column.kind}, but its column in "
                    f"table {info.name!r} holds {existing.kind}; {why}: fix the schema (a "
                    "mapping can cast the field), or write to another table",
                    stream=stream.name,
                )
            if change:
                _widen(connection, stream.name, info.name, existing)
            columns[columns.index(existing)] = attrs.evolve(existing, kind="json", schema=None)
    if change:
        for column in info.columns:
            if not column.known:  # adopt a column of a table hookline did not create
                set_metadata(connection, info.name, column.name, column.kind, None)
    return columns


def start_stream(db: SqliteDatabase, config: SqliteConfig, stream: ConfiguredStream) -> WritePlan:
    """Prepare the stream's table (see the module) and keep its plan on ``db``.

    Raises:
        WriteError: the stream cannot be written: an unusable name, ``upsert`` without a
            primary key, a schema change ``freeze`` forbids, or a database error.
    """
    target = table_name(config, stream.name)
    key = stream.stream.primary_key
    if stream.write_mode == "upsert" and not key:
        raise WriteError(
            "write mode upsert needs a primary key, and this stream has none: set the "
            "stream's primary_key, or use write mode append",
            stream=stream.name,
        )
    wanted = _schema_columns(stream)
    replace = stream.write_mode == "replace"
    conflict_key = key if stream.write_mode == "upsert" or (replace and key) else ()
    try:
        with db.transaction() as connection:
            ensure_metadata(connection)
            info = inspect_table(connection, target)
            if replace:
                if info is not None and stream.schema_policy == "freeze":
                    _reconcile(connection, stream, info, wanted, change=False)
                table = staging_name(target)
                connection.execute(f"DROP TABLE IF EXISTS {quote(table)}")
                delete_metadata(connection, table)
                columns = wanted
                exists = bool(columns)
                if exists:
                    _create_table(connection, table, columns, conflict_key)
            else:
                table = target
                exists = True
                if info is None:
                    columns = wanted
                    exists = bool(columns)
                    if exists:
                        _create_table(connection, table, columns, conflict_key)
                else:
                    columns = _reconcile(connection, stream, info, wanted, change=True)
                    if conflict_key:
                        refreshed = inspect_table(connection, target)
                        assert refreshed is not None
                        _ensure_unique_key(connection, stream.name, refreshed, conflict_key)
            version = schema_version(connection)
    except sqlite3.Error as exc:
        raise _database_error(db, stream, exc) from None
    plan = _plan(
        stream, target, table, columns, exists=exists, conflict_key=conflict_key, version=version
    )
    db.plans[stream.name] = plan
    return plan


def _database_error(db: SqliteDatabase, stream: ConfiguredStream, exc: sqlite3.Error) -> WriteError:
    hint = "check the file's permissions and free space"
    if "locked" in str(exc) or "busy" in str(exc):
        hint = "another process kept the database locked; let it finish, then run again"
    return WriteError(f"cannot write to {db.path}: {exc}; {hint}", stream=stream.name)


def _reload(connection: sqlite3.Connection, plan: WritePlan, stream: ConfiguredStream) -> WritePlan:
    """Return ``plan`` with the table as it is now (another writer changed the schema)."""
    info = inspect_table(connection, plan.table)
    version = schema_version(connection)
    if info is None:
        if plan.exists:
            raise WriteError(
                f"table {plan.table!r} was dropped while the stream was being written; run again",
                stream=stream.name,
            )
        return attrs.evolve(plan, version=version)
    return _with_columns(plan, info.columns, version)


def _with_columns(plan: WritePlan, columns: Sequence[Column], version: int) -> WritePlan:
    """Return ``plan`` for its table with ``columns`` (which now exists)."""
    return attrs.evolve(
        plan,
        shape=attrs.evolve(plan.shape, columns=tuple(columns)),
        exists=True,
        sql=_insert_sql(plan.table, columns, plan.conflict_key),
        version=version,
    )


def _apply(connection: sqlite3.Connection, plan: WritePlan, batch: PreparedBatch) -> WritePlan:
    """Make the schema changes ``batch`` needs; return the plan for the changed table."""
    if plan.exists and not batch.new_columns and not batch.widen:
        return plan
    ensure_metadata(connection)
    if not plan.exists:
        _create_table(connection, plan.table, batch.columns, plan.conflict_key)
    else:
        for column in batch.new_columns:
            _add_column(connection, plan.table, column)
        for column in batch.widen:
            _widen(connection, plan.shape.stream, plan.table, column)
    return _with_columns(plan, batch.columns, schema_version(connection))


def _row_reason(exc: BaseException) -> str:
    if isinstance(exc, OverflowError):
        return "an integer exceeds SQLite's 64-bit integer range (-2**63 to 2**63-1)"
    if isinstance(exc, UnicodeEncodeError):
        return "a text value is not valid Unicode (it holds a lone surrogate)"
    return f"the database refused it: {exc}"


def _insert(
    connection: sqlite3.Connection, plan: WritePlan, batch: PreparedBatch
) -> list[RejectedRecord]:
    """Insert the batch's rows; return the records whose rows the database refused.

    ``executemany`` takes the rows from one iterator, one row per statement. When the
    database refuses a row, SQLite undoes that statement only: the rows before it stay
    written, the refused row's record is rejected with SQLite's reason, and
    ``executemany`` goes on with the rest of the same iterator. So no row is written twice
    and no savepoint is needed.

    Raises:
        WriteError: a constraint or trigger of the table rolled the whole transaction
            back (``ON CONFLICT ROLLBACK``, ``RAISE(ROLLBACK, ...)``): nothing of the
            batch was written, and nothing more is.
    """
    rows = batch.bound()
    remaining = iter(rows)
    rejected: list[RejectedRecord] = []
    while True:
        left = operator.length_hint(remaining)
        try:
            connection.executemany(plan.sql, remaining)
        except _ROW_ERRORS as exc:
            after = operator.length_hint(remaining)
            if after == left:  # no row taken: a failure of the statement, not of a row
                raise
            refused = len(rows) - after - 1
            if not connection.in_transaction:
                raise WriteError(
                    f"table {plan.table!r} rolled the batch's transaction back when it "
                    f"refused a row ({exc}), so nothing of the batch was written; remove "
                    "its ON CONFLICT ROLLBACK clause or RAISE(ROLLBACK) trigger, or write "
                    "to another table",
                    stream=plan.shape.stream,
                ) from None
            rejected.append(RejectedRecord(batch.records[refused], _row_reason(exc)))
        else:
            return rejected


def _current_plan(db: SqliteDatabase, config: SqliteConfig, stream: ConfiguredStream) -> WritePlan:
    plan = db.plans.get(stream.name)
    if (
        not isinstance(plan, WritePlan)
        or plan.write_mode != stream.write_mode
        or plan.schema_policy != stream.schema_policy
    ):
        plan = start_stream(db, config, stream)
    return plan


def write_records(
    db: SqliteDatabase, config: SqliteConfig, stream: ConfiguredStream, records: list[Any]
) -> WriteResult:
    """Store one batch in one transaction; return what was written and what was rejected.

    Raises:
        WriteError: the batch cannot be stored (``freeze`` forbids its fields or types,
            or the database fails); nothing of it was written.
    """
    plan = _current_plan(db, config, stream)
    if not records:
        return WriteResult(written=0)
    batch = prepare_batch(plan.shape, records)
    rejected = list(batch.rejected)
    if not batch.rows:
        return WriteResult(written=0, rejected=rejected)
    try:
        with db.transaction() as connection:
            if schema_version(connection) != plan.version:
                plan = _reload(connection, plan, stream)
                batch = prepare_batch(plan.shape, records)
                rejected = list(batch.rejected)
            plan = _apply(connection, plan, batch)
            refused = _insert(connection, plan, batch)
    except sqlite3.Error as exc:
        db.plans.pop(stream.name, None)  # read the table again next time
        raise _database_error(db, stream, exc) from None
    except BaseException:
        db.plans.pop(stream.name, None)
        raise
    db.plans[stream.name] = plan
    return WriteResult(written=len(batch.rows) - len(refused), rejected=rejected + refused)


def finish_stream(db: SqliteDatabase, config: SqliteConfig, stream: ConfiguredStream) -> None:
    """End the stream's writing; for ``replace``, swap the staging table in atomically.

    Raises:
        WriteError: a ``replace`` was not started in this run (nothing is staged), or
            the swap failed (the old table is then unchanged).
    """
    plan = db.plans.pop(stream.name, None)
    if stream.write_mode != "replace":
        return
    if not isinstance(plan, WritePlan) or plan.write_mode != "replace":
        raise WriteError(
            "nothing is staged for this replace: write_start was not called for the stream "
            "in this run, so the table is left as it was",
            stream=stream.name,
        )
    target, staging = plan.target, plan.table
    try:
        with db.transaction() as connection:
            staged = inspect_table(connection, staging) is not None
            connection.execute(f"DROP TABLE IF EXISTS {quote(target)}")
            delete_metadata(connection, target)
            if staged:
                connection.execute(f"ALTER TABLE {quote(staging)} RENAME TO {quote(target)}")
                rename_metadata(connection, staging, target)
    except sqlite3.Error as exc:
        raise _database_error(db, stream, exc) from None
