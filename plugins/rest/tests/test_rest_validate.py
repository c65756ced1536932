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


def _keyed(write_mode: str, key: tuple[str, ...] = ("id",)) -> list[ConfiguredStream]:
    stream = Stream("rooms", schema=SCHEMA, primary_key=key)
    return [ConfiguredStream(stream, write_mode=write_mode)]


# Each write mode against each way of sending: accepted, or refused at the setting to change.
@pytest.mark.parametrize(
    ("write_mode", "write", "refused_at"),
    [
        ("append", {"path": "/rooms", "method": "POST"}, None),
        ("append", {"path": "/rooms/{id}", "method": "PUT"}, None),
        ("append", {"path": "/rooms", "method": "POST", "mode": "batch"}, None),
        ("append", {"path": "/rooms/{id}", "method": "PATCH"}, "method"),
        ("append", {"path": "/rooms/{id}", "method": "PATCH", "upserts": True}, None),
        ("upsert", {"path": "/rooms/{id}", "method": "PUT"}, None),
        ("upsert", {"path": "/rooms/{id}", "method": "PATCH"}, None),
        ("upsert", {"path": "/rooms", "method": "POST"}, "method"),
        ("upsert", {"path": "/rooms", "method": "PUT", "mode": "batch"}, "mode"),
        ("upsert", {"path": "/rooms/{room}", "method": "PUT"}, "path"),
        ("upsert", {"path": "/rooms", "method": "POST", "upserts": True}, None),
        ("upsert", {"path": "/{stream}", "method": "POST", "mode": "batch", "upserts": True}, None),
    ],
)
def test_each_write_mode_and_method_is_accepted_or_refused_explicitly(
    rest: Rest,
    connector: Connector,
    write_mode: str,
    write: dict[str, Any],
    refused_at: str | None,
) -> None:
    config = rest.config(BASE, writes={"rooms": write})
    problems = connector.validate_streams(config, _keyed(write_mode), "destination")
    if refused_at is None:
        assert problems == []
    else:
        [problem] = problems
        assert problem.path == f"$.writes['rooms'].{refused_at}"
        assert problem.message.startswith(f"write: {write_mode} ")
        assert "upserts: true" in problem.message or "write: upsert" in problem.message


def test_upsert_with_post_says_every_way_out(rest: Rest, connector: Connector) -> None:
    config = rest.config(BASE, writes={"rooms": {"path": "/rooms", "method": "POST"}})
    [problem] = connector.validate_streams(config, _keyed("upsert"), "destination")
    assert problem.message == (
        "write: upsert must store a record again in its place, but writes.rooms sends each "
        "record with POST to /rooms, which makes a new one each time; PUT or PATCH each "
        "record to a path with its key (/rooms/{id}), use write: append to create each "
        "record (once, with an idempotency_key), or set writes.rooms.upserts: true if the "
        "API updates records by key itself"
    )


def test_an_upsert_path_needs_every_key_field(rest: Rest, connector: Connector) -> None:
    config = rest.config(BASE, writes={"rooms": {"path": "/rooms/{id}", "method": "PUT"}})
    [problem] = connector.validate_streams(config, _keyed("upsert", ("id", "room")), "destination")
    assert "has no {room}" in problem.message and "(/rooms/{id}/{room})" in problem.message
