"""Schema inference: a JSON Schema that fits every record seen.

The rules, in short:

* Each field gets the JSON types of the values seen: ``string``, ``integer``, ``number``,
  ``boolean``, ``object``, ``array`` or ``null``.
* ``integer`` and ``number`` together widen to ``number``.
* Other conflicting types are kept as a list, such as ``["integer", "string"]``; nothing
  is silently widened to ``string``.
* A field that is ``null`` or missing in at least one record gets ``"null"`` in its type
  list. No field is listed as ``required``: later records may miss any of them.
* Objects keep their properties, inferred by the same rules; arrays get the schema of all
  their items.
* A string field whose every value is an RFC 3339 date-time gets ``"format": "date-time"``
  (``"date"`` for plain ``YYYY-MM-DD`` dates).
* Properties are listed in the order they were first seen, so the same files always give
  the same schema.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["SchemaBuilder", "infer_schema"]

_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: The order types are listed in when a field has several.
_TYPE_ORDER = ("boolean", "integer", "number", "string", "object", "array", "null")
_UNSET = "unset"
#: The JSON type of the exact types parsing gives most often (subclasses take the long way).
_SCALARS: dict[type, str] = {
    type(None): "null",
    bool: "boolean",
    int: "integer",
    float: "number",
}


class _Node:
    """What was seen at one place in the records."""

    __slots__ = ("count", "formats", "items", "objects", "properties", "types")

    def __init__(self) -> None:
        self.types: set[str] = set()
        self.count = 0  # values seen here (for a property: records that had it)
        self.objects = 0  # of which objects
        self.properties: dict[str, _Node] = {}
        self.items: _Node | None = None
        self.formats: str | None = _UNSET  # common string format; None once they differ

    def add(self, value: Any) -> None:
        """Take one value seen at this place into account."""
        self.count += 1
        kind = _SCALARS.get(type(value))
        if kind is not None:
            self.types.add(kind)
        elif type(value) is str:
            self.types.add("string")
            if self.formats is not None:
                self.formats = _common_format(self.formats, value)
        elif isinstance(value, Mapping):
            self.types.add("object")
            self.objects += 1
            properties = self.properties
            for key, item in value.items():
                node = properties.get(key)
                if node is None:
                    node = properties[key] = _Node()
                # Inline the commonest case, a scalar that is not a string: one call less.
                kind = _SCALARS.get(type(item))
                if kind is None:
                    node.add(item)
                else:
                    node.count += 1
                    node.types.add(kind)
        elif isinstance(value, (list, tuple)):
            self.types.add("array")
            if self.items is None:
                self.items = _Node()
            for item in value:
                self.items.add(item)
        elif isinstance(value, bool):
            self.types.add("boolean")
        elif isinstance(value, int):
            self.types.add("integer")
        elif isinstance(value, float):
            self.types.add("number")
        elif isinstance(value, str):
            self.types.add("string")
            if self.formats is not None:
                self.formats = _common_format(self.formats, value)
        else:
            self.types.add("string")
            self.formats = None

    def schema(self, nullable: bool = False) -> dict[str, Any]:
        """Return the schema of the values seen; ``nullable`` adds ``"null"``."""
        types = set(self.types)
        if nullable:
            types.add("null")
        if {"integer", "number"} <= types:
            types.discard("integer")
        ordered = [t for t in _TYPE_ORDER if t in types]
        schema: dict[str, Any] = {}
        if len(ordered) == 1:
            schema["type"] = ordered[0]
        elif ordered:
            schema["type"] = ordered
        if "string" in types and self.formats not in (None, _UNSET):
            schema["format"] = self.formats
        if "object" in types:
            schema["properties"] = {
                name: node.schema(nullable=node.count < self.objects)
                for name, node in self.properties.items()
            }
        if "array" in types:
            schema["items"] = self.items.schema() if self.items and self.items.count else {}
        return schema


def _common_format(current: str | None, value: str) -> str | None:
    if _DATE_TIME.fullmatch(value):
        found = "date-time"
    elif _DATE.fullmatch(value):
        found = "date"
    else:
        return None
    return found if current in (_UNSET, found) else None


class SchemaBuilder:
    """Collects records one at a time and returns the JSON Schema that fits them all.

    >>> builder = SchemaBuilder()
    >>> builder.add({"id": 1, "tags": ["a"]})
    >>> builder.add({"id": 2.5})
    >>> builder.schema()["properties"]["id"]
    {'type': 'number'}
    """

    def __init__(self) -> None:
        self._root = _Node()

    @property
    def records(self) -> int:
        """How many records were added."""
        return self._root.count

    def add(self, record: Mapping[str, Any]) -> None:
        """Take one record (a mapping of field name to JSON value) into account."""
        self._root.add(record)

    def schema(self) -> dict[str, Any]:
        """Return the object schema of the records added so far."""
        schema = self._root.schema()
        schema["type"] = "object"
        schema.setdefault("properties", {})
        return schema


def infer_schema(records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Return the JSON Schema that fits every record in ``records``."""
    builder = SchemaBuilder()
    for record in records:
        builder.add(record)
    return builder.schema()
