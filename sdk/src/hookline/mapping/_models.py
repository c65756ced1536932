"""The mapping spec as frozen models: one class per step, and the whole mapping.

The models are what :func:`~hookline.mapping.parse_mapping` builds from YAML; they can also
be built in Python, for a connector or a test::

    MappingSpec([Rename({"id": "order_id"}), Cast({"total": "number"})])
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import attrs

from hookline.mapping._expressions import Expression
from hookline.secrets import Secret

#: The types ``cast`` converts to.
CAST_TYPES = ("integer", "number", "string", "boolean", "datetime", "json")

#: The order steps run in when a mapping is written as a mapping of steps.
CANONICAL_ORDER = (
    "flatten",
    "rename",
    "defaults",
    "trim",
    "lower",
    "upper",
    "cast",
    "compute",
    "filter",
    "hash",
    "mask",
    "keep",
    "drop",
)


def _frozen_map(value: Mapping[str, Any]) -> dict[str, Any]:
    return dict(value)


def _names(value: Iterable[str] | str) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _steps(value: Iterable[Step]) -> tuple[Step, ...]:
    return tuple(value)


@attrs.frozen
class Step:
    """Base of every step.

    Attributes:
        path: where the step was written (for error messages).
        optional: the fields the step names may be missing from the stream's schema (the
            records may still have them); without it, naming a field the schema does not
            list is a config problem. It has no effect on ``defaults``, which names no
            field that must exist, and cannot make a field exist where the schema allows
            no other fields.
    """

    name: ClassVar[str] = ""
    path: str = attrs.field(default="$", kw_only=True, eq=False)
    optional: bool = attrs.field(default=False, kw_only=True)


@attrs.frozen
class Rename(Step):
    """``rename: {old: new}``: give fields new names; every later step uses the new ones."""

    name: ClassVar[str] = "rename"
    fields: dict[str, str] = attrs.field(converter=_frozen_map)


@attrs.frozen
class Keep(Step):
    """``keep: [fields]``: keep only these fields, in this order; drop every other."""

    name: ClassVar[str] = "keep"
    fields: tuple[str, ...] = attrs.field(converter=_names)


@attrs.frozen
class Drop(Step):
    """``drop: [fields]``: remove these fields."""

    name: ClassVar[str] = "drop"
    fields: tuple[str, ...] = attrs.field(converter=_names)


@attrs.frozen
class Cast(Step):
    """``cast: {field: type}``: convert values to one of :data:`CAST_TYPES`; null stays null."""

    name: ClassVar[str] = "cast"
    fields: dict[str, str] = attrs.field(converter=_frozen_map)


@attrs.frozen
class Defaults(Step):
    """``defaults: {field: value}``: fill a missing or null field with a value."""

    name: ClassVar[str] = "defaults"
    values: dict[str, Any] = attrs.field(converter=_frozen_map)


@attrs.frozen
class Compute(Step):
    """``compute: {field: expression}``: set fields from JMESPath expressions, in order."""

    name: ClassVar[str] = "compute"
    fields: dict[str, Expression | str] = attrs.field(converter=_frozen_map)


@attrs.frozen
class Filter(Step):
    """``filter: expression``: keep the records for which it is truthy; count the others."""

    name: ClassVar[str] = "filter"
    expression: Expression | str


@attrs.frozen
class Hash(Step):
    """``hash: [fields]``: replace values with the hex SHA-256 of the mapping's salt + value."""

    name: ClassVar[str] = "hash"
    fields: tuple[str, ...] = attrs.field(converter=_names)


@attrs.frozen
class Mask(Step):
    """``mask: [fields]`` or ``mask: {field: N}``: hide values, showing at most the last N."""

    name: ClassVar[str] = "mask"
    fields: dict[str, int] = attrs.field(converter=_frozen_map)


@attrs.frozen
class Flatten(Step):
    """``flatten: [fields]`` or ``flatten: {field: separator}``: lift nested objects' fields."""

    name: ClassVar[str] = "flatten"
    fields: dict[str, str] = attrs.field(converter=_frozen_map)


@attrs.frozen
class Lower(Step):
    """``lower: [fields]``: lowercase string values."""

    name: ClassVar[str] = "lower"
    fields: tuple[str, ...] = attrs.field(converter=_names)


@attrs.frozen
class Upper(Step):
    """``upper: [fields]``: uppercase string values."""

    name: ClassVar[str] = "upper"
    fields: tuple[str, ...] = attrs.field(converter=_names)


@attrs.frozen
class Trim(Step):
    """``trim: [fields]``: strip leading and trailing whitespace from string values."""

    name: ClassVar[str] = "trim"
    fields: tuple[str, ...] = attrs.field(converter=_names)


@attrs.frozen
class MappingSpec:
    """A whole mapping: its steps in the order they run, and the salt for hashing.

    Attributes:
        steps: the steps, in run order.
        salt: the secret prepended to values before hashing; required by a ``hash`` step.
        source: the file the spec came from, named in problems found when compiling it.
    """

    steps: tuple[Step, ...] = attrs.field(default=(), converter=_steps)
    salt: Secret | None = None
    source: str = attrs.field(default="<mapping>", eq=False)


#: The steps that name no field that must already exist (``optional`` does not apply).
CREATING_STEPS = frozenset({"defaults"})

STEP_TYPES: dict[str, type[Step]] = {
    cls.name: cls
    for cls in (
        Rename, Keep, Drop, Cast, Defaults, Compute, Filter, Hash, Mask, Flatten, Lower,
        Upper, Trim,
    )
}  # fmt: skip
