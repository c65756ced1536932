"""The functions expressions may call: JMESPath's own, hookline's, and any a plugin adds.

A function is declared once as a :class:`MappingFunction`. From the declarations this
module builds two things: a :class:`jmespath.functions.Functions` subclass (used by the
reference interpreter for the rare nodes the fast compiler leaves to it), and a
:class:`FunctionTable` that the fast compiler uses to call a function with its argument
types checked from precomputed sets, exactly as JMESPath checks them. hookline's own
functions, and the JMESPath ones it replaces to bound what they build or keep numbers
exact (``join``, ``to_string``, ``to_number``, ``map``, ``merge``, ``sum``, ``avg``), are
in :mod:`._sized`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import attrs
import jmespath.functions  # type: ignore[import-untyped,unused-ignore]
from jmespath import exceptions as jp_exceptions

from hookline.mapping import _sized

#: The argument and result types a function declaration may name (JMESPath's own names).
ARGUMENT_TYPES = ("any", "string", "number", "boolean", "array", "object", "null")

# JMESPath type name -> the Python type names JMESPath accepts for it (it compares names,
# not isinstance, so that True is never a number).
_PY_NAMES = jmespath.functions.REVERSE_TYPES_MAP


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _returns(value: Any) -> str | tuple[str, ...] | None:
    if value is None or isinstance(value, str):
        return value
    return tuple(value)


def _split_types(spec: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in spec.split("|") if part.strip())


@attrs.frozen
class MappingFunction:
    """A function that mapping expressions can call, such as ``lower(email)``.

    Attributes:
        name: the name expressions call it by (lowercase letters, digits and ``_``).
        impl: the Python function; it receives the evaluated arguments and returns a
            JSON-compatible value. It must not raise for a value its argument types admit.
        args: one type per argument, in JMESPath's names: ``"string"``, ``"number"``,
            ``"boolean"``, ``"array"``, ``"object"``, ``"null"``, ``"any"``, or several
            joined with ``|`` (``"string|null"``).
        variadic: the last argument may repeat (one or more times).
        returns: the JSON Schema type of the result, for the output schema: a name or a
            list of names (``["string", "null"]``); ``None`` when it cannot be told.
        description: one line for the reference documentation.
    """

    name: str
    impl: Callable[..., Any] = attrs.field(repr=False)
    args: tuple[str, ...] = attrs.field(converter=_strings)
    variadic: bool = False
    returns: str | tuple[str, ...] | None = attrs.field(default=None, converter=_returns)
    description: str = ""

    def __attrs_post_init__(self) -> None:
        if not self.name.replace("_", "a").isalnum() or not self.name[:1].isalpha():
            raise ValueError(f"function name {self.name!r}: use letters, digits and _")
        for spec in self.args:
            unknown = [t for t in _split_types(spec) if t not in ARGUMENT_TYPES]
            if unknown or not _split_types(spec):
                raise ValueError(f"function {self.name}: unknown argument type {spec!r}")
        if self.variadic and not self.args:
            raise ValueError(f"function {self.name}: a variadic function needs an argument")

    def signature(self) -> list[dict[str, Any]]:
        """Return the declaration in the form :mod:`jmespath.functions` expects."""
        result: list[dict[str, Any]] = []
        for spec in self.args:
            types = _split_types(spec)
            result.append({"types": [] if "any" in types else list(types)})
        if self.variadic:
            result[-1]["variadic"] = True
        return result


#: The functions hookline adds to JMESPath's built-in ones.
HOOKLINE_FUNCTIONS: tuple[MappingFunction, ...] = (
    MappingFunction("lower", _sized.lower, ["string|null"], returns=["string", "null"],
                    description="the string in lowercase; null stays null"),
    MappingFunction("upper", _sized.upper, ["string|null"], returns=["string", "null"],
                    description="the string in uppercase; null stays null"),
    MappingFunction("trim", _sized.trim, ["string|null"], returns=["string", "null"],
                    description="the string without leading and trailing whitespace"),
    MappingFunction("concat", _sized.concat, ["any"], variadic=True, returns="string",
                    description="the text forms of the arguments, joined; nulls are skipped"),
    MappingFunction("split", _sized.split, ["string|null", "string"], returns=["array", "null"],
                    description="the string cut at each separator (an empty one: characters)"),
    MappingFunction("replace", _sized.replace, ["string|null", "string", "string"],
                    returns=["string", "null"],
                    description="the string with every occurrence of old replaced by new"),
    MappingFunction("sha256", _sized.sha256, ["any"], returns=["string", "null"],
                    description="hex SHA-256 of the text form, unsalted (not for personal "
                    "data: use the hash step)"),
)  # fmt: skip

# What JMESPath's own functions return, for the output schema (None: it depends).
_BUILTIN_RETURNS: dict[str, str | tuple[str, ...] | None] = {
    "abs": "number",
    "avg": ("number", "null"),
    "ceil": "number",
    "contains": "boolean",
    "ends_with": "boolean",
    "floor": "number",
    "join": "string",
    "keys": "array",
    "length": "integer",
    "map": "array",
    "merge": "object",
    "sort": "array",
    "sort_by": "array",
    "starts_with": "boolean",
    "sum": "number",
    "to_array": "array",
    "to_number": ("number", "null"),
    "to_string": "string",
    "type": "string",
    "values": "array",
}


class _Call:
    """One function, ready to be called with checked arguments (see :class:`FunctionTable`)."""

    __slots__ = ("allowed", "fallback", "impl", "min_args", "name", "returns", "variadic")

    def __init__(
        self,
        name: str,
        impl: Callable[..., Any],
        signature: list[dict[str, Any]],
        returns: str | tuple[str, ...] | None,
        fallback: Callable[[str, list[Any]], Any],
    ) -> None:
        self.name = name
        self.impl = impl
        self.returns = returns
        self.variadic = bool(signature and signature[-1].get("variadic"))
        self.min_args = len(signature)
        self.fallback: Callable[[str, list[Any]], Any] | None = None
        allowed: list[frozenset[str] | None] = []
        for arg in signature:
            types = arg["types"]
            if any("-" in t or t == "expref" for t in types):
                # Typed arrays and expression references: let JMESPath check them.
                self.fallback = fallback
            names = frozenset(n for t in types for n in _PY_NAMES[t.split("-")[0]])
            allowed.append(names or None)
        self.allowed = tuple(allowed)

    def arity_problem(self, count: int) -> str | None:
        """Return why ``count`` arguments do not fit, or ``None`` when they do."""
        if self.variadic and count < self.min_args:
            return f"{self.name}() takes at least {self.min_args} argument(s), got {count}"
        if not self.variadic and count != self.min_args:
            return f"{self.name}() takes {self.min_args} argument(s), got {count}"
        return None

    def check(self, args: list[Any]) -> None:
        """Raise JMESPath's type error if an argument has a type the function refuses."""
        # As JMESPath does: the declared arguments are checked, repeats of a variadic one
        # are not.
        for names, value in zip(self.allowed, args):  # noqa: B905 (args may be more)
            if names is not None and type(value).__name__ not in names:
                raise _type_error(self.name, value, names)

    def bind(self, args: tuple[Callable[[Any], Any], ...]) -> Callable[[Any], Any]:
        """Return a closure that evaluates ``args`` on a value and calls the function."""
        name, impl = self.name, self.impl
        fallback = self.fallback
        if fallback is not None:
            return lambda value: fallback(name, [arg(value) for arg in args])
        # Checking the exact type first is the same test as JMESPath's by type name; the
        # name is looked at only when the exact type is not among the expected ones.
        checks = [
            (frozenset(_EXACT[n] for n in names if n in _EXACT), names) if names else None
            for names in self.allowed
        ]
        checks += [None] * (len(args) - len(checks))  # repeats of a variadic argument

        def refused(given: Any, check: tuple[frozenset[type], frozenset[str]] | None) -> bool:
            if check is None:
                return False
            kind = type(given)
            return kind not in check[0] and kind.__name__ not in check[1]

        if len(args) == 1:
            (arg,) = args
            (check,) = checks
            if check is None:
                return lambda value: impl(arg(value))
            exact, names = check

            def call_one(value: Any) -> Any:
                given = arg(value)
                kind = type(given)
                if kind not in exact and kind.__name__ not in names:
                    raise _type_error(name, given, names)
                return impl(given)

            return call_one
        if len(args) == 2:
            first, second = args
            check_first, check_second = checks

            def call_two(value: Any) -> Any:
                a, b = first(value), second(value)
                if refused(a, check_first) or refused(b, check_second):
                    self.check([a, b])
                return impl(a, b)

            return call_two
        if all(check is None for check in checks):  # concat(...), sha256(...): any types

            def call_unchecked(value: Any) -> Any:
                return impl(*[arg(value) for arg in args])

            return call_unchecked
        check_all = self.check

        def call(value: Any) -> Any:
            given = [arg(value) for arg in args]
            check_all(given)
            return impl(*given)

        return call


_EXACT: dict[str, type] = {t.__name__: t for t in (str, int, float, bool, list, dict, type(None))}


def _type_error(name: str, value: Any, names: frozenset[str]) -> Exception:
    expected = sorted({t for t, py in _PY_NAMES.items() if set(py) & names})
    actual = jmespath.functions.TYPES_MAP.get(type(value).__name__, "unknown")
    error: Exception = jp_exceptions.JMESPathTypeError(name, value, actual, expected)
    return error


class FunctionTable:
    """Every function expressions may call, by name, with its checks precomputed.

    Attributes:
        functions: the :class:`jmespath.functions.Functions` instance for the interpreter.
    """

    def __init__(self, extra: Iterable[MappingFunction] = ()) -> None:
        extra = tuple(extra)
        taken = set(jmespath.functions.Functions.FUNCTION_TABLE)
        declared: dict[str, MappingFunction] = {}
        for function in (*HOOKLINE_FUNCTIONS, *extra):
            if function.name in taken or function.name in declared:
                raise ValueError(f"function {function.name}() is already defined: rename it")
            declared[function.name] = function
        methods: dict[str, Any] = {}
        base: dict[str, dict[str, Any]] = jmespath.functions.Functions.FUNCTION_TABLE
        for name, impl in _sized.REPLACED.items():
            # JMESPath's own, replaced by versions that bound what they build or keep
            # numbers exact; same name, same arguments.
            methods["_func_" + name] = _method(impl, base[name]["signature"])
        for function in declared.values():
            methods["_func_" + function.name] = _method(function.impl, function.signature())
        # A subclass built from declarations: the metaclass collects the ``_func_`` methods.
        cls = type("HooklineFunctions", (jmespath.functions.Functions,), methods)
        self.functions = cls()
        self._calls: dict[str, _Call] = {}
        table: dict[str, dict[str, Any]] = cls.FUNCTION_TABLE  # type: ignore[attr-defined]
        for name, entry in table.items():
            own = declared.get(name)
            returns = own.returns if own else _BUILTIN_RETURNS.get(name)
            if own is not None:
                impl = own.impl
            elif name in _sized.REPLACED:
                impl = _sized.REPLACED[name]
            else:
                impl = _bound(self.functions, entry["function"])
            self._calls[name] = _Call(
                name, impl, entry["signature"], returns, self.functions.call_function
            )

    def get(self, name: str) -> _Call | None:
        """Return the callable for ``name``, or ``None`` when no such function exists."""
        return self._calls.get(name)

    @property
    def names(self) -> list[str]:
        """Every function name, sorted."""
        return sorted(self._calls)


def _method(impl: Callable[..., Any], signature: list[dict[str, Any]]) -> Any:
    def method(self: Any, *args: Any) -> Any:
        return impl(*args)

    method.signature = signature  # type: ignore[attr-defined]
    return method


def _bound(instance: Any, function: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        return function(instance, *args)

    return call


_DEFAULT_TABLE: FunctionTable | None = None


def function_table(extra: Iterable[MappingFunction] = ()) -> FunctionTable:
    """Return the table of every function, with ``extra`` added (shared when none are)."""
    global _DEFAULT_TABLE
    extra = tuple(extra)
    if extra:
        return FunctionTable(extra)
    if _DEFAULT_TABLE is None:
        _DEFAULT_TABLE = FunctionTable()
    return _DEFAULT_TABLE
