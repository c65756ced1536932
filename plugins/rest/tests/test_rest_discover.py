"""Discovery and check: declared or inferred schemas, sync modes, a clear probe."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hookline.models import ConfiguredStream
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
    # One first page, to infer the schema of orders and then read as its first page;
    # people is never asked.
    assert paths == ["/orders"]


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


# -- the first page, fetched once ------------------------------------------------------------

ROWS = [{"id": n, "name": f"person {n}"} for n in range(1, 6)]


def _paged_rows(rows: list[dict[str, Any]]) -> Any:
    """An API serving ``rows`` two a page (page=1, 2, ...), after ``since`` when asked."""

    def api(request: Received) -> Reply:
        since = request.query.get("since")
        after = [r for r in rows if since is None or r["id"] > int(since[0])]
        page = int(request.query.get("page", ["1"])[0])
        body = {"items": after[(page - 1) * 2 : page * 2]}
        return Reply(200, {"Content-Type": "application/json"}, json.dumps(body))

    return api


def _paged_config(rest: Rest, url: str) -> Any:
    stream = {
        "name": "people",
        "path": "/people",
        "records": "items",
        "primary_key": "id",
        "pagination": {"kind": "page", "param": "page"},
        "cursor": {"field": "id", "param": "since"},
    }
    return rest.config(url, streams=[stream])


def _read_ids(rest: Rest, config: Any, client: Any, state: Any, sync_mode: str) -> list[Any]:
    (stream,) = rest.connector.discover(config, client).streams
    batches = rest.connector.read(
        config, client, ConfiguredStream(stream, sync_mode=sync_mode), state
    )
    return [r["id"] for b in batches for r in b.records]


def test_a_read_after_discovery_takes_the_first_page_discovery_fetched(rest: Rest) -> None:
    with HttpServer(_paged_rows(ROWS)) as server:
        config = _paged_config(rest, server.url)
        with rest.auth(config) as client:
            ids = _read_ids(rest, config, client, None, "full")
        pages = [r.query.get("page", ["1"])[0] for r in server.requests]
    assert ids == [1, 2, 3, 4, 5]
    # Page 1 once (inference, then the read's first page), then the others, each once.
    assert pages == ["1", "2", "3", "4"]


def test_a_read_from_a_bookmark_asks_for_its_own_first_page(rest: Rest) -> None:
    with HttpServer(_paged_rows(ROWS)) as server:
        config = _paged_config(rest, server.url)
        with rest.auth(config) as client:
            ids = _read_ids(rest, config, client, {"bookmark": 2}, "incremental")
        asked = [(r.query.get("since"), r.query.get("page")) for r in server.requests]
    assert ids == [3, 4, 5]
    # Inference asks from the start; the read asks after its bookmark, not for the kept page.
    assert asked[0] == (None, ["1"])
    assert asked[1] == (["2"], ["1"])


def test_a_kept_first_page_serves_one_read_only(rest: Rest) -> None:
    rows = [dict(r) for r in ROWS[:2]]
    with HttpServer(_paged_rows(rows)) as server:
        config = _paged_config(rest, server.url)
        with rest.auth(config) as client:
            (stream,) = rest.connector.discover(config, client).streams
            configured = ConfiguredStream(stream, sync_mode="full")
            reads = []
            for _ in range(2):
                batches = rest.connector.read(config, client, configured, None)
                reads.append([r["id"] for b in batches for r in b.records])
                rows.insert(0, {"id": 0, "name": "person 0"})  # the data changes
        first_pages = sum(1 for r in server.requests if r.query.get("page") == ["1"])
    assert reads[0] == [1, 2]
    # The second read (no discovery before it) asks the server and sees the change.
    assert reads[1] == [0, 1, 2]
    assert first_pages == 2  # inference (kept for the first read), then the second read
