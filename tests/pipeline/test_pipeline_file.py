"""Pipeline files: validated like configs, every problem at once with its path."""

from __future__ import annotations

from pathlib import Path

import pytest

from hookline.errors import ConfigError
from hookline.pipeline import FailureLimit, load_pipeline


def _write(tmp_path: Path, text: str, name: str = "pipeline.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_minimal_pipeline_and_defaults(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "source: {connector: files, config: {directory: data}}\n"
        "destination: {connector: sqlite, config: {path: out.db}}\n",
    )
    pipeline = load_pipeline(path)
    assert pipeline.name == "pipeline"
    assert pipeline.streams is None
    assert pipeline.state_dir == tmp_path.resolve() / ".hookline"
    assert pipeline.max_failed_records == FailureLimit(count=0)
    assert pipeline.source_config.data == {"directory": "data"}
    assert pipeline.source_config.path == "$.source.config"
    assert pipeline.destination_config.base_dir == tmp_path.resolve()


def test_stream_forms(tmp_path: Path) -> None:
    base = "source: {connector: a}\ndestination: {connector: b}\n"
    listed = load_pipeline(_write(tmp_path, base + "streams: [orders, customers]\n"))
    assert listed.streams is not None and list(listed.streams) == ["orders", "customers"]
    mapped = load_pipeline(
        _write(
            tmp_path,
            base
            + "streams:\n  orders: {write: upsert, primary_key: id, max_failed_records: '5%'}\n"
            "  customers:\n",
        )
    )
    assert mapped.streams is not None
    assert mapped.streams["orders"].primary_key == ("id",)
    assert mapped.streams["customers"].write is None


def test_every_problem_at_once(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "source: {connector: files, config: {a: 1}, config_file: x.yaml}\n"
        "destination: {config: {}}\n"
        "streams:\n"
        "  orders: {write: merge, sync: incremental}\n"
        "  customers: {write: replace, sync: incremental}\n"
        "max_failed_records: lots\n"
        "concurrency: 0\n"
        "colour: red\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_pipeline(path)
    lines = sorted(str(p) for p in caught.value.problems)
    source = str(path)
    assert lines == sorted(
        [
            f"{source}: required setting missing: add it @ $.destination.connector",
            f"{source}: unknown setting(s) colour: remove them or check the spelling @ $",
            f"{source}: invalid value, expected one of 'append', 'upsert', 'replace'"
            " @ $.streams.orders.write",
            f"{source}: write: replace rewrites the whole stream, so it needs sync: full"
            " @ $.streams.customers.sync",
            f"{source}: expected a count of records (such as 10) or a percentage (such as "
            "'1%') @ $.max_failed_records",
        ]
    )


def test_config_file_reference(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "source.yaml").write_text("directory: ../data\n")
    path = _write(
        tmp_path,
        "source: {connector: files, config_file: conf/source.yaml}\n"
        "destination: {connector: sqlite, config_file: conf/missing.yaml}\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_pipeline(path)
    (problem,) = caught.value.problems
    assert problem.source.endswith("conf/missing.yaml") and "file not found" in problem.message
    (tmp_path / "conf" / "missing.yaml").write_text("path: out.db\n")
    pipeline = load_pipeline(path)
    assert pipeline.source_config.data == {"directory": "../data"}
    assert pipeline.source_config.base_dir == (tmp_path / "conf").resolve()
    assert pipeline.source_config.path == "$"


def test_stream_settings_are_typed_in_one_pass(tmp_path: Path) -> None:
    from hookline.mapping import Lower, MappingSpec

    path = _write(
        tmp_path,
        "source: {connector: a}\ndestination: {connector: b}\n"
        "streams:\n"
        "  customers: {map: [{lower: [email]}], max_failed_records: '2%'}\n"
        "  orders: {map: [{lowr: [email]}], max_failed_records: 3}\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_pipeline(path)
    (problem,) = caught.value.problems
    assert problem.path == "$.streams.orders.map[0]" and "did you mean 'lower'" in problem.message
    path.write_text(path.read_text().replace("lowr", "lower"))
    pipeline = load_pipeline(path)
    customers = pipeline.settings("customers")
    assert isinstance(customers.map, MappingSpec)
    assert [type(step) for step in customers.map.steps] == [Lower]
    assert customers.max_failed_records == FailureLimit(count=None, percent=2.0)
    assert pipeline.limit("orders") == FailureLimit(count=3)
    assert pipeline.limit("unlisted") == pipeline.max_failed_records


def test_a_misspelt_setting_gets_the_setting_it_is_close_to(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "source: {connector: files}\n"
        "destinaton: {connector: sqlite}\n"
        "streams:\n"
        "  orders: {wrte: upsert, primry_key: id}\n"
        "  customers: {colour: red}\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_pipeline(path)
    lines = {str(p).split(": ", 1)[1] for p in caught.value.problems}
    assert (
        "unknown setting(s) destinaton: remove them or check the spelling "
        "(did you mean 'destination'?) @ $"
    ) in lines
    assert (
        "unknown setting(s) primry_key, wrte: remove them or check the spelling "
        "(did you mean 'primary_key' for 'primry_key', 'write' for 'wrte'?) @ $.streams.orders"
    ) in lines
    # Nothing close: no guess.
    assert (
        "unknown setting(s) colour: remove them or check the spelling @ $.streams.customers"
    ) in lines
