"""The run owns both sides: plugins on both, transforms in order, capabilities checked first.

Connectors and plugins here are objects registered directly (the installed-wheel version
of these promises is ``tests/plugins/test_installed_plugin_phases.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from hookline import (
    Batch,
    Catalog,
    ConfiguredStream,
    ConnectorInfo,
    Stream,
    TransformBatch,
    WriteResult,
    hookimpl,
)
from hookline.cli import main
from hookline.errors import AuthError, ConfigError, RetriableWriteError
from hookline.host import Connector, Plugin, Plugins, connector_from_plugin
from hookline.pipeline import load_pipeline
from hookline.runner import run_pipeline
from hookline.secrets import Secret

SCHEMA = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "seen": {"type": "array"}},
}


@attrs.frozen
class SourceConfig:
    """The test source's settings."""

    token: Secret | None = None
    fail_auth: bool = False


class Source:
    """Ten records in two batches; notes every call, and whether its connection is open."""

    def __init__(self, capabilities: tuple[str, ...] = ("discover", "read", "incremental")):
        self.capabilities = capabilities
        self.calls: list[str] = []
        self.open_connections = 0
        self.state: dict[str, Any] = {"after": 0}

    @hookimpl
    def hookline_describe(self) -> ConnectorInfo:
        return ConnectorInfo(
            id="src",
            version="1",
            kind="source",
            config_model=SourceConfig,
            capabilities=self.capabilities,
        )

    @hookimpl
    def hookline_auth(self, config: SourceConfig) -> Source:
        self.calls.append("auth")
        self.open_connections += 1
        return self

    def close(self) -> None:
        self.open_connections -= 1

    @hookimpl
    def hookline_discover(self) -> Catalog:
        modes = ("full", "incremental")
        return Catalog([Stream("items", SCHEMA, primary_key="id", sync_modes=modes)])

    @hookimpl
    def hookline_read(self, stream: ConfiguredStream) -> Iterator[Batch]:
        self.calls.append(f"read {stream.name}")
        for start in (0, 5):
            records = [{"id": i, "seen": []} for i in range(start, start + 5)]
            yield Batch(records, {**self.state, "after": start + 4})

    @hookimpl
    def hookline_transform(self, stream: ConfiguredStream, batch: TransformBatch) -> None:
        for record in batch.records:
            record["seen"] = [*record["seen"], "source"]


@attrs.frozen
class DestinationConfig:
    """The test destination's settings."""

    fail_auth: bool = False
    retriable_failures: int = 0


class Destination:
    """Keeps what it is given; a transform stamps records; can fail auth or fail retriably."""

    def __init__(self, capabilities: tuple[str, ...] = ("write", "append", "upsert")):
        self.capabilities = capabilities
        self.stored: list[dict[str, Any]] = []
        self.calls: list[str] = []
        self.failures_left = 0

    @hookimpl
    def hookline_describe(self) -> ConnectorInfo:
        return ConnectorInfo(
            id="dst",
            version="1",
            kind="destination",
            config_model=DestinationConfig,
            capabilities=(*self.capabilities, "transform"),
        )

    @hookimpl
    def hookline_auth(self, config: DestinationConfig) -> None:
        if config.fail_auth:
            raise AuthError("refused: check the destination's credentials")
        self.failures_left = config.retriable_failures

    @hookimpl
    def hookline_transform(self, stream: ConfiguredStream, batch: TransformBatch) -> None:
        for record in batch.records:
            record["seen"] = [*record["seen"], "destination"]

    @hookimpl
    def hookline_write(self, stream: ConfiguredStream, batch: Batch) -> WriteResult:
        self.calls.append(f"write {len(batch.records)}")
        if self.failures_left:
            self.failures_left -= 1
            raise RetriableWriteError("the connection was lost; nothing was stored")
        self.stored += batch.records
        return WriteResult(written=len(batch.records))


class Stamp:
    """A cross-cutting plugin: stamps records, and wraps phases to note that it saw them."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.seen: list[str] = []

    @hookimpl
    def hookline_transform(self, batch: TransformBatch) -> None:
        for record in batch.records:
            record["seen"] = [*record["seen"], self.name]

    @hookimpl(wrapper=True)
    def hookline_write(self, stream: ConfiguredStream) -> Any:
        self.seen.append(f"write {stream.name}")
        return (yield)

    @hookimpl(wrapper=True)
    def hookline_read(self, stream: ConfiguredStream) -> Any:
        self.seen.append(f"read {stream.name}")
        return (yield)


def _pipeline(tmp_path: Path, streams: str = "", source: str = "{}", dest: str = "{}") -> Path:
    path = tmp_path / "pipeline.yaml"
    path.write_text(
        f"source: {{connector: src, config: {source}}}\n"
        f"destination: {{connector: dst, config: {dest}}}\n"
        "queue_size: 0\n" + streams
    )
    return path


def _connectors(source: Source, destination: Destination) -> dict[str, Connector]:
    return {"src": connector_from_plugin(source), "dst": connector_from_plugin(destination)}


def test_transforms_run_source_then_plugins_by_name_then_destination(tmp_path: Path) -> None:
    source, destination = Source(), Destination()
    plugins = Plugins([Plugin("zeta", Stamp("zeta")), Plugin("alpha", Stamp("alpha"))])
    # The mapping counts the stamps so far: it runs after the source's transform only.
    path = _pipeline(tmp_path, "streams:\n  items: {map: [{compute: {n: 'length(seen)'}}]}\n")
    result = run_pipeline(
        load_pipeline(path), connectors=_connectors(source, destination), plugins=plugins
    )
    assert result.ok, result.error
    assert [(r["seen"], r["n"]) for r in destination.stored] == [
        (["source", "alpha", "zeta", "destination"], 1)
    ] * 10


def test_plugin_wrappers_see_both_sides(tmp_path: Path) -> None:
    source, destination, stamp = Source(), Destination(), Stamp("stamp")
    result = run_pipeline(
        load_pipeline(_pipeline(tmp_path)),
        connectors=_connectors(source, destination),
        plugins=Plugins([Plugin("stamp", stamp)]),
    )
    assert result.ok, result.error
    assert stamp.seen == ["read items", "write items", "write items"]


def test_a_failing_destination_auth_closes_the_source(tmp_path: Path) -> None:
    source, destination = Source(), Destination()
    path = _pipeline(tmp_path, dest="{fail_auth: true}")
    with pytest.raises(AuthError, match="refused"):
        run_pipeline(load_pipeline(path), connectors=_connectors(source, destination))
    assert source.calls == ["auth"]
    assert source.open_connections == 0


def test_both_connections_are_closed_after_a_run(tmp_path: Path) -> None:
    source = Source()
    result = run_pipeline(
        load_pipeline(_pipeline(tmp_path)), connectors=_connectors(source, Destination())
    )
    assert result.ok and source.open_connections == 0


def test_a_retriable_write_is_written_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("hookline.runner._stream.WRITE_RETRY_PAUSE", 0.01)
    destination = Destination()
    path = _pipeline(tmp_path, dest="{retriable_failures: 2}")
    with caplog.at_level("WARNING", logger="hookline.runner"):
        result = run_pipeline(load_pipeline(path), connectors=_connectors(Source(), destination))
    assert result.ok, result.error
    assert destination.calls == ["write 5", "write 5", "write 5", "write 5"]
    assert sorted(r["id"] for r in destination.stored) == list(range(10))
    assert "attempt 1 of 3" in caplog.text and "attempt 2 of 3" in caplog.text


def test_retries_of_a_write_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("hookline.runner._stream.WRITE_RETRY_PAUSE", 0.01)
    destination = Destination()
    path = _pipeline(tmp_path, dest="{retriable_failures: 3}")
    result = run_pipeline(load_pipeline(path), connectors=_connectors(Source(), destination))
    assert result.status == "failed"
    assert "the connection was lost" in (result.error or "")
    assert destination.calls == ["write 5"] * 3 and destination.stored == []


def test_a_secret_in_the_state_is_masked_before_it_is_stored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    canary = "hl-canary-state-0123456789abcdef"
    source = Source()
    source.state = {"next": f"https://api.example/items?key={canary}"}
    path = _pipeline(tmp_path, source=f"{{token: {canary}}}")
    with caplog.at_level("WARNING"):
        result = run_pipeline(load_pipeline(path), connectors=_connectors(source, Destination()))
    assert result.ok, result.error
    stored = b"".join(p.read_bytes() for p in (tmp_path / ".hookline").glob("state.db*"))
    assert canary.encode() not in stored
    assert "holds a secret value; it was masked" in caplog.text


# -- Every capability a stream asks for is checked before anything is read ---------------

MISMATCHES = [
    # (source capabilities, destination capabilities, stream settings, path, phrase)
    (
        ("discover", "read"),
        ("write", "append"),
        "{sync: incremental}",
        "$.streams.items.sync",
        "does not declare the capability 'incremental'",
    ),
    (
        ("discover", "read", "incremental"),
        ("write", "append"),
        "{write: upsert}",
        "$.streams.items.write",
        "does not declare the capability 'upsert' (it can: append); use write: append",
    ),
    (
        ("discover", "read", "incremental"),
        ("write", "append", "upsert"),
        "{write: replace, sync: full}",
        "$.streams.items.write",
        "does not declare the capability 'replace'",
    ),
    (
        ("discover", "read", "incremental"),
        ("write", "append", "upsert"),
        "{schema_policy: freeze}",
        "$.streams.items.schema_policy",
        "does not declare the capability 'freeze'",
    ),
]


@pytest.mark.parametrize(
    ("source_can", "dest_can", "settings", "path", "phrase"),
    MISMATCHES,
    ids=["incremental", "upsert", "replace", "freeze"],
)
def test_a_capability_a_connector_lacks_is_refused_before_reading(
    tmp_path: Path,
    source_can: tuple[str, ...],
    dest_can: tuple[str, ...],
    settings: str,
    path: str,
    phrase: str,
) -> None:
    source, destination = Source(source_can), Destination(dest_can)
    pipeline = _pipeline(tmp_path, f"streams:\n  items: {settings}\n")
    with pytest.raises(ConfigError) as caught:
        run_pipeline(load_pipeline(pipeline), connectors=_connectors(source, destination))
    (problem,) = caught.value.problems
    assert problem.path == path and phrase in problem.message
    assert problem.source == str(pipeline)
    assert not any(call.startswith("read") for call in source.calls)
    assert destination.calls == []


def test_defaults_follow_what_the_destination_can_do(tmp_path: Path) -> None:
    destination = Destination(("write", "append"))
    result = run_pipeline(
        load_pipeline(_pipeline(tmp_path)), connectors=_connectors(Source(), destination)
    )
    assert result.ok, result.error
    # The stream has a key, but the destination cannot upsert: the default is append.
    assert len(destination.stored) == 10


def _files_to_files(tmp_path: Path, settings: str) -> Path:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "orders.jsonl").write_text(
        "".join(json.dumps({"id": i, "total": i}) + "\n" for i in range(3))
    )
    path = tmp_path / "pipeline.yaml"
    path.write_text(
        "source:\n  connector: files\n  config:\n    directory: data\n"
        '    streams: [{name: orders, path: "orders.jsonl", primary_key: id}]\n'
        "destination: {connector: files, config: {directory: out}}\n"
        f"streams:\n  orders: {settings}\n"
    )
    return path


@pytest.mark.parametrize(
    ("settings", "path"),
    [
        ("{schema_policy: freeze}", "$.streams.orders.schema_policy"),
        ("{write: replace, sync: full}", "$.streams.orders.write"),
    ],
)
def test_files_to_files_refuses_what_files_cannot_do_with_exit_2(
    tmp_path: Path,
    settings: str,
    path: str,
    site: Callable[..., None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    site("files", "hookline_files.connector")
    pipeline = _files_to_files(tmp_path, settings)
    code = main(["run", str(pipeline)])
    err = capsys.readouterr().err
    assert code == 2
    (line,) = err.splitlines()
    assert line.startswith(f"error: {pipeline}: ") and line.endswith(f" @ {path}")
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_a_rest_destination_without_writes_for_a_stream_is_refused_before_reading(
    tmp_path: Path, site: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    site("files", "hookline_files.connector")
    site("rest", "hookline_rest.connector")
    pipeline = _files_to_files(tmp_path, "{}")
    pipeline.write_text(
        pipeline.read_text().replace(
            "destination: {connector: files, config: {directory: out}}",
            "destination:\n  connector: rest\n  config:\n    base_url: http://127.0.0.1:9\n"
            "    writes: {customers: {path: /customers}}",
        )
    )
    code = main(["run", str(pipeline)])
    err = capsys.readouterr().err
    assert code == 2, err
    (line,) = err.splitlines()
    assert line.startswith(f"error: {pipeline}: ")
    assert "'orders'" in line and "writes.orders" in line
    assert line.endswith("@ $.destination.config.writes")


class TwoStreams(Source):
    """Offers ``items`` and ``broken``, whose schema is not valid JSON Schema."""

    @hookimpl
    def hookline_discover(self) -> Catalog:
        modes = ("full", "incremental")
        broken = {"type": "object", "properties": {"id": {"type": "integr"}}}
        return Catalog(
            [
                Stream("items", SCHEMA, primary_key="id", sync_modes=modes),
                Stream("broken", broken, primary_key="id", sync_modes=modes),
            ]
        )


def test_a_stream_whose_schema_cannot_check_records_fails_alone_before_reading(
    tmp_path: Path,
) -> None:
    source, destination = TwoStreams(), Destination()
    result = run_pipeline(
        load_pipeline(_pipeline(tmp_path)), connectors=_connectors(source, destination)
    )
    assert result.status == "failed"
    broken, items = result.streams["broken"], result.streams["items"]
    assert broken.status == "failed" and broken.read == 0
    assert broken.error is not None
    assert "stream broken: the stream's schema is not valid JSON Schema" in broken.error
    assert "properties/id/type" in broken.error
    assert "read broken" not in source.calls
    assert items.status == "succeeded" and items.written == 10
