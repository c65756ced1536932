"""Turning one batch of records into rows: checks by column, not by record.

:func:`prepare_batch` takes the table's columns as last known and a batch, and returns the
rows to insert, the records set aside (each with the reason), and the schema changes the
batch needs (new columns, columns to widen). It touches no database, so it runs before the
write lock is taken.

The batch is taken apart a column at a time, with C-level loops only: each column's values
are gathered once (``list(map(operator.itemgetter(name), records))``, or ``dict.get`` when
some record lacks the field), typed once (``set(map(type, values))``), replaced by their
JSON text when the column binds them so (``map(orjson.dumps, ...)``), and the row tuples
are built once at the end, with ``zip(*columns)``: they are the very tuples the ``INSERT``
binds (:meth:`PreparedBatch.bound`). A Python loop runs only over a column that holds
something unusual.

*Why the writer types the values itself.* The runner validates records against the
stream's JSON Schema before they get here, but that cannot stand in for this check: a
schema may leave fields open (no schema, ``{}``, several types), a table may already hold
a column whose kind differs from the stream's schema (it is widened, or the record set
aside, from the values' actual types), and the bound form of a value (JSON text or not)
depends on its Python type. Records may also come past the validator (the conformance check
``write.own_rejections`` sends them straight to the writer). So each column is typed here,
exactly once; the type sets found are what every later step (key checks, range checks,
widening, encoding) works from.

A record is set aside, and the rest of the batch goes on, when it has a value with no JSON
form (a ``set``, a ``datetime``), a number JSON cannot hold (NaN, infinity), an integer a
REAL column would round (beyond 2**53), an integer beyond SQLite's 64-bit range in a column
that is not TEXT (a TEXT column stores its exact digits as JSON text), a field name that
cannot be a column, a missing or null primary key (when the key matters: ``upsert`` and
keyed ``replace``), or a key value of another type than its column (key columns never
widen).

Under ``schema_policy: freeze`` a new field or a type conflict raises
:class:`~hookline.errors.WriteError` naming the field and both types; nothing of the batch
is written.
"""

from __future__ import annotations

__all__ = ["PreparedBatch", "TableShape", "prepare_batch"]

import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import orjson

from hookline.errors import WriteError
from hookline.models import Record, RejectedRecord
from hookline.schemas import json_type
from hookline_sqlite._json import INT64_MAX, INT64_MIN
from hookline_sqlite._names import column_problem, fold
from hookline_sqlite._tables import Column
from hookline_sqlite._types import (
    ACCEPTS,
    JSON_TYPES,
    REAL_EXACT_LIMIT,
    affinity,
    declared_type,
    encode_values,
    json_type_name,
    kind_for_values,
)

_NONE = type(None)


@attrs.frozen
class TableShape:
    """The table a stream's batches go to, as the connector last saw it.

    Attributes:
        stream: the stream name (for messages).
        table: the table the rows go to (the staging table of a ``replace``).
        columns: its columns, in table order.
        key: the primary key fields whose values must be present (empty when the key
            does not matter for the write mode).
        freeze: whether the schema policy is ``freeze``.
    """

    stream: str
    table: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    freeze: bool = False
    names: tuple[str, ...] = attrs.field(init=False)
    name_set: frozenset[str] = attrs.field(init=False)
    folded: dict[str, str] = attrs.field(init=False)
    getters: tuple[Callable[[Record], Any], ...] = attrs.field(init=False)

    @names.default
    def _names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @name_set.default
    def _name_set(self) -> frozenset[str]:
        return frozenset(self.names)

    @folded.default
    def _folded(self) -> dict[str, str]:
        return {fold(name): name for name in self.names}

    @getters.default
    def _getters(self) -> tuple[Callable[[Record], Any], ...]:
        return tuple(map(operator.itemgetter, self.names))


@attrs.frozen
class PreparedBatch:
    """A batch ready to insert.

    Attributes:
        columns: the table's columns after the batch's changes, in the rows' order.
        new_columns: columns to add (already in ``columns``).
        widen: columns to widen to ``json``, as they are now.
        rows: one tuple per record to store, its values as they are bound to the
            ``INSERT`` (objects and arrays as JSON text, for instance).
        records: the records behind ``rows``, in the same order.
        rejected: the records set aside, each with the reason.
    """

    columns: tuple[Column, ...]
    new_columns: tuple[Column, ...] = ()
    widen: tuple[Column, ...] = ()
    rows: list[tuple[Any, ...]] = attrs.field(factory=list)
    records: list[Record] = attrs.field(factory=list)
    rejected: list[RejectedRecord] = attrs.field(factory=list)

    def bound(self) -> list[tuple[Any, ...]]:
        """Return the rows exactly as they are bound to the ``INSERT``, one per record."""
        return self.rows


class _SetAside(Exception):
    """Some records of the batch must be set aside; the batch is analysed again without."""

    def __init__(self, reasons: dict[int, str]) -> None:
        super().__init__(f"{len(reasons)} record(s)")
        self.reasons = reasons


def prepare_batch(shape: TableShape, records: Sequence[Any]) -> PreparedBatch:
    """Check a batch against the table and return its rows (see the module).

    Raises:
        WriteError: under ``freeze``, the batch brings a new field or a type conflict.
    """
    rejected: list[RejectedRecord] = []
    good: list[Record] = list(records)
    plain = set(map(type, good)) <= {dict}
    if not plain:
        good = []
        for record in records:
            if isinstance(record, dict):
                good.append(record)
            else:
                rejected.append(RejectedRecord(record, "not a record (a mapping of fields)"))
        plain = set(map(type, good)) <= {dict}
    while True:
        try:
            prepared = _analyse(shape, good, plain=plain)
        except _SetAside as aside:
            for index in sorted(aside.reasons):
                rejected.append(RejectedRecord(good[index], aside.reasons[index]))
            good = [r for i, r in enumerate(good) if i not in aside.reasons]
            continue
        if rejected:
            prepared = attrs.evolve(prepared, rejected=rejected)
        return prepared


def _new_names(shape: TableShape, records: list[Record]) -> list[str]:
    """Return the fields of the batch the table lacks, in the order first seen."""
    keys: set[Any] = set().union(*records)
    new = keys - shape.name_set
    if not new:
        return []
    reasons: dict[int, str] = {}
    unusable: dict[Any, str] = {}
    seen: dict[str, Any] = {}
    for name in sorted(new, key=str):
        problem = column_problem(name)
        if problem is not None:
            unusable[name] = f"field name {name!r} cannot be a column name ({problem})"
            continue
        folded = fold(name)
        column = shape.folded.get(folded)
        other = column if column is not None else seen.get(folded)
        if other is not None:
            what = "column" if column is not None else "field"
            unusable[name] = (
                f"field {name!r} and {what} {other!r} differ only in letter case, which "
                "SQLite column names ignore; rename one of them with a mapping"
            )
            continue
        seen[folded] = name
    if unusable:
        for index, record in enumerate(records):
            for name in unusable:
                if name in record:
                    reasons[index] = unusable[name]
                    break
        raise _SetAside(reasons)
    ordered: dict[str, None] = {}
    for record in records:
        for name in record:
            if name in new and name not in ordered:
                ordered[name] = None
                if len(ordered) == len(new):
                    return list(ordered)
    return list(ordered)


def _field_values(records: list[Record], name: str) -> list[Any]:
    """Return one field's values, one per record (``None`` where a record lacks it)."""
    try:
        return list(map(operator.itemgetter(name), records))
    except KeyError:
        return [record.get(name) for record in records]


def _not_finite(values: list[Any], types: set[type]) -> list[int]:
    """Return the positions of NaN and infinite floats in a column."""
    try:
        if types <= {int, float, _NONE}:
            total = sum(filter(None, values))
        else:
            total = sum(v for v in values if type(v) is float)
        if math.isfinite(total):
            return []
    except OverflowError:
        pass
    return [i for i, v in enumerate(values) if type(v) is float and not math.isfinite(v)]


def _too_large_for_real(values: list[Any], types: set[type]) -> list[int]:
    """Return the positions of the integers in a column that a REAL column would round."""
    limit = REAL_EXACT_LIMIT
    try:
        # Two C-level passes without nulls, one with (NaN compares false: the exact pass).
        if types <= {int, float}:
            if min(values) >= -limit and max(values) <= limit:
                return []
        elif types <= {int, float, _NONE} and (
            max(map(abs, filter(None, values)), default=0) <= limit
        ):
            return []
    except OverflowError:
        pass
    return [i for i, v in enumerate(values) if type(v) is int and not -limit <= v <= limit]


def _beyond_int64(values: list[Any], types: set[type]) -> list[int]:
    """Return the positions of the integers in a column that SQLite's INTEGER cannot hold."""
    if types == {int}:
        if min(values) >= INT64_MIN and max(values) <= INT64_MAX:
            return []
    # One pass; abs() of -2**63 is a false alarm, settled by the exact pass below.
    elif types <= {int, _NONE} and max(map(abs, filter(None, values)), default=0) <= INT64_MAX:
        return []
    return [i for i, v in enumerate(values) if type(v) is int and not INT64_MIN <= v <= INT64_MAX]


def _integer_text(value: int) -> str:
    """Return ``value`` for a message: its digits, shortened when there are many."""
    if value.bit_length() > 1000:  # str() may refuse it, and nobody reads 300 digits
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    text = str(value)
    if len(text) > 40:
        return f"the integer {text[:20]}...{text[-6:]} ({len(text.lstrip('-'))} digits)"
    return f"the integer {text}"


def _json_types(
    values: list[Any], types: set[type], name: str, reasons: dict[int, str]
) -> set[str]:
    """Return the JSON types in a column; values that have none go to ``reasons``."""
    found: set[str] = set()
    unknown = False
    for type_ in types:
        if type_ is _NONE:
            continue
        known = JSON_TYPES.get(type_)
        if known is None:
            unknown = True
        else:
            found.add(known)
    if unknown:
        for i, value in enumerate(values):
            if value is None or type(value) in JSON_TYPES:
                continue
            kind = json_type(value)
            if kind is None:
                reasons.setdefault(
                    i,
                    f"field {name!r} holds a {type(value).__name__}, which has no JSON form; "
                    "convert it with a mapping",
                )
            else:
                found.add(kind)
    return found


def _freeze_new(shape: TableShape, name: str, types: set[str]) -> WriteError:
    return WriteError(
        f"field {name!r} ({json_type_name(types) or 'null'}) is not a column of table "
        f"{shape.table!r}; schema_policy freeze forbids new columns: add the column to the "
        "table, drop the field with a mapping, or set schema_policy evolve",
        stream=shape.stream,
    )


def _freeze_conflict(shape: TableShape, column: Column, types: set[str]) -> WriteError:
    return WriteError(
        f"field {column.name!r} holds {json_type_name(types)} values, but its column in "
        f"table {shape.table!r} holds {column.kind}; schema_policy freeze forbids changing "
        "a column's type: fix the values (a mapping can cast them) or set schema_policy "
        "evolve",
        stream=shape.stream,
    )


def _extract(
    shape: TableShape, records: list[Record], *, plain: bool
) -> tuple[list[str], list[list[Any]]]:
    """Return the batch's fields (table columns, then new fields) and their values.

    The usual batch (every record has exactly the table's columns) costs one ``len``
    pass and one ``itemgetter`` pass per column; anything else also collects the key set.
    ``plain`` says every record is a ``dict`` itself: ``itemgetter`` is used on those only
    (on a ``defaultdict`` it would add the fields a record lacks).
    """
    if plain and shape.names and set(map(len, records)) == {len(shape.names)}:
        try:
            return list(shape.names), [list(map(get, records)) for get in shape.getters]
        except KeyError:
            pass  # a field in place of a column: new fields
    new = _new_names(shape, records)
    if shape.freeze and new:
        values = [record.get(new[0]) for record in records]
        types = set(map(type, values))
        raise _freeze_new(shape, new[0], _json_types(values, types, new[0], {}))
    names = [*shape.names, *new]
    if not names:
        reason = "the record has no fields, and the table no columns"
        raise _SetAside(dict.fromkeys(range(len(records)), reason))
    if plain:
        columns = [_field_values(records, name) for name in shape.names]
    else:
        columns = [[record.get(name) for record in records] for name in shape.names]
    columns += [[record.get(name) for record in records] for name in new]
    return names, columns


def _analyse(shape: TableShape, records: list[Record], *, plain: bool) -> PreparedBatch:
    """Analyse a batch; raise :class:`_SetAside` when records must be set aside."""
    if not records:
        return PreparedBatch(columns=shape.columns)
    names, columns = _extract(shape, records, plain=plain)
    key = set(shape.key)
    known = len(shape.columns)
    reasons: dict[int, str] = {}
    analysed: list[tuple[Column, set[type], set[str]]] = []

    for index, name in enumerate(names):
        values = columns[index]
        types = set(map(type, values))  # the column's one typing pass
        if _NONE in types and name in key:
            for i, value in enumerate(values):
                if value is None:
                    reasons.setdefault(i, f"primary key field {name!r} is missing or null")
        found = _json_types(values, types, name, reasons)
        if index < known:
            column = shape.columns[index]
        else:
            kind = kind_for_values(found)
            declared = declared_type(kind)
            column = Column(name, kind, affinity(declared), declared, None, name in key)
        if "number" in found:
            for i in _not_finite(values, types):
                reasons.setdefault(i, f"field {name!r} is NaN or infinite, which JSON cannot hold")
        if "integer" in found and column.affinity == "REAL":
            for i in _too_large_for_real(values, types):
                reasons.setdefault(
                    i,
                    f"field {name!r} holds {_integer_text(values[i])}, which its REAL "
                    "column would round (beyond 2**53); declare the field as an integer or "
                    "a string",
                )
        elif "integer" in found and column.affinity != "TEXT":
            for i in _beyond_int64(values, types):
                reasons.setdefault(
                    i,
                    f"field {name!r} holds {_integer_text(values[i])}, which exceeds "
                    "SQLite's 64-bit integer range (-2**63 to 2**63-1), so its "
                    f"{column.declared or 'untyped'} column cannot store it; cast the field "
                    f"to a string with a mapping (cast: {{{name}: string}})",
                )
        analysed.append((column, types, found))
    if reasons:
        raise _SetAside(reasons)

    final: list[Column] = []
    widen: list[Column] = []
    for index, (column, _, found) in enumerate(analysed):
        extra = found - ACCEPTS[column.kind]
        if extra and index < known:
            if shape.freeze:
                raise _freeze_conflict(shape, column, extra)
            if column.name in key:
                for i, value in enumerate(columns[index]):
                    if json_type(value) in extra:
                        reasons.setdefault(
                            i,
                            f"primary key field {column.name!r} is {json_type(value)}, but "
                            f"its column holds {column.kind}; a key column never changes type",
                        )
                continue
            widen.append(column)
            column = attrs.evolve(column, kind="json", schema=None)
        final.append(column)
    if reasons:
        raise _SetAside(reasons)

    for index, column in enumerate(final):
        values = columns[index]
        try:
            converted = encode_values(column.kind, column.affinity, values, analysed[index][1])
        except orjson.JSONEncodeError:
            for i, value in enumerate(values):
                try:
                    encode_values(column.kind, column.affinity, [value], {type(value)})
                except orjson.JSONEncodeError as exc:
                    reasons.setdefault(i, f"field {column.name!r} cannot be written as JSON: {exc}")
            raise _SetAside(reasons) from None
        if converted is not None:
            columns[index] = converted  # the column now holds its values as bound
    return PreparedBatch(
        columns=tuple(final),
        new_columns=tuple(final[known:]),
        widen=tuple(widen),
        rows=list(zip(*columns, strict=True)),
        records=records,
    )
