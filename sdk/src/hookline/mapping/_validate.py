"""Checking records against a stream's JSON Schema at batch speed (top-level types only)."""

from __future__ import annotations

from typing import Any

from hookline.mapping._schema import json_type, types_of
from hookline.models import Record, RejectedRecord


class _Missing:
    """The type of the marker for a field a record does not have."""


_MISSING = _Missing()

_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
    "object": (dict,),
    "array": (list, tuple),
}
_ORDER = ("string", "integer", "number", "boolean", "object", "array", "null")
_MAX_REASONS = 3


class Validator:
    """Checks the top level of records against an object schema; see :func:`compile_validator`.

    What is checked, per property listed in the schema: the JSON type (``type`` as one name
    or a list, or ``anyOf``/``oneOf`` branches that each name types), null only where a
    type ``"null"`` admits it, and presence for the names in ``required``. JSON's
    ``integer`` is a Python ``int`` but never a ``bool`` (a float with no fraction, such as
    ``3.0``, also counts, as JSON Schema says); ``number`` is an ``int`` or ``float``, never
    a ``bool``. Nested values are checked only for their own top-level type; other
    keywords (``enum``, ``format``, ``minimum``...) and unlisted fields are not checked.

    Attributes:
        schema: the schema it checks against.
    """

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        properties = schema.get("properties") if isinstance(schema, dict) else None
        properties = properties if isinstance(properties, dict) else {}
        required = set(schema.get("required", ())) if isinstance(schema, dict) else set()
        checks: list[tuple[str, frozenset[type]]] = []
        self._expected: dict[str, str] = {}
        self._integral: set[str] = set()
        for name, sub in properties.items():
            types = types_of(sub)
            if types is None or not types <= set(_PYTHON_TYPES):
                if name in required:
                    checks.append((name, _ANY_PRESENT))
                continue
            allowed = {t for name_ in types for t in _PYTHON_TYPES[name_]}
            if name not in required:
                allowed.add(_Missing)
            checks.append((name, frozenset(allowed)))
            self._expected[name] = " or ".join(t for t in _ORDER if t in types)
            if "integer" in types and "number" not in types:
                self._integral.add(name)
        for name in sorted(required - set(properties)):
            checks.append((name, _ANY_PRESENT))
        self._checks = tuple(checks)

    def problems(self, record: Record) -> list[str]:
        """Return every problem of one record, one short reason each (empty: it is valid)."""
        found = []
        for name, allowed in self._checks:
            value = record.get(name, _MISSING)
            kind = type(value)
            if kind in allowed:
                continue
            if kind is _Missing:
                found.append(f"field {name}: required, missing")
            elif kind is float and name in self._integral and value.is_integer():
                continue
            else:
                got = json_type(value) if kind in _KNOWN else kind.__name__
                found.append(f"field {name}: expected {self._expected[name]}, got {got}")
        return found

    def split(self, records: list[Record]) -> tuple[list[Record], list[RejectedRecord]]:
        """Return the valid records (the same objects, in order) and the others, with reasons."""
        checks = self._checks
        good: list[Record] = []
        rejected: list[RejectedRecord] = []
        keep = good.append
        for record in records:
            try:
                get = record.get
            except AttributeError:
                rejected.append(RejectedRecord({"value": record}, "the record is not an object"))
                continue
            for name, allowed in checks:
                if type(get(name, _MISSING)) not in allowed:
                    reasons = self.problems(record)
                    if reasons:
                        shown = reasons[:_MAX_REASONS]
                        if len(reasons) > _MAX_REASONS:
                            shown.append(f"and {len(reasons) - _MAX_REASONS} more")
                        rejected.append(RejectedRecord(record, "; ".join(shown)))
                        break
                    # Only an integral float in an integer field, or an untyped field: valid.
                    keep(record)
                    break
            else:
                keep(record)
        return good, rejected


class _AnyPresent(frozenset[type]):
    """Allowed types of a field that must be present but may hold anything."""

    def __contains__(self, item: object) -> bool:
        return item is not _Missing


_ANY_PRESENT: frozenset[type] = _AnyPresent()
_KNOWN = frozenset(t for types in _PYTHON_TYPES.values() for t in types)


def compile_validator(schema: dict[str, Any] | None) -> Validator:
    """Prepare checks of records against ``schema`` (a stream's object schema).

    The checks are precomputed as pairs of a field name and the Python types it admits,
    so checking a field costs a dict lookup and a set membership test.
    """
    return Validator(schema or {})
