"""The demo as a user runs it: `hookline run`, again, then again after new orders."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

from support.venvs import run


def _hookline(*args: str) -> tuple[int, str, str]:
    result = run([sys.executable, "-m", "hookline", *args])
    return result.returncode, result.stdout, result.stderr


def _totals(out: str) -> dict[str, int]:
    streams = json.loads(out)["streams"]
    return {name: counts["written"] for name, counts in streams.items()}


def test_demo_runs_resumes_and_loads_exactly_the_new_orders(demo: Path) -> None:
    pipeline = str(demo / "pipeline.yaml")
    code, out, err = _hookline("run", pipeline, "--json")
    assert code == 0, err
    assert _totals(out) == {"customers": 200, "products": 50, "orders": 2000}

    with sqlite3.connect(demo / "warehouse.db") as db:
        name, email = db.execute("SELECT full_name, email FROM customers WHERE id = 1").fetchone()
        total_type = db.execute("SELECT typeof(total) FROM orders LIMIT 1").fetchone()[0]
        customer = db.execute("SELECT customer FROM orders WHERE id = 1").fetchone()[0]
    assert name.count(" ") >= 1 and email == email.lower()
    assert total_type == "real"
    assert isinstance(customer, int)

    code, out, err = _hookline("run", pipeline, "--json")
    assert code == 0, err
    assert _totals(out) == {"customers": 0, "products": 0, "orders": 0}

    added = run(
        [sys.executable, str(demo / "generate.py"), "--out", str(demo / "data"), "--append", "25"]
    )
    assert added.returncode == 0, added.stderr
    code, out, err = _hookline("run", pipeline, "--json")
    assert code == 0, err
    assert _totals(out) == {"customers": 0, "products": 0, "orders": 25}
    with sqlite3.connect(demo / "warehouse.db") as db:
        assert db.execute("SELECT count(*) FROM orders").fetchone()[0] == 2025

    code, out, _ = _hookline("runs", pipeline, "--json")
    assert [r["status"] for r in json.loads(out)] == ["succeeded"] * 3
    code, out, _ = _hookline("state", "show", pipeline, "--json")
    assert sorted(json.loads(out)) == ["customers", "orders", "products"]


def test_state_reset_reads_a_stream_again(demo: Path) -> None:
    pipeline = str(demo / "pipeline.yaml")
    assert _hookline("run", pipeline, "--json")[0] == 0
    code, out, _ = _hookline("state", "reset", pipeline, "--stream", "products")
    assert (code, out.strip()) == (0, "reset products")
    code, out, _ = _hookline("run", pipeline, "--json")
    assert _totals(out) == {"customers": 0, "products": 50, "orders": 0}
    with sqlite3.connect(demo / "warehouse.db") as db:
        assert db.execute("SELECT count(*) FROM products").fetchone()[0] == 50
    code, _, err = _hookline("state", "reset", pipeline, "--stream", "nope")
    assert code == 2 and "no state to reset for: nope" in err


def test_bad_pipeline_exit_2_every_problem(demo: Path) -> None:
    bad = demo / "bad.yaml"
    bad.write_text(
        "source: {connector: files, config_file: source.yaml}\n"
        "destination: {connector: sqlite, config: {path: w.db, synchronous: sometimes}}\n"
        "streams:\n  orders:\n    map: [{renme: {a: b}}]\n  ordres: {}\n"
    )
    code, out, err = _hookline("run", str(bad))
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert any("$.destination.config.synchronous" in line for line in lines), lines
    assert any("unknown step 'renme'" in line for line in lines), lines
    assert len(lines) == 2, lines
    assert "Traceback" not in err
    # With the configs right, the stream names are checked against what the source offers.
    bad.write_text(bad.read_text().replace("sometimes", "full").replace("renme", "rename"))
    code, _, err = _hookline("run", str(bad))
    assert code == 2
    assert "$.streams.ordres" in err and "did you mean 'orders'" in err


def test_failed_run_exits_1_and_says_why(demo: Path) -> None:
    (demo / "data" / "orders" / "orders-0003.jsonl").write_text('{"id": 9999, "broken\n')
    code, out, err = _hookline("run", str(demo / "pipeline.yaml"))
    assert code == 1
    assert "orders-0003.jsonl" in err and "error: stream 'orders'" in err
    assert "failed" in out


def _bad_order(demo: Path) -> None:
    """One order whose total is not a number (the tutorial's "When a record is bad")."""
    order = {
        "id": 99999,
        "customer_id": 1,
        "status": "paid",
        "items": [],
        "total": "abc",
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }
    (demo / "data" / "orders" / "orders-0003.jsonl").write_text(json.dumps(order) + "\n")


def test_a_bad_record_is_set_aside_and_fails_the_run_by_default(demo: Path) -> None:
    pipeline = str(demo / "pipeline.yaml")
    assert _hookline("run", pipeline)[0] == 0
    _bad_order(demo)
    code, _, err = _hookline("run", pipeline)
    dead = demo / ".hookline" / "dead-letter" / "shop-to-warehouse" / "orders.jsonl"
    assert code == 1
    assert f"1 record failed, more than max_failed_records (0); they are in {dead}" in err
    [letter] = [json.loads(line) for line in dead.read_text().splitlines()]
    assert letter["record"]["id"] == 99999 and "total" in json.dumps(letter)


def test_max_failed_records_lets_a_run_with_that_many_set_aside_succeed(demo: Path) -> None:
    pipeline = demo / "pipeline.yaml"
    pipeline.write_text(pipeline.read_text() + "max_failed_records: 10\n")
    _bad_order(demo)
    code, out, err = _hookline("run", str(pipeline), "--json")
    assert code == 0, err
    orders = json.loads(out)["streams"]["orders"]
    assert orders["failed"] == 1 and orders["written"] == orders["read"] - 1


def test_one_stream_of_the_demo_runs_alone(demo: Path) -> None:
    code, out, err = _hookline("run", str(demo / "pipeline.yaml"), "--stream", "orders", "--json")
    assert code == 0, err
    assert _totals(out) == {"orders": 2000}


def test_validate_plans_every_stream_and_reads_and_writes_nothing(demo: Path) -> None:
    code, out, err = _hookline("validate", str(demo / "pipeline.yaml"))
    assert code == 0, err
    assert out.splitlines()[0].split() == ["STREAM", "SYNC", "WRITE", "MAPPING"]
    assert out.splitlines()[-1].endswith("valid, 3 streams planned; nothing read")
    code, out, err = _hookline("validate", str(demo / "pipeline.yaml"), "-s", "orders", "--json")
    assert code == 0, err
    assert json.loads(out)["streams"] == [
        {"stream": "orders", "sync": "incremental", "write": "upsert", "mapped": True}
    ]
    assert not (demo / "warehouse.db").exists()
    assert not (demo / ".hookline").exists()


def test_validate_lists_every_problem_and_exits_2(demo: Path) -> None:
    pipeline = demo / "pipeline.yaml"
    text = pipeline.read_text().replace("write: upsert", "wrte: upsert", 1)
    text = text.replace("rename: {customer_id: customer}", "rename: {customr_id: customer}")
    pipeline.write_text(text)
    code, out, err = _hookline("validate", str(pipeline))
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert any(
        "unknown setting(s) wrte" in line and "did you mean 'write'" in line for line in lines
    )
    assert not (demo / "warehouse.db").exists()
    # Fixed, the mapping's reference to a field the source lacks is the one problem left.
    pipeline.write_text(text.replace("wrte:", "write:"))
    code, _, err = _hookline("validate", str(pipeline))
    assert code == 2
    assert "customr_id" in err and "$.streams.orders.map" in err, err


def _json_lines(err: str) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in err.splitlines()]
    for line in lines:
        assert {"time", "level", "logger", "message"} <= set(line), line
    return lines


def test_log_format_json_writes_every_stderr_line_as_json(demo: Path) -> None:
    orders = demo / "data" / "orders" / "orders-0002.jsonl"
    with orders.open("a") as file:
        file.write('{"id": 5000, "customer_id"')  # a record still being written
    code, _, err = _hookline("--log-format", "json", "run", str(demo / "pipeline.yaml"))
    assert code == 0, err
    lines = _json_lines(err)
    progress = [line for line in lines if line["logger"] == "hookline.progress"]
    assert {line["stream"] for line in progress} == {"customers", "products", "orders"}
    assert all(line["pipeline"] == "shop-to-warehouse" for line in progress)
    finished = [line for line in progress if line.get("status") == "succeeded"]
    assert {line["stream"]: line["written"] for line in finished}["orders"] == 2000
    # Logged by the files source in the orders stream's reader thread: it names the stream.
    [warning] = [line for line in lines if line["level"] == "warning"]
    assert "incomplete record" in str(warning["message"])
    assert warning["stream"] == "orders" and warning["pipeline"] == "shop-to-warehouse"


def test_log_format_json_writes_config_errors_with_file_and_path(demo: Path) -> None:
    pipeline = demo / "pipeline.yaml"
    pipeline.write_text(pipeline.read_text().replace("destination:", "destinaton:"))
    code, out, err = _hookline("run", str(pipeline), "--log-format=json")
    assert code == 2 and out == ""
    errors = [line for line in _json_lines(err) if line["level"] == "error"]
    assert {(line["file"], line["path"]) for line in errors} == {
        (str(pipeline), "$.destination"),
        (str(pipeline), "$"),
    }
