"""Column kinds: what JSON values a column holds, how they are stored and read back.

Each column has a *kind*, recorded in the metadata table ``_hookline_columns``:

========  ===============  ===================================================
kind      declared type    stored as
========  ===============  ===================================================
integer   INTEGER          the integer
number    REAL             the number (integers up to 2**53 exactly)
boolean   INTEGER          1 or 0, read back as true or false
string    TEXT             the text
object    TEXT             the object's JSON text
array     TEXT             the array's JSON text
json      TEXT             each value's JSON text (``"abc"``, ``5``, ``true``, ...)
any       (as declared)    a column of a table hookline did not create and has no
                           kind for: values as stored (BLOBs read as base64)
========  ===============  ===================================================

A property's JSON Schema gives the kind of a new column (:func:`kind_of_property`): one
type (besides ``null``) is that kind, ``integer`` with ``number`` is ``number``, anything
else (several types, no type) is ``json``. A column first seen in a batch takes its kind
from the values' types (:func:`kind_for_values`).

*Widening.* When a value's type does not fit its column (a string in an integer column),
the column becomes ``json``. SQLite cannot change a column's declared type, so the column
keeps it: in a TEXT column every value is then JSON text; in a column of numeric affinity
(INTEGER, REAL), numbers stay numbers and every other value is JSON text (which never looks
like a number, so SQLite keeps it as text). :func:`decode_values` reads both forms back.

*Big integers.* SQLite's INTEGER holds 64 bits and a REAL rounds beyond 2**53, so a
top-level integer beyond 64 bits is refused (see :mod:`hookline_sqlite._batch`) unless its
column has TEXT affinity; there, and inside objects and arrays, it is written as JSON text
with its exact digits, and read back exactly (see :mod:`hookline_sqlite._json`).
"""

from __future__ import annotations

__all__ = [
    "ACCEPTS",
    "JSON_TYPES",
    "KINDS",
    "REAL_EXACT_LIMIT",
    "affinity",
    "declared_type",
    "decode_values",
    "encode_values",
    "fits",
    "json_type_name",
    "kind_for_declared",
    "kind_for_values",
    "kind_of_property",
    "nullable_schema",
    "property_schema",
]

import base64
from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from hookline_sqlite import _json

#: Every column kind.
KINDS = ("integer", "number", "boolean", "string", "object", "array", "json", "any")

#: The JSON type of each exact Python type a record value may have (``None`` aside).
JSON_TYPES: dict[type, str] = {
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    dict: "object",
    list: "array",
    tuple: "array",
}

_ALL_JSON = frozenset(("boolean", "integer", "number", "string", "object", "array"))

#: The JSON types of the values a column of each kind takes (``null`` fits every kind).
ACCEPTS: dict[str, frozenset[str]] = {
    "integer": frozenset(("integer",)),
    "number": frozenset(("integer", "number")),
    "boolean": frozenset(("boolean",)),
    "string": frozenset(("string",)),
    "object": frozenset(("object",)),
    "array": frozenset(("array",)),
    "json": _ALL_JSON,
    "any": frozenset(("integer", "number", "string")),
}

#: Integers further from zero than this lose digits as REAL (a double holds 53 bits).
REAL_EXACT_LIMIT = 2**53

_DECLARED = {
    "integer": "INTEGER",
    "number": "REAL",
    "boolean": "INTEGER",
    "string": "TEXT",
    "object": "TEXT",
    "array": "TEXT",
    "json": "TEXT",
    "any": "",
}

_NONE = type(None)
_NUMBERS = (int, float)
_BOOLEANS = {0: False, 1: True}
_dumps = orjson.dumps
_loads = orjson.loads


def json_type_name(types: Iterable[str]) -> str:
    """Return JSON types for a message: ``"string"``, ``"integer or string"``."""
    return " or ".join(sorted(types))


def _schema_types(schema: Any) -> list[str] | None:
    if not isinstance(schema, dict):
        return None
    declared = schema.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list) and all(isinstance(t, str) for t in declared):
        return list(declared)
    return None


def kind_of_property(schema: Any) -> str:
    """Return the column kind for a property's JSON Schema (see the module)."""
    types = _schema_types(schema)
    if types is None:
        return "json"
    return kind_for_values({t for t in types if t != "null"}) if types else "json"


def kind_for_values(types: set[str] | frozenset[str]) -> str:
    """Return the column kind for values of the JSON ``types`` (``null`` left out)."""
    if len(types) == 1:
        (only,) = types
        return only if only in _ALL_JSON else "json"
    if types == {"integer", "number"}:
        return "number"
    return "json"


def fits(declared: str, column: str) -> bool:
    """Return whether values of kind ``declared`` can be stored in a ``column`` kind column.

    ``json`` (an undeclared type) fits anything: its values are checked when they come.
    """
    if declared == column or column == "json" or declared == "json":
        return True
    return ACCEPTS[declared] <= ACCEPTS[column]


def declared_type(kind: str) -> str:
    """Return the SQL type a new column of ``kind`` is declared with."""
    return _DECLARED[kind]


def affinity(declared: str) -> str:
    """Return the affinity SQLite gives a column declared ``declared`` (its section 3.1)."""
    upper = declared.upper()
    if "INT" in upper:
        return "INTEGER"
    if "CHAR" in upper or "CLOB" in upper or "TEXT" in upper:
        return "TEXT"
    if "BLOB" in upper or not upper.strip():
        return "BLOB"
    if "REAL" in upper or "FLOA" in upper or "DOUB" in upper:
        return "REAL"
    return "NUMERIC"


def kind_for_declared(declared: str) -> str:
    """Return the kind of a column without metadata, from its declared type."""
    return {
        "INTEGER": "integer",
        "REAL": "number",
        "NUMERIC": "number",
        "TEXT": "string",
    }.get(affinity(declared), "any")


def property_schema(kind: str, *, nullable: bool, declared: str = "") -> dict[str, Any]:
    """Return the JSON Schema of a column's values, for discovery."""
    if kind in ("json", "any"):
        if kind == "any" and "BLOB" in declared.upper():
            schema: dict[str, Any] = {"type": "string", "contentEncoding": "base64"}
            return nullable_schema(schema) if nullable else schema
        return {}
    return {"type": [kind, "null"]} if nullable else {"type": kind}


def nullable_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Return ``schema`` with ``null`` among its types (unchanged if it names no type)."""
    types = _schema_types(schema)
    if types is None or "null" in types:
        return schema
    return {**schema, "type": [*types, "null"]}


# -- Writing ---------------------------------------------------------------------------


def encode_values(
    kind: str, column_affinity: str, values: Sequence[Any], types: set[type]
) -> list[Any] | None:
    """Return a column's values as they are bound, or ``None`` when they bind as they are.

    ``values`` is left as it is (a new list is returned); ``types`` are the exact types
    among them, found by the caller's one typing pass. Objects and arrays become JSON text;
    a ``json`` column's values become JSON text too, except numbers in a column of numeric
    affinity. Booleans need nothing: SQLite binds them as 1 and 0.

    Integers beyond 64 bits, which orjson refuses, are written with their exact digits.

    Raises:
        orjson.JSONEncodeError: a value has no JSON form (the caller finds which).
    """
    if kind in ("object", "array") or (kind == "json" and column_affinity == "TEXT"):
        try:
            if _NONE in types:
                return [None if v is None else _dumps(v).decode() for v in values]
            return list(map(bytes.decode, map(_dumps, values)))
        except orjson.JSONEncodeError:
            exact = _json.dumps
            return [None if v is None else exact(v).decode() for v in values]
    if kind == "json":
        if types <= {int, float, _NONE}:
            return None
        exact = _json.dumps
        return [v if v is None or type(v) in _NUMBERS else exact(v).decode() for v in values]
    return None


# -- Reading ---------------------------------------------------------------------------


def _json_or_text(value: Any) -> Any:
    if type(value) is str:
        try:
            return _loads(value)
        except orjson.JSONDecodeError:
            return value
    if type(value) is bytes:
        return base64.b64encode(value).decode()
    return value


def _exact_json_or_text(value: Any) -> Any:
    """:func:`_json_or_text`, keeping integers beyond 64 bits exact."""
    if type(value) is str:
        try:
            return _json.loads(value)
        except ValueError:
            return value
    if type(value) is bytes:
        return base64.b64encode(value).decode()
    return value


def _plain(value: Any) -> Any:
    return base64.b64encode(value).decode() if type(value) is bytes else value


def decode_values(kind: str, values: Sequence[Any], *, raw: bool) -> list[Any] | None:
    """Return a column's stored values as record values, or ``None`` if they are unchanged.

    ``raw`` marks a column hookline did not create (no metadata): its BLOBs, which JSON
    cannot hold, are read as base64 text.
    """
    if kind == "boolean":
        return list(map(_BOOLEANS.get, values, values))
    if kind in ("object", "array", "json"):
        if _json.may_hold_big_integer(values):  # digits orjson could turn into a float
            return list(map(_exact_json_or_text, values))
        try:
            return list(map(_loads, values))  # every value JSON text: the usual column
        except orjson.JSONDecodeError:  # NULLs, numbers, text that is not JSON
            return list(map(_json_or_text, values))
    if (raw or kind == "any") and bytes in set(map(type, values)):
        return list(map(_plain, values))
    return None
