"""Kill a real run with SIGKILL at random points, run again: nothing lost, nothing doubled.

Two streams read the same 60,000 generated orders: ``orders`` is upserted on its primary
key, ``order_events`` is appended. After every kill the pipeline runs again; in the end
the upserted table must equal the one a single clean run produces, row for row, and the
appended table must hold every record, with duplicates bounded by one uncommitted batch
per kill.
"""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ORDERS = 60_000
BATCH = 500
KILLS = 5


def _write_orders(directory: Path) -> None:
    directory.mkdir(parents=True)
    rng = random.Random(7)
    for part in range(3):
        lines = []
        for i in range(part * ORDERS // 3, (part + 1) * ORDERS // 3):
            items = [
                {"sku": f"P{rng.randrange(100):03d}", "qty": rng.randrange(1, 5)}
                for _ in range(rng.randrange(1, 4))
            ]
            record = {
                "id": i,
                "customer_id": rng.randrange(1000),
                "total": f"{rng.uniform(1, 500):.2f}",
                "status": rng.choice(["new", "paid", "shipped"]),
                "items": items,
                "updated_at": f"2024-01-{1 + i // 2000:02d}T00:00:{i % 60:02d}Z",
            }
            lines.append(json.dumps(record))
        (directory / f"orders-{part}.jsonl").write_text("\n".join(lines) + "\n")


PIPELINE = f"""\
source:
  connector: files
  config:
    directory: data
    batch_size: {BATCH}
    streams:
      - {{name: orders, path: "orders-*.jsonl", primary_key: id, cursor_field: updated_at}}
      - {{name: order_events, path: "orders-*.jsonl"}}
destination:
  connector: sqlite
  config: {{path: warehouse.db}}
streams:
  orders: {{write: upsert}}
  order_events: {{write: append}}
"""


def _project(root: Path) -> Path:
    _write_orders(root / "data")
    (root / "pipeline.yaml").write_text(PIPELINE)
    return root / "pipeline.yaml"


def _command(pipeline: Path) -> list[str]:
    return [sys.executable, "-m", "hookline", "run", str(pipeline), "--json"]


def _rows(db: Path, table: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return sorted(connection.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)


def test_sigkill_at_random_points_then_rerun(tmp_path: Path) -> None:
    clean = _project(tmp_path / "clean")
    started = time.monotonic()
    done = subprocess.run(_command(clean), capture_output=True, text=True, timeout=600)
    duration = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    started = time.monotonic()
    idle = subprocess.run(_command(clean), capture_output=True, text=True, timeout=600)
    startup = time.monotonic() - started  # a run with nothing to do: start-up alone
    assert json.loads(idle.stdout)["streams"]["orders"]["read"] == 0
    expected_orders = _rows(clean.parent / "warehouse.db", "orders")
    expected_events = _rows(clean.parent / "warehouse.db", "order_events")
    assert len(expected_orders) == ORDERS and len(expected_events) == ORDERS

    crashed = _project(tmp_path / "crashed")
    rng = random.Random(2024)
    kills = 0
    for _ in range(KILLS):
        process = subprocess.Popen(
            _command(crashed), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        # Anywhere from half-way through start-up to 15% of the work: five kills leave
        # the last run something to do.
        time.sleep(rng.uniform(0.5 * startup, startup + 0.15 * (duration - startup)))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait(timeout=60)
    assert kills >= 2, "the runs ended before they could be killed: make the data larger"
    final = subprocess.run(_command(crashed), capture_output=True, text=True, timeout=600)
    assert final.returncode == 0, final.stderr
    assert json.loads(final.stdout)["status"] == "succeeded"

    db = crashed.parent / "warehouse.db"
    assert _rows(db, "orders") == expected_orders
    events = _rows(db, "order_events")
    distinct = sorted(set(events), key=repr)
    assert distinct == expected_events, "no appended record is lost"
    assert len(events) - len(distinct) <= kills * BATCH, "duplicates bounded by one batch a kill"

    again = subprocess.run(_command(crashed), capture_output=True, text=True, timeout=600)
    summary = json.loads(again.stdout)
    assert summary["streams"]["orders"]["read"] == 0
    assert summary["streams"]["order_events"]["read"] == 0


def test_ctrl_c_commits_what_was_delivered_and_exits_130(tmp_path: Path) -> None:
    pipeline = _project(tmp_path)
    process = subprocess.Popen(
        _command(pipeline),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    # Wait until the first batches are committed, then interrupt.
    state_db = tmp_path / ".hookline" / "state.db"
    deadline = time.monotonic() + 60
    while not _committed(state_db) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    summary = json.loads(out)
    assert summary["status"] == "interrupted"
    assert summary["streams"]["orders"]["status"] == "interrupted"
    final = subprocess.run(_command(pipeline), capture_output=True, text=True, timeout=600)
    assert final.returncode == 0, final.stderr
    assert len(_rows(tmp_path / "warehouse.db", "orders")) == ORDERS
    history = subprocess.run(
        [sys.executable, "-m", "hookline", "runs", str(pipeline), "--json"],
        capture_output=True,
        text=True,
    )
    assert [r["status"] for r in json.loads(history.stdout)] == ["succeeded", "interrupted"]


def _committed(state_db: Path) -> bool:
    if not state_db.exists():
        return False
    try:
        with sqlite3.connect(state_db) as connection:
            return bool(connection.execute("SELECT count(*) FROM stream_state").fetchone()[0])
    except sqlite3.OperationalError:
        return False
