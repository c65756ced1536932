"""The files connector's identity and configuration: describe, the model, clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hookline.errors import ConfigError
from hookline.host import Connector
from hookline_files import FilesConfig, StreamConfig


def parse(connector: Connector, data: dict[str, Any]) -> Any:
    return connector.parse_config(data, source="source.yaml")


def problems(connector: Connector, data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as caught:
        parse(connector, data)
    return [(p.path, p.message) for p in caught.value.problems]


def test_describe(connector: Connector) -> None:
    info = connector.info
    assert info.id == "files"
    assert info.kind == "both"
    assert info.config_model is FilesConfig
    assert info.hosts == ()
    assert {"discover", "read", "incremental", "check", "write", "append", "upsert"} <= set(
        info.capabilities
    )
    assert set(connector.implemented_hooks()) == {
        "hookline_describe",
        "hookline_auth",
        "hookline_check",
        "hookline_conformance_fixture",
        "hookline_discover",
        "hookline_read",
        "hookline_write",
    }


def test_full_config_is_structured(connector: Connector) -> None:
    config = parse(
        connector,
        {
            "directory": "data",
            "batch_size": "250",  # as an ${env:...} reference would give it
            "infer_records": 10,
            "output_format": "csv",
            "streams": [
                {"name": "orders", "path": "orders/*.jsonl", "primary_key": "id"},
                {
                    "name": "lines",
                    "path": "lines/*.txt",
                    "format": "csv",
                    "primary_key": ["order_id", "line"],
                    "cursor_field": "updated_at",
                    "schema": {"type": "object", "properties": {"line": {"type": "integer"}}},
                },
            ],
        },
    )
    assert config.directory == Path("data")
    assert config.batch_size == 250
    assert config.output_format == "csv"
    orders, lines = config.streams
    assert isinstance(orders, StreamConfig)
    assert orders.key_fields == ("id",)
    assert orders.file_format == "jsonl"  # from the suffix
    assert lines.key_fields == ("order_id", "line")
    assert lines.file_format == "csv"
    assert lines.schema == {"type": "object", "properties": {"line": {"type": "integer"}}}
    assert config.stream("lines") is lines
    assert config.stream("nope") is None


def test_defaults(connector: Connector) -> None:
    config = parse(connector, {"directory": "out"})
    assert config.streams == ()
    assert config.batch_size == 1000
    assert config.infer_records == 1000
    assert config.output_format == "jsonl"


def test_unknown_key_and_bad_format_are_reported_with_paths(connector: Connector) -> None:
    found = problems(
        connector,
        {
            "directory": "data",
            "colour": "blue",
            "streams": [{"name": "a", "path": "a.jsonl", "format": "xml", "bogus": 1}],
        },
    )
    paths = dict(found)
    assert "colour" in paths["$"]
    assert "bogus" in paths["$.streams[0]"]
    assert "'jsonl', 'csv'" in paths["$.streams[0].format"]


def test_missing_settings(connector: Connector) -> None:
    found = dict(problems(connector, {"streams": [{"path": "a.jsonl"}]}))
    assert "required" in found["$.directory"]
    assert "required" in found["$.streams[0].name"]


@pytest.mark.parametrize(
    ("stream", "where", "expected"),
    [
        ({"name": "a", "path": "../elsewhere/*.jsonl"}, "", "inside directory"),
        ({"name": "a", "path": "/etc/*.jsonl"}, "", "relative to directory"),
        ({"name": "a", "path": "a/*"}, "", "expected format"),
        (
            {"name": "a", "path": "a.jsonl", "primary_key": 5},
            ".primary_key",
            "expected a list of strings",
        ),
        (
            {"name": "a", "path": "a.jsonl", "primary_key": ["id", 7]},
            ".primary_key",
            "expected a string, got int",
        ),
        ({"name": " ", "path": "a.jsonl"}, "", "name"),
    ],
)
def test_invalid_stream_settings(
    connector: Connector, stream: dict[str, Any], where: str, expected: str
) -> None:
    found = problems(connector, {"directory": "data", "streams": [stream]})
    assert len(found) == 1
    path, message = found[0]
    assert path == "$.streams[0]" + where
    assert expected in message


def test_batch_size_must_be_positive(connector: Connector) -> None:
    [(path, message)] = problems(connector, {"directory": "data", "batch_size": 0})
    assert path == "$"
    assert "batch_size" in message
    assert "1 or more" in message


def test_stream_names_are_unique(connector: Connector) -> None:
    streams = [{"name": "a", "path": "a.jsonl"}, {"name": "a", "path": "b.jsonl"}]
    [(_, message)] = problems(connector, {"directory": "data", "streams": streams})
    assert "'a' is used twice" in message


def test_config_schema_documents_every_field(connector: Connector) -> None:
    schema = connector.config_schema()
    assert schema["required"] == ["directory"]
    assert schema["additionalProperties"] is False
    for name, field in schema["properties"].items():
        assert field.get("description"), name
    stream = schema["properties"]["streams"]["items"]
    assert stream["required"] == ["name", "path"]
    for name, field in stream["properties"].items():
        assert field.get("description"), name
    assert stream["properties"]["format"]["anyOf"][0] == {"enum": ["jsonl", "csv"]}
