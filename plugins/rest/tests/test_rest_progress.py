"""How far a read is: a total from a response header (``total_header``) or from the body
(``pagination.total_path``) becomes each batch's progress, against a real loopback server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from support.http_server import HttpServer, Received, Reply

if TYPE_CHECKING:
    from conftest import Rest

ORDERS = [{"id": n} for n in range(1, 9)]  # 8 records, pages of 3: 3, 3, 2


def _pages(request: Received) -> Reply:
    offset = int(request.query.get("offset", ["0"])[0])
    limit = int(request.query.get("limit", ["3"])[0])
    body = {"data": ORDERS[offset : offset + limit], "meta": {"total": len(ORDERS)}}
    headers = {"Content-Type": "application/json", "X-Total-Count": str(len(ORDERS))}
    return Reply(200, headers, json.dumps(body))


@pytest.fixture
def api() -> Iterator[HttpServer]:
    with HttpServer(_pages) as server:
        yield server


def _stream(**extra: Any) -> dict[str, Any]:
    pagination = {"kind": "offset", "limit": 3, **extra.pop("pagination", {})}
    return {"name": "orders", "path": "/orders", "records": "data", "pagination": pagination}


def _progress(rest: Rest, api: HttpServer, stream: dict[str, Any]) -> list[Any]:
    config = rest.config(api.url, streams=[stream])
    batches = rest.read(config, "orders", sync_mode="full")
    assert [r["id"] for b in batches for r in b.records] == list(range(1, 9))
    return [
        None if b.progress is None else (b.progress.done, b.progress.total, b.progress.unit)
        for b in batches
    ]


def test_a_total_header_gives_records_read_of_records_to_read(rest: Rest, api: HttpServer) -> None:
    stream = {**_stream(), "total_header": "X-Total-Count"}
    # Without total_path the walk ends at an empty fourth page.
    assert _progress(rest, api, stream) == [
        (3, 8, "records"),
        (6, 8, "records"),
        (8, 8, "records"),
        (8, 8, "records"),
    ]


def test_a_total_in_the_body_does_the_same(rest: Rest, api: HttpServer) -> None:
    stream = _stream(pagination={"total_path": "meta.total"})
    assert _progress(rest, api, stream) == [
        (3, 8, "records"),
        (6, 8, "records"),
        (8, 8, "records"),
    ]


def test_without_a_total_a_read_says_nothing_of_its_size(rest: Rest, api: HttpServer) -> None:
    assert _progress(rest, api, _stream()) == [None, None, None, None]


def test_a_header_the_api_does_not_send_is_no_total(rest: Rest, api: HttpServer) -> None:
    stream = {**_stream(), "total_header": "X-Count-Of-Nothing"}
    assert _progress(rest, api, stream) == [None, None, None, None]
