"""Reading: the five paginations end to end, incremental reads, resumption, faults."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

import pytest

from hookline.errors import HooklineError, ReadError
from hookline.http import HostNotAllowed, RetriesExhausted
from support.fake_apis import FakeShop
from support.http_server import HttpServer, Received, Reply, sequence

if TYPE_CHECKING:
    from conftest import Rest

STYLES: dict[str, tuple[str, str | None, dict[str, Any]]] = {
    "page": (
        "/page/customers",
        "data",
        {
            "kind": "page",
            "size_param": "per_page",
            "size": 10,
            "total_pages_path": "meta.total_pages",
        },
    ),
    "offset": (
        "/offset/customers",
        "data",
        {"kind": "offset", "limit": 10, "total_path": "meta.total"},
    ),
    "cursor": ("/cursor/customers", "data", {"kind": "cursor", "cursor_path": "meta.next_cursor"}),
    "next": ("/next/customers", "data", {"kind": "next_url", "next_path": "links.next"}),
    "link": ("/link/customers", None, {"kind": "link"}),
}


def customers(style: str, **extra: Any) -> dict[str, Any]:
    path, records, pagination = STYLES[style]
    stream = {"name": "customers", "path": path, "pagination": pagination, **extra}
    if records is not None:
        stream["records"] = records
    return {"streams": [stream]}


@pytest.fixture
def shop() -> Any:
    with FakeShop() as shop:
        yield shop


@pytest.mark.parametrize("style", sorted(STYLES))
def test_each_pagination_reads_exactly_every_record(rest: Rest, shop: FakeShop, style: str) -> None:
    config = rest.config(shop.url, **customers(style, primary_key=["id"]))
    batches = rest.read(config, "customers", sync_mode="full")
    ids = [r["id"] for b in batches for r in b.records]
    assert ids == list(range(1, 96))
    assert len(batches) == 10  # one batch per page
    assert batches[-1].state == {}  # the walk is over: nothing to resume


def test_no_pagination_reads_one_page(rest: Rest, shop: FakeShop) -> None:
    stream = {"name": "customers", "path": "/page/customers", "records": "data"}
    config = rest.config(shop.url, streams=[stream])
    assert [r["id"] for r in rest.records(config, "customers")] == list(range(1, 11))
    assert len(shop.api_requests()) == 1


def test_resume_from_a_mid_walk_state_yields_exactly_the_rest(rest: Rest, shop: FakeShop) -> None:
    config = rest.config(shop.url, **customers("cursor", cursor={"field": "id"}))
    batches = rest.read(config, "customers")
    state = batches[2].state
    assert state["walk"] == {"since": None, "page": {"cursor": "c30"}}
    assert state["bookmark"] == 30 and len(state["boundary"]) == 1
    state = json.loads(json.dumps(state))  # as the state store keeps it
    rest_of_it = rest.records(config, "customers", state)
    assert [r["id"] for r in rest_of_it] == list(range(31, 96))
    assert batches[-1].state["bookmark"] == 95 and "walk" not in batches[-1].state


def test_second_incremental_read_sends_the_bookmark_and_returns_nothing_older(
    rest: Rest, shop: FakeShop
) -> None:
    config = rest.config(shop.url, **customers("page", cursor={"field": "id", "param": "since_id"}))
    first = rest.read(config, "customers")
    assert first[-1].state["bookmark"] == 95 and "walk" not in first[-1].state
    first_request = shop.api_requests()[0]
    assert "since_id" not in first_request.query
    shop.requests.clear()
    again = rest.records(config, "customers", first[-1].state)
    # The fake ignores since_id; records older than the bookmark are dropped anyway, and
    # the bookmark's own record (the boundary) is not delivered again.
    assert again == []
    assert shop.api_requests()[0].query["since_id"] == "95"


def test_full_read_ignores_the_state(rest: Rest, shop: FakeShop) -> None:
    config = rest.config(shop.url, **customers("offset", cursor={"field": "id"}))
    records = rest.records(config, "customers", {"bookmark": 95}, sync_mode="full")
    assert len(records) == 95


ORDERS = [
    {"id": n, "updated_at": f"2026-03-01T10:{n:02d}:00Z", "total": n * 1.5} for n in range(1, 26)
]


def orders_api(request: Received) -> Reply:
    """Orders updated since ``updated_since`` (inclusive), 10 a page by ``page``."""
    since = request.query.get("updated_since", [""])[0]
    chosen = [o for o in ORDERS if o["updated_at"] >= since]
    page = int(request.query.get("page", ["1"])[0])
    body = {"data": chosen[(page - 1) * 10 : page * 10]}
    return Reply(200, {"Content-Type": "application/json"}, json.dumps(body))


def orders_config(rest: Rest, url: str, lookback: float = 0) -> Any:
    stream = {
        "name": "orders",
        "path": "/orders",
        "records": "data",
        "primary_key": ["id"],
        "cursor": {"field": "updated_at", "param": "updated_since", "lookback_seconds": lookback},
        "pagination": {"kind": "page"},
    }
    return rest.config(url, streams=[stream])


#: A stream of items paged by offset, two a page.
OFFSET_ITEMS = {
    "name": "items",
    "path": "/items",
    "primary_key": "id",
    "pagination": {"kind": "offset", "limit": 2},
}


def test_incremental_read_with_timestamps_and_lookback(rest: Rest) -> None:
    with HttpServer(orders_api) as server:
        config = orders_config(rest, server.url, lookback=120)
        first = rest.read(config, "orders")
        assert len([r for b in first for r in b.records]) == 25
        state = first[-1].state
        assert state == {"bookmark": "2026-03-01T10:25:00Z"}
        server.requests.clear()
        again = rest.records(config, "orders", state)
        # Two minutes back: 10:23, 10:24 and 10:25 come again.
        assert [r["id"] for r in again] == [23, 24, 25]
        assert server.requests[0].query["updated_since"] == ["2026-03-01T10:23:00Z"]


def test_overlapping_pages_are_deduplicated_by_primary_key(rest: Rest) -> None:
    pages = {
        "0": [{"id": 1}, {"id": 2}],
        "2": [{"id": 2}, {"id": 3}],  # a record inserted upstream shifted id 2 along
        "4": [],
    }

    def api(request: Received) -> Reply:
        offset = request.query["offset"][0]
        return Reply(200, {"Content-Type": "application/json"}, json.dumps(pages[offset]))

    with HttpServer(api) as server:
        config = rest.config(server.url, streams=[OFFSET_ITEMS])
        assert [r["id"] for r in rest.records(config, "items")] == [1, 2, 3]


@pytest.mark.parametrize(
    "ids",
    [
        [1, "1"],  # an integer and a string with the same digits are two keys
        [1, True],  # a boolean equals 1 in Python, not in JSON
        [1, 1.5, {"a": 1}, [1]],  # every JSON type a key can have
        ["a", ["a"]],  # a string and a list holding it
    ],
    ids=["int-str", "int-bool", "mixed", "str-list"],
)
def test_keys_of_other_types_are_never_taken_for_repeats(rest: Rest, ids: list[Any]) -> None:
    records = [{"id": i} for i in ids]
    # The second page brings the rest, then every record of the first page again.
    pages = {"0": records[:2], "2": records[2:] + records[:2], "4": []}

    def api(request: Received) -> Reply:
        offset = int(request.query["offset"][0])
        body = pages.get(str(offset), [])
        return Reply(200, {"Content-Type": "application/json"}, json.dumps(body))

    with HttpServer(api) as server:
        config = rest.config(server.url, streams=[OFFSET_ITEMS])
        got = [r["id"] for r in rest.records(config, "items")]
    # Every distinct key once, in order; the repeats of the second page are dropped.
    assert got == ids


def test_a_repeating_cursor_fails_clearly(rest: Rest, shop: FakeShop) -> None:
    shop.repeat_cursor = True
    config = rest.config(shop.url, **customers("cursor"))
    with pytest.raises(ReadError, match="pagination loop: the next page is 'cursor=c10' again"):
        rest.read(config, "customers")


def test_429_and_503_are_retried_and_every_attempt_logged(
    rest: Rest, caplog: pytest.LogCaptureFixture
) -> None:
    ok = Reply(200, {"Content-Type": "application/json"}, '[{"id": 1}]')
    replies = [Reply(503), Reply(429, {"Retry-After": "0"}), ok]
    with HttpServer(sequence(replies)) as server:
        config = rest.config(server.url, streams=[{"name": "items", "path": "/items"}])
        with caplog.at_level(logging.DEBUG, logger="hookline.http"):
            assert rest.records(config, "items") == [{"id": 1}]
    attempts = [r.getMessage() for r in caplog.records if r.name == "hookline.http"]
    assert any("503" in m and "attempt 1/4" in m for m in attempts)
    assert any("429" in m and "attempt 2/4" in m for m in attempts)
    assert any("200" in m and "attempt 3/4" in m for m in attempts)


def test_retries_exhausted_fail_the_read(rest: Rest) -> None:
    with HttpServer(lambda _: Reply(503)) as server:
        config = rest.config(server.url, streams=[{"name": "items", "path": "/items"}])
        with pytest.raises(RetriesExhausted, match="gave up after 4 attempt"):
            rest.read(config, "items")


def test_a_host_not_allowed_is_refused_before_sending(rest: Rest, shop: FakeShop) -> None:
    config = rest.config(shop.url, allowed_hosts=["api.example.com"], **customers("page"))
    with pytest.raises(HostNotAllowed, match="not one the connector declared"):
        rest.read(config, "customers")
    assert shop.requests == []


def test_records_that_are_not_objects_fail_clearly(rest: Rest, shop: FakeShop) -> None:
    stream = {"name": "ids", "path": "/page/customers", "records": "data[].id"}
    config = rest.config(shop.url, streams=[stream])
    with pytest.raises(HooklineError, match="holds a int, not objects"):
        rest.read(config, "ids")


def _one_account(request: Received) -> Reply:
    body = {"id": 7, "plan": "gold", "owner": {"name": "Ada"}}
    if request.path == "/wrapped":
        body = {"data": body}
    return Reply(200, {"Content-Type": "application/json"}, json.dumps(body))


@pytest.mark.parametrize(
    ("path", "records"), [("/me", "[@]"), ("/wrapped", "data | [@]")], ids=["body", "under-a-key"]
)
def test_an_endpoint_answering_one_record_is_a_stream_of_one(
    rest: Rest, path: str, records: str
) -> None:
    with HttpServer(_one_account) as server:
        stream = {"name": "account", "path": path, "records": records, "primary_key": "id"}
        config = rest.config(server.url, streams=[stream])
        assert rest.records(config, "account") == [
            {"id": 7, "plan": "gold", "owner": {"name": "Ada"}}
        ]
        schema = rest.discover(config)["account"].schema
    assert schema["properties"]["owner"]["properties"]["name"] == {"type": "string"}


@pytest.mark.parametrize(
    ("path", "records", "fix"),
    [("/me", None, "'[@]'"), ("/wrapped", "data", "'data | [@]'")],
    ids=["body", "under-a-key"],
)
def test_one_object_where_a_list_belongs_says_how_to_read_it(
    rest: Rest, path: str, records: str | None, fix: str
) -> None:
    with HttpServer(_one_account) as server:
        stream: dict[str, Any] = {"name": "account", "path": path, "primary_key": "id"}
        if records is not None:
            stream["records"] = records
        config = rest.config(server.url, streams=[stream])
        with pytest.raises(ReadError) as caught:
            rest.records(config, "account")
    assert (
        f"holds a dict, not a list of records; if it is the one record, set records to {fix}"
        in (str(caught.value))
    )
