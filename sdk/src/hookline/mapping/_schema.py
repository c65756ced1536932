"""The output schema: how each step changes the JSON Schema of the records it passes on.

The schema is followed step by step as a :class:`Shape` (ordered properties, the required
names, whether unlisted fields may appear). Only the top level is changed; nested schemas
are carried over as they are.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import attrs

from hookline.mapping._functions import FunctionTable
from hookline.schemas import json_type as _json_type

_TEXT_CONSTRAINTS = ("enum", "const", "pattern")
_KEPT_ANNOTATIONS = ("title", "description")
_TYPE_KEYWORDS = ("type", "anyOf", "oneOf", "enum", "const")

#: The schema of a value of each cast type (``json`` may be anything).
CAST_SCHEMAS: dict[str, dict[str, Any]] = {
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "string": {"type": "string"},
    "boolean": {"type": "boolean"},
    "datetime": {"type": "string", "format": "date-time"},
    "json": {},
}


def json_type(value: Any) -> str:
    """Return the JSON Schema type name of a JSON-compatible Python value."""
    return _json_type(value) or "object"


def types_of(schema: Any) -> set[str] | None:
    """Return the JSON types a property schema allows, or ``None`` when it allows anything."""
    if not isinstance(schema, dict):
        return None
    declared = schema.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return {str(t) for t in declared}
    branches = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(branches, list) and branches:
        found: set[str] = set()
        for branch in branches:
            sub = types_of(branch)
            if sub is None:
                return None
            found |= sub
        return found
    if "enum" in schema and isinstance(schema["enum"], list):
        return {json_type(v) for v in schema["enum"]}
    if "const" in schema:
        return {json_type(schema["const"])}
    return None


def is_nullable(schema: Any) -> bool:
    """Whether a property schema admits null (an untyped schema admits anything)."""
    types = types_of(schema)
    return types is None or "null" in types


def with_types(schema: dict[str, Any], types: set[str]) -> dict[str, Any]:
    """Return ``schema`` with its type replaced by ``types`` (and no other type keywords)."""
    order = ["string", "integer", "number", "boolean", "object", "array", "null"]
    if "number" in types:
        types = types - {"integer"}  # every integer is a number
    ordered = sorted(types, key=lambda t: order.index(t) if t in order else len(order))
    result = {k: v for k, v in schema.items() if k not in _TYPE_KEYWORDS}
    result["type"] = ordered[0] if len(ordered) == 1 else ordered
    return result


def add_null(schema: dict[str, Any]) -> dict[str, Any]:
    """Return ``schema`` so that it also admits null."""
    types = types_of(schema)
    if types is None or "null" in types:
        return schema
    result = dict(schema)
    declared = result.get("type")
    if isinstance(declared, (str, list)):
        result["type"] = [declared, "null"] if isinstance(declared, str) else [*declared, "null"]
        if isinstance(result.get("enum"), list):
            result["enum"] = [*result["enum"], None]
        return result
    if isinstance(result.get("anyOf"), list):
        result["anyOf"] = [*result["anyOf"], {"type": "null"}]
        return result
    return {"anyOf": [result, {"type": "null"}]}


def typed(base: dict[str, Any], like: dict[str, Any], nullable: bool) -> dict[str, Any]:
    """Return ``base`` with the title and description of ``like``, admitting null if asked."""
    result = {k: like[k] for k in _KEPT_ANNOTATIONS if k in like}
    result.update(copy.deepcopy(base))
    return add_null(result) if nullable else result


def _object_branch(schema: Any) -> dict[str, Any] | None:
    if not isinstance(schema, dict):
        return None
    if isinstance(schema.get("properties"), dict):
        return schema
    for branch in schema.get("anyOf") or schema.get("oneOf") or ():
        found = _object_branch(branch)
        if found is not None:
            return found
    return None


@attrs.define
class Shape:
    """The top level of a record schema while steps change it.

    Attributes:
        properties: each field's schema, in order.
        required: the fields every record has.
        open: fields not listed may appear (the input schema lists none or does not say
            ``additionalProperties: false``); ``keep`` closes it.
        rest: the input schema's other keys, carried to the output.
        prefixes: fields whose names start with one of these may appear although they are
            not listed: a ``flatten`` lifted fields of an object whose fields the schema
            does not list (all of them).
        listed: the input schema lists its fields, so references can be checked against
            them (a schema without ``properties`` gives nothing to check against).
        patterns: the input schema's ``patternProperties``: fields whose names match one
            may appear even where the schema allows no other fields.
        closed_by: why no unlisted field can appear, when ``open`` is false.
    """

    properties: dict[str, dict[str, Any]]
    required: list[str]
    open: bool
    rest: dict[str, Any]
    prefixes: list[str] = attrs.field(factory=list)
    listed: bool = True
    patterns: list[str] = attrs.field(factory=list)
    closed_by: str = "the schema allows no other fields"

    @classmethod
    def of(cls, schema: dict[str, Any]) -> Shape:
        """Read the top level of an object schema."""
        schema = schema or {}
        properties = schema.get("properties")
        props = copy.deepcopy(properties) if isinstance(properties, dict) else {}
        required = [r for r in schema.get("required", ()) if isinstance(r, str)]
        rest = {
            k: copy.deepcopy(v)
            for k, v in schema.items()
            if k not in ("properties", "required", "type")
        }
        is_open = not props or schema.get("additionalProperties", True) is not False
        patterns = schema.get("patternProperties")
        return cls(
            props,
            required,
            is_open,
            rest,
            listed=bool(props),
            patterns=[p for p in patterns if isinstance(p, str)]
            if isinstance(patterns, dict)
            else [],
        )

    def knows(self, field: str) -> bool:
        """Whether ``field`` is listed at this point."""
        return field in self.properties

    def lacks(self, field: str) -> str | None:
        """Whether a step may name ``field`` here.

        Returns ``None`` when it may (the field is listed, or it may exist and there is
        nothing to check it against), ``"closed"`` when no such field can exist here (the
        schema allows no other fields, or ``keep`` left only others), and ``"unlisted"``
        when the schema does not list it although other fields could appear.
        """
        if field in self.properties or any(field.startswith(p) for p in self.prefixes):
            return None
        if any(_matches(pattern, field) for pattern in self.patterns):
            return None
        if not self.open:
            return "closed"
        return "unlisted" if self.listed else None

    def get(self, field: str) -> dict[str, Any]:
        """The schema of ``field``: ``{}`` (anything) when it is not listed."""
        return self.properties.get(field, {})

    def may_be_null(self, field: str) -> bool:
        """Whether a record may hold null (or nothing) for ``field`` here."""
        return field not in self.required or is_nullable(self.get(field))

    def set(self, field: str, schema: dict[str, Any], required: bool = False) -> None:
        """List ``field`` with ``schema`` (in place when it is already listed)."""
        self.properties[field] = schema
        if required and field not in self.required:
            self.required.append(field)
        if not required and field in self.required:
            self.required.remove(field)

    def remove(self, field: str) -> None:
        """Unlist ``field``."""
        self.properties.pop(field, None)
        if field in self.required:
            self.required.remove(field)

    def rename(self, pairs: dict[str, str]) -> None:
        """Rename fields in place, as the rename step does (a renamed field wins)."""
        moved = {new for old, new in pairs.items() if old in self.properties}
        properties: dict[str, dict[str, Any]] = {}
        for name, schema in self.properties.items():
            if name in pairs:
                properties[pairs[name]] = schema
            elif name not in moved:
                properties[name] = schema
        for old, new in pairs.items():
            if old not in self.properties and new not in properties:
                properties[new] = {}  # an unlisted field may be renamed too
        required = [r for r in self.required if r not in moved or r in pairs]
        self.required = [pairs.get(r, r) for r in required]
        self.properties = properties

    def keep(self, fields: tuple[str, ...]) -> None:
        """Keep only ``fields``, in that order."""
        self.properties = {f: self.properties.get(f, {}) for f in fields}
        self.required = [f for f in self.required if f in fields]
        self.open = False
        self.prefixes = []
        self.patterns = []
        self.closed_by = "keep left no other field"

    def text(self, fields: tuple[str, ...]) -> None:
        """Fields changed by lower, upper or trim lose value constraints that no longer hold."""
        for field in fields:
            schema = self.properties.get(field)
            if schema is not None:
                self.properties[field] = {
                    k: v for k, v in schema.items() if k not in _TEXT_CONSTRAINTS
                }

    def default(self, field: str, value: Any) -> None:
        """The field is now present and of its type or the default's."""
        if not self.knows(field):
            self.set(field, {"type": json_type(value)}, required=value is not None)
            return
        schema = self.get(field)
        types = types_of(schema)
        if types is not None:
            types.add(json_type(value))
            if value is not None:
                types.discard("null")
            schema = with_types(schema, types)
        self.set(field, schema, required=value is not None)

    def flatten(self, field: str, separator: str) -> None:
        """Replace ``field`` by its nested fields, named ``field + separator + name``."""
        schema = self.properties.get(field)
        branch = _object_branch(schema)
        if branch is None:
            self.remove(field)
            self._lifted_unlisted(field + separator)  # names known only from the records
            return
        parent_required = field in self.required and not is_nullable(schema)
        lifted: dict[str, tuple[dict[str, Any], bool]] = {}
        is_open = _lift(branch, field, separator, parent_required, lifted)
        properties: dict[str, dict[str, Any]] = {}
        for name, sub in self.properties.items():
            if name == field:
                properties.update({n: s for n, (s, _) in lifted.items()})
            elif name not in lifted:
                properties[name] = sub
        self.properties = properties
        self.required = [r for r in self.required if r != field]
        self.required += [n for n, (_, req) in lifted.items() if req and n not in self.required]
        if is_open:
            self._lifted_unlisted(field + separator)

    def _lifted_unlisted(self, prefix: str) -> None:
        if prefix not in self.prefixes:
            self.prefixes.append(prefix)

    def schema(self) -> dict[str, Any]:
        """Return the JSON Schema of the records at this point."""
        result: dict[str, Any] = {"type": "object", **self.rest, "properties": self.properties}
        if self.required:
            result["required"] = list(self.required)
        if (self.open or self.prefixes) and result.get("additionalProperties") is False:
            del result["additionalProperties"]
        return result


def _matches(pattern: str, name: str) -> bool:
    """Whether ``name`` matches a ``patternProperties`` pattern (one Python cannot read
    might match anything, so it counts as matching)."""
    try:
        return re.search(pattern, name) is not None
    except re.error:
        return True


def _lift(
    branch: dict[str, Any],
    prefix: str,
    separator: str,
    required: bool,
    into: dict[str, tuple[dict[str, Any], bool]],
) -> bool:
    """List the fields flattening ``branch`` makes; return whether others may appear too."""
    inner_required = set(branch.get("required", ()))
    is_open = branch.get("additionalProperties", True) is not False
    for name, sub in branch["properties"].items():
        full = f"{prefix}{separator}{name}"
        is_required = required and name in inner_required
        nested = _object_branch(sub)
        types = types_of(sub)
        if nested is not None:
            is_open |= _lift(nested, full, separator, is_required, into)
            is_open |= types is None or bool(types - {"object", "null"})
            continue
        if types is None or "object" in types:
            is_open = True  # a free-form object: its own fields are lifted at run time
            if types is not None and types <= {"object", "null"}:
                continue
        into[full] = (copy.deepcopy(sub), is_required)
    return is_open


# -- What an expression's result looks like ----------------------------------------------


def infer(node: dict[str, Any], shape: Shape, table: FunctionTable) -> dict[str, Any]:
    """Return the schema of an expression's result, as far as it can be told (``{}``: any)."""
    kind = node["type"]
    if kind == "field":
        name = node["value"]
        if not shape.knows(name):
            return {}
        return typed(shape.get(name), {}, shape.may_be_null(name))
    if kind == "subexpression" and all(c["type"] == "field" for c in node["children"]):
        return _nested(node["children"], shape)
    if kind == "subexpression":
        return _path(node["children"], shape, table)
    if kind == "index_expression" and node["children"][1]["type"] == "index":
        # An index past either end gives null.
        return _element(infer(node["children"][0], shape, table))
    if kind == "literal":
        return {"type": json_type(node["value"])}
    if kind == "function_expression":
        call = table.get(node["value"])
        returns = call.returns if call is not None else None
        if returns is None:
            return {}
        result: dict[str, Any] = {"type": returns if isinstance(returns, str) else list(returns)}
        items = _ITEMS.get(node["value"])  # built-in names cannot be redefined
        if items is not None:
            result["items"] = dict(items)
        return result
    if kind in ("not_expression",) or (kind == "comparator" and node["value"] in ("eq", "ne")):
        return {"type": "boolean"}
    if kind == "comparator":
        return {"type": ["boolean", "null"]}
    if kind in ("and_expression", "or_expression"):
        left, right = (infer(c, shape, table) for c in node["children"])
        return left if left == right else {}
    if kind == "multi_select_list":
        return {"type": ["array", "null"]}
    if kind == "multi_select_dict":
        return {"type": ["object", "null"]}
    return {}


#: The items of the arrays built-in functions return, where every item has one type.
_ITEMS: dict[str, dict[str, Any]] = {"split": {"type": "string"}}


def _element(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema of one item of an array of ``schema`` (null when the index is past it)."""
    types = types_of(schema)
    items = schema.get("items") if types is not None and types <= {"array", "null"} else None
    if not isinstance(items, dict) or types_of(items) is None:
        return {}
    return typed(items, {}, nullable=True)


def _path(children: list[dict[str, Any]], shape: Shape, table: FunctionTable) -> dict[str, Any]:
    """The schema at the end of a path such as ``items[0].sku``, step by step."""
    first, *rest = children
    schema = infer(first, shape, table)
    for child in rest:
        indexed = child["type"] == "index_expression" and child["children"][1]["type"] == "index"
        name = child["children"][0] if indexed else child
        if name["type"] != "field":
            return {}
        branch = _object_branch(schema)
        if branch is None or name["value"] not in branch["properties"]:
            return {}
        schema = typed(branch["properties"][name["value"]], {}, nullable=True)
        if indexed:
            schema = _element(schema)
    return schema


def _nested(children: list[dict[str, Any]], shape: Shape) -> dict[str, Any]:
    first, *rest = (c["value"] for c in children)
    schema: Any = shape.get(first)
    for name in rest:
        branch = _object_branch(schema)
        if branch is None or name not in branch["properties"]:
            return {}
        schema = branch["properties"][name]
    return typed(schema, {}, nullable=True)
