"""The JSON Schema of a pipeline file, for editors that complete and check YAML.

It is built from the same models and tables the loader reads (the pipeline's attrs
documents, the mapping's step names and cast types), so a key the loader learns is in
the schema too. The loader stays the judge: it also checks what a schema cannot (that a
connector exists, that a config file is there, expressions, references); the schema
never refuses a file the loader accepts.

Each connector's ``config`` is an object whose settings the connector's own schema
describes (``hookline info ID --json`` prints it).
"""

from __future__ import annotations

from typing import Any

from hookline._schema import _object_schema
from hookline.mapping._models import CANONICAL_ORDER, CAST_TYPES, STEP_TYPES

__all__ = ["SCHEMA_ID", "pipeline_schema"]

#: The schema's ``$id``.
SCHEMA_ID = "https://hookline.invalid/schemas/pipeline-1.json"

_NAMES = {
    "description": "A field name, or a list of field names.",
    "anyOf": [
        {"type": "string", "minLength": 1},
        {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
    ],
}


def _table(values: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "minProperties": 1,
        "additionalProperties": values,
        "description": description,
    }


def _step_bodies() -> dict[str, dict[str, Any]]:
    """What each mapping step takes (the mapping reference says what each one does)."""
    bodies: dict[str, dict[str, Any]] = {
        "rename": _table({"type": "string", "minLength": 1}, "Old field name: new field name."),
        "cast": _table({"enum": list(CAST_TYPES)}, "Field: the type to convert it to."),
        "defaults": _table(
            {"not": {"type": "null"}}, "Field: the value when it is missing or null."
        ),
        "compute": _table(
            {"type": "string", "minLength": 1}, "New field: the expression that computes it."
        ),
        "filter": {
            "type": "string",
            "minLength": 1,
            "description": "An expression; records for which it is false are dropped.",
        },
        "mask": {
            "anyOf": [
                _NAMES,
                _table(
                    {"type": "integer", "minimum": 0},
                    "Field: how many characters to show at the end.",
                ),
            ],
            "description": "Fields to mask (all characters, or all but the last N).",
        },
        "flatten": {
            "anyOf": [_NAMES, _table({"type": "string", "minLength": 1}, "Field: separator.")],
            "description": "Objects to flatten into fields (address_city), with a separator.",
        },
    }
    for name in STEP_TYPES:
        bodies.setdefault(name, {**_NAMES, "description": f"The fields to {name}."})
    return bodies


def _mapping_schema() -> dict[str, Any]:
    bodies = _step_bodies()
    one_step = [
        {
            "type": "object",
            "properties": {name: body, "optional": {"type": "boolean"}},
            "required": [name],
            "additionalProperties": False,
        }
        for name, body in bodies.items()
    ]
    steps = {
        "type": "array",
        "items": {"oneOf": one_step},
        "description": "Steps run in this order, each an object of one step.",
    }
    by_name = {
        "type": "object",
        "properties": {
            "salt": {"type": "string", "description": "The secret salt of hash steps."},
            "steps": steps,
            "optional": {
                "type": "array",
                "items": {"enum": list(STEP_TYPES)},
                "description": "Steps whose fields may be missing from the schema.",
            },
            **{name: bodies[name] for name in CANONICAL_ORDER},
        },
        "additionalProperties": False,
        "description": (
            "A salt and steps, or steps by name, run in the order "
            + ", ".join(CANONICAL_ORDER)
            + "."
        ),
    }
    return {
        "anyOf": [steps, by_name, {"type": "null"}],
        "description": "How records are changed between read and write (see the mapping "
        "reference).",
    }


_FAILURES = {
    "anyOf": [
        {"type": "integer", "minimum": 0},
        {"type": "string", "pattern": r"^\s*\d+\s*$"},
        {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*%\s*$"},
    ],
    "description": "Bad records tolerated: a count (10) or a share of those read ('1%').",
}


def _stream_schema() -> dict[str, Any]:
    from hookline.pipeline import _StreamDocument

    schema = _object_schema(_StreamDocument)
    schema.pop("title", None)
    properties = schema["properties"]
    for name, words in _STREAM_WORDS.items():
        properties[name]["description"] = words
    # Like the loader, a single field name is a key of one field.
    properties["primary_key"] = {
        "anyOf": [*_NAMES["anyOf"], {"type": "null"}],
        "description": _STREAM_WORDS["primary_key"],
    }
    properties["map"] = _mapping_schema()
    properties["max_failed_records"] = _FAILURES
    return {"anyOf": [schema, {"type": "null"}], "description": "How this stream is synced."}


_STREAM_WORDS = {
    "sync": "full or incremental; default incremental when the source offers it.",
    "write": "append, upsert or replace; default upsert with a primary key, else append.",
    "primary_key": "Overrides the source's primary key.",
    "cursor_field": "Overrides the source's cursor field.",
    "schema_policy": "evolve (default) or freeze: what a schema change does.",
}

_TOP_WORDS = {
    "source": "The connector that reads.",
    "destination": "The connector that writes.",
    "name": "The pipeline's name (default: the file name); it keys the state.",
    "state_dir": "Where state, run history and dead letters live, relative to this file.",
    "concurrency": "How many streams run at once.",
    "queue_size": "Batches that may wait between a stream's reader and its writer.",
}


def pipeline_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of a pipeline file."""
    from hookline.pipeline import _PipelineDocument

    top = _object_schema(_PipelineDocument)
    properties = top["properties"]
    for side in ("source", "destination"):
        ref = properties[side]
        ref.pop("title", None)
        ref["properties"]["connector"]["description"] = "The connector id."
        ref["properties"]["config"]["description"] = "The connector's settings, inline."
        ref["properties"]["config_file"]["description"] = (
            "Or a file of them, relative to this file."
        )
        ref["not"] = {"required": ["config", "config_file"]}
    for name, words in _TOP_WORDS.items():
        properties[name]["description"] = words
    properties["name"] = {
        "anyOf": [
            {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"},
            {"type": "null"},
        ],
        "description": _TOP_WORDS["name"],
    }
    properties["concurrency"]["minimum"] = 1
    properties["queue_size"]["minimum"] = 0
    properties["streams"] = {
        "anyOf": [
            {"const": "all"},
            {"type": "array", "items": {"type": "string"}},
            {"type": "object", "additionalProperties": _stream_schema()},
            {"type": "null"},
        ],
        "description": "all (default), a list of stream names, or name: settings.",
        "default": "all",
    }
    properties["max_failed_records"] = {**_FAILURES, "default": 0}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "hookline pipeline",
        "description": "A pipeline file: a source, a destination and how each stream syncs.",
        **{k: v for k, v in top.items() if k != "title"},
    }
