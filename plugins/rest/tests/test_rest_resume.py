"""Incremental reads of a collection that changes between reads: resumption and boundaries.

The API here is a real loopback server over a list of orders that the tests edit between
reads, sorted by ``updated_at`` then ``id`` as such APIs sort, filtered by an inclusive
(``>=``) or exclusive (``>``) ``updated_since``.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

import pytest

from hookline.models import Batch, Record
from support.http_server import HttpServer, Received, Reply

if TYPE_CHECKING:
    from collections.abc import Iterator

    from conftest import Rest

PAGE = 10


def stamp(tick: int) -> str:
    """The timestamp of a clock tick: one minute each, as ISO 8601 with a trailing Z."""
    return f"2026-03-01T{10 + tick // 60:02d}:{tick % 60:02d}:00Z"


class Orders:
    """A changing collection of orders served as JSON pages by page number or offset."""

    def __init__(self, count: int = 25, *, exclusive: bool = False) -> None:
        self.exclusive = exclusive
        self.clock = count
        self.records: dict[int, dict[str, Any]] = {
            n: {"id": n, "updated_at": stamp(n), "version": 1} for n in range(1, count + 1)
        }
        self.asked: list[dict[str, str]] = []

    def edit(self, ident: int) -> None:
        """Change an order now: its ``updated_at`` grows, so it moves to the end."""
        self.clock += 1
        record = self.records[ident]
        record.update(updated_at=stamp(self.clock), version=record["version"] + 1)

    def add(self, ident: int, updated_at: str) -> None:
        """Add an order with a given ``updated_at``."""
        self.records[ident] = {"id": ident, "updated_at": updated_at, "version": 1}

    def handler(self, request: Received) -> Reply:
        query = {k: v[0] for k, v in request.query.items()}
        self.asked.append(query)
        rows = sorted(self.records.values(), key=lambda r: (r["updated_at"], r["id"]))
        since = query.get("updated_since")
        if since is not None:
            rows = [
                r
                for r in rows
                if r["updated_at"] > since or (not self.exclusive and r["updated_at"] == since)
            ]
        if "offset" in query:
            start, size = int(query["offset"]), int(query["limit"])
        else:
            size = int(query.get("per_page", PAGE))
            start = (int(query.get("page", "1")) - 1) * size
        meta = {"total": len(rows), "total_pages": -(-len(rows) // size)}
        body = {"data": [dict(r) for r in rows[start : start + size]], "meta": meta}
        return Reply(200, {"Content-Type": "application/json"}, json.dumps(body))


PAGINATIONS: dict[str, dict[str, Any]] = {
    "page": {
        "kind": "page",
        "size_param": "per_page",
        "size": PAGE,
        "total_pages_path": "meta.total_pages",
    },
    "offset": {"kind": "offset", "limit": PAGE, "total_path": "meta.total"},
}


def config(rest: Rest, url: str, kind: str = "page", **settings: Any) -> Any:
    cursor = {"field": "updated_at", "param": "updated_since", **settings.pop("cursor", {})}
    stream = {
        "name": "orders",
        "path": "/orders",
        "records": "data",
        "primary_key": ["id"],
        "cursor": cursor,
        "pagination": {**PAGINATIONS[kind], **settings.pop("pagination", {})},
        **settings,
    }
    return rest.config(url, streams=[stream])


@pytest.fixture
def orders() -> Iterator[tuple[Orders, str]]:
    api = Orders()
    with HttpServer(api.handler) as server:
        yield api, server.url


def versions(records: list[Record]) -> list[tuple[int, int]]:
    return [(r["id"], r["version"]) for r in records]


def stored(state: Any) -> Any:
    return json.loads(json.dumps(state))  # as the state store keeps it


def run_until_done(rest: Rest, settings: Any, state: Any) -> tuple[list[Record], list[Batch]]:
    """Read again and again from the last state until no walk is left (at most 10 reads)."""
    records: list[Record] = []
    batches: list[Batch] = []
    for _ in range(10):
        read = rest.read(settings, "orders", stored(state))
        batches += read
        records += [r for b in read for r in b.records]
        state = read[-1].state
        if "walk" not in state:
            return records, batches
    raise AssertionError("the walk never finished")


# -- resuming a walk over a collection that changed ------------------------------------------


@pytest.mark.parametrize("kind", sorted(PAGINATIONS))
def test_a_capped_sorted_walk_resumes_from_the_cursor_and_skips_nothing(
    rest: Rest, orders: tuple[Orders, str], kind: str
) -> None:
    api, url = orders
    settings = config(rest, url, kind, cursor={"sorted": True}, pagination={"max_pages": 1})
    [first] = rest.read(settings, "orders")
    assert [r["id"] for r in first.records] == list(range(1, 11))
    assert first.state["walk"] == {"since": None, "reached": stamp(10)}
    assert "page" not in first.state["walk"]  # no position to go wrong
    api.edit(3)  # order 3 moves to the end; every order after it moves up one place
    rest_of_it, _ = run_until_done(rest, settings, first.state)
    # Exactly once: nothing skipped (order 11 included), nothing delivered twice, and the
    # edited order 3 in its new version.
    assert versions(rest_of_it) == [(n, 1) for n in range(11, 26)] + [(3, 2)]
    assert api.asked[1]["updated_since"] == stamp(10)


@pytest.mark.parametrize("kind", sorted(PAGINATIONS))
def test_an_interrupted_walk_of_an_unsorted_api_restarts_and_skips_nothing(
    rest: Rest, orders: tuple[Orders, str], kind: str
) -> None:
    api, url = orders
    settings = config(rest, url, kind)
    committed = rest.read(settings, "orders")[0].state  # then the process was killed
    api.edit(3)
    again = rest.records(settings, "orders", stored(committed))
    ids = [r["id"] for r in again]
    assert 11 in ids  # the order that moved up over the page boundary is not skipped
    assert set(ids) | set(range(1, 11)) == set(range(1, 26))
    assert (3, 2) in versions(again)
    assert ids.count(10) == 0  # the bookmark's own record is in the boundary
    assert committed["walk"] == {"since": None}  # no position kept: it could shift


def test_a_capped_restarting_walk_says_what_to_set(
    rest: Rest, orders: tuple[Orders, str], caplog: pytest.LogCaptureFixture
) -> None:
    _, url = orders
    settings = config(rest, url, pagination={"max_pages": 1})
    with caplog.at_level(logging.WARNING):
        rest.read(settings, "orders")
    message = next(r.getMessage() for r in caplog.records if r.name == "hookline.rest")
    assert "stream 'orders': stopped at pagination.max_pages (1)" in message
    assert "cursor.sorted" in message and "pagination.immutable" in message


@pytest.mark.parametrize("kind", sorted(PAGINATIONS))
def test_an_immutable_collection_resumes_at_the_next_page(
    rest: Rest, orders: tuple[Orders, str], kind: str
) -> None:
    _, url = orders
    settings = config(rest, url, kind, pagination={"max_pages": 1, "immutable": True})
    [first] = rest.read(settings, "orders")
    position = {"page": 2} if kind == "page" else {"offset": 10}
    assert first.state["walk"] == {"since": None, "page": position}
    rest_of_it, batches = run_until_done(rest, settings, first.state)
    assert [r["id"] for r in rest_of_it] == list(range(11, 26))
    assert len(batches) == 2


def test_a_sorted_walk_resumes_exactly_when_ties_straddle_a_page(rest: Rest) -> None:
    api = Orders(count=0)
    for n in range(1, 26):  # orders 8 to 14 share one updated_at
        api.add(n, stamp(8) if 8 <= n <= 14 else stamp(n))
    with HttpServer(api.handler) as server:
        settings = config(rest, server.url, cursor={"sorted": True})
        batches = rest.read(settings, "orders")
        assert batches[0].state["boundary"] == ["[8]", "[9]", "[10]"]
        after_first = rest.records(settings, "orders", stored(batches[0].state))
    expected = [r for b in batches[1:] for r in b.records]
    assert [r["id"] for r in after_first] == [r["id"] for r in expected] == list(range(11, 26))


def edited_during_the_walk(api: Orders, ident: int) -> Any:
    """A handler that edits an order once, after serving the walk's first page."""

    def handler(request: Received) -> Reply:
        if len(api.asked) == 1:
            api.edit(ident)
        return api.handler(request)

    return handler


def test_a_record_changed_during_the_walk_is_delivered_in_its_new_version(rest: Rest) -> None:
    api = Orders()
    with HttpServer(edited_during_the_walk(api, 3)) as server:
        records = rest.records(config(rest, server.url, "offset"), "orders")
    assert (3, 1) in versions(records) and (3, 2) in versions(records)


@pytest.mark.parametrize("kind", sorted(PAGINATIONS))
def test_a_sorted_walk_skips_nothing_when_records_move_during_it(rest: Rest, kind: str) -> None:
    api = Orders()
    with HttpServer(edited_during_the_walk(api, 3)) as server:
        settings = config(rest, server.url, kind, cursor={"sorted": True})
        records = rest.records(settings, "orders")
    # Each page is asked for from the largest value delivered: the move shifts nothing.
    assert versions(records) == [(n, 1) for n in range(1, 26)] + [(3, 2)]
    assert [q.get("updated_since") for q in api.asked[:3]] == [None, stamp(10), stamp(19)]


def test_a_sorted_walk_of_an_api_ignoring_the_cursor_goes_on_by_position(
    rest: Rest, caplog: pytest.LogCaptureFixture
) -> None:
    api = Orders()

    def ignoring(request: Received) -> Reply:
        request.query.pop("updated_since", None)
        return api.handler(request)

    with HttpServer(ignoring) as server:
        settings = config(rest, server.url, cursor={"sorted": True})
        with caplog.at_level(logging.WARNING):
            records = rest.records(settings, "orders")
    assert [r["id"] for r in records] == list(range(1, 26))
    assert len(api.asked) == 4  # page 1, page 1 from the bookmark (all older), pages 2, 3
    assert "answered records older than updated_since" in caplog.text


# -- inclusive cursors and the boundary -------------------------------------------------------


def test_an_inclusive_cursor_does_not_deliver_the_boundary_again(rest: Rest) -> None:
    api = Orders(count=12)
    api.add(13, stamp(12))  # 12 and 13 share the last updated_at
    with HttpServer(api.handler) as server:
        settings = config(rest, server.url)
        first = rest.read(settings, "orders")
        state = first[-1].state
        assert rest.records(settings, "orders", stored(state)) == []
        assert api.asked[-1]["updated_since"] == stamp(12)
        assert state == {"bookmark": stamp(12), "boundary": ["[12]", "[13]"]}
        # Written later with the bookmark's value: the inclusive parameter catches it.
        api.add(14, stamp(12))
        again = rest.read(settings, "orders", stored(state))
    assert versions([r for b in again for r in b.records]) == [(14, 1)]
    assert again[-1].state["boundary"] == ["[12]", "[13]", "[14]"]


def test_a_post_destination_gets_each_boundary_record_once(rest: Rest) -> None:
    api = Orders(count=5)
    created: set[int] = set()

    def create(request: Received) -> Reply:
        ident = json.loads(request.body)["id"]
        if ident in created:
            return Reply(409, {"Content-Type": "application/json"}, '{"error": "exists"}')
        created.add(ident)
        return Reply(201)

    with HttpServer(api.handler) as source, HttpServer(create) as destination:
        reading = config(rest, source.url)
        writing = rest.config(destination.url, writes={"orders": {"path": "/orders"}})
        state = None
        for _ in range(3):  # three scheduled runs
            for batch in rest.read(reading, "orders", stored(state)):
                result = rest.write(writing, "orders", batch.records)
                assert result.rejected == ()
                state = batch.state
    assert created == {1, 2, 3, 4, 5}


def test_without_a_primary_key_the_whole_record_is_the_key(rest: Rest) -> None:
    api = Orders(count=3)
    with HttpServer(api.handler) as server:
        settings = config(rest, server.url, primary_key=[])
        state = rest.read(settings, "orders")[-1].state
        [key] = state["boundary"]
        assert key.startswith("r:") and len(key) == 34
        assert rest.records(settings, "orders", stored(state)) == []
        # Changed without its cursor changing: another record for the boundary.
        api.records[3]["version"] = 2
        assert versions(rest.records(settings, "orders", stored(state))) == [(3, 2)]


def test_long_keys_are_stored_hashed(rest: Rest) -> None:
    long_id = "order-" + "x" * 80
    api = Orders(count=0)
    api.records[0] = {"id": long_id, "updated_at": stamp(1), "version": 1}
    with HttpServer(api.handler) as server:
        settings = config(rest, server.url)
        state = rest.read(settings, "orders")[-1].state
        [key] = state["boundary"]
        assert key.startswith("h:") and long_id not in json.dumps(state)
        assert rest.records(settings, "orders", stored(state)) == []


def test_past_the_cap_boundary_records_come_again_and_a_warning_says_so(
    rest: Rest, caplog: pytest.LogCaptureFixture
) -> None:
    api = Orders(count=0)
    for n in range(1, 5):
        api.add(n, stamp(1))
    with HttpServer(api.handler) as server:
        settings = config(rest, server.url, cursor={"max_boundary_keys": 2})
        with caplog.at_level(logging.WARNING):
            state = rest.read(settings, "orders")[-1].state
        assert state["boundary"] == ["[1]", "[2]"]
        again = rest.records(settings, "orders", stored(state))
    assert [r["id"] for r in again] == [3, 4]  # at least once: never lost
    assert "raise cursor.max_boundary_keys" in caplog.text


def test_an_exclusive_cursor_keeps_no_boundary(rest: Rest) -> None:
    api = Orders(count=12, exclusive=True)
    with HttpServer(api.handler) as server:
        settings = config(rest, server.url, cursor={"exclusive": True})
        state = rest.read(settings, "orders")[-1].state
        assert state == {"bookmark": stamp(12)}
        api.add(13, stamp(12))  # written later with the bookmark's value
        api.add(14, stamp(13))
        # As documented: the exclusive parameter does not send 13 again ...
        assert [r["id"] for r in rest.records(settings, "orders", stored(state))] == [14]
        # ... unless a lookback covers it.
        looking_back = config(rest, server.url, cursor={"exclusive": True, "lookback_seconds": 60})
        again = rest.records(looking_back, "orders", stored(state))
    assert [r["id"] for r in again] == [12, 13, 14]


def test_a_lookback_delivers_its_window_again_boundary_included(rest: Rest) -> None:
    api = Orders(count=12)
    with HttpServer(api.handler) as server:
        settings = config(rest, server.url, cursor={"lookback_seconds": 120})
        state = rest.read(settings, "orders")[-1].state
        assert state == {"bookmark": stamp(12)}  # no boundary: the window comes again
        again = rest.records(settings, "orders", stored(state))
    assert [r["id"] for r in again] == [10, 11, 12]
