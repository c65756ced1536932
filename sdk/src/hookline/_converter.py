"""The one cattrs converter that turns configuration data into frozen attrs models."""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import attrs
import cattrs

from hookline.errors import ConfigError, ConfigProblem
from hookline.secrets import Secret

T = TypeVar("T")


def _structure_secret(value: Any, _: type) -> Secret:
    if isinstance(value, Secret):
        return value
    if not isinstance(value, str):
        raise TypeError("expected a string (a secret)")
    return Secret(value)


def _structure_path(value: Any, _: type) -> Path:
    if not isinstance(value, (str, Path)):
        raise TypeError("expected a path (a string)")
    return Path(value)


def _structure_str(value: Any, _: type) -> str:
    # Refuse what a plain str() would silently accept (numbers, lists, mappings): a port
    # written where a name belongs is a mistake worth one clear line.
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


class _Refused(ValueError):
    """A value of the wrong type; its message never repeats the value (it may be secret)."""


def _structure_int(value: Any, _: type) -> int:
    if isinstance(value, bool):
        raise _Refused("expected an integer, got true/false")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        return int(value)
    raise _Refused("expected an integer")


def _structure_float(value: Any, _: type) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise _Refused("expected a number")


def _structure_bool(value: Any, _: type) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _BOOLEAN_WORDS:
        return _BOOLEAN_WORDS[value.strip().lower()]
    raise _Refused("expected true or false")


_BOOLEAN_WORDS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def _is_list_of_str(type_: Any) -> bool:
    origin = typing.get_origin(type_)
    args = typing.get_args(type_)
    if origin is tuple:
        return args in ((str, ...), (str,))
    return origin in (list, frozenset, set) and args == (str,)


def _list_of_str_hook(converter: cattrs.Converter) -> Any:
    def factory(type_: Any) -> Any:
        container = typing.get_origin(type_)

        def structure_names(value: Any, _: type) -> Any:
            # One name where a list of names is expected is a list of one
            # (`primary_key: id`), never a list of characters.
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, (list, tuple, set, frozenset)):
                raise _Refused("expected a list of strings")
            return container(converter.structure(v, str) for v in value)

        return structure_names

    return factory


def make_converter() -> cattrs.Converter:
    """Build the converter: unknown keys are errors, secrets become :class:`Secret`.

    Scalars are strict about their type but accept the string forms that ``${env:...}``
    references produce (``"8080"`` for an integer, ``"true"`` for a boolean).
    """
    converter = cattrs.Converter(forbid_extra_keys=True)
    converter.register_structure_hook(Secret, _structure_secret)
    converter.register_structure_hook(Path, _structure_path)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(float, _structure_float)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook_factory(_is_list_of_str, _list_of_str_hook(converter))
    return converter


_CONVERTER = make_converter()


def structure(data: Any, model: type[T], *, source: str, path: str = "$") -> T:
    """Structure ``data`` into ``model``, or raise :class:`ConfigError` listing every problem.

    Args:
        data: the parsed document (mappings, lists, scalars).
        model: the attrs class to build.
        source: the file the data came from, named in every problem.
        path: the JSON path of ``data`` inside that file.
    """
    try:
        return _CONVERTER.structure(data, model)
    except (cattrs.BaseValidationError, ValueError, TypeError) as exc:
        problems = [ConfigProblem(source, message, where) for message, where in _walk(exc, path)]
        raise ConfigError(problems) from None
    except AttributeError:
        # A scalar where a mapping belongs (cattrs calls .items() on it).
        raise ConfigError([ConfigProblem(source, "expected a mapping", path)]) from None


def _walk(exc: BaseException, path: str, type_: Any = None) -> list[tuple[str, str]]:
    """Every leaf problem of a cattrs error tree, as (message, JSON path) pairs."""
    found: list[tuple[str, str]] = []
    if isinstance(exc, cattrs.IterableValidationError):
        items, rest = exc.group_exceptions()
        for inner, item in items:
            found += _walk(inner, f"{path}[{item.index!r}]", item.type)
    elif isinstance(exc, cattrs.ClassValidationError):
        fields, rest = exc.group_exceptions()
        for inner, field in fields:
            found += _walk(inner, f"{path}.{field.name}", field.type)
    else:
        return [(_format_exception(exc, type_), path)]
    return found + [(_format_exception(inner, None), path) for inner in rest]


def _did_you_mean(exc: cattrs.ForbiddenExtraKeysError) -> str:
    """`` (did you mean 'destination'?)`` for unknown keys close to a setting's name."""
    if not attrs.has(exc.cl):
        return ""
    import difflib  # only when a setting is misspelt

    known = [field.name for field in attrs.fields(exc.cl)]
    close = [
        f"{match[0]!r} for {key!r}" if len(exc.extra_fields) > 1 else repr(match[0])
        for key in sorted(exc.extra_fields)
        if (match := difflib.get_close_matches(key, known, n=1))
    ]
    return f" (did you mean {', '.join(close)}?)" if close else ""


def _format_exception(exc: BaseException, type_: type | None) -> str:
    if isinstance(exc, KeyError):
        return "required setting missing: add it"
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        keys = ", ".join(sorted(exc.extra_fields))
        return f"unknown setting(s) {keys}: remove them or check the spelling" + _did_you_mean(exc)
    if isinstance(exc, _Refused) or (
        isinstance(exc, TypeError) and str(exc).startswith("expected")
    ):
        return str(exc)
    if type(exc) is ValueError and str(exc):
        # Raised by a model's own validator: its message is written for the user.
        return str(exc)
    if type_ is not None:
        return f"invalid value, expected {_describe_type(type_)}"
    return "invalid value"


def _describe_type(type_: Any) -> str:
    """Name a type the way a config author thinks of it."""
    origin = typing.get_origin(type_)
    args = typing.get_args(type_)
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin is typing.Union or origin is types.UnionType:
        named = [_describe_type(a) for a in args if a is not type(None)]
        return " or ".join(named)
    if origin in (tuple, list, set, frozenset):
        return "a list"
    if origin is dict or type_ is dict:
        return "a mapping"
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
    return names.get(type_, getattr(type_, "__name__", repr(type_)))


def unstructure(value: Any) -> Any:
    """Return ``value`` as plain data (secrets stay masked objects)."""
    return _CONVERTER.unstructure(value)
