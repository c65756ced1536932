"""The catalog page's settings table: every setting of a config schema, nested ones too.

A setting that is an object (or a list of objects) is followed by its sub-settings, each
named by its path (``auth.api_key``, ``streams[].name``) and indented, so a chooser sees
everything a connector can be told without reading its code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from html import escape
from typing import Any

#: How deep nested settings are listed (deeper ones are summarised by their type).
_MAX_DEPTH = 4


def settings_table(schema: Mapping[str, Any], secret_paths: Iterable[str]) -> str:
    """The ``<table>`` of a connector's settings, or a sentence when it has none."""
    secrets = {_normal_path(p) for p in secret_paths}
    rows = list(_rows(schema, "", 0, secrets))
    if not rows:
        return "<p>No settings.</p>"
    head = "<tr><th>Setting</th><th>Type</th><th>Required</th></tr>"
    body = "".join(rows)
    return f'<div class="settings"><table><thead>{head}</thead><tbody>{body}</tbody></table></div>'


def _normal_path(path: str) -> str:
    """``$.streams[0].token`` -> ``streams[].token``: the form the rows are named in."""
    rest = str(path).removeprefix("$").removeprefix(".")
    return re.sub(r"\[[^\]]*\]", "[]", rest)


def _rows(schema: Mapping[str, Any], prefix: str, depth: int, secrets: set[str]) -> Iterator[str]:
    properties = schema.get("properties") or {}
    required = set(schema.get("required", []))
    for name, prop in properties.items():
        prop = prop if isinstance(prop, Mapping) else {}
        path = f"{prefix}{name}"
        yield _row(path, str(name), prop, name in required, depth, secrets)
        if depth + 1 >= _MAX_DEPTH:
            continue
        nested, suffix = _nested_object(prop)
        if nested is not None:
            yield from _rows(nested, f"{path}{suffix}.", depth + 1, secrets)


def _nested_object(prop: Mapping[str, Any]) -> tuple[Mapping[str, Any] | None, str]:
    """The object schema whose properties are sub-settings of ``prop``, and the path suffix."""
    options = prop.get("anyOf") or prop.get("oneOf")
    if isinstance(options, list):
        objects = [o for o in options if isinstance(o, Mapping) and o.get("type") != "null"]
        if len(objects) == 1:
            return _nested_object(objects[0])
    if isinstance(prop.get("properties"), Mapping) and prop["properties"]:
        return prop, ""
    items = prop.get("items")
    if isinstance(items, Mapping):
        inner, suffix = _nested_object(items)
        if inner is not None:
            return inner, "[]" + suffix
    return None, ""


def _row(
    path: str, name: str, prop: Mapping[str, Any], required: bool, depth: int, secrets: set[str]
) -> str:
    marks = ""
    if path in secrets or prop.get("secret"):
        marks += ' <span class="badge secret">secret</span>'
    inside = sorted(
        escape(p) for p in secrets if p.startswith((f"{path}.", f"{path}[]")) and p != path
    )
    if inside and depth == 0:
        marks += f' <span class="badge secret">contains secrets: {", ".join(inside)}</span>'
    kind, nullable = setting_type(prop)
    if required:
        need = "required"
    elif "default" in prop:
        need = f"default <code>{escape(json.dumps(prop['default']))}</code>"
    else:
        need = "optional"
    kind += ", optional" if nullable and not required else ""
    desc = f"<small>{escape(str(prop['description']))}</small>" if "description" in prop else ""
    parent = escape(path[: -len(name)].rstrip("."))
    shown = f'<span class="parent">{parent}.</span>{escape(name)}' if parent else escape(name)
    return (
        f'<tr data-setting="{escape(path)}" class="depth-{depth}"><td><code>{shown}</code>{marks}'
        f"{desc}</td><td>{escape(kind)}</td><td>{need}</td></tr>"
    )


def setting_type(prop: Mapping[str, Any]) -> tuple[str, bool]:
    """Return a setting's type in words and whether it may be null."""
    if "enum" in prop:
        values = [v for v in prop["enum"] if v is not None]
        label = " | ".join(v if isinstance(v, str) else json.dumps(v) for v in values)
        return f"one of: {label}", None in prop["enum"]
    if "const" in prop:
        return f"always {json.dumps(prop['const'])}", False
    options = prop.get("anyOf") or prop.get("oneOf")
    if isinstance(options, list):
        null = [o for o in options if isinstance(o, Mapping) and o.get("type") == "null"]
        labels = [setting_type(o)[0] for o in options if isinstance(o, Mapping) and o not in null]
        return " or ".join(labels) or "any", bool(null)
    kind = prop.get("type")
    kinds = [kind] if isinstance(kind, str) else list(kind) if isinstance(kind, list) else []
    nullable = "null" in kinds
    kinds = [k for k in kinds if k != "null"]
    if kinds == ["array"] and isinstance(prop.get("items"), Mapping):
        return f"array of {setting_type(prop['items'])[0]}", nullable
    return " or ".join(str(k) for k in kinds) or "any", nullable
