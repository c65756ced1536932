"""Finding a page's records in its body, and saying what the body held when they are not.

The records path is a JMESPath expression (``data``, ``result.items``,
``data[?active]``). Its leading keys (``result.items``; ``data`` in ``data[?active]``)
must be in the body: a page without them is an error, never an empty page, since an
API that moved its records (or answered an error with a 200) would otherwise read as
"no records" and a stream would succeed with nothing. What counts as no records:

* an empty list;
* ``null`` (a key present with the value ``null`` on the way, as Go's ``encoding/json``
  writes an empty slice): an empty page.

The error names the path, the URL and status, and the body's shape: the keys of the
object the path stopped at, each with the kind of its value (``items: list of 20``),
never a value.
"""

from __future__ import annotations

__all__ = ["MissingRecords", "body_shape", "leading_keys", "select_records"]

from collections.abc import Mapping
from typing import Any

from hookline.secrets import redact

#: The most keys a shape lists.
_SHAPE_KEYS = 12
#: Expressions that evaluate their first child first (its keys lead).
_LEFT_FIRST = frozenset({"projection", "filter_projection", "index_expression", "flatten", "pipe"})


class MissingRecords(Exception):
    """The records path's leading keys are not all in the body.

    Attributes:
        key: the first key missing.
        where: the path to the object it is missing from (``""``: the body itself).
        shape: that object's shape, as :func:`body_shape` gives it.
    """

    def __init__(self, key: str, where: str, shape: str) -> None:
        super().__init__(key, where, shape)
        self.key, self.where, self.shape = key, where, shape


def leading_keys(tree: Mapping[str, Any]) -> list[str]:
    """Return the keys a parsed JMESPath expression looks up before anything else.

    ``a.b.c`` gives ``["a", "b", "c"]``; ``a.b[?x].c`` and ``a.b[*]`` give ``["a", "b"]``;
    an expression that starts otherwise (a function, a literal) gives ``[]``.
    """
    keys, _ = _chain(tree)
    return keys


def _chain(node: Mapping[str, Any]) -> tuple[list[str], bool]:
    """The leading keys of ``node``, and whether it is nothing but keys."""
    kind = node.get("type")
    children = node.get("children") or []
    if kind == "field":
        return [str(node["value"])], True
    if kind == "subexpression" and len(children) == 2:
        keys, whole = _chain(children[0])
        if not whole:
            return keys, False
        more, rest_whole = _chain(children[1])
        return keys + more, rest_whole
    if kind in _LEFT_FIRST and children:
        keys, _ = _chain(children[0])
        return keys, False
    return [], False


def select_records(body: Any, path: str, tree: Mapping[str, Any], found: Any) -> Any:
    """Return ``found`` (what ``path`` selected from ``body``), checking the path was there.

    A ``null`` on the way or at the end stands for no records and gives ``[]``.

    Raises:
        MissingRecords: a leading key of ``path`` is not in the body.
    """
    current = body
    seen: list[str] = []
    for key in leading_keys(tree):
        if current is None:
            return []
        if not isinstance(current, dict) or key not in current:
            raise MissingRecords(key, ".".join(seen), body_shape(current))
        current = current[key]
        seen.append(key)
    return [] if found is None else found


def body_shape(value: Any) -> str:
    """Describe ``value`` without any of its values: ``an object with keys a (list of 3)``."""
    if isinstance(value, dict):
        if not value:
            return "an empty object"
        names = list(value)
        listed = ", ".join(f"{redact(str(k))} ({_kind(value[k])})" for k in names[:_SHAPE_KEYS])
        more = f" and {len(names) - _SHAPE_KEYS} more" if len(names) > _SHAPE_KEYS else ""
        return f"an object with keys {listed}{more}"
    return _kind(value, article=True)


def _kind(value: Any, *, article: bool = False) -> str:
    if isinstance(value, list):
        return f"{'a ' if article else ''}list of {len(value)}"
    if isinstance(value, dict):
        return f"{'an ' if article else ''}object"
    if value is None:
        return "null"
    names = {bool: "boolean", int: "number", float: "number", str: "string"}
    name = names.get(type(value), type(value).__name__)
    return f"{'a ' if article else ''}{name}"
