"""Compiling a mapping spec against a stream's schema, and applying it to batches."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from hookline.errors import ConfigError, ConfigProblem
from hookline.mapping._expressions import Compiler, Expression, ExpressionError
from hookline.mapping._functions import MappingFunction, function_table
from hookline.mapping._models import (
    Cast,
    Compute,
    Defaults,
    Drop,
    Filter,
    Flatten,
    Hash,
    Keep,
    Lower,
    MappingSpec,
    Mask,
    Rename,
    Step,
    Trim,
    Upper,
)
from hookline.mapping._references import check_references, expression_fields
from hookline.mapping._schema import CAST_SCHEMAS, Shape, infer, is_nullable, typed, types_of
from hookline.mapping._spec import parse_mapping
from hookline.mapping._steps import BatchStep, Context, compile_step
from hookline.models import Record, RejectedRecord

#: Records are mapped in chunks of this size: each step loops over a chunk while it is
#: still in the CPU cache, and a batch of any size costs one pass per step per chunk.
CHUNK = 1024

_STRING = {"type": "string"}


@attrs.frozen
class MappingResult:
    """What a mapper made of one batch.

    Attributes:
        records: the mapped records, in input order.
        rejected: the records a step could not handle, each as it was read, with a reason
            that names the step and field (and never a hashed or masked value).
        filtered: how many records a ``filter`` step left out (not errors).
    """

    records: list[Record]
    rejected: list[RejectedRecord]
    filtered: int = 0


class Mapper:
    """A compiled mapping: apply it to batches; ``output_schema`` is what it produces.

    Build one with :func:`compile_mapping`.

    Attributes:
        spec: the mapping it was compiled from.
        input_schema: the JSON Schema of the records it expects.
        output_schema: the JSON Schema of the records it produces.
        warnings: the fields ``optional`` steps name that the input schema does not list
            (accepted, as the steps ask; a runner may log them).
    """

    def __init__(
        self,
        spec: MappingSpec,
        input_schema: dict[str, Any],
        output_schema: dict[str, Any],
        steps: Sequence[BatchStep],
        warnings: Sequence[ConfigProblem] = (),
    ) -> None:
        self.spec = spec
        self.input_schema = input_schema
        self.output_schema = output_schema
        self.warnings = tuple(warnings)
        self._steps = tuple(steps)

    def __repr__(self) -> str:
        names = ", ".join(s.name for s in self.spec.steps)
        return f"<Mapper steps=[{names}]>"

    def apply(self, records: list[Record]) -> MappingResult:
        """Map a batch; the records passed in are left unchanged.

        Each record is copied, then every step runs over a chunk of records at a time. A
        record a step cannot handle is set aside with the reason, the rest go on.
        """
        steps = self._steps
        if not steps:
            return MappingResult(list(records), [])
        mapped: list[Record] = []
        rejected: list[RejectedRecord] = []
        filtered = 0
        for start in range(0, len(records), CHUNK):
            originals = records[start : start + CHUNK]
            try:
                work = list(map(dict.copy, originals))
                origins: list[int] | None = None
            except TypeError:
                work, origins = _objects_only(originals, rejected)
            for step in steps:
                drops = step(work)
                if not drops:
                    continue
                if origins is None:
                    origins = list(range(len(work)))
                dropped = set()
                for index, reason in drops:
                    dropped.add(index)
                    if reason is None:
                        filtered += 1
                    else:
                        rejected.append(RejectedRecord(originals[origins[index]], reason))
                work = [r for i, r in enumerate(work) if i not in dropped]
                origins = [o for i, o in enumerate(origins) if i not in dropped]
                if not work:
                    break
            mapped += work
        return MappingResult(mapped, rejected, filtered)


def _objects_only(
    originals: list[Any], rejected: list[RejectedRecord]
) -> tuple[list[Record], list[int]]:
    work, origins = [], []
    for index, record in enumerate(originals):
        if isinstance(record, dict):
            work.append(record.copy())
            origins.append(index)
        else:
            rejected.append(RejectedRecord({"value": record}, "the record is not an object"))
    return work, origins


def compile_mapping(
    spec: MappingSpec | Any,
    input_schema: dict[str, Any] | None = None,
    *,
    source: str | None = None,
    path: str = "$",
    functions: Iterable[MappingFunction] = (),
) -> Mapper:
    """Compile a mapping for a stream with ``input_schema``, ready to apply to batches.

    Args:
        spec: a :class:`MappingSpec`, or the raw data of one (then read with
            :func:`parse_mapping`, with ``source`` and ``path``).
        input_schema: the JSON Schema of the stream's records (``None``: unknown).
        source: the file named in problems (default: the spec's own ``source``).
        path: the JSON path of a raw spec in that file.
        functions: extra functions expressions may call.

    Raises:
        ConfigError: every problem at once: the spec's own (for raw data), a hash step
            without a salt, an invalid expression, a step or an expression naming a field
            the schema does not list at that point (unless the step is ``optional`` and
            the schema allows other fields; a schema listing no fields is not checked), a
            flatten of a field the schema says is not an object.
    """
    functions = tuple(functions)
    if not isinstance(spec, MappingSpec):
        spec = parse_mapping(spec, source=source or "<mapping>", path=path, functions=functions)
    source = source or spec.source
    table = function_table(functions)
    schema = input_schema or {"type": "object", "properties": {}}
    shape = Shape.of(schema)
    problems: list[ConfigProblem] = []
    accepted: list[ConfigProblem] = []
    steps: list[Step] = []
    for step in spec.steps:
        step = _parsed(step, table, source, problems)
        _check_and_evolve(step, shape, table, source, problems, accepted)
        steps.append(step)
    if any(isinstance(s, Hash) for s in steps) and spec.salt is None:
        for step in steps:
            if isinstance(step, Hash):
                problems.append(ConfigProblem(source, "hash needs a salt", step.path))
    if problems:
        raise ConfigError(problems)
    salt = spec.salt.reveal().encode() if spec.salt is not None else None
    ctx = Context(Compiler(table), salt, _sensitive(steps))
    compiled = [batch for step in steps for batch in compile_step(step, ctx)]
    return Mapper(spec, schema, shape.schema(), compiled, accepted)


def _parsed(step: Step, table: Any, source: str, problems: list[ConfigProblem]) -> Step:
    """Return ``step`` with its expressions parsed and checked against ``table``."""

    def parse(text: Expression | str, path: str) -> Expression | str:
        # Parsed again (it is cheap) so the functions are checked against this table.
        try:
            return Expression.parse(text.text if isinstance(text, Expression) else text, table)
        except ExpressionError as exc:
            problems.append(ConfigProblem(source, str(exc), path))
            return text

    if isinstance(step, Compute):
        fields = {f: parse(e, f"{step.path}.{f}") for f, e in step.fields.items()}
        return attrs.evolve(step, fields=fields)
    if isinstance(step, Filter):
        return attrs.evolve(step, expression=parse(step.expression, step.path))
    return step


def _named_fields(step: Step) -> list[str]:
    """The fields a step other than ``compute`` and ``filter`` names that must exist.

    ``defaults`` names none: it creates the fields it fills. ``drop`` counts: a drop of a
    misspelled name removes nothing, and the field meant reaches the destination.
    """
    if isinstance(step, (Rename, Cast, Mask, Flatten)):
        return list(step.fields)
    if isinstance(step, (Keep, Drop, Hash, Lower, Upper, Trim)):
        return list(step.fields)
    return []


def _check_and_evolve(
    step: Step,
    shape: Shape,
    table: Any,
    source: str,
    problems: list[ConfigProblem],
    accepted: list[ConfigProblem],
) -> None:
    """Check the fields ``step`` reads against ``shape``, then change ``shape`` as it does."""

    def check(fields: list[str], path: str) -> None:
        check_references(
            step.name,
            fields,
            shape,
            optional=step.optional,
            source=source,
            path=path,
            problems=problems,
            accepted=accepted,
        )

    if isinstance(step, Compute):
        # Each expression sees the fields computed before it in the same step.
        for field, expression in step.fields.items():
            if isinstance(expression, Expression):
                check(expression_fields(expression.tree), f"{step.path}.{field}")
            tree = expression.tree if isinstance(expression, Expression) else {"type": "?"}
            shape.set(field, infer(tree, shape, table))
        return
    if isinstance(step, Filter):
        if isinstance(step.expression, Expression):
            check(expression_fields(step.expression.tree), step.path)
        return
    check(_named_fields(step), step.path)
    if isinstance(step, Flatten):
        for field in step.fields:
            types = types_of(shape.get(field)) if shape.knows(field) else None
            if types is not None and not types & {"object"}:
                message = f"flatten: {field!r} is not an object in the stream's schema"
                problems.append(ConfigProblem(source, message, step.path))
    _evolve(step, shape)


def _evolve(step: Step, shape: Shape) -> None:
    """Change ``shape`` the way ``step`` changes records (``compute`` aside)."""
    if isinstance(step, Rename):
        shape.rename(step.fields)
    elif isinstance(step, Keep):
        shape.keep(step.fields)
    elif isinstance(step, Drop):
        for field in step.fields:
            shape.remove(field)
    elif isinstance(step, Cast):
        for field, kind in step.fields.items():
            result = typed(CAST_SCHEMAS[kind], shape.get(field), is_nullable(shape.get(field)))
            shape.set(field, result, required=field in shape.required)
    elif isinstance(step, Defaults):
        for field, value in step.values.items():
            shape.default(field, value)
    elif isinstance(step, (Lower, Upper, Trim)):
        shape.text(step.fields)
    elif isinstance(step, (Hash, Mask)):
        for field in step.fields:
            result = typed(_STRING, shape.get(field), is_nullable(shape.get(field)))
            shape.set(field, result, required=field in shape.required)
    elif isinstance(step, Flatten):
        for field, separator in step.fields.items():
            shape.flatten(field, separator)


def _field_names(node: dict[str, Any]) -> set[str]:
    """The top-level fields an expression reads (conservatively, every field node)."""
    names = {node["value"]} if node.get("type") == "field" else set()
    for child in node.get("children", ()):
        if isinstance(child, dict):
            names |= _field_names(child)
    return names


def _sensitive(steps: list[Step]) -> frozenset[str]:
    """Every field whose value ends up hashed or masked, under any name it has on the way."""
    found = {f for s in steps if isinstance(s, (Hash, Mask)) for f in s.fields}
    while True:
        before = len(found)
        for step in steps:
            if isinstance(step, Rename):
                for old, new in step.fields.items():
                    if old in found or new in found:
                        found |= {old, new}
            elif isinstance(step, Flatten):
                for field, separator in step.fields.items():
                    if any(name.startswith(field + separator) for name in found):
                        found.add(field)
            elif isinstance(step, Compute):
                for field, expression in step.fields.items():
                    if field in found and isinstance(expression, Expression):
                        found |= _field_names(expression.tree)
        if len(found) == before:
            return frozenset(found)
