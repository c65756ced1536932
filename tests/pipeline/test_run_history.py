"""The run history of a real run killed with SIGKILL shows what it delivered.

A ``hookline run`` subprocess (files → sqlite, 50,000 orders in JSON Lines) is killed
with SIGKILL once some batches are committed. Its run stays in the history with the
counts committed with its last state: the records the state says were delivered, all of
them in the table. The next run closes it as ``interrupted`` (keeping those counts),
delivers the rest under its own number, and a second pipeline sharing the state
directory starts at run 1.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

ORDERS = 50_000
FILES = 5
BATCH = 500

PIPELINE = f"""\
source:
  connector: files
  config:
    directory: data
    batch_size: {BATCH}
    streams:
      - {{name: orders, path: "orders-*.jsonl", primary_key: id, cursor_field: updated_at}}
destination:
  connector: sqlite
  config: {{path: warehouse.db}}
streams:
  orders: {{sync: incremental, write: upsert}}
"""


def _write_orders(directory: Path) -> None:
    directory.mkdir(parents=True)
    per_file = ORDERS // FILES
    for part in range(FILES):
        lines = [
            json.dumps(
                {
                    "id": i,
                    "customer_id": i % 997,
                    "total": f"{(i * 37) % 50000 / 100:.2f}",
                    "status": ("new", "paid", "shipped")[i % 3],
                    "items": [{"sku": f"P{i % 100:03d}", "qty": 1 + i % 4}],
                    "updated_at": f"2024-01-{1 + i // 2000:02d}T00:00:{i % 60:02d}Z",
                }
            )
            for i in range(part * per_file, (part + 1) * per_file)
        ]
        (directory / f"orders-{part}.jsonl").write_text("\n".join(lines) + "\n")


def _hookline(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hookline", *args], capture_output=True, text=True, timeout=600
    )


def _history(pipeline: Path) -> list[dict[str, Any]]:
    shown = _hookline("runs", str(pipeline), "--json")
    assert shown.returncode == 0, shown.stderr
    history: list[dict[str, Any]] = json.loads(shown.stdout)
    return history


def _committed_state(state_db: Path) -> dict[str, Any] | None:
    if not state_db.exists():
        return None
    try:
        with sqlite3.connect(state_db) as db:
            row = db.execute(
                "SELECT state FROM stream_state WHERE pipeline = 'shop' AND stream = 'orders'"
            ).fetchone()
    except sqlite3.OperationalError:  # not created yet, or locked for a moment
        return None
    return None if row is None else dict(json.loads(row[0]))


def _delivered_by_state(data: Path, state: dict[str, Any]) -> int:
    """The records before each file's committed offset: what the state counts as delivered."""
    return sum(
        (data / name).read_bytes()[: position["offset"]].count(b"\n")
        for name, position in state["files"].items()
    )


def test_a_killed_run_shows_what_it_delivered(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _write_orders(data)
    pipeline = tmp_path / "shop.yaml"
    pipeline.write_text(PIPELINE)
    state_db = tmp_path / ".hookline" / "state.db"

    process = subprocess.Popen(
        [sys.executable, "-m", "hookline", "run", str(pipeline), "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while _committed_state(state_db) is None and time.monotonic() < deadline:
        if process.poll() is not None:
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "the run ended before it could be killed"

    state = _committed_state(state_db)
    assert state is not None, "no batch was committed before the kill"
    delivered = _delivered_by_state(data, state)
    assert 0 < delivered < ORDERS
    with sqlite3.connect(tmp_path / "warehouse.db") as db:
        (rows,) = db.execute("SELECT count(*) FROM orders").fetchone()

    # Right after the kill: the run is still marked running, with its committed counts.
    [killed] = _history(pipeline)
    assert (killed["number"], killed["status"]) == (1, "running")
    counts = killed["summary"]["orders"]
    assert counts["read"] == counts["written"] == delivered
    assert counts["failed"] == 0
    assert rows >= counts["written"]  # every committed record is in the table
    assert rows <= counts["written"] + BATCH  # at most the one batch written, not committed

    # The next run closes it as interrupted, its counts kept, and delivers the rest.
    finished = _hookline("run", str(pipeline), "--json")
    assert finished.returncode == 0, finished.stderr
    summary = json.loads(finished.stdout)
    assert summary["run_id"] == 2
    assert summary["streams"]["orders"]["read"] == ORDERS - delivered
    latest, interrupted = _history(pipeline)
    assert (latest["number"], latest["status"]) == (2, "succeeded")
    assert latest["summary"]["orders"]["written"] == ORDERS - delivered
    assert (interrupted["number"], interrupted["status"]) == (1, "interrupted")
    assert interrupted["summary"]["orders"] == counts
    with sqlite3.connect(tmp_path / "warehouse.db") as db:
        assert db.execute("SELECT count(*), count(DISTINCT id) FROM orders").fetchone() == (
            ORDERS,
            ORDERS,
        )

    # Another pipeline in the same state directory has its own numbers.
    other = tmp_path / "noname.yaml"
    other.write_text(PIPELINE.replace("warehouse.db", "other.db"))
    first = _hookline("run", str(other), "--json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["run_id"] == 1
    assert [(r["number"], r["status"]) for r in _history(other)] == [(1, "succeeded")]
