"""Declarative mapping of records per stream, and checking records against their schema.

A mapping is a list of steps (rename, keep, drop, cast, defaults, compute, filter, hash,
mask, flatten, lower, upper, trim) written in a pipeline file; :func:`parse_mapping` reads
it, reporting every problem with its JSON path, and :func:`compile_mapping` compiles it for
one stream into a :class:`Mapper` that maps whole batches and knows its output schema::

    mapper = compile_mapping(stream_map, stream.schema, source="pipeline.yaml",
                             path="$.streams.orders.map")
    result = mapper.apply(batch.records)   # records, rejected (with reasons), filtered

Every field a step names, and every top-level field an expression reads, is checked
against the stream's schema as the earlier steps have shaped it: a field the schema does
not list is a config problem unless the step is marked ``optional``.

Expressions (``compute``, ``filter``) are JMESPath, compiled once: no user text is ever
evaluated as Python. Their cost is bounded: at most :data:`MAX_EXPRESSION_LENGTH`
characters and :data:`MAX_EXPRESSION_DEPTH` levels of nesting (config problems when the
pipeline is loaded); on each record, no value they build may exceed
:data:`MAX_VALUE_SIZE` and their loops may take at most :data:`MAX_EXPRESSION_STEPS`
steps (a record past either is rejected with the reason).

:func:`compile_validator` checks records against the whole JSON Schema (with formats) at
batch speed, for the runner's "a record that fails its schema goes to the dead-letter
store"; a schema it cannot compile raises :class:`SchemaError`.
"""

from __future__ import annotations

__all__ = [
    "CANONICAL_ORDER",
    "CAST_TYPES",
    "HOOKLINE_FUNCTIONS",
    "MAX_EXPRESSION_DEPTH",
    "MAX_EXPRESSION_LENGTH",
    "MAX_EXPRESSION_STEPS",
    "MAX_VALUE_SIZE",
    "Cast",
    "Compute",
    "Defaults",
    "Drop",
    "Expression",
    "Filter",
    "Flatten",
    "Hash",
    "Keep",
    "Lower",
    "Mapper",
    "MappingFunction",
    "MappingResult",
    "MappingSpec",
    "Mask",
    "Rename",
    "SchemaError",
    "Step",
    "Trim",
    "Upper",
    "Validator",
    "compile_mapping",
    "compile_validator",
    "parse_mapping",
]

from hookline.mapping._expressions import Expression
from hookline.mapping._functions import HOOKLINE_FUNCTIONS, MappingFunction
from hookline.mapping._limits import (
    MAX_EXPRESSION_DEPTH,
    MAX_EXPRESSION_LENGTH,
    MAX_EXPRESSION_STEPS,
    MAX_VALUE_SIZE,
)
from hookline.mapping._mapper import Mapper, MappingResult, compile_mapping
from hookline.mapping._models import (
    CANONICAL_ORDER,
    CAST_TYPES,
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
from hookline.mapping._spec import parse_mapping
from hookline.mapping._validate import SchemaError, Validator, compile_validator
