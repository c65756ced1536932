"""The runner in-process: deliver, then commit; failures, thresholds, plugins, locking."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from hookline.errors import ConfigError, PipelineBusy
from hookline.pipeline import load_pipeline
from hookline.runner import RunResult, run_pipeline
from hookline.runner._lock import pipeline_lock
from support import counting, flaky


@pytest.fixture
def shop(tmp_path: Path, site: Callable[..., None]) -> Path:
    """Three files of ten orders each; files and flaky connectors discoverable."""
    site("files", "hookline_files.connector")
    site("flaky", "support.flaky:plugin")
    data = tmp_path / "data"
    data.mkdir()
    for part in range(3):
        rows = [
            {"id": i, "total": i * 1.5, "email": f"User{i}@Example.com"}
            for i in range(part * 10, part * 10 + 10)
        ]
        (data / f"orders-{part}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    flaky.STORED.clear()
    flaky.CALLS.clear()
    flaky.plugin.batches = 0
    return tmp_path


def _pipeline(root: Path, destination: str, extra: str = "", batch: int = 4) -> Path:
    path = root / "pipeline.yaml"
    path.write_text(
        "source:\n  connector: files\n  config:\n    directory: data\n"
        f"    batch_size: {batch}\n"
        '    streams: [{name: orders, path: "orders-*.jsonl", primary_key: id}]\n'
        f"destination:\n{destination}\n{extra}"
    )
    return path


def _run(path: Path) -> RunResult:
    return run_pipeline(load_pipeline(path))


def test_run_delivers_then_resumes_with_nothing_new(shop: Path) -> None:
    path = _pipeline(shop, "  connector: files\n  config: {directory: out}")
    first = _run(path)
    assert first.ok and first.streams["orders"].read == 30
    assert first.streams["orders"].written == 30
    lines = (shop / "out" / "orders.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["id"] for line in lines) == list(range(30))
    second = _run(path)
    assert second.ok and second.streams["orders"].read == 0
    assert second.run_id == first.run_id + 1


def test_destination_failure_keeps_state_at_what_was_written(shop: Path) -> None:
    path = _pipeline(shop, "  connector: flaky\n  config: {fail_on_batch: 3}")
    failed = _run(path)
    assert failed.status == "failed"
    assert failed.error == (
        "stream 'orders': connector 'flaky', stream 'orders': the disk is full: free some "
        "space and run again"
    )
    assert failed.streams["orders"].written == 8
    assert sorted(k[0] for k in flaky.STORED["orders"]) == list(range(8))
    assert "finish orders" not in flaky.CALLS
    # The re-run continues after the last delivered batch: every record once.
    flaky.plugin.batches = -100
    rerun = _run(path)
    assert rerun.ok and rerun.streams["orders"].read == 22
    assert sorted(k[0] for k in flaky.STORED["orders"]) == list(range(30))


def test_bad_records_go_to_the_dead_letter_store(shop: Path) -> None:
    (shop / "data" / "orders-1.jsonl").write_text(
        '{"id": 10, "total": "lots", "email": "a@b.c"}\n'
        '{"id": 11, "total": 2.5, "email": "x@y.z"}\n'
    )
    schema = (
        "{type: object, properties: {id: {type: integer}, total: {type: number}, "
        "email: {type: string}}}"
    )
    path = shop / "pipeline.yaml"
    path.write_text(
        "source:\n  connector: files\n  config:\n    directory: data\n"
        '    streams: [{name: orders, path: "orders-*.jsonl", primary_key: id, '
        f"schema: {schema}}}]\n"
        "destination: {connector: flaky}\n"
        "max_failed_records: 1\n"
    )
    result = _run(path)
    assert result.ok, result.error
    assert (result.streams["orders"].read, result.streams["orders"].failed) == (22, 1)
    assert result.streams["orders"].written == 21
    dead = Path(result.dead_letter_dir or "") / "orders.jsonl"
    (entry,) = [json.loads(line) for line in dead.read_text().splitlines()]
    assert entry["stage"] == "schema"
    assert entry["record"] == {"id": 10, "total": "lots", "email": "a@b.c"}
    assert "total" in entry["reason"]


def test_threshold_fails_the_run_with_a_clear_message(shop: Path) -> None:
    (shop / "data" / "orders-1.jsonl").write_text(
        "".join(json.dumps({"id": i, "total": "x"}) + "\n" for i in range(10, 14))
    )
    schema = "{type: object, properties: {id: {type: integer}, total: {type: number}}}"
    path = shop / "pipeline.yaml"
    path.write_text(
        "source:\n  connector: files\n  config:\n    directory: data\n"
        '    streams: [{name: orders, path: "orders-*.jsonl", primary_key: id, '
        f"schema: {schema}}}]\n"
        "destination: {connector: flaky}\n"
        "streams:\n  orders: {max_failed_records: '10%'}\n"
    )
    result = _run(path)
    assert result.status == "failed"
    assert result.error is not None
    assert "4 of 24 records failed (16.67%), more than max_failed_records (10%)" in result.error


def test_config_problems_of_pipeline_and_connectors_come_together(shop: Path) -> None:
    path = shop / "pipeline.yaml"
    path.write_text(
        "source:\n  connector: files\n  config: {directory: data, batch_size: none}\n"
        "destination: {connector: flaky, config: {fail_on_batch: soon}}\n"
    )
    with pytest.raises(ConfigError) as caught:
        _run(path)
    assert sorted(str(p) for p in caught.value.problems) == sorted(
        [
            f"{path}: expected an integer @ $.source.config.batch_size",
            f"{path}: expected an integer @ $.destination.config.fail_on_batch",
        ]
    )


def test_unknown_stream_and_upsert_without_key(shop: Path) -> None:
    path = _pipeline(
        shop,
        "  connector: flaky",
        "streams:\n  ordres: {}\n",
    )
    with pytest.raises(ConfigError, match=r"offers no stream 'ordres' \(did you mean 'orders'\?\)"):
        _run(path)
    path.write_text(
        path.read_text()
        .replace("primary_key: id", "cursor_field: id")
        .replace("ordres: {}", "orders: {write: upsert}")
    )
    with pytest.raises(ConfigError, match="write: upsert needs a primary key"):
        _run(path)


def test_transform_plugins_take_part(shop: Path, site: Callable[..., None]) -> None:
    site("shout", "support.transforms:shout", group="hookline.plugins")
    result = _run(_pipeline(shop, "  connector: flaky"))
    assert result.ok
    assert flaky.STORED["orders"][(3,)]["email"] == "USER3@EXAMPLE.COM"


def test_reader_stays_a_bounded_number_of_batches_ahead(
    shop: Path, site: Callable[..., None]
) -> None:
    site("counting", "support.counting:plugin")
    counting.PRODUCED.clear()
    gaps: list[int] = []
    flaky.OBSERVERS.append(lambda written: gaps.append(len(counting.PRODUCED) - written))
    try:
        path = shop / "pipeline.yaml"
        path.write_text(
            "source: {connector: counting}\ndestination: {connector: flaky}\nqueue_size: 2\n"
        )
        result = _run(path)
    finally:
        flaky.OBSERVERS.clear()
    assert result.ok and result.streams["ticks"].written == 40
    # At most the queue, the batch being handed over and the one being read are ahead.
    assert max(gaps) <= 2 + 2, gaps
    assert len(gaps) == 40


def test_one_run_at_a_time(shop: Path) -> None:
    pipeline = load_pipeline(_pipeline(shop, "  connector: flaky"))
    entered = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with pipeline_lock(pipeline):
            entered.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    entered.wait(5)
    try:
        with pytest.raises(PipelineBusy, match="is already running"):
            run_pipeline(pipeline)
    finally:
        release.set()
        holder.join()


def test_queue_size_zero_reads_without_a_reader_thread(shop: Path) -> None:
    threads: set[str] = set()
    flaky.OBSERVERS.append(lambda written: threads.add(threading.current_thread().name))
    try:
        result = _run(_pipeline(shop, "  connector: flaky", "queue_size: 0\n"))
    finally:
        flaky.OBSERVERS.clear()
    assert result.ok and result.streams["orders"].written == 30
    assert sorted(k[0] for k in flaky.STORED["orders"]) == list(range(30))
    assert all(name.startswith("hookline-stream") for name in threads), threads
