"""Writing: per record with idempotency keys, batch mode, templated paths, 4xx and 5xx."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from hookline.errors import WriteError
from hookline.secrets import redact
from support.http_server import HttpServer, Received, Reply

if TYPE_CHECKING:
    from conftest import Rest

CREATED = Reply(201, {"Content-Type": "application/json"}, '{"ok": true}')
TOKEN = "write-bearer-token-4f2e"


def api(rules: Callable[[Received], Reply | None] = lambda _: None) -> Callable[..., Reply]:
    def handler(request: Received) -> Reply:
        return rules(request) or CREATED

    return handler


def config(rest: Rest, url: str, **write: Any) -> Any:
    return rest.config(
        url,
        auth={"kind": "bearer", "token": TOKEN},
        writes={"reservations": {"path": "/reservations", **write}},
    )


RECORDS = [{"id": 1, "room": "A"}, {"id": 2, "room": "B"}, {"id": 3, "room": "C"}]


def test_post_per_record_with_idempotency_keys(rest: Rest) -> None:
    with HttpServer(api()) as server:
        result = rest.write(
            config(rest, server.url, idempotency_key="{stream}-{id}"), "reservations", RECORDS
        )
    assert (result.written, result.rejected) == (3, ())
    assert [r.method for r in server.requests] == ["POST"] * 3
    assert [json.loads(r.body) for r in server.requests] == RECORDS
    assert [r.headers["idempotency-key"] for r in server.requests] == [
        "reservations-1",
        "reservations-2",
        "reservations-3",
    ]
    assert server.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_a_post_with_an_idempotency_key_is_retried(rest: Rest) -> None:
    failed: set[str] = set()

    def flaky(request: Received) -> Reply | None:
        key = request.headers["idempotency-key"]
        if key not in failed:
            failed.add(key)
            return Reply(503)
        return None

    with HttpServer(api(flaky)) as server:
        result = rest.write(
            config(rest, server.url, idempotency_key="r-{id}"), "reservations", RECORDS[:2]
        )
    assert result.written == 2
    assert [r.headers["idempotency-key"] for r in server.requests] == ["r-1", "r-1", "r-2", "r-2"]


def test_templated_path_and_method(rest: Rest) -> None:
    records = [{"id": "a b/1", "room": "A"}, {"room": "B"}]
    with HttpServer(api()) as server:
        settings = config(rest, server.url, path="/rooms/{room}/reservations/{id}", method="PUT")
        result = rest.write(settings, "reservations", records)
    assert result.written == 1
    assert [(r.method, r.path) for r in server.requests] == [
        ("PUT", "/rooms/A/reservations/a%20b%2F1")
    ]
    [rejected] = result.rejected
    assert rejected.record == {"room": "B"}
    assert "needs the field 'id'" in rejected.reason


def test_batch_mode_sends_one_array(rest: Rest) -> None:
    with HttpServer(api()) as server:
        settings = config(
            rest,
            server.url,
            path="/{stream}/bulk",
            mode="batch",
            idempotency_key="{stream}-{id}-{count}",
        )
        result = rest.write(settings, "reservations", RECORDS)
    assert result.written == 3
    [request] = server.requests
    assert (request.path, json.loads(request.body)) == ("/reservations/bulk", RECORDS)
    assert request.headers["idempotency-key"] == "reservations-1-3"


def test_batch_mode_4xx_rejects_every_record(rest: Rest) -> None:
    refuse = Reply(422, {"Content-Type": "application/json"}, '{"error": "room C is closed"}')
    with HttpServer(api(lambda _: refuse)) as server:
        result = rest.write(config(rest, server.url, mode="batch"), "reservations", RECORDS)
    assert result.written == 0
    assert [r.record for r in result.rejected] == RECORDS
    assert all("room C is closed" in r.reason for r in result.rejected)


def test_4xx_rejects_that_record_with_the_server_message(rest: Rest) -> None:
    def refuse_b(request: Received) -> Reply | None:
        if json.loads(request.body)["room"] == "B":
            return Reply(422, {"Content-Type": "application/json"}, '{"error": "room B is full"}')
        return None

    with HttpServer(api(refuse_b)) as server:
        result = rest.write(
            config(rest, server.url, idempotency_key="{id}"), "reservations", RECORDS
        )
    assert result.written == 2
    [rejected] = result.rejected
    assert rejected.record == RECORDS[1]
    assert "422" in rejected.reason and "room B is full" in rejected.reason
    assert len(server.requests) == 3  # a 4xx is not retried


def test_5xx_exhausted_raises_write_error_for_the_batch(
    rest: Rest, caplog: pytest.LogCaptureFixture
) -> None:
    with HttpServer(api(lambda _: Reply(503))) as server:
        settings = config(rest, server.url, idempotency_key="{id}")
        with caplog.at_level(logging.DEBUG), pytest.raises(WriteError) as caught:
            rest.write(settings, "reservations", RECORDS)
        assert len(server.requests) == 4  # the first record, every attempt
    message = str(caught.value)
    assert "gave up after 4 attempt(s)" in message
    assert "no record of this batch counts as written" in message
    text = message + caplog.text
    assert TOKEN not in text and text == redact(text)


def test_a_post_without_idempotency_key_is_not_retried(rest: Rest) -> None:
    with HttpServer(api(lambda _: Reply(503))) as server:
        with pytest.raises(WriteError, match="not retried without an idempotency key"):
            rest.write(config(rest, server.url), "reservations", RECORDS)
        assert len(server.requests) == 1


def test_a_stream_without_writes_entry_fails_clearly(rest: Rest) -> None:
    settings = config(rest, "http://127.0.0.1:9")
    with pytest.raises(WriteError, match="add writes.other with its path"):
        rest.write(settings, "other", RECORDS)
