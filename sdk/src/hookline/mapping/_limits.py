"""The limits that bound what one expression can cost, and the checks that enforce them.

An expression is written once and evaluated for every record, so its cost must be bounded
by the expression alone, whatever the records hold:

- **Length and depth**, checked when the expression is parsed: at most
  :data:`MAX_EXPRESSION_LENGTH` characters and :data:`MAX_EXPRESSION_DEPTH` levels of
  nesting. The length is checked before anything else and the nesting is counted by a
  plain scan of the text (:func:`nests_deeper_than`) before the text reaches JMESPath's
  parser, whose recursion follows the nesting; then the depth of the syntax tree is
  measured without recursion (:func:`tree_depth`). Parsing, checking, compiling and
  evaluating an expression recurse along its tree, so these two limits keep each of them
  to a few hundred Python frames. They also bound the nodes: every node of the compiled
  part of an expression is evaluated once per record.
- **Size of the values it builds**, checked as each value is built: no function result,
  ``[...]``/``{...}`` or projection may exceed :data:`MAX_VALUE_SIZE` (see
  :func:`size_of`). A function that can grow its input (``replace``, ``join``, ...) works
  out the size of its result before building it.
- **Steps**, counted as they are taken (:func:`charge`): the parts that loop (projections,
  filters, ``map``, ``sort_by``, ...), where nesting multiplies the work, may take at most
  :data:`MAX_EXPRESSION_STEPS` steps per record.

A record past a limit raises an :class:`EvaluationRefused`, which sets that one record
aside with a reason naming the field and the limit, never the value.
"""

from __future__ import annotations

import threading
from typing import Any

#: The most characters an expression may have.
MAX_EXPRESSION_LENGTH = 4_000
#: The most levels an expression may nest: brackets, parentheses, function calls, ``!``,
#: projections, and one per operand of a chain of ``||``, ``&&``, ``|`` or comparisons.
MAX_EXPRESSION_DEPTH = 64
#: The largest value an expression may build, in characters (see :func:`size_of`): 1 MiB.
MAX_VALUE_SIZE = 1 << 20

#: The most steps the looping parts of one expression (projections, filters, flattening,
#: slices, ``map``, ``sort_by``, ...) may take for one record (see :func:`charge`).
MAX_EXPRESSION_STEPS = 2_000_000

#: How :data:`MAX_VALUE_SIZE` is written in reasons.
VALUE_LIMIT_TEXT = "1 MiB (1,048,576 characters)"


class EvaluationRefused(ValueError):
    """An expression refused to produce a value for one record; the message says why in a
    few words and never holds a value, so it can be a reason as it is."""


class ValueTooLarge(EvaluationRefused):
    """A value an expression would build is larger than :data:`MAX_VALUE_SIZE`."""

    def __init__(self, builder: str) -> None:
        super().__init__(
            f"{builder} would build a value larger than {VALUE_LIMIT_TEXT}, the limit for a "
            "value an expression builds"
        )


class TooMuchWork(EvaluationRefused):
    """The looping parts of an expression would take more than :data:`MAX_EXPRESSION_STEPS`
    steps for one record."""

    def __init__(self) -> None:
        super().__init__(
            "projections, filters and functions over arrays would take more than "
            f"{MAX_EXPRESSION_STEPS:,} steps, the limit for one record"
        )


_METER = threading.local()


def start_work() -> None:
    """Give the current thread's evaluation of one expression on one record its
    :data:`MAX_EXPRESSION_STEPS` steps."""
    _METER.left = MAX_EXPRESSION_STEPS


def charge(steps: int) -> None:
    """Count ``steps`` against the current evaluation; raise :class:`TooMuchWork` past the
    limit.

    A step is an item visited (an array element a projection, filter or ``map`` evaluates
    its right side on, times the size of that side), an item or character compared,
    copied or built. Only the parts handed to JMESPath's interpreter are counted: the
    compiled closures have no loops, each of their nodes is evaluated once per record.
    """
    meter = _METER
    try:
        left = meter.left - steps
    except AttributeError:  # nothing started in this thread: a fresh count
        left = MAX_EXPRESSION_STEPS - steps
    meter.left = left
    if left < 0:
        raise TooMuchWork()


def size_of(value: Any, limit: int = MAX_VALUE_SIZE) -> int:
    """Return the size of ``value``, or any number above ``limit`` once it is known to be.

    The size is counted in characters of text: a string counts its length, a number,
    ``true``, ``false`` or ``null`` counts 1, an array or object 1 plus the sizes of its
    items (and of an object's keys). It is close to the length of the value's JSON text
    without quotes and commas. The same array or object reached twice counts twice, as it
    would be written twice. The walk uses no recursion and stops as soon as the count
    passes ``limit``, so it costs at most about ``limit`` steps whatever the value is.
    """
    kind = type(value)
    if kind is str:
        return len(value)
    if kind is not list and kind is not dict:
        return 1
    total = 0
    pending: list[Any] = [value]
    pop, push = pending.pop, pending.extend
    while pending:
        item = pop()
        kind = type(item)
        if kind is str:
            total += len(item)
        elif kind is list:
            total += 1
            push(item)
        elif kind is dict:
            total += 1
            for key in item:
                total += len(key) if type(key) is str else 1
            push(item.values())
        else:
            total += 1
        if total > limit:
            break
    return total


# -- Nesting, before and after parsing ----------------------------------------------------

_OPENING = frozenset("([{")
_CLOSING = frozenset(")]}")
#: Characters that end a projection or a chain of ``!``: ``|``, comparisons, ``,``, ``:``.
_STOPPING = frozenset("|=<>,:")


def nests_deeper_than(text: str, limit: int) -> bool:
    """Whether ``text`` nests deeper than ``limit`` levels, counted without parsing it.

    JMESPath's parser recurses once per open bracket, parenthesis or brace, per ``!`` or
    ``&`` waiting for its operand, and per projection (``[*]``, ``[?``, ``[]``, ``.*``)
    still open; the JSON reader behind backtick literals recurses per open ``[`` or ``{``.
    This scan counts all of those, generously (every ``[`` counts as a projection until the
    next ``|``, comparison, ``,`` or ``:``), in one pass over the characters and skipping
    quoted text, so that text nested too deep for the parser is refused before the parser
    sees it.
    """
    outer = 0  # the levels of the enclosing brackets, their own chains included
    chain = 0  # open ! and projections at this bracket level (end at a stopping character)
    sticky = 0  # open & at this bracket level (end at ',' or the closing bracket)
    stack: list[tuple[int, int]] = []
    position, end = 0, len(text)
    while position < end:
        char = text[position]
        position += 1
        if char == "'" or char == '"':
            position = _after_quoted(text, position, char)
        elif char == "`":
            position, inner = _literal_depth(text, position)
            if outer + chain + sticky + inner > limit:
                return True
        elif char in _OPENING:
            if char == "[":
                chain += 1
            stack.append((chain, sticky))
            outer += chain + sticky + 1
            chain = sticky = 0
        elif char in _CLOSING:
            if stack:
                chain, sticky = stack.pop()
                outer -= chain + sticky + 1
        elif char in _STOPPING:
            chain = 0
            if char == ",":
                sticky = 0
        elif char == "!":
            if text[position : position + 1] == "=":
                chain = 0
                position += 1
            else:
                chain += 1
        elif char == "&":
            if text[position : position + 1] == "&":
                chain = 0
                position += 1
            else:
                sticky += 1
        elif char == "*":
            chain += 1
        else:
            continue
        if outer + chain + sticky > limit:
            return True
    return False


def _after_quoted(text: str, position: int, quote: str) -> int:
    """The position after the quoted text that starts at ``position`` (past the quote)."""
    end = len(text)
    while position < end:
        char = text[position]
        if char == "\\":
            position += 2
            continue
        position += 1
        if char == quote:
            return position
    return end


def _literal_depth(text: str, position: int) -> tuple[int, int]:
    """The position after a backtick literal, and how deep its JSON nests."""
    depth = deepest = 0
    in_string = False
    end = len(text)
    while position < end:
        char = text[position]
        position += 1
        if char == "\\":
            position += 1  # an escaped backtick, or an escape of the JSON text
        elif char == "`":
            break
        elif in_string:
            in_string = char != '"'
        elif char == '"':
            in_string = True
        elif char == "[" or char == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif char == "]" or char == "}":
            depth -= 1
    return position, deepest


def tree_size(tree: dict[str, Any]) -> int:
    """Return how many nodes a JMESPath syntax tree has, without recursion."""
    count = 0
    pending: list[Any] = [tree]
    while pending:
        node = pending.pop()
        count += 1
        pending.extend(c for c in node.get("children", ()) if isinstance(c, dict))
    return count


def tree_depth(tree: dict[str, Any]) -> int:
    """Return the depth of a JMESPath syntax tree (a lone field is 1), without recursion."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(tree, 1)]
    while pending:
        node, depth = pending.pop()
        deepest = max(deepest, depth)
        for child in node.get("children", ()):
            if isinstance(child, dict):
                pending.append((child, depth + 1))
    return deepest
