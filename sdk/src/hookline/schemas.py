"""Small helpers for the JSON Schemas that describe streams, shared by connectors."""

from __future__ import annotations

__all__ = ["json_type"]

from collections.abc import Mapping
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
