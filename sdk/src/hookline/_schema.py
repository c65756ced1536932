"""JSON Schema for a connector's config model, derived from its attrs fields.

Field documentation comes from attrs metadata: ``attrs.field(metadata={"description":
"..."})``. Fields typed :class:`~hookline.Secret` are marked ``"secret": true`` and
``"writeOnly": true``.
"""

from __future__ import annotations

import enum
import types
import typing
from pathlib import Path
from typing import Any

import attrs

from hookline.secrets import Secret

_SCALARS: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    Path: {"type": "string", "format": "path"},
    Secret: {"type": "string", "secret": True, "writeOnly": True},
    Any: {},
}


def config_schema(model: type | None) -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of a config model; ``None`` takes no keys."""
    if model is None:
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "additionalProperties": False,
        }
    schema = _object_schema(model)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def secret_fields(schema: dict[str, Any], prefix: str = "$") -> list[str]:
    """Return the JSON paths of every secret field in a schema made by :func:`config_schema`."""
    found: list[str] = []
    if schema.get("secret"):
        found.append(prefix)
    for name, sub in schema.get("properties", {}).items():
        found += secret_fields(sub, f"{prefix}.{name}")
    if isinstance(schema.get("items"), dict):
        found += secret_fields(schema["items"], f"{prefix}[]")
    for sub in schema.get("anyOf", []):
        found += secret_fields(sub, prefix)
    return found


def _object_schema(model: type) -> dict[str, Any]:
    hints = typing.get_type_hints(model)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for field in attrs.fields(model):
        sub = dict(_type_schema(hints.get(field.name, Any)))
        description = field.metadata.get("description")
        if description:
            sub["description"] = description
        if field.default is attrs.NOTHING:
            required.append(field.name)
        elif not isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            default = _json_default(field.default)
            if default is not _NO_DEFAULT:
                sub["default"] = default
        properties[field.name] = sub
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = required
    doc = (model.__doc__ or "").strip().splitlines()
    if doc and not doc[0].startswith(model.__name__ + "("):
        schema["title"] = doc[0]
    return schema


_NO_DEFAULT = object()


def _json_default(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (tuple, list)):
        return [_json_default(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    return _NO_DEFAULT


def _type_schema(tp: Any) -> dict[str, Any]:
    if tp in _SCALARS:
        return _SCALARS[tp]
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Literal:
        return {"enum": list(args)}
    if origin is typing.Union or origin is types.UnionType:
        options = [_type_schema(a) for a in args if a is not type(None)]
        nullable = type(None) in args
        schema = options[0] if len(options) == 1 else {"anyOf": options}
        if nullable:
            return {"anyOf": [schema, {"type": "null"}]}
        return schema
    if origin in (tuple, list, set, frozenset):
        item = args[0] if args else Any
        return {"type": "array", "items": _type_schema(item)}
    if origin is dict or tp is dict:
        value = args[1] if len(args) == 2 else Any
        return {"type": "object", "additionalProperties": _type_schema(value)}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return {"enum": [m.value for m in tp]}
    if attrs.has(tp):
        return _object_schema(tp)
    return {}
