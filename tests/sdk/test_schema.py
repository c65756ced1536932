"""Config JSON Schema derived from attrs models: types, defaults, secrets, validity."""

from __future__ import annotations

from typing import Literal

import attrs
import jsonschema
import pytest

from hookline import Secret
from hookline._schema import config_schema, secret_fields


@attrs.frozen
class Auth:
    """Credentials."""

    username: str
    password: Secret


@attrs.frozen
class Settings:
    """Settings of an imaginary shop connector."""

    base_url: str = attrs.field(metadata={"description": "Where the API lives."})
    auth: Auth
    page_size: int = 100
    mode: Literal["fast", "safe"] = "safe"
    tags: tuple[str, ...] = ()
    timeout: float | None = None
    extra_keys: tuple[Secret, ...] = ()


def test_schema_types_defaults_and_required() -> None:
    schema = config_schema(Settings)
    props = schema["properties"]
    assert schema["required"] == ["base_url", "auth"]
    assert schema["additionalProperties"] is False
    assert schema["title"] == "Settings of an imaginary shop connector."
    assert props["base_url"] == {"type": "string", "description": "Where the API lives."}
    assert props["page_size"] == {"type": "integer", "default": 100}
    assert props["mode"] == {"enum": ["fast", "safe"], "default": "safe"}
    assert props["tags"] == {"type": "array", "items": {"type": "string"}, "default": []}
    assert props["timeout"]["anyOf"] == [{"type": "number"}, {"type": "null"}]
    assert props["auth"]["properties"]["password"]["secret"] is True


def test_secret_fields_are_found_at_any_depth() -> None:
    assert secret_fields(config_schema(Settings)) == ["$.auth.password", "$.extra_keys[]"]


def test_schema_is_valid_and_validates_a_config() -> None:
    schema = config_schema(Settings)
    validator = jsonschema.Draft202012Validator
    validator.check_schema(schema)
    good = {"base_url": "https://x", "auth": {"username": "u", "password": "p"}}
    validator(schema).validate(good)
    with pytest.raises(jsonschema.ValidationError):
        validator(schema).validate({**good, "unknown": 1})


def test_no_model_means_no_settings() -> None:
    schema = config_schema(None)
    jsonschema.Draft202012Validator(schema).validate({})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate({"a": 1})


def test_infer_schema_types_nullability_and_nesting() -> None:
    from hookline.schemas import infer_schema

    schema = infer_schema(
        [
            {"id": 1, "total": 2, "tags": ["a"], "address": {"city": "Oslo"}},
            {"id": 2, "total": 2.5, "note": None, "address": {"city": "Rome", "zip": "00100"}},
        ]
    )
    props = schema["properties"]
    assert props["id"] == {"type": "integer"}
    assert props["total"] == {"type": "number"}
    assert props["tags"] == {"type": ["null", "array"], "items": {"type": "string"}}
    assert props["note"] == {"type": "null"}
    assert props["address"]["properties"]["zip"]["type"] == ["null", "string"]
    jsonschema.Draft202012Validator.check_schema(schema)


def test_infer_schema_types_values_of_every_python_kind() -> None:
    import datetime
    import enum
    from collections import OrderedDict

    from hookline.schemas import infer_schema

    class Level(enum.IntEnum):
        LOW = 1

    record = {
        "flag": True,  # a bool is never an integer, inline or not
        "level": Level.LOW,  # a subclass counts as its base
        "day": datetime.date(2026, 1, 2),  # no JSON type: shown as text
        "pair": (1, 2),
        "nested": OrderedDict(inner={"on": False, "n": 3}),
    }
    props = infer_schema([record])["properties"]
    assert props["flag"] == {"type": "boolean"}
    assert props["level"] == {"type": "integer"}
    assert props["day"] == {"type": "string"}
    assert props["pair"] == {"type": "array", "items": {"type": "integer"}}
    inner = props["nested"]["properties"]["inner"]["properties"]
    assert inner == {"on": {"type": "boolean"}, "n": {"type": "integer"}}
