"""Discovery and check: declared or inferred schemas, sync modes, a clear probe."""

from __future__ import annotations

import json
from pathlib import Path
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


def _two_streams_api(request: Received) -> Reply:
    rows = PEOPLE if request.path == "/people" else [{"id": 9, "total": 1.5}]
    return Reply(200, {"Content-Type": "application/json"}, json.dumps({"items": rows}))


def _two_streams(tmp_path: Path, url: str) -> Path:
    config = tmp_path / "rest.yaml"
    streams = [
        {"name": name, "path": f"/{name}", "records": "items", "primary_key": "id"}
        for name in ("people", "orders")
    ]
    config.write_text(json.dumps({"base_url": url, "streams": streams}), encoding="utf-8")
    return config


def test_reading_one_stream_fetches_no_page_of_the_others(tmp_path: Path, cli: Any) -> None:
    with HttpServer(_two_streams_api) as server:
        result = cli(
            "read", "rest", "-c", _two_streams(tmp_path, server.url), "-s", "orders", cwd=tmp_path
        )
        paths = [r.path for r in server.requests]
    assert result.returncode == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == [{"id": 9, "total": 1.5}]
    # One first page to infer the schema of orders, one to read it; people is never asked.
    assert paths == ["/orders", "/orders"]


def test_a_pipeline_of_one_stream_discovers_only_that_one(tmp_path: Path, cli: Any) -> None:
    with HttpServer(_two_streams_api) as server:
        pipeline = tmp_path / "pipeline.yaml"
        pipeline.write_text(
            json.dumps(
                {
                    "source": {
                        "connector": "rest",
                        "config_file": str(_two_streams(tmp_path, server.url)),
                    },
                    "destination": {"connector": "files", "config": {"directory": "out"}},
                    "streams": ["people"],
                }
            ),
            encoding="utf-8",
        )
        result = cli("run", pipeline, "--json", cwd=tmp_path)
        paths = {r.path for r in server.requests}
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["streams"]["people"]["written"] == len(PEOPLE)
    assert paths == {"/people"}


def test_an_unknown_stream_name_is_reported_with_every_stream_there_is(
    tmp_path: Path, cli: Any
) -> None:
    with HttpServer(_two_streams_api) as server:
        result = cli(
            "read", "rest", "-c", _two_streams(tmp_path, server.url), "-s", "peple", cwd=tmp_path
        )
    assert result.returncode == 2, result.stderr
    assert "peple" in result.stderr
    assert "people" in result.stderr and "orders" in result.stderr
