"""Discovery and check: declared or inferred schemas, sync modes, a clear probe."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from hookline.schemas import infer_schema
from support.fake_apis import FakeShop
from support.http_server import HttpServer, Received, Reply

if TYPE_CHECKING:
    from conftest import Rest

PEOPLE = [
    {"id": 1, "name": "Ada", "score": 1, "tags": ["a"], "address": {"city": "Oslo", "zip": "0150"}},
    {"id": 2, "name": None, "score": 2.5, "tags": [], "address": {"city": "Bergen"}, "vip": True},
]


def people_api(request: Received) -> Reply:
    return Reply(200, {"Content-Type": "application/json"}, json.dumps({"items": PEOPLE}))


def test_schema_is_inferred_from_the_first_page(rest: Rest) -> None:
    with HttpServer(people_api) as server:
        stream = {"name": "people", "path": "/people", "records": "items", "primary_key": "id"}
        config = rest.config(server.url, streams=[stream])
        discovered = rest.discover(config)["people"]
        again = rest.discover(config)["people"]
    assert discovered.schema == {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": ["null", "string"]},
            "score": {"type": "number"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "address": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "zip": {"type": ["null", "string"]}},
            },
            "vip": {"type": ["null", "boolean"]},
        },
    }
    assert again == discovered  # deterministic
    assert discovered.primary_key == ("id",)
    assert discovered.sync_modes == ("full",)
    assert discovered.cursor_field is None


def test_inference_of_nothing_is_an_empty_object() -> None:
    assert infer_schema([]) == {"type": "object", "properties": {}}


def test_declared_schema_and_cursor(rest: Rest) -> None:
    schema: dict[str, Any] = {"type": "object", "properties": {"id": {"type": "integer"}}}
    stream = {"name": "s", "path": "/s", "schema": schema, "cursor": {"field": "id"}}
    config = rest.config("http://127.0.0.1:9", streams=[stream])
    discovered = rest.discover(config)["s"]  # nothing is fetched: the port is closed
    assert discovered.schema == schema
    assert discovered.cursor_field == "id"
    assert discovered.sync_modes == ("full", "incremental")


def test_check_reports_the_first_page(rest: Rest, connector: Any) -> None:
    with FakeShop() as shop:
        stream = {"name": "customers", "path": "/page/customers", "records": "data"}
        config = rest.config(shop.url, streams=[stream])
        with rest.auth(config) as client:
            result = connector.check(config, client)
    assert result.ok
    assert "10 record(s) on the first page of stream 'customers'" in result.message


def test_check_without_streams_gets_base_url(rest: Rest, connector: Any) -> None:
    ok = Reply(200, {"Content-Type": "application/json"}, "{}")
    with HttpServer(lambda _: ok) as server:
        config = rest.config(server.url + "/api/")
        with rest.auth(config) as client:
            result = connector.check(config, client)
        assert server.requests[0].path == "/api/"
    assert result.ok and ": 200" in result.message


def test_check_failure_says_what_to_fix(rest: Rest, connector: Any) -> None:
    with FakeShop() as shop:
        stream = {"name": "customers", "path": "/nowhere/customers", "records": "data"}
        config = rest.config(shop.url, streams=[stream])
        with rest.auth(config) as client:
            result = connector.check(config, client)
    assert not result.ok
    assert "404" in result.message and "check the URL" in result.message
