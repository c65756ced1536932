"""Pagination against a real loopback shop API: five styles, stops, loops, bad bodies, resume."""

from __future__ import annotations

import json
import logging
import urllib.parse
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from hookline.errors import ReadError
from hookline.http import ApiKeyAuth
from hookline.http._pagination import (
    CursorPagination,
    LinkHeaderPagination,
    NextUrlPagination,
    OffsetPagination,
    Page,
    PageNumberPagination,
    Pagination,
    find,
    paginate,
)
from hookline.secrets import Secret
from support.fake_apis import FakeShop
from support.http_server import HttpServer, Received, Reply

ALL_IDS = list(range(1, 96))

STYLES: dict[str, tuple[Pagination, str | None]] = {
    "page": (PageNumberPagination(param="page", size_param="per_page", size=10), "data"),
    "offset": (OffsetPagination(limit=10), "data"),
    "cursor": (CursorPagination(cursor_path="meta.next_cursor", param="cursor"), "data"),
    "next": (NextUrlPagination(next_path="links.next"), "data"),
    "link": (LinkHeaderPagination(), None),
}


@pytest.fixture
def shop() -> Iterator[FakeShop]:
    with FakeShop() as fake:
        yield fake


@pytest.fixture
def client(shop: FakeShop) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=shop.url, timeout=5) as c:
        yield c


def walk(client: httpx.Client, style: str, **kwargs: Any) -> list[Page]:
    spec, path = STYLES[style]
    kwargs.setdefault("records_path", path)
    spec = kwargs.pop("spec", spec)
    request = client.build_request("GET", f"/{style}/customers")
    return list(paginate(client, request, spec, **kwargs))


def ids(pages: list[Page]) -> list[int]:
    return [r["id"] for p in pages for r in p.records]


@pytest.mark.parametrize("style", sorted(STYLES))
def test_each_style_returns_exactly_the_95_records_in_order(
    client: httpx.Client, shop: FakeShop, style: str
) -> None:
    pages = walk(client, style)
    assert ids(pages) == ALL_IDS
    assert [p.number for p in pages] == list(range(1, len(pages) + 1))
    assert pages[-1].state is None and not pages[-1].capped
    assert all(p.state is not None for p in pages[:-1])
    # Page and offset styles learn the end from an empty page; the others from the body.
    assert len(shop.requests) == (11 if style in ("page", "offset") else 10)


def test_page_tokens_name_each_page(client: httpx.Client) -> None:
    pages = walk(client, "cursor")
    assert [p.token for p in pages[:3]] == [None, "cursor=c10", "cursor=c20"]
    pages = walk(client, "page")
    assert pages[2].token == "page=3" and pages[2].url.endswith("page=3&per_page=10")


def test_an_empty_last_page_stops(client: httpx.Client, shop: FakeShop) -> None:
    shop.total, shop.empty_last_page = 90, True
    pages = walk(client, "cursor")
    assert ids(pages) == list(range(1, 91))
    assert pages[-1].records == [] and pages[-1].state is None
    assert len(shop.requests) == 10


def test_empty_pages_can_be_walked_past_when_asked(client: httpx.Client, shop: FakeShop) -> None:
    shop.total, shop.empty_last_page = 90, True
    spec = CursorPagination(cursor_path="meta.next_cursor", stop_on_empty=False)
    assert ids(walk(client, "cursor", spec=spec)) == list(range(1, 91))


@pytest.mark.parametrize(
    "spec",
    [
        PageNumberPagination(size_param="per_page", size=10, total_pages_path="meta.total_pages"),
        PageNumberPagination(size_param="per_page", size=10, total_path="meta.total"),
        PageNumberPagination(has_more_path="meta.has_more"),
    ],
    ids=["total-pages", "total-count", "has-more"],
)
def test_a_total_or_has_more_flag_stops_without_an_extra_request(
    client: httpx.Client, shop: FakeShop, spec: Pagination
) -> None:
    assert ids(walk(client, "page", spec=spec)) == ALL_IDS
    assert len(shop.requests) == 10


def test_offset_total_stops(client: httpx.Client, shop: FakeShop) -> None:
    spec = OffsetPagination(limit=10, total_path="meta.total")
    assert ids(walk(client, "offset", spec=spec)) == ALL_IDS
    assert len(shop.requests) == 10


def test_the_page_cap_stops_and_says_so(
    client: httpx.Client, shop: FakeShop, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="hookline.http"):
        pages = walk(client, "next", max_pages=3)
    assert ids(pages) == list(range(1, 31))
    assert pages[-1].capped and pages[-1].state is not None
    assert not any(p.capped for p in pages[:-1])
    assert "page cap of 3 pages" in caplog.text
    assert len(shop.requests) == 3


def test_a_cap_on_the_last_page_is_no_cap(client: httpx.Client) -> None:
    pages = walk(client, "cursor", max_pages=10)
    assert ids(pages) == ALL_IDS and not pages[-1].capped


def test_a_repeating_cursor_is_an_error_naming_it(client: httpx.Client, shop: FakeShop) -> None:
    shop.repeat_cursor = True
    with pytest.raises(ReadError, match=r"'cursor=c10' again, first asked for as page 2"):
        walk(client, "cursor")


def test_a_cycle_of_cursors_is_an_error_naming_it(client: httpx.Client, shop: FakeShop) -> None:
    shop.cursor_cycle = True  # c10 -> c20 -> c10
    with pytest.raises(ReadError, match=r"'cursor=c10' again") as caught:
        walk(client, "cursor")
    assert "page 2" in str(caught.value)
    assert [r.query.get("cursor") for r in shop.requests] == [None, "c10", "c20"]


def test_a_url_cycle_is_an_error_naming_the_url(client: httpx.Client) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        other = "/b" if request.url.path == "/a" else "/a"
        return httpx.Response(200, json={"items": [1], "next": other})

    with httpx.Client(transport=httpx.MockTransport(handler), base_url="https://api.test") as c:
        request = c.build_request("GET", "/a")
        with pytest.raises(ReadError, match=r"'https://api.test/a' again"):
            list(paginate(c, request, NextUrlPagination(next_path="next"), records_path="items"))


def test_a_malformed_body_names_the_url_and_content_type(
    client: httpx.Client, shop: FakeShop
) -> None:
    shop.malformed_page = 3
    with pytest.raises(ReadError) as caught:
        walk(client, "page")
    message = str(caught.value)
    assert f"{shop.url}/page/customers?page=3&per_page=10" in message
    assert "not JSON" in message and "'text/html; charset=utf-8'" in message


def test_an_http_error_names_the_url_and_status(client: httpx.Client) -> None:
    request = client.build_request("GET", "/nowhere/customers")
    with pytest.raises(
        ReadError, match=r"GET .*/nowhere/customers\?page=1&per_page=10 failed with HTTP 404"
    ):
        list(paginate(client, request, STYLES["page"][0]))


def test_records_path_must_hold_a_list(client: httpx.Client) -> None:
    with pytest.raises(ReadError, match=r"the path 'meta' holds a dict, not a list"):
        walk(client, "page", records_path="meta")


@pytest.mark.parametrize("style", sorted(STYLES))
def test_resuming_from_a_page_state_yields_exactly_the_rest(
    client: httpx.Client, shop: FakeShop, style: str
) -> None:
    first = walk(client, style, max_pages=4)
    assert ids(first) == list(range(1, 41)) and first[-1].capped
    state = first[-1].state
    assert state is not None
    rest = walk(client, style, state=state)
    assert ids(rest) == list(range(41, 96))


def test_page_state_is_plain_data(client: httpx.Client) -> None:
    states = [p.state for p in walk(client, "cursor", max_pages=2)]
    assert states == [{"cursor": "c10"}, {"cursor": "c20"}]
    states = [p.state for p in walk(client, "offset", max_pages=2)]
    assert states == [{"offset": 10}, {"offset": 20}]


def test_a_next_url_on_another_host_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"items": [1], "next": "https://evil.test/steal"})

    with httpx.Client(transport=httpx.MockTransport(handler), base_url="https://api.test") as c:
        request = c.build_request("GET", "/a")
        with pytest.raises(ReadError, match=r"https://evil.test/steal leaves https://api.test"):
            list(paginate(c, request, NextUrlPagination(next_path="next"), records_path="items"))


def test_relative_next_urls_and_jmespath_records() -> None:
    bodies = {
        "/v1/orders": {"result": {"rows": [{"n": 1}, {"n": 2, "skip": True}]}, "next": "?p=2"},
        "/v1/orders?p=2": {"result": {"rows": [{"n": 3}]}, "next": None},
    }

    def handler(request: httpx.Request) -> httpx.Response:
        key = request.url.raw_path.decode()
        return httpx.Response(200, json=bodies[key])

    with httpx.Client(transport=httpx.MockTransport(handler), base_url="https://api.test") as c:
        request = c.build_request("GET", "/v1/orders")
        spec = NextUrlPagination(next_path="next")
        pages = list(paginate(c, request, spec, records_path="result.rows[?!skip].n"))
    assert [p.records for p in pages] == [[1], [3]]


def test_find_reads_dotted_paths_and_jmespath() -> None:
    body = {"data": {"items": [1, 2]}, "meta": {"next-cursor": "x"}}
    assert find(body, "data.items") == [1, 2]
    assert find(body, "data.missing.deeper") is None
    assert find(body, 'meta."next-cursor"') == "x"
    with pytest.raises(ValueError, match="not a dotted path or JMESPath expression"):
        find(body, "data[")


def test_page_number_total_count_needs_a_size() -> None:
    with pytest.raises(ValueError, match="total_path needs size"):
        PageNumberPagination(total_path="meta.total")


def test_specs_are_frozen() -> None:
    spec = PageNumberPagination()
    with pytest.raises(AttributeError):
        spec.param = "p"  # type: ignore[misc]


# -- page states hold no secret -------------------------------------------------------------


def echoing(required: dict[str, str]) -> Any:
    """A loopback API whose next links repeat every query parameter it was sent.

    It refuses (401) a request missing any of ``required``; 25 items, 10 a page.
    """

    def handler(request: Received) -> Reply:
        query = {k: v[0] for k, v in request.query.items()}
        if any(query.get(k) != v for k, v in required.items()):
            return Reply(401, {"Content-Type": "application/json"}, '{"error": "refused"}')
        after = int(query.get("after", "0"))
        items = [{"id": n} for n in range(after + 1, min(after + 10, 25) + 1)]
        headers = {"Content-Type": "application/json"}
        following = None
        if after + 10 < 25:
            following = "/items?" + urllib.parse.urlencode({**query, "after": after + 10})
            headers["Link"] = f'<{following}>; rel="next"'
        return Reply(200, headers, json.dumps({"data": items, "next": following}))

    return handler


URL_STYLES: dict[str, tuple[Pagination, str | None]] = {
    "next": (NextUrlPagination(next_path="next"), "data"),
    "link": (LinkHeaderPagination(), "data"),
}


@pytest.mark.parametrize("style", sorted(URL_STYLES))
def test_the_query_api_key_of_the_auth_is_kept_out_of_page_states(style: str) -> None:
    key = "k9"  # too short to be registered as a secret: stripped by the auth's name
    spec, records = URL_STYLES[style]
    with HttpServer(echoing({"key": key})) as server:
        auth = ApiKeyAuth(Secret(key), name="key", location="query")
        with httpx.Client(base_url=server.url, auth=auth, timeout=5) as c:
            request = c.build_request("GET", "/items")
            first = list(paginate(c, request, spec, records_path=records, max_pages=1))
            state = first[-1].state
            assert state == {"url": f"{server.url}/items?after=10", "stripped": ["key"]}
            resumed = list(paginate(c, request, spec, records_path=records, state=state))
    assert ids(resumed) == list(range(11, 26))
    assert all(r.query["key"] == [key] for r in server.requests)


@pytest.mark.parametrize("style", sorted(URL_STYLES))
def test_a_registered_secret_in_any_parameter_is_stripped_and_put_back(style: str) -> None:
    signature = Secret("sig-5e0a77c1d3")
    spec, records = URL_STYLES[style]
    server = HttpServer(echoing({"sig": signature.reveal()}))
    with server, httpx.Client(base_url=server.url, timeout=5) as c:
        request = c.build_request("GET", "/items", params={"sig": signature.reveal()})
        pages = list(paginate(c, request, spec, records_path=records))
        assert ids(pages) == list(range(1, 26))  # put back on every page of the walk
        state = pages[0].state
        assert state is not None and signature.reveal() not in json.dumps(state)
        assert state["stripped"] == ["sig"]
        resumed = list(paginate(c, request, spec, records_path=records, state=state))
    assert ids(resumed) == list(range(11, 26))
    assert all(r.query["sig"] == [signature.reveal()] for r in server.requests)


def test_named_secret_params_are_stripped_too() -> None:
    server = HttpServer(echoing({"session": "s1"}))
    with server, httpx.Client(base_url=server.url, timeout=5) as c:
        request = c.build_request("GET", "/items", params={"session": "s1", "q": "x"})
        spec = NextUrlPagination(next_path="next")
        pages = list(paginate(c, request, spec, records_path="data", secret_params=["SESSION"]))
    assert ids(pages) == list(range(1, 26))
    assert pages[0].state == {"url": f"{server.url}/items?q=x&after=10", "stripped": ["session"]}


def test_a_state_without_secrets_is_left_as_it_is(client: httpx.Client) -> None:
    states = [p.state for p in walk(client, "next", max_pages=2)]
    assert states[0] is not None and "stripped" not in states[0]


# -- where the records are ------------------------------------------------------------------


def _one_page(body: Any, records_path: str, status: int = 200) -> list[Page]:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body)

    with httpx.Client(transport=httpx.MockTransport(handler), base_url="https://api.test") as c:
        request = c.build_request("GET", "/v1/orders", params={"page": "2"})
        spec = NextUrlPagination(next_path="next")
        return list(paginate(c, request, spec, records_path=records_path))


def test_a_page_without_the_records_key_is_an_error_naming_path_url_and_shape() -> None:
    body = {"items": [{"id": 1, "email": "ann@example.com"}], "meta": {"n": 1}, "ok": True}
    with pytest.raises(ReadError) as caught:
        _one_page(body, "data")
    message = str(caught.value)
    assert message == (
        "GET https://api.test/v1/orders?page=2 (HTTP 200): the records path 'data' is not in "
        "the response: 'data' is missing in the body, which is an object with keys items "
        "(list of 1), meta (object), ok (boolean); point records at the list of records (or "
        "ask the API why it answered without them)"
    )
    assert "ann@example.com" not in message  # a shape, never a value


def test_a_nested_records_key_missing_names_the_object_it_is_missing_from() -> None:
    with pytest.raises(ReadError, match=r"'items' is missing in 'result', which is an object"):
        _one_page({"result": {"rows": [], "total": 0}}, "result.items")
    with pytest.raises(ReadError, match=r"'rows' is missing in 'result', which is a list of 2"):
        _one_page({"result": [1, 2]}, "result.rows[?!skip]")
    with pytest.raises(ReadError, match=r"'data' is missing in the body, which is a list of 3"):
        _one_page([1, 2, 3], "data")


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"data": []}, "data"),
        ({"data": None}, "data"),
        ({"result": None}, "result.items"),
        ({"result": {"items": None}}, "result.items[?active]"),
    ],
)
def test_an_empty_list_or_null_at_the_records_path_is_an_empty_page(body: Any, path: str) -> None:
    [page] = _one_page(body, path)
    assert page.records == [] and page.state is None
