"""JMESPath's tree interpreter, bounded: in the size of what it builds and in its work.

The compiled closures of :mod:`._expressions` hand the iterating node types (projections,
filters, flattening, slices, and functions taking ``&expression`` such as ``map`` and
``sort_by``) to this interpreter. It is JMESPath's own, with two bounds added:

- ``[...]``, ``{...}`` and the projections (``[*]``, ``.*``, ``[?...]``) check the size
  of what they collect as they collect it, against
  :data:`~hookline.mapping._limits.MAX_VALUE_SIZE`: a projection over 100,000 items that
  builds 1 MiB for each stops at the first items past the limit.
- Its work is counted (:func:`~hookline.mapping._limits.charge`): a projection or filter
  counts its items times the size of the expression it evaluates on each, and what it
  collects; a function the length of its arguments and result (characters of a string,
  items of an array or object); a comparison the length of what it compares. Nested
  projections multiply their items, so this count, not the number of nodes, is what
  bounds the work of an expression on one record.

Flattening and slices build nothing larger than what they were given; they count their
items as work.
"""

from __future__ import annotations

from collections.abc import Iterable
from numbers import Number
from typing import TYPE_CHECKING, Any, cast

from jmespath.visitor import (  # type: ignore[import-untyped,unused-ignore]
    Options,
    TreeInterpreter,
    _Expression,
)

from hookline.mapping._limits import MAX_VALUE_SIZE, ValueTooLarge, charge, size_of, tree_size

if TYPE_CHECKING:
    from jmespath.visitor import _TreeNode as Node
else:
    Node = dict

_LIMIT = MAX_VALUE_SIZE
_SIZED = (str, list, dict)


def _holds(value: Any) -> bool:
    """JMESPath's truth: anything but null, false, and the empty string, array, object."""
    return not (value is None or value is False or value == "" or value == [] or value == {})


def _weight(value: Any) -> int:
    """The steps of reading ``value``: a string's characters, an array's or object's items
    (their own contents are counted where they were built or visited)."""
    return len(value) if type(value) in _SIZED else 1


class CheckedInterpreter(TreeInterpreter):  # type: ignore[misc,unused-ignore]
    """JMESPath's interpreter; what it builds stays within the size limit, what it does
    is counted against the work limit."""

    def __init__(self, functions: Any) -> None:
        super().__init__(Options(custom_functions=functions))
        self._table = functions
        self._sizes: dict[int, int] = {}

    def _size(self, node: Node) -> int:
        """How many nodes ``node`` has (remembered: the trees live as long as the mapper)."""
        size = self._sizes.get(id(node))
        if size is None:
            size = self._sizes[id(node)] = tree_size(node)  # type: ignore[arg-type]
        return size

    def visit_multi_select_list(self, node: Node, value: Any) -> Any:
        """``[a, b]``: the items, checked as they come."""
        if value is None:
            return None
        collected: list[Any] = []
        used = 1
        for child in node["children"]:
            item = self.visit(child, value)
            used += size_of(item, _LIMIT - used)
            if used > _LIMIT:
                raise ValueTooLarge("a [...] list")
            collected.append(item)
        charge(used)
        return collected

    def visit_multi_select_dict(self, node: Node, value: Any) -> Any:
        """``{k: a}``: the pairs, checked as they come."""
        if value is None:
            return None
        collected: dict[str, Any] = {}
        used = 1
        for child in node["children"]:
            key = child["value"]
            item = self.visit(child, value)
            used += len(key) + size_of(item, _LIMIT - used)
            if used > _LIMIT:
                raise ValueTooLarge("an {...} object")
            collected[key] = item
        charge(used)
        return collected

    def _collect(self, elements: Iterable[Any], right: Node) -> list[Any]:
        collected: list[Any] = []
        used = 1
        visit = self.visit
        for element in elements:
            current = visit(right, element)
            if current is not None:
                kind = type(current)
                if kind is str:
                    used += len(current)
                elif kind is list or kind is dict:
                    used += size_of(current, _LIMIT - used)
                else:
                    used += 1
                if used > _LIMIT:
                    raise ValueTooLarge("a projection")
                collected.append(current)
        charge(used)
        return collected

    def visit_projection(self, node: Node, value: Any) -> Any:
        """``a[*].b``: ``b`` of every element of ``a``, checked as they come."""
        base = self.visit(node["children"][0], value)
        if not isinstance(base, list):
            return None
        right = node["children"][1]
        charge(len(base) * self._size(right))
        return self._collect(base, right)

    def visit_value_projection(self, node: Node, value: Any) -> Any:
        """``a.*.b``: ``b`` of every value of the object ``a``, checked as they come."""
        base = self.visit(node["children"][0], value)
        try:
            values = base.values()
        except AttributeError:
            return None
        right = node["children"][1]
        charge(len(values) * self._size(right))
        return self._collect(values, right)

    def visit_filter_projection(self, node: Node, value: Any) -> Any:
        """``a[?c].b``: ``b`` of the elements of ``a`` for which ``c`` holds, checked."""
        base = self.visit(node["children"][0], value)
        if not isinstance(base, list):
            return None
        right, condition = node["children"][1], node["children"][2]
        charge(len(base) * (self._size(condition) + self._size(right)))
        kept = (e for e in base if _holds(self.visit(condition, e)))
        return self._collect(kept, right)

    def visit_flatten(self, node: Node, value: Any) -> Any:
        """``a[]``: JMESPath's, its items counted as work."""
        result = super().visit_flatten(node, value)
        if isinstance(result, list):
            charge(len(result))
        return result

    def visit_slice(self, node: Node, value: Any) -> Any:
        """``a[1:5]``: JMESPath's, its items counted as work."""
        result = super().visit_slice(node, value)
        if isinstance(result, list):
            charge(len(result))
        return result

    def visit_comparator(self, node: Node, value: Any) -> Any:
        """``a == b``, ``a < b``, ...: JMESPath's; comparing strings, arrays or objects
        counts their size as work (comparing other values is one step of the item)."""
        left, right = node["children"]
        first, second = self.visit(left, value), self.visit(right, value)
        if type(first) in _SIZED or type(second) in _SIZED:
            charge(_weight(first) + _weight(second))
        compare = self.COMPARATOR_FUNC[node["value"]]
        if node["value"] in ("eq", "ne"):
            return compare(first, second)
        if not (_comparable(first) and _comparable(second)):
            return None
        return compare(first, second)

    def visit_function_expression(self, node: Node, value: Any) -> Any:
        """A function call: JMESPath's; its array, object and string arguments and result
        count their size as work (an ``&expression`` argument, its size times the items of
        the array it is applied to), once the call is made."""
        args = []
        work = items = 0
        reference = None
        for child in node["children"]:
            arg = self.visit(child, value)
            args.append(arg)
            kind = type(arg)
            if kind is str:
                work += len(arg)
            elif kind is list or kind is dict:
                work += len(arg)
                items = max(items, len(arg))
            elif kind is _Expression:
                reference = arg
        result = self._table.call_function(node["value"], args)
        if type(result) in _SIZED:
            work += len(result)
        if reference is not None:
            work += max(items, 1) * self._size(cast("Node", reference.expression))
        if work:
            charge(work)
        return result


def _comparable(value: Any) -> bool:
    """Whether JMESPath orders ``value``: a number (not a boolean) or a string."""
    return isinstance(value, str) or (not isinstance(value, bool) and isinstance(value, Number))
