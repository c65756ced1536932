"""What the REST connector makes of bodies: where the records are, and integers of any size.

Against real loopback servers: a page without the configured records key fails the read
(``hookline read`` and a pipeline run, exit 1) instead of passing for an empty page, and
integers beyond 64 bits travel exactly both ways.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from support.http_server import HttpServer, Received, Reply

if TYPE_CHECKING:
    from conftest import Rest

_JSON = {"Content-Type": "application/json"}
SCHEMA = {"type": "object", "properties": {"id": {"type": "integer"}}}

#: Beyond 64 bits, signed and unsigned; a float could not hold any of them exactly.
BIG = 2**70 + 1
NEGATIVE = -(2**80) - 7
JUST_PAST_U64 = 2**64


def _answering(body: Any) -> HttpServer:
    return HttpServer(lambda _: Reply(200, _JSON, json.dumps(body)))


def _source(folder: Path, url: str, **stream: Any) -> Path:
    config = {
        "base_url": url,
        "retry": {"max_attempts": 1},
        "streams": [{"name": "orders", "path": "/orders", "records": "data", **stream}],
    }
    path = folder / "source.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


# -- the records key ------------------------------------------------------------------------


@pytest.fixture
def moved_records() -> Iterator[HttpServer]:
    """An API that answers its records under ``items``, not the ``data`` configured."""
    body = {"items": [{"id": 1, "email": "ann@example.com"}], "meta": {"page": 1}}
    with _answering(body) as server:
        yield server


def test_read_of_a_page_without_the_records_key_fails_naming_it(
    moved_records: HttpServer, tmp_path: Path, cli: Any
) -> None:
    config = _source(tmp_path, moved_records.url, schema=SCHEMA)
    result = cli("read", "rest", "-c", config, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""  # not one record, and no empty success
    [line] = result.stderr.strip().splitlines()
    assert f"GET {moved_records.url}/orders (HTTP 200)" in line
    assert "the records path 'data' is not in the response" in line
    assert "items (list of 1), meta (object)" in line
    assert "ann@example.com" not in line and "Traceback" not in result.stderr


def test_a_pipeline_run_fails_the_stream_of_a_page_without_the_records_key(
    moved_records: HttpServer, tmp_path: Path, cli: Any
) -> None:
    source = _source(tmp_path, moved_records.url, schema=SCHEMA)
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(
        yaml.safe_dump(
            {
                "source": {"connector": "rest", "config_file": str(source)},
                "destination": {"connector": "files", "config": {"directory": "out"}},
            }
        )
    )
    result = cli("run", pipeline, "--json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "failed"
    stream = summary["streams"]["orders"]
    assert (stream["status"], stream["read"], stream["written"]) == ("failed", 0, 0)
    assert "the records path 'data' is not in the response" in stream["error"]


def test_discover_without_a_schema_names_the_missing_records_key(
    moved_records: HttpServer, tmp_path: Path, cli: Any
) -> None:
    result = cli("discover", "rest", "-c", _source(tmp_path, moved_records.url), cwd=tmp_path)
    assert result.returncode == 1
    assert "the records path 'data' is not in the response" in result.stderr


@pytest.mark.parametrize("value", [[], None])
def test_an_empty_list_or_null_under_the_records_key_is_an_empty_page(
    rest: Rest, value: Any
) -> None:
    with _answering({"data": value}) as server:
        config = rest.config(
            server.url, streams=[{"name": "orders", "path": "/o", "records": "data"}]
        )
        batches = rest.read(config, "orders")
    assert [b.records for b in batches] == [[]]


# -- integers beyond 64 bits ------------------------------------------------------------------


def _echo(request: Received) -> Reply:
    """Answer a write with what it received, as it received it."""
    return Reply(200, _JSON, request.body or b"{}")


@pytest.mark.parametrize("mode", ["record", "batch"])
def test_big_integers_are_sent_exactly(rest: Rest, mode: str) -> None:
    records = [
        {"id": BIG, "amount": NEGATIVE, "nested": {"ids": [JUST_PAST_U64, 1]}},
        {"id": 2, "amount": 0, "nested": {"ids": []}},
    ]
    with HttpServer(_echo) as server:
        config = rest.config(server.url, writes={"orders": {"path": "/orders", "mode": mode}})
        result = rest.write(config, "orders", records)
    assert (result.written, result.rejected) == (2, ())
    bodies = [r.body for r in server.requests]
    raw = b"".join(bodies)
    for number in (BIG, NEGATIVE, JUST_PAST_U64):
        assert str(number).encode() in raw  # the digits, never 1.18e+21
    received = [json.loads(b) for b in bodies]
    sent = received if mode == "record" else received[0]
    assert sent == records
    assert type(sent[0]["id"]) is int


def test_big_integers_in_responses_are_read_exactly(rest: Rest) -> None:
    body = (
        f'{{"data": [{{"id": {BIG}, "amount": {NEGATIVE}, "ids": [{JUST_PAST_U64}], "f": 1.5}}]}}'
    )
    with HttpServer(lambda _: Reply(200, _JSON, body)) as server:
        config = rest.config(
            server.url, streams=[{"name": "orders", "path": "/o", "records": "data"}]
        )
        [record] = rest.records(config, "orders")
    assert record == {"id": BIG, "amount": NEGATIVE, "ids": [JUST_PAST_U64], "f": 1.5}
    assert type(record["id"]) is int and type(record["ids"][0]) is int


def test_a_big_integer_cursor_looks_back_exactly(rest: Rest) -> None:
    seen: list[str] = []

    def api(request: Received) -> Reply:
        seen.extend(request.query.get("since", []))
        return Reply(200, _JSON, json.dumps({"data": []}))

    # int - float rounds this up to 2**70 + 2**18, past the bookmark: records would be skipped.
    bookmark = 2**70 + 2**17 + 1
    stream = {
        "name": "orders",
        "path": "/o",
        "records": "data",
        "cursor": {"field": "seq", "param": "since", "lookback_seconds": 5},
    }
    with HttpServer(api) as server:
        config = rest.config(server.url, streams=[stream])
        rest.read(config, "orders", {"bookmark": bookmark})
    assert seen == [str(bookmark - 5)]
