"""JMESPath expressions: parsed and checked once, then compiled to Python closures.

Nothing here evaluates host code. A user's text is tokenized and parsed by the ``jmespath``
package into a tree of plain dicts; this module turns the common node types (fields, paths,
literals, comparisons, boolean logic, function calls, multi-selects) into nested closures
that follow JMESPath's rules exactly, and hands the rest (projections, filters, slices,
flattening) to JMESPath's own tree interpreter. Calling a closure is a few plain Python
calls; no ``eval``, ``exec`` or ``compile`` of text is involved anywhere.
"""

from __future__ import annotations

import difflib
import operator
from collections.abc import Callable
from numbers import Number
from typing import Any

import attrs
import jmespath  # type: ignore[import-untyped,unused-ignore]
from jmespath import exceptions as jp_exceptions

from hookline.mapping._functions import FunctionTable, function_table
from hookline.mapping._interpreter import CheckedInterpreter
from hookline.mapping._limits import (
    MAX_EXPRESSION_DEPTH,
    MAX_EXPRESSION_LENGTH,
    MAX_VALUE_SIZE,
    EvaluationRefused,
    ValueTooLarge,
    nests_deeper_than,
    size_of,
    start_work,
    tree_depth,
)

#: A compiled expression: takes the current value (a record), returns the result.
Evaluator = Callable[[Any], Any]


class ExpressionError(ValueError):
    """An expression cannot be used: bad syntax, an unknown function, a wrong arity."""


@attrs.frozen
class Expression:
    """A JMESPath expression, parsed and checked against the functions it may call.

    Build one with :meth:`parse`; the mapping parser does so for every ``compute`` and
    ``filter`` it reads, so a bad expression is a config problem with its path.

    Attributes:
        text: the expression as written.
        tree: JMESPath's syntax tree of it.
    """

    text: str
    tree: dict[str, Any] = attrs.field(eq=False, repr=False)

    @classmethod
    def parse(cls, text: str, table: FunctionTable | None = None) -> Expression:
        """Parse ``text`` and check its function calls (against ``table``, default: the
        JMESPath and hookline functions).

        Raises:
            ExpressionError: with a one-line message that never repeats the whole text.
        """
        if not isinstance(text, str):
            raise ExpressionError("expected an expression (a string)")
        if len(text) > MAX_EXPRESSION_LENGTH:
            raise ExpressionError(
                f"the expression is {len(text):,} characters long, more than the limit of "
                f"{MAX_EXPRESSION_LENGTH:,}: {_SPLIT_IT}"
            )
        if nests_deeper_than(text, MAX_EXPRESSION_DEPTH):
            raise ExpressionError(_too_deep(None))
        try:
            tree: Any = jmespath.compile(text).parsed
        except RecursionError:  # not reached: the scan above refuses deeper nesting first
            raise ExpressionError(_too_deep(None)) from None
        except jp_exceptions.EmptyExpressionError:
            raise ExpressionError("empty expression: write one, such as lower(email)") from None
        except jp_exceptions.LexerError as exc:
            raise ExpressionError(
                f"invalid expression: {exc.message} at column {exc.lexer_position + 1}"
            ) from None
        except jp_exceptions.IncompleteExpressionError:
            raise ExpressionError("invalid expression: it ends too early") from None
        except jp_exceptions.ParseError as exc:
            if exc.token_type == "EOF":
                raise ExpressionError("invalid expression: it ends too early") from None
            raise ExpressionError(
                f"invalid expression: unexpected {exc.token_value!r} "
                f"at column {exc.lex_position + 1}"
            ) from None
        depth = tree_depth(tree)
        if depth > MAX_EXPRESSION_DEPTH:
            raise ExpressionError(_too_deep(depth))
        _check_calls(tree, table or function_table())
        return cls(text, tree)

    @property
    def field(self) -> str | None:
        """The field name when the whole expression is one field reference, else ``None``."""
        return self.tree["value"] if self.tree["type"] == "field" else None


_SPLIT_IT = (
    "compute its parts as fields of their own first (each compute field can use the ones before it)"
)


def _too_deep(depth: int | None) -> str:
    if depth:
        levels = f"{depth} levels deep, more than the limit of {MAX_EXPRESSION_DEPTH}"
    else:
        levels = f"more than {MAX_EXPRESSION_DEPTH} levels deep, the limit"
    return (
        f"the expression nests {levels} (a level is a bracket, a function call, a !, a "
        f"projection or an operand of a chain of ||, && or |): {_SPLIT_IT}"
    )


def _check_calls(node: dict[str, Any], table: FunctionTable) -> None:
    if node["type"] == "function_expression":
        name = node["value"]
        call = table.get(name)
        if call is None:
            close = difflib.get_close_matches(name, table.names, n=1)
            hint = f"did you mean {close[0]}()?" if close else "see the mapping reference"
            raise ExpressionError(f"unknown function {name}(): {hint}")
        problem = call.arity_problem(len(node["children"]))
        if problem:
            raise ExpressionError(problem)
    for child in node.get("children", ()):
        if isinstance(child, dict):
            _check_calls(child, table)


def describe_error(exc: Exception) -> str:
    """Say in a few words why evaluating an expression failed, without any value in it."""
    if isinstance(exc, EvaluationRefused):
        return str(exc)
    if isinstance(exc, jp_exceptions.JMESPathTypeError):
        expected = " or ".join(exc.expected_types) if exc.expected_types else "another type"
        return f"{exc.function_name}() expected {expected}, got {exc.actual_type}"
    if isinstance(exc, TypeError):
        return "values of different types cannot be compared or combined"
    return f"the expression failed ({type(exc).__name__})"


# -- Compiling to closures ---------------------------------------------------------------


def _is_number(value: Any) -> bool:
    kind = type(value)
    if kind is int or kind is float:
        return True
    return kind is not bool and isinstance(value, Number)


def _equals(left: Any, right: Any) -> bool:
    # JMESPath never finds 0 or 1 equal to false or true (Python does).
    if _is_number(left) and left in (0, 1):
        if isinstance(right, bool):
            return False
    elif _is_number(right) and right in (0, 1) and isinstance(left, bool):
        return False
    return bool(left == right)


def is_false(value: Any) -> bool:
    """JMESPath's falsiness: null, false, and the empty string, array and object (not 0)."""
    if value is True:
        return False
    return value is None or value is False or value == "" or value == [] or value == {}


_LIMIT = MAX_VALUE_SIZE
_ORDERING = {"lt": operator.lt, "gt": operator.gt, "lte": operator.le, "gte": operator.ge}


class Compiler:
    """Turns expression trees into closures, falling back to JMESPath's interpreter."""

    def __init__(self, table: FunctionTable) -> None:
        self.table = table
        self.interpreter = CheckedInterpreter(table.functions)
        self._handed_over = 0  # how many subtrees were left to the interpreter

    def compile(self, expression: Expression) -> Evaluator:
        """Return a function of the current value that evaluates ``expression``."""
        handed_over = self._handed_over
        evaluate = self._node(expression.tree)
        if self._handed_over == handed_over:
            return evaluate  # all compiled: no loops, nothing to count

        def counted(value: Any) -> Any:
            # The interpreted parts count their work for this one record.
            start_work()
            return evaluate(value)

        return counted

    def _node(self, node: dict[str, Any]) -> Evaluator:
        method = getattr(self, "_" + node["type"], None)
        if method is None:
            return self._interpreted(node)
        result: Evaluator = method(node)
        return result

    def _interpreted(self, node: dict[str, Any]) -> Evaluator:
        self._handed_over += 1
        visit: Any = self.interpreter.visit

        def interpreted(value: Any) -> Any:
            return visit(node, value)

        return interpreted

    def _chain(self, children: list[dict[str, Any]]) -> Evaluator:
        if all(child["type"] == "field" for child in children):
            names = tuple(child["value"] for child in children)

            def path(value: Any) -> Any:
                for name in names:
                    try:
                        value = value.get(name)
                    except AttributeError:
                        return None
                return value

            return path
        steps = tuple(self._node(child) for child in children)

        def chain(value: Any) -> Any:
            for step in steps:
                value = step(value)
            return value

        return chain

    def _subexpression(self, node: dict[str, Any]) -> Evaluator:
        return self._chain(node["children"])

    _pipe = _subexpression
    _index_expression = _subexpression

    def _field(self, node: dict[str, Any]) -> Evaluator:
        name = node["value"]

        def field(value: Any) -> Any:
            try:
                return value.get(name)
            except AttributeError:
                return None

        return field

    def _index(self, node: dict[str, Any]) -> Evaluator:
        position = node["value"]

        def index(value: Any) -> Any:
            if not isinstance(value, list):
                return None
            try:
                return value[position]
            except IndexError:
                return None

        return index

    def _literal(self, node: dict[str, Any]) -> Evaluator:
        constant = node["value"]
        return lambda value: constant

    def _current(self, node: dict[str, Any]) -> Evaluator:
        return lambda value: value

    _identity = _current

    def _comparator(self, node: dict[str, Any]) -> Evaluator:
        left, right = (self._node(child) for child in node["children"])
        kind = node["value"]
        literal = node["children"][1]
        if kind in ("eq", "ne") and literal["type"] == "literal":
            constant = literal["value"]
            if not isinstance(constant, bool) and not (_is_number(constant) and constant in (0, 1)):
                # No 0/1 versus true/false case can arise: plain equality is JMESPath's.
                if kind == "eq":
                    return lambda value: bool(left(value) == constant)
                return lambda value: bool(left(value) != constant)
        if kind == "eq":
            return lambda value: _equals(left(value), right(value))
        if kind == "ne":
            return lambda value: not _equals(left(value), right(value))
        compare = _ORDERING[kind]

        def ordering(value: Any) -> Any:
            a, b = left(value), right(value)
            if not (
                (_is_number(a) or isinstance(a, str)) and (_is_number(b) or isinstance(b, str))
            ):
                return None
            return compare(a, b)

        return ordering

    def _and_expression(self, node: dict[str, Any]) -> Evaluator:
        left, right = (self._node(child) for child in node["children"])

        def both(value: Any) -> Any:
            first = left(value)
            return first if is_false(first) else right(value)

        return both

    def _or_expression(self, node: dict[str, Any]) -> Evaluator:
        left, right = (self._node(child) for child in node["children"])

        def either(value: Any) -> Any:
            first = left(value)
            return right(value) if is_false(first) else first

        return either

    def _not_expression(self, node: dict[str, Any]) -> Evaluator:
        inner = self._node(node["children"][0])

        def negation(value: Any) -> Any:
            result = inner(value)
            if _is_number(result) and result == 0:
                return False  # JMESPath: !0 is false, 0 being truthy
            return not result

        return negation

    def _multi_select_list(self, node: dict[str, Any]) -> Evaluator:
        items = tuple(self._node(child) for child in node["children"])

        def select_list(value: Any) -> Any:
            if value is None:
                return None
            # The size is counted as the items come, so that no more than the limit is
            # ever held: strings and scalars cheaply, arrays and objects by a bounded walk.
            result = []
            used = 1
            for item in items:
                found = item(value)
                kind = type(found)
                if kind is str:
                    used += len(found)
                elif kind is list or kind is dict:
                    used += size_of(found, _LIMIT - used)
                else:
                    used += 1
                if used > _LIMIT:
                    raise ValueTooLarge("a [...] list")
                result.append(found)
            return result

        return select_list

    def _multi_select_dict(self, node: dict[str, Any]) -> Evaluator:
        pairs = tuple((c["value"], self._node(c["children"][0])) for c in node["children"])
        keys = sum(len(key) for key, _ in pairs)

        def select_dict(value: Any) -> Any:
            if value is None:
                return None
            result = {}
            used = 1 + keys
            for key, item in pairs:
                found = item(value)
                kind = type(found)
                if kind is str:
                    used += len(found)
                elif kind is list or kind is dict:
                    used += size_of(found, _LIMIT - used)
                else:
                    used += 1
                if used > _LIMIT:
                    raise ValueTooLarge("an {...} object")
                result[key] = found
            return result

        return select_dict

    def _function_expression(self, node: dict[str, Any]) -> Evaluator:
        children = node["children"]
        if any(child["type"] == "expref" for child in children):
            return self._interpreted(node)
        call = self.table.get(node["value"])
        if call is None:  # parse() refuses unknown functions; this is for safety only
            return self._interpreted(node)
        return call.bind(tuple(self._node(child) for child in children))
