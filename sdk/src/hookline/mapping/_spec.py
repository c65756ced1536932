"""Reading a mapping spec from YAML or JSON data, with every problem and its path.

Two forms are read (see :func:`parse_mapping`); both give a
:class:`~hookline.mapping.MappingSpec` whose ``steps`` run in order. Every problem of a
spec is collected and raised together as one :class:`~hookline.errors.ConfigError`.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from hookline._converter import structure
from hookline.config import resolve_references
from hookline.errors import ConfigError, ConfigProblem
from hookline.mapping._expressions import Expression, ExpressionError
from hookline.mapping._functions import MappingFunction, function_table
from hookline.mapping._models import (
    CANONICAL_ORDER,
    CAST_TYPES,
    CREATING_STEPS,
    STEP_TYPES,
    Cast,
    Compute,
    Defaults,
    Filter,
    Flatten,
    Hash,
    MappingSpec,
    Mask,
    Rename,
    Step,
)
from hookline.secrets import Secret

_MIN_SALT = 8
_OPTIONAL = "optional"


class _Reader:
    """Reads step bodies, collecting every problem instead of stopping at the first."""

    def __init__(self, source: str, functions: Iterable[MappingFunction]) -> None:
        self.source = source
        self.table = function_table(functions)
        self.problems: list[ConfigProblem] = []

    def problem(self, message: str, path: str) -> None:
        self.problems.append(ConfigProblem(self.source, message, path))

    def scalar(self, value: Any, type_: type, path: str) -> Any:
        try:
            return structure(value, type_, source=self.source, path=path)
        except ConfigError as exc:
            self.problems += exc.problems
            return None

    def field_name(self, value: Any, path: str) -> str | None:
        name: str | None = self.scalar(value, str, path)
        if name == "":
            self.problem("empty field name", path)
            return None
        return name

    def names(self, body: Any, path: str) -> tuple[str, ...]:
        if isinstance(body, str):
            body = [body]
        if not isinstance(body, list) or not body:
            self.problem("expected a list of field names", path)
            return ()
        found = [self.field_name(v, f"{path}[{i}]") for i, v in enumerate(body)]
        return tuple(n for n in found if n is not None)

    def table_of(
        self, body: Any, path: str, read: Callable[[Any, str], Any], example: str
    ) -> dict[str, Any]:
        if not isinstance(body, dict) or not body:
            self.problem(f"expected a mapping such as {example}", path)
            return {}
        result = {}
        for key, value in body.items():
            here = f"{path}.{key}"
            name = self.field_name(key, here)
            converted = read(value, here)
            if name is not None and converted is not None:
                result[name] = converted
        return result

    def expression(self, value: Any, path: str) -> Expression | None:
        try:
            return Expression.parse(value, self.table)
        except ExpressionError as exc:
            self.problem(str(exc), path)
            return None

    # -- one method per step: body -> step (or None when the body has problems) ----------

    def rename(self, body: Any, path: str) -> Step:
        fields = self.table_of(body, path, self.field_name, "{old: new}")
        targets = list(fields.values())
        for target in sorted({t for t in targets if targets.count(t) > 1}):
            self.problem(f"several fields are renamed to {target!r}", path)
        return Rename(fields, path=path)

    def cast(self, body: Any, path: str) -> Step:
        def cast_type(value: Any, here: str) -> str | None:
            if value in CAST_TYPES:
                return str(value)
            close = difflib.get_close_matches(str(value), CAST_TYPES, n=1)
            hint = f"did you mean {close[0]}?" if close else "use one of " + ", ".join(CAST_TYPES)
            self.problem(f"unknown type {value!r}: {hint}", here)
            return None

        return Cast(self.table_of(body, path, cast_type, "{total: number}"), path=path)

    def defaults(self, body: Any, path: str) -> Step:
        return Defaults(self.table_of(body, path, self._json_value, "{country: NL}"), path=path)

    def _json_value(self, value: Any, path: str) -> Any:
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat()  # YAML reads 2024-01-31 as a date
        if value is None:
            self.problem("a default of null changes nothing: give a value or remove it", path)
            return None
        if isinstance(value, (str, int, float, bool, list, dict)):
            return value
        self.problem("expected a JSON value", path)
        return None

    def compute(self, body: Any, path: str) -> Step:
        fields = self.table_of(
            body, path, self.expression, "{email_domain: \"split(email, '@')[1]\"}"
        )
        return Compute(fields, path=path)

    def filter(self, body: Any, path: str) -> Step | None:
        expression = self.expression(body, path)
        return None if expression is None else Filter(expression, path=path)

    def mask(self, body: Any, path: str) -> Step:
        if isinstance(body, (list, str)):
            return Mask(dict.fromkeys(self.names(body, path), 0), path=path)

        def shown(value: Any, here: str) -> int | None:
            count: int | None = self.scalar(value, int, here)
            if count is not None and count < 0:
                self.problem("expected how many characters to show (0 or more)", here)
                return None
            return count

        return Mask(self.table_of(body, path, shown, "{card_number: 4}"), path=path)

    def flatten(self, body: Any, path: str) -> Step:
        if isinstance(body, (list, str)):
            return Flatten(dict.fromkeys(self.names(body, path), "_"), path=path)

        def separator(value: Any, here: str) -> str | None:
            text: str | None = self.scalar(value, str, here)
            if text == "":
                self.problem("empty separator: use one such as _ or .", here)
                return None
            return text

        return Flatten(self.table_of(body, path, separator, "{address: _}"), path=path)

    def read_step(self, name: str, body: Any, path: str) -> Step | None:
        readers: dict[str, Callable[[Any, str], Step | None]] = {
            "rename": self.rename,
            "cast": self.cast,
            "defaults": self.defaults,
            "compute": self.compute,
            "filter": self.filter,
            "mask": self.mask,
            "flatten": self.flatten,
        }
        reader = readers.get(name)
        if reader is not None:
            return reader(body, path)
        names_only: Callable[..., Step] = STEP_TYPES[name]
        return names_only(self.names(body, path), path=path)

    def salt(self, value: Any, path: str, environ: Mapping[str, str] | None) -> Secret | None:
        if isinstance(value, str) and "${" in value:
            # Resolved here too, so an unresolved reference can never become the salt.
            try:
                value = resolve_references(value, source=self.source, environ=environ)
            except ConfigError as exc:
                self.problems += [attrs.evolve(p, path=path) for p in exc.problems]
                return None
        salt: Secret | None = self.scalar(value, Secret, path)
        if salt is not None and len(salt.reveal()) < _MIN_SALT:
            self.problem(f"the salt is too short: use at least {_MIN_SALT} random characters", path)
            return None
        return salt

    def unknown_step(self, name: Any, path: str) -> None:
        if name == "salt":
            self.problem(
                "salt is a setting of the whole mapping: write {salt: ..., steps: [...]}", path
            )
            return
        close = difflib.get_close_matches(str(name), list(STEP_TYPES), n=1)
        hint = f"did you mean {close[0]!r}?" if close else "use one of " + ", ".join(STEP_TYPES)
        self.problem(f"unknown step {name!r}: {hint}", path)


def parse_mapping(
    data: Any,
    *,
    source: str = "<mapping>",
    path: str = "$",
    functions: Iterable[MappingFunction] = (),
    environ: Mapping[str, str] | None = None,
) -> MappingSpec:
    """Read a mapping spec written in YAML or JSON, checking everything that can be checked.

    ``data`` is either an ordered list of single-key steps, or a mapping. A mapping holds
    the setting ``salt`` and either ``steps`` (an ordered list of steps) or step names as
    keys; in the latter form the steps run in :data:`CANONICAL_ORDER`::

        [{rename: {id: order_id}}, {cast: {total: number}}]
        {salt: ..., steps: [{rename: {id: order_id}}, {hash: [email]}]}
        {salt: ..., rename: {id: order_id}, cast: {total: number}, hash: [email]}

    A step may be marked ``optional``: the fields it names may be missing from the
    stream's schema. In a list, next to the step: ``{lower: [nickname], optional: true}``;
    in a mapping of steps, the setting ``optional`` names the steps: ``optional: [lower]``.

    Args:
        data: the parsed document (``None`` is an empty mapping).
        source: the file it came from, named in every problem.
        path: the JSON path of ``data`` in that file, such as ``$.streams.orders.map``.
        functions: extra functions expressions may call (from plugins).
        environ: where a ``${env:NAME}`` salt reference not yet resolved is looked up
            (default: ``os.environ``).

    Raises:
        ConfigError: every problem at once: unknown steps, wrong shapes, unknown cast
            types, invalid expressions or unknown functions, a hash step without a salt,
            a misused ``optional``.
    """
    reader = _Reader(source, functions)
    salt: Secret | None = None
    steps: list[Step | None] = []
    if data is None:
        return MappingSpec(source=source)
    if isinstance(data, list):
        steps = _read_list(reader, data, path)
    elif isinstance(data, dict):
        if "salt" in data:
            salt = reader.salt(data["salt"], f"{path}.salt", environ)
        if "steps" in data:
            for key in data:
                if key == _OPTIONAL:
                    reader.problem(
                        "optional next to steps: mark the list items instead, such as "
                        "- {lower: [nickname], optional: true}",
                        f"{path}.{key}",
                    )
                elif key not in ("salt", "steps"):
                    reader.problem(
                        f"{key!r} next to steps: move it into the steps list", f"{path}.{key}"
                    )
            if isinstance(data["steps"], list):
                steps = _read_list(reader, data["steps"], f"{path}.steps")
            else:
                reader.problem("expected a list of steps", f"{path}.steps")
        else:
            for key in data:
                if key not in ("salt", _OPTIONAL) and key not in STEP_TYPES:
                    reader.unknown_step(key, f"{path}.{key}")
            optional = (
                _optional_names(reader, data, f"{path}.{_OPTIONAL}") if _OPTIONAL in data else set()
            )
            for name in CANONICAL_ORDER:
                if name in data:
                    step = reader.read_step(name, data[name], f"{path}.{name}")
                    if step is not None and name in optional:
                        step = attrs.evolve(step, optional=True)
                    steps.append(step)
    else:
        reader.problem("expected a list of steps, or a mapping of steps and settings", path)
    found = tuple(s for s in steps if s is not None)
    if salt is None and "salt" not in (data if isinstance(data, dict) else {}):
        form = "{salt: ..., steps: [...]}" if isinstance(data, list) else "salt: ${env:MAP_SALT}"
        for step in found:
            if isinstance(step, Hash):
                reader.problem(f"hash needs a salt: add {form} to the mapping", step.path)
    if reader.problems:
        raise ConfigError(reader.problems)
    return MappingSpec(found, salt, source)


def _read_list(reader: _Reader, items: list[Any], path: str) -> list[Step | None]:
    steps: list[Step | None] = []
    for index, item in enumerate(items):
        here = f"{path}[{index}]"
        if not isinstance(item, dict):
            reader.problem("expected a step such as {rename: {old: new}}", here)
            continue
        keys = [k for k in item if k != _OPTIONAL]
        if len(keys) != 1:
            if keys:
                reader.problem(
                    f"one step per list item: split {', '.join(map(str, keys))} into items "
                    "of their own",
                    here,
                )
            elif item:
                reader.problem(
                    "optional marks a step: write it next to one, such as "
                    "{lower: [nickname], optional: true}",
                    here,
                )
            else:
                reader.problem("expected a step such as {rename: {old: new}}", here)
            continue
        (name,) = keys
        if name not in STEP_TYPES:
            reader.unknown_step(name, here)
            continue
        step = reader.read_step(name, item[name], f"{here}.{name}")
        if _OPTIONAL in item:
            flag = _optional_flag(reader, name, item[_OPTIONAL], f"{here}.{_OPTIONAL}")
            if step is not None and flag:
                step = attrs.evolve(step, optional=True)
        steps.append(step)
    return steps


def _optional_flag(reader: _Reader, step: str, value: Any, path: str) -> bool:
    """Read ``optional: true`` of a list item."""
    if not isinstance(value, bool):
        hint = "; to name steps, use the mapping form" if isinstance(value, list) else ""
        reader.problem(f"optional: expected true or false{hint}", path)
        return False
    if value and step in CREATING_STEPS:
        reader.problem(f"optional: {step} names no field that must exist, remove it", path)
        return False
    return value


def _optional_names(reader: _Reader, data: dict[Any, Any], path: str) -> set[str]:
    """Read ``optional: [lower, cast]`` of a mapping of steps: the steps it marks."""
    value = data[_OPTIONAL]
    if isinstance(value, str):
        value = [value]
    if isinstance(value, bool):
        reader.problem(
            "optional: in a mapping of steps, name the steps it marks, such as "
            "optional: [lower, cast]",
            path,
        )
        return set()
    if not isinstance(value, list) or not value:
        reader.problem("optional: expected a list of step names, such as [lower, cast]", path)
        return set()
    names: set[str] = set()
    for index, name in enumerate(value):
        here = f"{path}[{index}]"
        if name not in STEP_TYPES:
            close = difflib.get_close_matches(str(name), list(STEP_TYPES), n=1)
            hint = f": did you mean {close[0]!r}?" if close else ""
            reader.problem(f"optional: unknown step {name!r}{hint}", here)
        elif name not in data:
            reader.problem(f"optional: this mapping has no {name} step", here)
        elif name in CREATING_STEPS:
            reader.problem(f"optional: {name} names no field that must exist, remove it", here)
        else:
            names.add(name)
    return names
