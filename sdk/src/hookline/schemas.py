"""Small helpers for the JSON Schemas that describe streams, shared by connectors."""

from __future__ import annotations

__all__ = ["infer_schema", "json_type"]

from collections.abc import Iterable, Mapping
from typing import Any


def json_type(value: Any) -> str | None:
    """Return the JSON Schema type of ``value`` (``"null"`` for ``None``), or ``None``.

    ``bool`` is ``"boolean"`` (not an integer); subclasses count as their base (an
    ``IntEnum`` is an ``"integer"``); a value with no JSON form gives ``None``.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    return None


_ORDER = ("null", "boolean", "integer", "number", "string", "array", "object")


#: The JSON type of the exact types a JSON parser gives (subclasses take the long way).
_SCALAR: dict[type, str] = {
    type(None): "null",
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
}
_EXACT: dict[type, str] = {**_SCALAR, dict: "object", list: "array"}


def _type_of(value: Any) -> str:
    # A value of no JSON type (a date, say) is shown as text by the serializers.
    return json_type(value) or "string"


class _Node:
    """What has been seen at one place in the sample records."""

    def __init__(self) -> None:
        self.types: set[str] = set()
        self.properties: dict[str, _Node] = {}
        self.objects = 0
        self.present: dict[str, int] = {}
        self.items: _Node | None = None

    def add(self, value: Any) -> None:
        kind = _EXACT.get(type(value)) or _type_of(value)
        self.types.add(kind)
        if kind == "object":
            self.objects += 1
            present, properties = self.present, self.properties
            for name, item in value.items():
                present[name] = present.get(name, 0) + 1
                node = properties.get(name)
                if node is None:
                    node = properties[name] = _Node()
                scalar = _SCALAR.get(type(item))
                if scalar is None:
                    node.add(item)
                else:  # the commonest case, inline: one call less per value
                    node.types.add(scalar)
        elif kind == "array":
            if self.items is None:
                self.items = _Node()
            for item in value:
                self.items.add(item)

    def schema(self) -> dict[str, Any]:
        types = set(self.types)
        if {"integer", "number"} <= types:
            types.discard("integer")
        schema: dict[str, Any] = {}
        if types:
            ordered = sorted(types, key=_ORDER.index)
            schema["type"] = ordered[0] if len(ordered) == 1 else ordered
        if "object" in types:
            properties: dict[str, Any] = {}
            for name, node in self.properties.items():
                sub = node.schema()
                if self.present[name] < self.objects:  # missing somewhere: nullable
                    sub = _nullable(sub)
                properties[name] = sub
            schema["properties"] = properties
        if "array" in types:
            schema["items"] = self.items.schema() if self.items and self.items.types else {}
        return schema


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if kind is None or kind == "null":
        return schema
    kinds = [kind] if isinstance(kind, str) else list(kind)
    if "null" not in kinds:
        kinds = ["null", *kinds]
    return {**schema, "type": kinds}


def infer_schema(records: Iterable[Any]) -> dict[str, Any]:
    """Return the JSON Schema of an object that fits every record in ``records``.

    A field missing from some records or null in some is nullable (its type includes
    ``"null"``); integers and floats together make ``number``; nested objects get their
    own ``properties`` and arrays an ``items`` schema.
    """
    root = _Node()
    for record in records:
        if isinstance(record, dict):
            root.add(record)
    schema = root.schema() if root.types else {}
    return {
        "type": "object",
        "properties": schema.get("properties", {}),
    }
