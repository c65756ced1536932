"""No secret in the state: next-page URLs that echo a query API key are stored without it."""

from __future__ import annotations

import json
import urllib.parse
from typing import TYPE_CHECKING, Any

import pytest

from support.http_server import HttpServer, Received, Reply

if TYPE_CHECKING:
    from collections.abc import Iterator

    from conftest import Rest

KEY = "query-api-key-7d41c2e9"
TOTAL, PAGE = 25, 10


def echoing_api(request: Received) -> Reply:
    """Items in pages by ``after``; the next link repeats every parameter, the key too."""
    query = {k: v[0] for k, v in request.query.items()}
    if query.get("api_key") != KEY:
        return Reply(401, {"Content-Type": "application/json"}, '{"error": "no key"}')
    after = int(query.get("after", "0"))
    items = [{"id": n} for n in range(after + 1, min(after + PAGE, TOTAL) + 1)]
    headers = {"Content-Type": "application/json"}
    following = None
    if after + PAGE < TOTAL:
        following = "/items?" + urllib.parse.urlencode({**query, "after": after + PAGE})
        headers["Link"] = f'<{following}>; rel="next"'
    body = {"data": items, "links": {"next": following}}
    return Reply(200, headers, json.dumps(body))


@pytest.fixture
def server() -> Iterator[HttpServer]:
    with HttpServer(echoing_api) as running:
        yield running


def config(rest: Rest, url: str, kind: str, **pagination: Any) -> Any:
    spec = {"kind": kind, **({"next_path": "links.next"} if kind == "next_url" else {})}
    stream = {
        "name": "items",
        "path": "/items",
        "records": "data",
        "primary_key": ["id"],
        "pagination": {**spec, **pagination},
    }
    auth = {"kind": "api_key", "api_key": KEY, "name": "api_key", "location": "query"}
    return rest.config(url, auth=auth, streams=[stream])


@pytest.mark.parametrize("kind", ["next_url", "link"])
def test_a_stored_next_url_holds_no_key_and_the_resumed_walk_authenticates(
    rest: Rest, server: HttpServer, kind: str
) -> None:
    settings = config(rest, server.url, kind, stable_links=True, max_pages=1)
    [first] = rest.read(settings, "items")
    text = json.dumps(first.state)  # what the state store, --state-out and state show hold
    assert KEY not in text and urllib.parse.quote(KEY) not in text
    page = first.state["walk"]["page"]
    assert page == {"url": f"{server.url}/items?after=10", "stripped": ["api_key"]}
    server.requests.clear()
    uncapped = config(rest, server.url, kind, stable_links=True)
    rest_of_it = rest.records(uncapped, "items", json.loads(text))
    assert [r["id"] for r in rest_of_it] == list(range(11, 26))
    # Each resumed request carried the key again (the API refuses any without it).
    assert [r.query["api_key"] for r in server.requests] == [[KEY], [KEY]]
    assert server.requests[0].query["after"] == ["10"]


@pytest.mark.parametrize("kind", ["next_url", "link"])
def test_without_stable_links_no_url_is_stored(rest: Rest, server: HttpServer, kind: str) -> None:
    [first] = rest.read(config(rest, server.url, kind, max_pages=1), "items")
    assert first.state == {"walk": {"since": None}}
