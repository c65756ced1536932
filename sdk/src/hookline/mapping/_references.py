"""Which fields a step reads, and checking them against the schema at that point.

A step that names a field the stream's schema does not list would load wrong data without
a word (a NULL column, a computed ``' Schmidt'``), so :func:`check_references` makes each
such reference a config problem, with a "did you mean" hint, unless the step is marked
``optional`` and the schema allows fields it does not list.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from hookline.errors import ConfigProblem
from hookline.mapping._schema import Shape

#: Node types whose children are applied one after the other: the first to the current
#: value, each next one to what the one before gave. Where the first is ``@``, the next
#: one still reads the record (``@.a``, ``@ | a``).
_CHAINS = frozenset({"subexpression", "index_expression", "pipe"})
#: Node types whose first child is evaluated against the current value and whose other
#: children (the projected expression, a filter's condition) against each element of it.
_PROJECTIONS = frozenset({"projection", "value_projection", "filter_projection", "flatten"})
#: Node types whose every child is evaluated against the current value.
_ALL_CHILDREN = frozenset(
    {
        "function_expression",
        "comparator",
        "and_expression",
        "or_expression",
        "not_expression",
        "multi_select_list",
        "multi_select_dict",
        "key_val_pair",
    }
)
#: Node types that stand for the current value itself.
_CURRENT = frozenset({"current", "identity"})
_SHOWN_FIELDS = 15


def expression_fields(tree: dict[str, Any]) -> list[str]:
    """Return the top-level fields a JMESPath syntax tree reads, in order of appearance.

    A top-level reference is a ``field`` evaluated against the record itself: the first
    element of a path (``customer`` in ``customer.address.city``, ``tags`` in
    ``tags[0]``), function arguments, the operands of comparisons and of ``&&``, ``||``
    and ``!``, the items of multi-selects, and the left side of projections, filters and
    pipes. The right side of those, and ``&expression`` arguments, are evaluated against
    nested values, so the fields they name are not top-level; literals and ``@`` name
    none.
    """
    found: dict[str, None] = {}
    for name in _walk(tree):
        found.setdefault(name, None)
    return list(found)


def _walk(node: Any) -> Iterator[str]:
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    children = node.get("children") or []
    if kind == "field":
        yield node["value"]
    elif kind in _CHAINS:
        for child in children:
            if isinstance(child, dict) and child.get("type") in _CURRENT:
                continue
            yield from _walk(child)
            break
    elif kind in _PROJECTIONS:
        if children:
            yield from _walk(children[0])
    elif kind in _ALL_CHILDREN:
        for child in children:
            if isinstance(child, dict) and child.get("type") != "expref":
                yield from _walk(child)


def check_references(
    step_name: str,
    fields: list[str],
    shape: Shape,
    *,
    optional: bool,
    source: str,
    path: str,
    problems: list[ConfigProblem],
    accepted: list[ConfigProblem],
) -> None:
    """Add a problem for each of ``fields`` that ``shape`` does not list at this point.

    A field the schema does not list, where the schema allows other fields, is a problem
    unless ``optional``; then it is added to ``accepted`` instead. A field that cannot
    exist here (the schema allows no other fields, or ``keep`` left only others) is a
    problem either way.
    """
    for field in fields:
        verdict = shape.lacks(field)
        if verdict is None:
            continue
        hint = _hint(field, shape)
        if verdict == "closed":
            what = shape.closed_by
            if optional:
                what += " (optional cannot make it exist)"
            message = f"{step_name}: no field {field!r} at this point{hint}; {what}"
            problems.append(ConfigProblem(source, message, path))
        elif optional:
            message = f"{step_name}: field {field!r} is not in the stream's schema (optional)"
            accepted.append(ConfigProblem(source, message, path))
        else:
            message = (
                f"{step_name}: no field {field!r} in the stream's schema at this point{hint}; "
                "if records have it all the same, mark the step optional"
            )
            problems.append(ConfigProblem(source, message, path))


def _hint(field: str, shape: Shape) -> str:
    names = list(shape.properties)
    close = difflib.get_close_matches(field, names, n=1)
    mean = f": did you mean {close[0]!r}?" if close else ""
    shown = ", ".join(names[:_SHOWN_FIELDS]) or "none"
    if len(names) > _SHOWN_FIELDS:
        shown += f", ... ({len(names)} in all)"
    return f"{mean} (fields: {shown})"
