"""Planning checks: ``validate_streams`` names the streams the configuration cannot serve."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from hookline.errors import WriteError
from hookline.models import ConfiguredStream, SettingProblem, Stream

if TYPE_CHECKING:
    from conftest import Rest

    from hookline.host import Connector

BASE = "http://127.0.0.1:9"  # nothing listens: validation never touches the network

SCHEMA = {"type": "object", "properties": {"id": {"type": "integer"}, "room": {}}}


def planned(*names: str, schema: dict[str, Any] | None = None) -> list[ConfiguredStream]:
    return [ConfiguredStream(Stream(n, **({"schema": schema} if schema else {}))) for n in names]


def test_a_stream_without_writes_entry_is_a_problem_before_reading(
    rest: Rest, connector: Connector
) -> None:
    config = rest.config(BASE, writes={"a": {"path": "/a"}, "b": {"path": "/b"}})
    problems = connector.validate_streams(config, planned("a", "orders"), "destination")
    assert problems == [
        SettingProblem(
            "$.writes",
            "no writes entry for stream 'orders' (configured: a, b); add writes.orders "
            "with its path",
        )
    ]


def test_every_planned_stream_with_an_entry_passes(rest: Rest, connector: Connector) -> None:
    config = rest.config(BASE, writes={"rooms": {"path": "/rooms/{id}"}})
    assert connector.validate_streams(config, planned("rooms", schema=SCHEMA), "destination") == []


@pytest.mark.parametrize(
    ("write", "path", "field"),
    [
        ({"path": "/rooms/{ident}"}, "$.writes['rooms'].path", "ident"),
        ({"path": "/rooms", "idempotency_key": "{stream}-{uuid}"}, None, "uuid"),
        ({"path": "/{stream}", "mode": "batch", "idempotency_key": "{nr}-{count}"}, None, "nr"),
    ],
)
def test_a_template_field_missing_from_the_schema_is_a_problem(
    rest: Rest, connector: Connector, write: dict[str, Any], path: str | None, field: str
) -> None:
    config = rest.config(BASE, writes={"rooms": write})
    [problem] = connector.validate_streams(config, planned("rooms", schema=SCHEMA), "destination")
    assert problem.path == (path or "$.writes['rooms'].idempotency_key")
    assert f"{{{field}}}, which is not a field of stream 'rooms' (its fields: id, room)" in (
        problem.message
    )


def test_a_schema_without_properties_allows_any_field(rest: Rest, connector: Connector) -> None:
    config = rest.config(BASE, writes={"rooms": {"path": "/rooms/{anything}"}})
    streams = planned("rooms", schema={"type": "object"})
    assert connector.validate_streams(config, streams, "destination") == []


def test_a_source_stream_not_configured_is_a_problem(rest: Rest, connector: Connector) -> None:
    config = rest.config(BASE, streams=[{"name": "orders", "path": "/orders"}])
    problems = connector.validate_streams(config, planned("orders", "refunds"), "source")
    assert problems == [
        SettingProblem(
            "$.streams",
            "no stream 'refunds' is configured (configured streams: orders); add it to "
            "streams with its path",
        )
    ]
    # The source side does not ask for writes entries, nor the destination side for streams.
    assert connector.validate_streams(config, planned("orders"), "source") == []
    assert (
        connector.validate_streams(
            rest.config(BASE, writes={"refunds": {"path": "/r"}}), planned("refunds"), "destination"
        )
        == []
    )


def test_the_write_hook_still_refuses_a_stream_without_entry(rest: Rest) -> None:
    config = rest.config(BASE, writes={"a": {"path": "/a"}})
    with pytest.raises(WriteError, match="add writes.orders with its path"):
        rest.write(config, "orders", [{"id": 1}])
