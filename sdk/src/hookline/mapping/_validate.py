"""Checking records against a stream's JSON Schema at batch speed: all of JSON Schema.

The check is done by `jsonschema-rs <https://pypi.org/project/jsonschema-rs/>`_, a
validator compiled from Rust: one ``is_valid`` call per :data:`CHUNK` records (one per
record in a chunk that fails), and only a record that fails is looked at again, to say
why in hookline's words (:mod:`._reasons`). A record
holding a Python value that jsonschema-rs does not take (a ``datetime``, a dict with
non-string keys) is checked by the ``jsonschema`` package instead, so nothing crashes.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema_rs

from hookline.errors import HooklineError
from hookline.mapping._reasons import Failure, from_python, from_rs, reasons
from hookline.models import Record, RejectedRecord

_MAX_REASONS = 3
#: Records checked in one call. Measured on 10,000-record batches of orders, against one
#: call per record: 0.76 vs 0.94 us/record when all are valid, 0.80 vs 0.99 with one
#: invalid record in 10,000, 1.24 vs 1.13 with 1% invalid (failing chunks are checked twice).
CHUNK = 64
_MAX_SCHEMA_MESSAGE = 240
NOT_AN_OBJECT = "the record is not an object"
NOT_JSON = "the record holds a value that is not JSON and cannot be checked"
#: What jsonschema-rs raises for a Python value it has no JSON form for.
_UNSUPPORTED = (ValueError, TypeError, OverflowError)


class SchemaError(HooklineError, ValueError):
    """A stream's schema cannot check records: it is not valid JSON Schema, or one of its
    ``$ref`` cannot be resolved within the schema itself.

    The message names the place in the schema and what is wrong there. The stream cannot
    run (its records could not be checked); other streams are not concerned.
    """


def _no_retrieval(uri: str) -> Any:
    raise ValueError(f"{uri} is not fetched: a stream's schema must hold every schema it refers to")


class Validator:
    """Checks records against a stream's JSON Schema; see :func:`compile_validator`.

    Every keyword of the schema's draft is checked (``$schema`` names it; without one,
    draft 2020-12), at every depth: types, ``required``, ``enum``, ``const``, bounds,
    lengths, ``pattern``, ``items``/``prefixItems``, ``additionalProperties``,
    ``anyOf``/``oneOf``/``allOf``/``not``, ``$ref`` within the schema, and ``format``
    (``date-time``, ``date``, ``email``, ``uri``, ``uuid`` and the others jsonschema-rs
    knows; unknown formats are ignored). JSON Schema's own rules on numbers hold: a float
    without a fraction (``3.0``) is an integer, ``true``/``false`` are never numbers.

    Attributes:
        schema: the schema it checks against.
    """

    def __init__(self, schema: dict[str, Any] | bool, *, formats: bool = True) -> None:
        self.schema = schema
        self._formats = formats
        try:
            self._fast = jsonschema_rs.validator_for(
                schema, validate_formats=formats, retriever=_no_retrieval
            )
        except jsonschema_rs.ValidationError as exc:
            raise SchemaError(_schema_problem(exc)) from None
        except _UNSUPPORTED as exc:
            raise SchemaError(f"the stream's schema is not JSON: {exc}") from None
        self._whole = _batch_validator(schema, formats)
        self._slow: Any = None

    def __repr__(self) -> str:
        return f"<Validator {type(self._fast).__name__}>"

    def is_valid(self, record: Any) -> bool:
        """Whether ``record`` is an object that matches the schema."""
        if not isinstance(record, dict):
            return False
        try:
            return bool(self._fast.is_valid(record))
        except _UNSUPPORTED:
            return self._slow_failures(record) == []

    def problems(self, record: Any) -> list[str]:
        """Return every problem of one record, one short reason each (empty: it is valid).

        A reason names the field's path and the keyword (``field items[1].qty: less than
        1 (minimum)``) and never the value, only its JSON type.
        """
        if not isinstance(record, dict):
            return [NOT_AN_OBJECT]
        try:
            failures = [f for error in self._fast.iter_errors(record) for f in from_rs(error)]
        except _UNSUPPORTED:
            slow = self._slow_failures(record)
            if slow is None:
                return [NOT_JSON]
            failures = slow
        return reasons(failures, record)

    def split(self, records: list[Record]) -> tuple[list[Record], list[RejectedRecord]]:
        """Return the valid records (the same objects, in order) and the others, with reasons.

        A reason holds at most three problems, then ``and N more``. A record that is not
        an object is rejected as ``{"value": record}``.

        Records are checked :data:`CHUNK` at a time in one call each (a call per record
        costs more than the check itself); only a chunk that fails is checked again
        record by record, to say which and why.
        """
        given: list[Any] = records  # a source may hand over anything
        whole = self._whole
        if whole is None or type(given) is not list:
            return self._split_records(given)
        good: list[Record] = []
        rejected: list[RejectedRecord] = []
        for start in range(0, len(given), CHUNK):
            chunk = given[start : start + CHUNK]
            try:
                if whole.is_valid(chunk):
                    good += chunk
                    continue
            except _UNSUPPORTED:
                pass  # a value jsonschema-rs does not take: record by record
            kept, refused = self._split_records(chunk)
            good += kept
            rejected += refused
        return good, rejected

    def _split_records(self, records: list[Any]) -> tuple[list[Record], list[RejectedRecord]]:
        """:meth:`split`, one call per record."""
        good: list[Record] = []
        rejected: list[RejectedRecord] = []
        keep = good.append
        is_valid = self._fast.is_valid
        for record in records:
            if not isinstance(record, dict):
                rejected.append(RejectedRecord({"value": record}, NOT_AN_OBJECT))
                continue
            try:
                if is_valid(record):
                    keep(record)
                    continue
            except _UNSUPPORTED:
                if self._slow_failures(record) == []:
                    keep(record)
                    continue
            rejected.append(RejectedRecord(record, self._reason(record)))
        return good, rejected

    def _reason(self, record: Record) -> str:
        found = self.problems(record) or ["does not match the schema"]
        shown = found[:_MAX_REASONS]
        if len(found) > _MAX_REASONS:
            shown.append(f"and {len(found) - _MAX_REASONS} more")
        return "; ".join(shown)

    def _slow_failures(self, record: Record) -> list[Failure] | None:
        """Check ``record`` with the ``jsonschema`` package (made when first needed), for a
        record holding values jsonschema-rs does not take; ``None``: it cannot either."""
        if self._slow is None:
            # Imported here: the jsonschema package costs ~40 ms to import, and a record
            # jsonschema-rs cannot take is rare.
            import jsonschema

            cls: Any = jsonschema.validators.validator_for(
                self.schema, default=jsonschema.Draft202012Validator
            )
            checker = cls.FORMAT_CHECKER if self._formats else None
            self._slow = cls(self.schema, format_checker=checker)
        try:
            return from_python(self._slow.iter_errors(record))
        except Exception:  # a value no JSON Schema validator can read
            return None


#: Keywords that resolve against the root of a schema or its base URI: a schema using them
#: cannot be nested inside another one unchanged.
_ROOTED = ('"$ref"', '"$dynamicRef"', '"$recursiveRef"', '"$id"', '"$anchor"', '"$dynamicAnchor"')


def _batch_validator(schema: dict[str, Any] | bool, formats: bool) -> Any:
    """A validator of a whole batch (a list of objects, each matching ``schema``), or
    ``None`` when ``schema`` cannot be nested as its ``items`` unchanged.

    One call checks a chunk of a batch, where a call per record costs more than the check
    itself (see :meth:`Validator.split`).
    """
    try:
        text = json.dumps(schema)
    except (TypeError, ValueError):
        return None
    if any(keyword in text for keyword in _ROOTED):
        return None
    record: dict[str, Any] = {"allOf": [{"type": "object"}, schema]}
    wrapper: dict[str, Any] = {"type": "array", "items": record}
    if isinstance(schema, dict) and isinstance(schema.get("$schema"), str):
        wrapper["$schema"] = schema["$schema"]
    try:
        return jsonschema_rs.validator_for(
            wrapper, validate_formats=formats, retriever=_no_retrieval
        )
    except (jsonschema_rs.ValidationError, *_UNSUPPORTED):
        return None


def _schema_problem(exc: Any) -> str:
    """Say where a schema is wrong and what is wrong there, in one line."""
    first = str(getattr(exc, "message", "") or exc).strip().splitlines()
    message = first[0] if first else "it cannot be compiled"
    if len(message) > _MAX_SCHEMA_MESSAGE:
        message = message[: _MAX_SCHEMA_MESSAGE - 3] + "..."
    message = message.replace("failed: ValueError: ", "failed: ")
    if type(getattr(exc, "kind", None)).__name__.endswith("Referencing"):
        return f"the stream's schema has a $ref that cannot be resolved: {message}"
    place = "/".join(str(p) for p in getattr(exc, "instance_path", ()) or ())
    where = f" at #/{place}" if place else ""
    return f"the stream's schema is not valid JSON Schema{where}: {message}"


def compile_validator(schema: dict[str, Any] | None, *, formats: bool = True) -> Validator:
    """Compile ``schema`` (a stream's JSON Schema) into a :class:`Validator`.

    ``None`` or ``{}`` admits every object. With ``formats=False``, ``format`` is not
    checked (it is an annotation only, as JSON Schema 2020-12 says by default).

    Raises:
        SchemaError: the schema is not valid JSON Schema (for its draft), or a ``$ref``
            points outside the schema (nothing is ever fetched) or nowhere.
    """
    return Validator({} if schema is None else schema, formats=formats)
