"""Steps compiled to batch functions: each loops over a list of records and changes them.

A batch function takes the working records of a chunk and changes them in place. It
returns ``None`` when every record went through, or the records it set aside as
``(index, reason)`` pairs, where a ``None`` reason means "filtered out" (not an error).
A step on several fields compiles to one batch function per field, each a tight loop with
no per-record function call beyond what the conversion itself needs.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from typing import Any

import attrs

from hookline.mapping._casts import CASTS, EXACT_FLOAT, CastFailure, shown
from hookline.mapping._expressions import Compiler, Expression, describe_error, is_false
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
    Mask,
    Rename,
    Step,
    Trim,
    Upper,
)
from hookline.mapping._sized import text_form
from hookline.models import Record
from hookline.secrets import MASK

Drops = list[tuple[int, "str | None"]]
BatchStep = Callable[[list[Record]], "Drops | None"]

_MISSING = object()
#: Why ``hash`` or ``mask`` set a record aside: its value has no text form (an integer of
#: more digits than Python writes, a value nested too deep). The value is never shown.
_UNWRITABLE = "the value cannot be written as text"


@attrs.frozen
class Context:
    """What compiling a step needs besides the step itself.

    Attributes:
        compiler: turns expressions into closures.
        salt: the salt's bytes, or ``None`` when the mapping has none.
        sensitive: fields whose values must never appear in a reason.
    """

    compiler: Compiler
    salt: bytes | None
    sensitive: frozenset[str]


# -- One compiler per step type ----------------------------------------------------------


def _rename(step: Rename, ctx: Context) -> list[BatchStep]:
    pairs = tuple(step.fields.items())
    if len(pairs) == 1:
        ((old, new),) = pairs

        def rename_one(records: list[Record]) -> None:
            for record in records:
                if old in record:
                    record[new] = record.pop(old)

        return [rename_one]

    def rename(records: list[Record]) -> None:
        for record in records:
            # Every value is taken out before any is put back, so {a: b, b: a} swaps.
            moved = [(new, record.pop(old)) for old, new in pairs if old in record]
            for new, value in moved:
                record[new] = value

    return [rename]


def _keep(step: Keep, ctx: Context) -> list[BatchStep]:
    fields = step.fields

    def keep(records: list[Record]) -> None:
        for index, record in enumerate(records):
            records[index] = {f: record[f] for f in fields if f in record}

    return [keep]


def _drop(step: Drop, ctx: Context) -> list[BatchStep]:
    fields = step.fields

    def drop(records: list[Record]) -> None:
        for record in records:
            for field in fields:
                record.pop(field, None)

    return [drop]


def _defaults(step: Defaults, ctx: Context) -> list[BatchStep]:
    def one(field: str, value: Any) -> BatchStep:
        if isinstance(value, (dict, list)):

            def default_copy(records: list[Record]) -> None:
                for record in records:
                    if record.get(field) is None:
                        record[field] = copy.deepcopy(value)

            return default_copy

        def default(records: list[Record]) -> None:
            for record in records:
                if record.get(field) is None:
                    record[field] = value

        return default

    return [one(field, value) for field, value in step.values.items()]


def _text_step(
    method: Callable[[str], str],
) -> Callable[[Lower | Upper | Trim, Context], list[BatchStep]]:
    def compile_text(step: Lower | Upper | Trim, ctx: Context) -> list[BatchStep]:
        def one(field: str) -> BatchStep:
            def text(records: list[Record]) -> None:
                for record in records:
                    value = record.get(field)
                    if isinstance(value, str):
                        record[field] = method(value)

            return text

        return [one(field) for field in step.fields]

    return compile_text


def _cast(step: Cast, ctx: Context) -> list[BatchStep]:
    return [_cast_one(field, kind, field in ctx.sensitive) for field, kind in step.fields.items()]


def _cast_one(field: str, kind: str, sensitive: bool) -> BatchStep:
    def reason(value: Any, failure: CastFailure) -> str:
        what = "the value" if sensitive else shown(value)
        return f"cast {field}: {what} is not {failure}"

    if kind == "number":
        failure = CastFailure("a number")
        exact = CASTS["number"][0]
        assert EXACT_FLOAT == 9007199254740992  # the bounds written out below

        def cast_number(records: list[Record]) -> Drops | None:
            drops: Drops | None = None
            for index, record in enumerate(records):
                value = record.get(field)
                value_type = type(value)
                if value is None or value_type is float or value_type is int:
                    continue
                problem = failure
                if value_type is str and "_" not in value:
                    try:
                        number = float(value)
                    except ValueError:
                        pass
                    else:
                        # Finite, and below 2**53, where a float lost no whole digit.
                        if -9007199254740992.0 < number < 9007199254740992.0:
                            record[field] = number
                            continue
                        try:  # beyond (or not finite): read exactly
                            record[field] = exact(value)
                            continue
                        except CastFailure as exc:
                            problem = exc
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    continue
                if drops is None:
                    drops = []
                drops.append((index, reason(value, problem)))
            return drops

        return cast_number
    convert, unchanged = CASTS[kind]

    def cast(records: list[Record]) -> Drops | None:
        drops: Drops | None = None
        for index, record in enumerate(records):
            value = record.get(field)
            if value is None or (type(value) in unchanged):
                continue
            try:
                record[field] = convert(value)
            except CastFailure as exc:
                if drops is None:
                    drops = []
                drops.append((index, reason(value, exc)))
        return drops

    return cast


def _compute(step: Compute, ctx: Context) -> list[BatchStep]:
    result = []
    for field, expression in step.fields.items():
        assert isinstance(expression, Expression)  # the mapper parses strings first
        result.append(_compute_one(field, expression, ctx.compiler))
    return result


def _compute_one(field: str, expression: Expression, compiler: Compiler) -> BatchStep:
    source = expression.field
    if source is not None:
        # A plain field reference: JMESPath's answer is the field's value, or null.

        def copy_field(records: list[Record]) -> None:
            for record in records:
                record[field] = record.get(source)

        return copy_field
    evaluate = compiler.compile(expression)

    def compute(records: list[Record]) -> Drops | None:
        drops: Drops | None = None
        for index, record in enumerate(records):
            try:
                record[field] = evaluate(record)
            except Exception as exc:  # any failure sets this one record aside
                if drops is None:
                    drops = []
                drops.append((index, f"compute {field}: {describe_error(exc)}"))
        return drops

    return compute


def _filter(step: Filter, ctx: Context) -> list[BatchStep]:
    assert isinstance(step.expression, Expression)
    evaluate = ctx.compiler.compile(step.expression)

    def filter_(records: list[Record]) -> Drops | None:
        drops: Drops | None = None
        for index, record in enumerate(records):
            try:
                verdict = evaluate(record)
            except Exception as exc:  # any failure sets this one record aside
                drops = drops or []
                drops.append((index, f"filter: {describe_error(exc)}"))
                continue
            if verdict is True or not is_false(verdict):
                continue
            drops = drops or []
            drops.append((index, None))
        return drops

    return [filter_]


def _position(record: Record, records: list[Record], start: int) -> int:
    """The index of ``record`` itself (not an equal one) in ``records``, from ``start``."""
    for index in range(start, len(records)):
        if records[index] is record:
            return index
    raise AssertionError("the record is not in the list")  # pragma: no cover


def _hash(step: Hash, ctx: Context) -> list[BatchStep]:
    assert ctx.salt is not None  # the parser and compiler refuse a hash without a salt
    salted = hashlib.sha256(ctx.salt)

    def one(field: str) -> BatchStep:
        unwritable = f"hash {field}: {_UNWRITABLE}"

        def hash_(records: list[Record]) -> Drops | None:
            # The loop is the plain one; a record whose value has no text form ends it,
            # is set aside, and the loop goes on after it.
            drops: Drops | None = None
            start = 0
            while True:
                record: Record = {}
                try:
                    for record in records[start:] if start else records:
                        value = record.get(field)
                        if value is not None:
                            digest = salted.copy()
                            text = value if isinstance(value, str) else text_form(value)
                            digest.update(text.encode())
                            record[field] = digest.hexdigest()
                    return drops
                except (ValueError, RecursionError):
                    start = _position(record, records, start)
                    drops = drops or []
                    drops.append((start, unwritable))
                    start += 1

        return hash_

    return [one(field) for field in step.fields]


def mask_value(value: Any, shown_chars: int) -> str:
    """Return ``value`` masked: the mask, then its last ``shown_chars`` characters when the
    value is at least twice as long (so at most half of it is ever shown)."""
    text = value if isinstance(value, str) else text_form(value)
    if shown_chars and len(text) >= 2 * shown_chars:
        return MASK + text[-shown_chars:]
    return MASK


def _mask(step: Mask, ctx: Context) -> list[BatchStep]:
    def one(field: str, count: int) -> BatchStep:
        unwritable = f"mask {field}: {_UNWRITABLE}"

        def mask(records: list[Record]) -> Drops | None:
            drops: Drops | None = None
            start = 0
            while True:
                record: Record = {}
                try:
                    for record in records[start:] if start else records:
                        value = record.get(field)
                        if value is not None:
                            record[field] = mask_value(value, count)
                    return drops
                except (ValueError, RecursionError):
                    start = _position(record, records, start)
                    drops = drops or []
                    drops.append((start, unwritable))
                    start += 1

        return mask

    return [one(field, count) for field, count in step.fields.items()]


def _lift(value: dict[str, Any], prefix: str, separator: str, into: Record) -> None:
    for key, inner in value.items():
        if isinstance(inner, dict):
            _lift(inner, f"{prefix}{key}{separator}", separator, into)
        else:
            into[f"{prefix}{key}"] = inner


def _flatten(step: Flatten, ctx: Context) -> list[BatchStep]:
    def one(field: str, separator: str) -> BatchStep:
        prefix = field + separator
        reason = f"flatten {field}: not an object"

        def flatten(records: list[Record]) -> Drops | None:
            drops: Drops | None = None
            for index, record in enumerate(records):
                value = record.get(field, _MISSING)
                if value is _MISSING:
                    continue
                if isinstance(value, dict):
                    del record[field]
                    _lift(value, prefix, separator, record)
                elif value is None:
                    del record[field]
                else:
                    drops = drops or []
                    drops.append((index, reason))
            return drops

        return flatten

    return [one(field, separator) for field, separator in step.fields.items()]


COMPILERS: dict[type[Step], Callable[[Any, Context], list[BatchStep]]] = {
    Rename: _rename,
    Keep: _keep,
    Drop: _drop,
    Defaults: _defaults,
    Lower: _text_step(str.lower),
    Upper: _text_step(str.upper),
    Trim: _text_step(str.strip),
    Cast: _cast,
    Compute: _compute,
    Filter: _filter,
    Hash: _hash,
    Mask: _mask,
    Flatten: _flatten,
}


def compile_step(step: Step, ctx: Context) -> list[BatchStep]:
    """Return the batch functions that carry out ``step``, in order."""
    return COMPILERS[type(step)](step, ctx)
