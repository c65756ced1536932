"""The first-party connectors' conformance fixtures, exercised directly through the hooks.

What every fixture must give the suite (a config that connects, keyed streams, incremental
data over several batches, an invalid config refused clearly) is checked for all three
connectors; what is particular to one (the REST fake API, SQLite's freeze) follows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

import hookline_files.connector
import hookline_rest.connector
import hookline_sqlite.connector
from hookline.conformance import merged
from hookline.errors import AuthError, WriteError
from hookline.host import Connector, connector_from_plugin
from hookline.models import Batch, ConfiguredStream, ConnectorContext, Stream

MODULES = {
    "files": hookline_files.connector,
    "sqlite": hookline_sqlite.connector,
    "rest": hookline_rest.connector,
}


@pytest.fixture(params=sorted(MODULES))
def module(request: pytest.FixtureRequest) -> ModuleType:
    return MODULES[request.param]


def _fixture(module: ModuleType, workdir: Path) -> Iterator[Any]:
    found = module.hookline_conformance_fixture(workdir=workdir)
    yield found
    if found.cleanup is not None:
        found.cleanup()


@pytest.fixture
def fixture(module: ModuleType, tmp_path: Path) -> Iterator[Any]:
    yield from _fixture(module, tmp_path)


class _Opened:
    """A connector with a config structured from fixture data, and its connection."""

    def __init__(self, module: ModuleType, data: dict[str, Any], workdir: Path) -> None:
        self.connector: Connector = connector_from_plugin(module)
        self.config = self.connector.parse_config(data, source="fixture", base_dir=workdir)
        self.connection = self.connector.auth(self.config, ConnectorContext(base_dir=workdir))

    def close(self) -> None:
        self.connector.close(self.connection)


@pytest.fixture
def opened(module: ModuleType, fixture: Any, tmp_path: Path) -> Iterator[_Opened]:
    item = _Opened(module, fixture.config, tmp_path)
    yield item
    item.close()


def test_the_fixture_config_connects_and_checks(opened: _Opened) -> None:
    result = opened.connector.check(opened.config, opened.connection)
    assert result.ok, result.message


def test_discover_offers_keyed_incremental_streams(opened: _Opened) -> None:
    connector = opened.connector
    catalog = connector.discover(opened.config, opened.connection)
    assert len(catalog.streams) >= 2
    for stream in catalog.streams:
        assert stream.primary_key
        assert set(stream.primary_key) <= set(stream.schema["properties"])
    assert any(s.cursor_field and "incremental" in s.sync_modes for s in catalog.streams)
    assert connector.discover(opened.config, opened.connection).to_dict() == catalog.to_dict()


def test_an_incremental_read_spans_batches_and_resumes_exactly(opened: _Opened) -> None:
    connector, config, connection = opened.connector, opened.config, opened.connection
    for stream in connector.discover(config, connection).streams:
        if not stream.cursor_field:
            continue
        configured = ConfiguredStream(stream, sync_mode="incremental")
        batches = list(connector.read(config, connection, configured, None))
        assert len([b for b in batches if b.records]) >= 2
        records = [r for b in batches for r in b.records]
        keys = [tuple(r[k] for k in stream.primary_key) for r in records]
        assert len(set(keys)) == len(keys)
        assert all(None not in key for key in keys)
        rest = list(connector.read(config, connection, configured, batches[0].state))
        assert [r for b in rest for r in b.records] == records[len(batches[0].records) :]
        newest = max(r[stream.cursor_field] for r in records)
        later = list(connector.read(config, connection, configured, batches[-1].state))
        assert all(r[stream.cursor_field] >= newest for b in later for r in b.records)


def test_written_records_read_back_once(opened: _Opened, fixture: Any) -> None:
    connector, config, connection = opened.connector, opened.config, opened.connection
    stream = ConfiguredStream(Stream("hl_round_trip", primary_key=("id",)), write_mode="upsert")
    records = [
        {"id": 1, "amount": None, "active": True, "tags": ["a"], "address": {"city": "Lima"}},
        {"id": 2, "amount": 2.5, "active": False, "tags": [], "address": {"city": "Oslo"}},
    ]
    for _ in range(2):
        connector.write_start(config, connection, stream)
        connector.write(config, connection, stream, Batch([dict(r) for r in records]))
        connector.write_finish(config, connection, stream)
    assert fixture.read_back is not None
    assert fixture.read_back(stream) == records


@pytest.mark.parametrize(
    ("name", "phrase"),
    [("files", "does not exist"), ("sqlite", "as an SQLite database")],
)
def test_a_local_connector_refuses_the_invalid_config_in_auth(
    name: str, phrase: str, tmp_path: Path
) -> None:
    for found in _fixture(MODULES[name], tmp_path):
        assert found.bad_credentials is None, "no credentials to get wrong"
        assert found.url_setting is None, "no service"
        with pytest.raises(AuthError, match=phrase):
            _Opened(MODULES[name], found.invalid_config, tmp_path)


def test_sqlite_freeze_refuses_a_new_field_and_stores_nothing_of_the_batch(
    tmp_path: Path,
) -> None:
    for found in _fixture(hookline_sqlite.connector, tmp_path):
        opened = _Opened(hookline_sqlite.connector, found.config, tmp_path)
        connector, config, connection = opened.connector, opened.config, opened.connection
        assert "freeze" in connector.info.capabilities
        schema = {"type": "object", "properties": {"id": {"type": "integer"}}}
        first = ConfiguredStream(Stream("hl_new_field_freeze", schema, primary_key=("id",)))
        connector.write_start(config, connection, first)
        connector.write(config, connection, first, Batch([{"id": 1}]))
        connector.write_finish(config, connection, first)
        grown = {"type": "object", "properties": {"id": {"type": "integer"}, "extra": {}}}
        frozen = ConfiguredStream(
            Stream("hl_new_field_freeze", grown, primary_key=("id",)), schema_policy="freeze"
        )
        with pytest.raises(WriteError, match="extra"):
            connector.write_start(config, connection, frozen)
            connector.write(config, connection, frozen, Batch([{"id": 2, "extra": "x"}]))
        assert [r["id"] for r in found.read_back(frozen)] == [1]
        opened.close()


@pytest.fixture
def rest_fixture(tmp_path: Path) -> Iterator[Any]:
    yield from _fixture(hookline_rest.connector, tmp_path)


def test_rest_fixture_serves_a_fake_api_behind_a_canary_token(rest_fixture: Any) -> None:
    assert rest_fixture.url_setting == "base_url"
    assert rest_fixture.config["base_url"].startswith("http://127.0.0.1:")
    assert rest_fixture.config["auth"]["token"].startswith("hl-canary-token-")


def test_rest_writes_reject_records_without_a_json_form(rest_fixture: Any, tmp_path: Path) -> None:
    opened = _Opened(hookline_rest.connector, rest_fixture.config, tmp_path)
    stream = ConfiguredStream(Stream("hl_upsert", primary_key=("id",)), write_mode="upsert")
    bad = opened.connector.write(
        opened.config,
        opened.connection,
        stream,
        Batch([{"id": None}, {"id": "x"}, {"id": 3, "s": {1}}]),
    )
    opened.close()
    assert bad.written == 0
    assert len(bad.rejected) == 3
    assert "no JSON form" in bad.rejected[2].reason
    assert rest_fixture.read_back(stream) == []


def test_rest_bad_credentials_end_in_auth_error_without_the_token(
    rest_fixture: Any, tmp_path: Path
) -> None:
    data = merged(rest_fixture.config, rest_fixture.bad_credentials)
    opened = _Opened(hookline_rest.connector, data, tmp_path)
    connector, config, connection = opened.connector, opened.config, opened.connection
    token = rest_fixture.config["auth"]["token"]
    result = connector.check(config, connection)
    assert not result.ok and "401" in result.message
    stream = ConfiguredStream(connector.discover(config, connection).streams[0])
    with pytest.raises(AuthError) as caught:
        list(connector.read(config, connection, stream, None))
    opened.close()
    assert token not in str(caught.value) + result.message


def test_rest_invalid_config_fails_check_with_a_404(rest_fixture: Any, tmp_path: Path) -> None:
    opened = _Opened(hookline_rest.connector, rest_fixture.invalid_config, tmp_path)
    result = opened.connector.check(opened.config, opened.connection)
    opened.close()
    assert not result.ok and "404" in result.message


def test_rest_cleanup_stops_the_fake_api(tmp_path: Path) -> None:
    found = hookline_rest.connector.hookline_conformance_fixture(workdir=tmp_path)
    url = found.config["base_url"]
    assert httpx.get(f"{url}/customers").status_code == 401  # up, and wants the token
    found.cleanup()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/customers", timeout=2)
