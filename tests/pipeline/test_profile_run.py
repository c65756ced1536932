"""``hookline run --profile DIR``: every thread of the run profiled, each in its own file."""

from __future__ import annotations

import json
import pstats
from pathlib import Path

import pytest

from hookline.cli import main


def _pipeline(tmp_path: Path, queue_size: int) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "orders.jsonl").write_text(
        "".join(json.dumps({"id": i, "total": i * 1.5}) + "\n" for i in range(50))
    )
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(
        json.dumps(
            {
                "source": {
                    "connector": "files",
                    "config": {
                        "directory": "data",
                        "batch_size": 10,
                        "streams": [
                            {"name": "orders/eu", "path": "orders.jsonl", "primary_key": "id"}
                        ],
                    },
                },
                "destination": {"connector": "sqlite", "config": {"path": "out.db"}},
                "queue_size": queue_size,
            }
        )
    )
    return pipeline


def _functions(path: Path) -> set[str]:
    stats = pstats.Stats(str(path))
    return {name for (_, _, name) in stats.stats}  # type: ignore[attr-defined]


def test_each_thread_of_a_run_is_profiled_in_its_own_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profiles = tmp_path / "prof"
    code = main(["run", str(_pipeline(tmp_path, 2)), "--json", "--profile", str(profiles)])
    assert code == 0, capsys.readouterr().err
    found = sorted(p.name for p in profiles.iterdir())
    assert found == ["main.prof", "reader-orders_eu.prof", "stream-orders_eu.prof"]
    # The worker delivers and writes; the reader reads; the main thread only waits.
    assert {"_deliver_batch", "hookline_write"} <= _functions(profiles / "stream-orders_eu.prof")
    assert "hookline_read" in _functions(profiles / "reader-orders_eu.prof")
    assert "_deliver_batch" not in _functions(profiles / "main.prof")


def test_without_a_reader_thread_the_worker_profile_holds_the_read_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profiles = tmp_path / "prof"
    code = main(["run", str(_pipeline(tmp_path, 0)), "--json", "--profile", str(profiles)])
    assert code == 0, capsys.readouterr().err
    assert sorted(p.name for p in profiles.iterdir()) == ["main.prof", "stream-orders_eu.prof"]
    assert {"hookline_read", "hookline_write"} <= _functions(profiles / "stream-orders_eu.prof")
