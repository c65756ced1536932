"""The sqlite connector's identity and configuration: describe, the model, clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hookline.errors import ConfigError
from hookline.host import Connector
from hookline_sqlite import SqliteConfig


def parse(connector: Connector, data: dict[str, Any]) -> Any:
    return connector.parse_config(data, source="sqlite.yaml")


def problems(connector: Connector, data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ConfigError) as caught:
        parse(connector, data)
    return {p.path: p.message for p in caught.value.problems}


def test_describe(connector: Connector) -> None:
    info = connector.info
    assert info.id == "sqlite"
    assert info.kind == "both"
    assert info.config_model is SqliteConfig
    assert info.hosts == ()
    assert {"read", "incremental", "check", "append", "upsert", "replace", "freeze"} <= set(
        info.capabilities
    )
    assert set(connector.implemented_hooks()) == {
        "hookline_describe",
        "hookline_auth",
        "hookline_check",
        "hookline_conformance_fixture",
        "hookline_discover",
        "hookline_read",
        "hookline_write_start",
        "hookline_write",
        "hookline_write_finish",
    }


def test_defaults(connector: Connector) -> None:
    config = parse(connector, {"path": "warehouse.db"})
    assert config.path == Path("warehouse.db")
    assert config.synchronous == "full"  # durable, as hookline_write promises
    assert config.table_prefix == ""
    assert config.tables == ()
    assert config.cursor_fields == {}
    assert config.batch_size == 10_000


def test_full_config(connector: Connector) -> None:
    config = parse(
        connector,
        {
            "path": "data/shop.db",
            "synchronous": "full",
            "table_prefix": "shop_",
            "tables": ["orders", "customers"],
            "cursor_fields": {"orders": "updated_at"},
            "batch_size": "500",  # as an ${env:...} reference would give it
        },
    )
    assert config.synchronous == "full"
    assert config.tables == ("orders", "customers")
    assert config.cursor_fields == {"orders": "updated_at"}
    assert config.batch_size == 500


def test_mistakes_are_reported_with_paths(connector: Connector) -> None:
    found = problems(
        connector,
        {"path": "x.db", "synchronous": "sometimes", "colour": "blue", "batch_size": 0},
    )
    assert "colour" in found["$"]
    assert "'normal', 'full'" in found["$.synchronous"]
    assert "required" in problems(connector, {})["$.path"]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"batch_size": 0}, "batch_size to be 1 or more"),
        ({"table_prefix": "a\x00"}, "without a NUL character"),
        ({"tables": ["a", "a"]}, "'a' is listed twice"),
        ({"path": " "}, "name a database file"),
    ],
)
def test_invalid_settings(connector: Connector, settings: dict[str, Any], expected: str) -> None:
    data = {"path": "x.db", **settings}
    found = problems(connector, data)
    assert any(expected in message for message in found.values()), found


def test_config_schema_documents_every_field(connector: Connector) -> None:
    schema = connector.config_schema()
    assert schema["required"] == ["path"]
    assert schema["additionalProperties"] is False
    for name, field in schema["properties"].items():
        assert field.get("description"), name
    assert schema["properties"]["synchronous"]["enum"] == ["normal", "full"]
