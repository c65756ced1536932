"""One test per hook, through the facade, with plugin objects registered directly."""

from __future__ import annotations

from typing import Any

import pytest

from hookline import (
    Batch,
    Catalog,
    ConfiguredStream,
    ConnectorContext,
    ConnectorInfo,
    Stream,
    hookimpl,
)
from hookline.errors import AuthError, ConnectorError, PluginLoadError
from hookline.host import Plugin, Plugins, connector_from_plugin
from hookline.models import RejectedRecord, TransformBatch
from support.memory import MemoryConnector


def _open(plugin: Any, **settings: Any) -> tuple[Any, Any, Any]:
    connector = connector_from_plugin(plugin)
    config = connector.parse_config({"token": "tok-123456", **settings}, source="test.yaml")
    connection = connector.auth(config, ConnectorContext(base_dir="/tmp"))
    return connector, config, connection


def test_hook_describe(memory: MemoryConnector) -> None:
    connector = connector_from_plugin(memory, package="hookline-memory")
    assert connector.id == "memory"
    assert connector.version == "1.2.3"
    assert connector.info.is_source and connector.info.is_destination
    assert connector.package == "hookline-memory"
    assert "hookline_read" in connector.implemented_hooks()
    assert "hookline_transform" not in connector.implemented_hooks()
    assert connector.config_schema()["properties"]["token"]["secret"] is True


def test_hook_describe_must_return_connector_info() -> None:
    class Wrong:
        @hookimpl
        def hookline_describe(self) -> dict[str, str]:
            return {"id": "wrong"}

    with pytest.raises(PluginLoadError, match="must return a hookline.ConnectorInfo, got dict"):
        connector_from_plugin(Wrong())


def test_hook_describe_kind_requires_its_hooks() -> None:
    class Hollow:
        @hookimpl
        def hookline_describe(self) -> ConnectorInfo:
            return ConnectorInfo(id="hollow", version="1", kind="source")

    with pytest.raises(PluginLoadError, match="kind 'source' but does not implement"):
        connector_from_plugin(Hollow())


def test_hook_auth(memory: MemoryConnector) -> None:
    connector, _, connection = _open(memory)
    assert memory.calls == ["auth"]
    assert str(connection["base_dir"]) == "/tmp"
    assert connection["token"].reveal() == "tok-123456"
    config = connector.parse_config({"token": "wrong"}, source="test.yaml")
    with pytest.raises(AuthError) as caught:
        connector.auth(config, ConnectorContext())
    assert str(caught.value) == "connector 'memory': token refused: set a valid token"


def test_hook_check(memory: MemoryConnector) -> None:
    connector, config, connection = _open(memory, rows=3)
    result = connector.check(config, connection)
    assert result.ok and result.message == "3 rows"
    connector, config, connection = _open(MemoryConnector(), rows=0)
    assert not connector.check(config, connection).ok


def test_hook_check_defaults_to_passed_when_not_implemented() -> None:
    class NoCheck(MemoryConnector):
        hookline_check = None  # type: ignore[assignment]

    connector, config, connection = _open(NoCheck())
    result = connector.check(config, connection)
    assert result.ok and result.message == "connected"


def test_hook_discover(memory: MemoryConnector) -> None:
    connector, config, connection = _open(memory)
    catalog = connector.discover(config, connection)
    assert catalog.names == ["numbers"]
    stream = catalog.get("numbers")
    assert stream is not None and stream.primary_key == ("id",)
    assert catalog.to_dict()["streams"][0]["sync_modes"] == ["full", "incremental"]


class SelectiveDiscover(MemoryConnector):
    """Discovers only the streams asked for, and records each call's selection."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[Any] = []

    @hookimpl
    def hookline_discover(self, streams: Any) -> Catalog:
        self.asked.append(streams)
        names = ["alpha", "beta"] if streams is None else [n for n in streams if n in "alpha beta"]
        return Catalog([Stream(name) for name in names])


def test_hook_discover_passes_the_selection_and_completes_a_miss() -> None:
    plugin = SelectiveDiscover()
    connector, config, connection = _open(plugin)
    assert connector.discover(config, connection).names == ["alpha", "beta"]
    assert connector.discover(config, connection, ["beta"]).names == ["beta"]
    # A name the connector does not offer: everything again, so the error can list it all.
    assert connector.discover(config, connection, ["beta", "gamma"]).names == ["alpha", "beta"]
    assert plugin.asked == [None, ("beta",), ("beta", "gamma"), None]
    only = connector.discover(config, connection, ["gamma"], complete_when_missing=False)
    assert only.names == []


def test_hook_discover_without_the_argument_still_lists_everything(
    memory: MemoryConnector,
) -> None:
    connector, config, connection = _open(memory)  # its hook does not take ``streams``
    assert connector.discover(config, connection, ["numbers"]).names == ["numbers"]


def test_hook_discover_rejects_wrong_result(memory: MemoryConnector) -> None:
    class BadDiscover(MemoryConnector):
        @hookimpl
        def hookline_discover(self) -> list[str]:
            return ["numbers"]

    connector, config, connection = _open(BadDiscover())
    with pytest.raises(ConnectorError, match="returned list, not a Catalog"):
        connector.discover(config, connection)


def test_hook_read(memory: MemoryConnector) -> None:
    connector, config, connection = _open(memory, rows=5, batch_size=2)
    stream = ConfiguredStream(connector.discover(config, connection).streams[0], "incremental")
    batches = list(connector.read(config, connection, stream, None))
    assert [len(b.records) for b in batches] == [2, 2, 1]
    assert [b.state for b in batches] == [{"next": 2}, {"next": 4}, {"next": 5}]
    resumed = list(connector.read(config, connection, stream, batches[0].state))
    assert [r["id"] for b in resumed for r in b.records] == [2, 3, 4]


def test_hook_read_errors_name_connector_and_stream(memory: MemoryConnector) -> None:
    class Failing(MemoryConnector):
        @hookimpl
        def hookline_read(self, stream: ConfiguredStream) -> Any:
            yield Batch([{"id": 1}], {"next": 1})
            raise ConnectorError("page 2 is missing")

    connector, config, connection = _open(Failing())
    stream = ConfiguredStream(Stream("numbers"))
    reader = connector.read(config, connection, stream, None)
    assert next(reader).records == [{"id": 1}]
    with pytest.raises(ConnectorError) as caught:
        next(reader)
    assert str(caught.value) == "connector 'memory', stream 'numbers': page 2 is missing"


class _Suffix:
    """A cross-cutting transform that appends its name to every record's trail."""

    def __init__(self, name: str) -> None:
        self.name = name

    @hookimpl
    def hookline_transform(self, batch: TransformBatch) -> None:
        for record in batch.records:
            record.setdefault("trail", []).append(self.name)


class _DropOdd:
    @hookimpl(tryfirst=True)
    def hookline_transform(self, batch: TransformBatch) -> None:
        keep = []
        for record in batch.records:
            if record["id"] % 2:
                batch.rejected.append(RejectedRecord(record, "odd id"))
            else:
                keep.append(record)
        batch.records = keep


def test_hook_transform() -> None:
    class Tagging(MemoryConnector):
        @hookimpl
        def hookline_transform(self, batch: TransformBatch) -> None:
            for record in batch.records:
                record.setdefault("trail", []).append("connector")

    plugins = Plugins(
        [
            Plugin("zeta", _Suffix("zeta")),
            Plugin("alpha", _Suffix("alpha")),
            Plugin("odd", _DropOdd()),
        ]
    )
    connector = connector_from_plugin(Tagging(), plugins=plugins)
    stream = ConfiguredStream(Stream("numbers"))
    batch = TransformBatch([{"id": 1}, {"id": 2}, {"id": 4}])
    # The connector's own transform alone: the plugins' are the run's to call.
    connector.transform(stream, batch)
    assert [r["trail"] for r in batch.records] == [["connector"]] * 3
    assert connector.has_transform() and plugins.has_transforms()
    # The plugins: tryfirst first, then by name.
    plugins.transform(stream, batch)
    assert [r["id"] for r in batch.records] == [2, 4]
    assert batch.records[0]["trail"] == ["connector", "alpha", "zeta"]
    assert batch.rejected == [RejectedRecord({"id": 1, "trail": ["connector"]}, "odd id")]
    assert plugins.names == ["alpha", "odd", "zeta"]


def test_hook_transform_plugin_may_not_answer_connector_hooks(memory: MemoryConnector) -> None:
    class Hijack:
        @hookimpl
        def hookline_read(self) -> list[Batch]:
            return []

    with pytest.raises(PluginLoadError, match="may only wrap hookline_read"):
        connector_from_plugin(memory, plugins=Plugins([Plugin("hijack", Hijack())]))


def test_hook_wrappers_observe_any_phase(memory: MemoryConnector) -> None:
    seen: list[int] = []

    class Counter:
        @hookimpl(wrapper=True)
        def hookline_write(self, batch: Batch) -> Any:
            result = yield
            seen.append(result.written)
            return result

    connector = connector_from_plugin(memory, plugins=Plugins([Plugin("counter", Counter())]))
    config = connector.parse_config({"token": "tok-123456"}, source="t")
    connector.write(config, None, ConfiguredStream(Stream("numbers")), Batch([{"id": 1}]))
    assert seen == [1]


def test_hook_write(memory: MemoryConnector) -> None:
    connector, config, connection = _open(memory)
    stream = ConfiguredStream(Stream("numbers", primary_key="id"), write_mode="upsert")
    result = connector.write(config, connection, stream, Batch([{"id": 1}, {"id": "x"}]))
    assert result.written == 1
    assert result.rejected == (RejectedRecord({"id": "x"}, "id is not an integer"),)
    assert memory.written == {"numbers": [{"id": 1}]}


def test_hook_write_start(memory: MemoryConnector) -> None:
    connector, config, connection = _open(memory)
    stream = ConfiguredStream(Stream("numbers"), write_mode="replace")
    connector.write_start(config, connection, stream)
    assert memory.calls[-1] == "start numbers"
    assert memory.staged == {"numbers": []}
    with pytest.raises(ValueError, match="schema_policy"):
        ConfiguredStream(Stream("numbers"), schema_policy="loose")


def test_hook_write_finish(memory: MemoryConnector) -> None:
    connector, config, connection = _open(memory)
    memory.written["numbers"] = [{"id": 0}]
    stream = ConfiguredStream(Stream("numbers"), write_mode="replace")
    connector.write_start(config, connection, stream)
    connector.write(config, connection, stream, Batch([{"id": 1}, {"id": 2}]))
    assert memory.written["numbers"] == [{"id": 0}], "replace is staged until finished"
    connector.write_finish(config, connection, stream)
    assert memory.written["numbers"] == [{"id": 1}, {"id": 2}]
    assert memory.calls[-2:] == ["start numbers", "finish numbers"]


def test_write_start_and_finish_are_optional() -> None:
    class Plain(MemoryConnector):
        hookline_write_start = None  # type: ignore[assignment]
        hookline_write_finish = None  # type: ignore[assignment]

    connector, config, connection = _open(Plain())
    stream = ConfiguredStream(Stream("numbers"))
    connector.write_start(config, connection, stream)
    connector.write_finish(config, connection, stream)


def test_hook_write_rejects_wrong_result(memory: MemoryConnector) -> None:
    class BadWrite(MemoryConnector):
        @hookimpl
        def hookline_write(self) -> int:
            return 3

    connector, config, connection = _open(BadWrite())
    with pytest.raises(ConnectorError, match="returned int, not a WriteResult"):
        connector.write(config, connection, ConfiguredStream(Stream("s")), Batch([]))


def test_unknown_hook_is_rejected_with_its_name(memory: MemoryConnector) -> None:
    class Typo(MemoryConnector):
        @hookimpl
        def hookline_raed(self) -> None:
            return None

    with pytest.raises(PluginLoadError, match="hookline_raed"):
        connector_from_plugin(Typo())


def test_wrong_argument_name_is_rejected(memory: MemoryConnector) -> None:
    class WrongArgs(MemoryConnector):
        @hookimpl
        def hookline_check(self, cfg: Any) -> None:
            return None

    with pytest.raises(PluginLoadError, match="hooks rejected.*cfg"):
        connector_from_plugin(WrongArgs())


def test_api_version_mismatch_is_reported() -> None:
    class Future(MemoryConnector):
        @hookimpl
        def hookline_describe(self) -> ConnectorInfo:
            return ConnectorInfo(id="future", version="9", kind="both", api_version=99)

    with pytest.raises(PluginLoadError, match="API version 99.*provides API version 1"):
        connector_from_plugin(Future())


def test_catalog_lookup() -> None:
    catalog = Catalog([Stream("a"), Stream("b")])
    assert catalog.get("b") == Stream("b")
    assert catalog.get("c") is None


def test_hook_validate_streams(memory: MemoryConnector) -> None:
    from hookline.models import SettingProblem

    class Picky(MemoryConnector):
        @hookimpl
        def hookline_validate_streams(
            self, config: Any, streams: Any, role: str
        ) -> list[SettingProblem]:
            return [
                SettingProblem("$.writes", f"{role}: no entry for stream {s.name!r}")
                for s in streams
                if s.name != "items"
            ]

    connector, config, _ = _open(Picky())
    streams = [ConfiguredStream(Stream("items")), ConfiguredStream(Stream("orders"))]
    problems = connector.validate_streams(config, streams, "destination")
    assert problems == [SettingProblem("$.writes", "destination: no entry for stream 'orders'")]
    # A connector without the hook has nothing to say.
    connector, config, _ = _open(memory)
    assert connector.validate_streams(config, streams, "source") == []


def test_hook_validate_streams_rejects_wrong_result(memory: MemoryConnector) -> None:
    class Wrong(MemoryConnector):
        @hookimpl
        def hookline_validate_streams(self, config: Any, streams: Any, role: str) -> list[str]:
            return ["not a problem object"]

    connector, config, _ = _open(Wrong())
    with pytest.raises(ConnectorError, match="must return SettingProblem values, got str"):
        connector.validate_streams(config, [ConfiguredStream(Stream("x"))], "source")
