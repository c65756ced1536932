"""Short reasons for records that fail their schema, in hookline's own words.

The validators' own messages repeat the value (``"ann@x" is not a "uri"``), and values may
be secrets or personal data, so every error is first reduced to a :class:`Failure` (where,
which keyword, what the schema asked), from either validator, and then worded here: the
field's path, what was expected, and the keyword, never the value. Only the value's JSON
type is named (``got string``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from hookline.schemas import json_type

Path = tuple["str | int", ...]

_MISSING = object()
_TYPE_ORDER = ("string", "integer", "number", "boolean", "object", "array", "null")
_MAX_SHOWN_OPTIONS = 5
_MAX_OPTION_TEXT = 24
_MAX_PATTERN_TEXT = 40


@attrs.frozen
class Failure:
    """One reason a value fails its schema, without the value.

    Attributes:
        path: where in the record (keys and array indexes; empty: the record itself).
        keyword: the JSON Schema keyword that failed (``type``, ``required``, ...).
        detail: what the schema asked: the types, the limit, the format, the pattern;
            the missing or unexpected field's name is already part of ``path``.
        branches: for ``anyOf``/``oneOf`` that no branch matches, each branch's failures.
    """

    path: Path
    keyword: str
    detail: Any = None
    branches: tuple[tuple[Failure, ...], ...] = ()


# -- From jsonschema-rs errors -----------------------------------------------------------

#: jsonschema-rs error kinds (class names) whose keyword is not just the name uncapitalized.
_RS_KEYWORDS = {
    "Constant": "const",
    "OneOfNotValid": "oneOf",
    "OneOfMultipleValid": "oneOf",
    "FalseSchema": "false",
    "FromUtf8": "contentEncoding",
    "BacktrackLimitExceeded": "pattern",
    "RegexEngineFailure": "pattern",
    "Referencing": "$ref",
}
#: The attribute of a jsonschema-rs error kind that holds what the schema asked.
_RS_DETAIL = {
    "Type": "types",
    "Enum": "options",
    "Format": "format",
    "Pattern": "pattern",
    "MultipleOf": "multiple_of",
    "ContentEncoding": "content_encoding",
    "ContentMediaType": "content_media_type",
}


def from_rs(error: Any) -> list[Failure]:
    """Reduce one jsonschema-rs ``ValidationError`` to failures."""
    kind = error.kind
    name = type(kind).__name__.rpartition("_")[2]  # older releases: "ValidationErrorKind_Type"
    path: Path = tuple(error.instance_path)
    keyword = _RS_KEYWORDS.get(name) or name[:1].lower() + name[1:]
    if name == "Custom":
        keyword = str(getattr(kind, "keyword", "custom"))
    if name == "Required":
        return [Failure((*path, str(kind.property)), "required")]
    if name in ("AdditionalProperties", "UnevaluatedProperties"):
        return [Failure((*path, str(field)), keyword) for field in kind.unexpected]
    if name == "UnevaluatedItems":
        return [Failure((*path, int(index)), keyword) for index in kind.unexpected]
    if name in ("AnyOf", "OneOfNotValid"):
        branches = tuple(
            tuple(f for e in branch for f in from_rs(e)) for branch in getattr(kind, "context", ())
        )
        return [Failure(path, keyword, None, branches)]
    if name == "OneOfMultipleValid":
        return [Failure(path, keyword, "several")]
    attribute = _RS_DETAIL.get(name, "limit")
    return [Failure(path, keyword, getattr(kind, attribute, None))]


# -- From jsonschema (Python) errors -----------------------------------------------------


def from_python(errors: Iterable[Any]) -> list[Failure]:
    """Reduce ``jsonschema`` ``ValidationError`` objects to failures."""
    found: list[Failure] = []
    seen_required: set[Path] = set()
    for error in errors:
        path: Path = tuple(error.absolute_path)
        keyword = str(error.validator)
        value = error.validator_value
        instance = error.instance
        if keyword in ("required", "dependentRequired"):
            if path in seen_required:
                continue  # jsonschema reports each missing name; all are listed below
            seen_required.add(path)
            names = _missing_names(keyword, value, instance)
            found += [Failure((*path, name), "required") for name in names]
        elif keyword in ("additionalProperties", "unevaluatedProperties") and value is False:
            extra = _unexpected(error.schema, instance)
            found += [Failure((*path, name), keyword) for name in extra]
        elif keyword in ("anyOf", "oneOf"):
            if keyword == "oneOf" and not error.context:
                found.append(Failure(path, keyword, "several"))
                continue
            branches: dict[int, list[Any]] = {i: [] for i in range(len(value))}
            for sub in error.context:
                branches.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
            worded = tuple(tuple(from_python(b)) for _, b in sorted(branches.items()))
            found.append(Failure(path, keyword, None, worded))
        elif keyword == "type":
            found.append(Failure(path, keyword, [value] if isinstance(value, str) else value))
        else:
            found.append(Failure(path, keyword, value))
    return found


def _missing_names(keyword: str, value: Any, instance: Any) -> list[str]:
    if not isinstance(instance, Mapping):
        return []
    if keyword == "dependentRequired":
        needed = [n for key, names in value.items() if key in instance for n in names]
    else:
        needed = list(value)
    return [str(n) for n in dict.fromkeys(needed) if n not in instance]


def _unexpected(schema: Any, instance: Any) -> list[str]:
    if not isinstance(instance, Mapping) or not isinstance(schema, Mapping):
        return []
    listed = schema.get("properties") or {}
    patterns = list(schema.get("patternProperties") or {})
    return [
        str(name)
        for name in instance
        if name not in listed and not any(_search(p, str(name)) for p in patterns)
    ]


def _search(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return True


# -- Wording -----------------------------------------------------------------------------


def reasons(failures: Iterable[Failure], record: Any) -> list[str]:
    """Word each failure as a short reason (duplicates left out), in order."""
    found: dict[str, None] = {}
    for failure in failures:
        for text in _word(failure, record):
            found.setdefault(text, None)
    return list(found)


def _word(failure: Failure, record: Any) -> list[str]:
    where = where_of(failure.path)
    keyword, detail = failure.keyword, failure.detail
    if keyword in ("anyOf", "oneOf"):
        return _word_branches(failure, record)
    if keyword == "type":
        expected = " or ".join(t for t in _TYPE_ORDER if t in set(detail or ())) or "another type"
        return [f"{where}: expected {expected}, got {kind_of(_at(record, failure.path))}"]
    return [f"{where}: {_what(keyword, detail)}"]


def _word_branches(failure: Failure, record: Any) -> list[str]:
    where = where_of(failure.path)
    keyword = failure.keyword
    if failure.detail == "several":
        return [f"{where}: matches more than one of the {keyword} schemas"]
    branches = failure.branches
    mismatched = [
        b for b in branches if len(b) == 1 and b[0].keyword == "type" and b[0].path == failure.path
    ]
    if branches and len(mismatched) == len(branches):
        types = {t for b in mismatched for t in (b[0].detail or ())}
        return _word(Failure(failure.path, "type", sorted(types)), record)
    others = [b for b in branches if b not in mismatched]
    if len(others) == 1:
        # The value has the type of exactly one branch: that branch says what is wrong.
        return [text for f in others[0] for text in _word(f, record)]
    return [f"{where}: matches none of the {keyword} schemas"]


def _what(keyword: str, detail: Any) -> str:
    simple = {
        "required": "required, missing",
        "const": "not the value the schema requires (const)",
        "additionalProperties": "not allowed (additionalProperties)",
        "unevaluatedProperties": "not allowed (unevaluatedProperties)",
        "unevaluatedItems": "not allowed (unevaluatedItems)",
        "uniqueItems": "has duplicate items (uniqueItems)",
        "not": "matches the schema under not (not)",
        "false": "not allowed (the schema is false)",
        "contains": "has no item that matches (contains)",
        "propertyNames": "has a field name the schema does not allow (propertyNames)",
        "$ref": "a $ref of the schema cannot be resolved",
    }
    if keyword in simple:
        return simple[keyword]
    limits = {
        "minimum": "less than {} (minimum)",
        "maximum": "greater than {} (maximum)",
        "exclusiveMinimum": "not greater than {} (exclusiveMinimum)",
        "exclusiveMaximum": "not less than {} (exclusiveMaximum)",
        "multipleOf": "not a multiple of {} (multipleOf)",
        "minLength": "shorter than {} characters (minLength)",
        "maxLength": "longer than {} characters (maxLength)",
        "minItems": "fewer than {} items (minItems)",
        "maxItems": "more than {} items (maxItems)",
        "additionalItems": "more than {} items (additionalItems)",
        "minProperties": "fewer than {} fields (minProperties)",
        "maxProperties": "more than {} fields (maxProperties)",
        "minContains": "fewer than {} items match (minContains)",
        "maxContains": "more than {} items match (maxContains)",
    }
    if keyword in limits:
        return limits[keyword].format(_number(detail))
    if keyword == "format":
        return f"not a valid {detail} (format)"
    if keyword == "enum":
        return f"not one of {_options(detail)} (enum)"
    if keyword == "pattern":
        return f"does not match the pattern {_short(str(detail), _MAX_PATTERN_TEXT)} (pattern)"
    if keyword in ("contentEncoding", "contentMediaType"):
        return f"not valid {detail} content ({keyword})"
    return f"fails {keyword}"


def _options(options: Any) -> str:
    if not isinstance(options, (list, tuple)):
        return "the allowed values"
    texts = [json.dumps(o, default=str) for o in options]
    if len(texts) > _MAX_SHOWN_OPTIONS or any(len(t) > _MAX_OPTION_TEXT for t in texts):
        return f"the {len(texts)} allowed values"
    return ", ".join(texts)


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return str(value)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def where_of(path: Path) -> str:
    """``field items[1].qty`` for a path in the record; ``the record`` for the record."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return f"field {text}" if text else "the record"


def kind_of(value: Any) -> str:
    """The JSON type of a value, as a reason names it (never the value itself)."""
    if value is _MISSING:
        return "nothing"
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN or infinity (not JSON)"
    return json_type(value) or type(value).__name__


def _at(record: Any, path: Path) -> Any:
    value = record
    for part in path:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return value
