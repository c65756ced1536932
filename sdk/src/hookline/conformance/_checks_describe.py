"""Describe checks: who the connector says it is, and whether that is true."""

from __future__ import annotations

import re
from typing import Any

from hookline._schema import secret_fields
from hookline._wording import plural
from hookline.conformance._context import SuiteContext
from hookline.conformance._registry import CheckFailed, check
from hookline.models import KINDS, valid_connector_id

#: The capability vocabulary: each capability and the hooks it needs. Custom capabilities
#: start with ``x-`` and need nothing.
CAPABILITY_HOOKS: dict[str, tuple[str, ...]] = {
    "discover": ("hookline_discover",),
    "read": ("hookline_read",),
    "incremental": ("hookline_read",),
    "check": ("hookline_check",),
    "write": ("hookline_write",),
    "append": ("hookline_write",),
    "upsert": ("hookline_write",),
    "replace": ("hookline_write", "hookline_write_finish"),
    "freeze": ("hookline_write",),
    "transform": ("hookline_transform",),
}

#: Each hook that must be declared, and the capability that declares it.
HOOK_CAPABILITIES = {
    "hookline_discover": "discover",
    "hookline_read": "read",
    "hookline_check": "check",
    "hookline_write": "write",
    "hookline_transform": "transform",
}

# A setting named like one of these holds a secret ...
_SECRET_WORDS = re.compile(
    r"(password|passwd|passphrase|secret|token|api_?key|private_?key|access_?key|credential)"
)
# ... unless its name says it holds something about the secret, not the secret itself.
_NOT_SECRET_SUFFIX = re.compile(
    r"_(url|uri|path|file|name|param|header|location|prefix|kind|type|field|env|ttl|expiry)$"
)


@check("describe.identity")
def identity(ctx: SuiteContext) -> str:
    """The connector has a valid id, a version and a known kind."""
    info = ctx.connector.info
    problems = []
    if not valid_connector_id(info.id):
        problems.append(
            f"id {info.id!r} is not a valid connector id (lowercase letters, digits, - and _)"
        )
    if not str(info.version).strip():
        problems.append("version is empty")
    if info.kind not in KINDS:
        problems.append(f"kind {info.kind!r} is not one of {', '.join(KINDS)}")
    if problems:
        raise CheckFailed("; ".join(problems))
    return f"{info.id} {info.version}, kind {info.kind}"


@check("describe.capabilities_match_hooks")
def capabilities_match_hooks(ctx: SuiteContext) -> str:
    """Every declared capability has its hooks, and every implemented hook is declared."""
    declared = ctx.connector.info.capabilities
    implemented = set(ctx.connector.implemented_hooks())
    problems = []
    for capability in declared:
        if capability.startswith("x-"):
            continue
        needs = CAPABILITY_HOOKS.get(capability)
        if needs is None:
            known = ", ".join(CAPABILITY_HOOKS)
            problems.append(
                f"unknown capability {capability!r} (known: {known}; custom ones start with x-)"
            )
            continue
        missing = [hook for hook in needs if hook not in implemented]
        if missing:
            problems.append(
                f"declares capability {capability!r} but does not implement {', '.join(missing)}"
            )
    for hook, capability in HOOK_CAPABILITIES.items():
        if hook in implemented and capability not in declared:
            problems.append(f"implements {hook} but does not declare capability {capability!r}")
    if problems:
        raise CheckFailed("; ".join(problems))
    return f"capabilities: {', '.join(declared) or '(none)'}"


@check("describe.config_schema_valid")
def config_schema_valid(ctx: SuiteContext) -> str:
    """The config schema is valid JSON Schema (draft 2020-12) describing an object."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        schema = ctx.connector.config_schema()
    except Exception as exc:
        raise CheckFailed(
            f"the config model gives no JSON Schema: {ctx.note_error('config schema', exc)}"
        ) from exc
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise CheckFailed(f"invalid JSON Schema: {exc.message}") from exc
    if schema.get("type") != "object":
        raise CheckFailed(f"the config schema describes {schema.get('type')!r}, not an object")
    return plural(len(schema.get("properties", {})), "setting")


@check("describe.secrets_marked")
def secrets_marked(ctx: SuiteContext) -> str:
    """Settings named like secrets (password, token, api_key, ...) are typed Secret."""
    schema = ctx.connector.config_schema()
    marked = set(secret_fields(schema))
    unmarked = [
        path
        for path, sub in _string_settings(schema, "$")
        if path not in marked and _looks_secret(path.rsplit(".", 1)[-1])
    ]
    if unmarked:
        raise CheckFailed(
            f"{', '.join(unmarked)} look{'s' if len(unmarked) == 1 else ''} secret but "
            "are not typed hookline.Secret: their values would be shown in logs and errors"
        )
    return f"{plural(len(marked), 'secret setting')} marked" if marked else "no secret settings"


def _looks_secret(name: str) -> bool:
    name = name.lower().replace("-", "_").rstrip("[]")
    return bool(_SECRET_WORDS.search(name)) and not _NOT_SECRET_SUFFIX.search(name)


def _string_settings(schema: dict[str, Any], prefix: str) -> list[tuple[str, dict[str, Any]]]:
    found = []
    if _is_string(schema):
        found.append((prefix, schema))
    for name, sub in schema.get("properties", {}).items():
        found += _string_settings(sub, f"{prefix}.{name}")
    if isinstance(schema.get("items"), dict):
        found += _string_settings(schema["items"], f"{prefix}[]")
    for sub in schema.get("anyOf", []):
        found += [item for item in _string_settings(sub, prefix) if item[0] != prefix]
    return found


def _is_string(schema: dict[str, Any]) -> bool:
    if schema.get("type") == "string":
        return True
    return any(sub.get("type") == "string" for sub in schema.get("anyOf", []))
