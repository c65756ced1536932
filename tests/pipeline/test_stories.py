"""The seed's three stories, end to end: the demo API, `hookline run`, the systems' state.

Each test starts the demo API on a free port, copies a story's pipeline next to a fresh
state directory (pointing it at that port), runs it with the demo credentials in the
environment, runs it again (nothing new), changes data through the API, and runs it once
more (only the changes). No credential may appear in any output.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support.venvs import ROOT

pytestmark = pytest.mark.slow

STORIES = ROOT / "examples" / "stories"
CREDENTIALS = {
    "SHOP_TOKEN": "shop-demo-token",
    "INVENTORY_API_KEY": "inventory-demo-key",
    "CRM_CLIENT_ID": "crm-demo",
    "CRM_CLIENT_SECRET": "crm-demo-secret",
    "QUOTING_USER": "quoting",
    "QUOTING_PASSWORD": "quoting-demo",
    "PAYMENTS_API_KEY": "payments-demo-key",
}
SECRETS = [v for k, v in CREDENTIALS.items() if k not in ("CRM_CLIENT_ID", "QUOTING_USER")]


@pytest.fixture
def api() -> Iterator[str]:
    """The demo API on a free port; yields its base URL."""
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "examples" / "demo-api" / "serve.py"),
            "--port",
            "0",
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("demo API serving on http://127.0.0.1:"), first
        yield first.split()[-1]
    finally:
        process.terminate()
        process.wait(timeout=5)


def _story(name: str, base_url: str, tmp_path: Path) -> Path:
    text = (STORIES / name / "pipeline.yaml").read_text()
    assert "http://127.0.0.1:8765" in text
    pipeline = tmp_path / name / "pipeline.yaml"
    pipeline.parent.mkdir()
    pipeline.write_text(text.replace("http://127.0.0.1:8765", base_url))
    return pipeline


def _run(pipeline: Path) -> dict[str, dict[str, int]]:
    result = subprocess.run(
        [sys.executable, "-m", "hookline", "run", str(pipeline), "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, **CREDENTIALS},
        timeout=300,
    )
    for secret in SECRETS:
        assert secret not in result.stdout + result.stderr
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "succeeded", summary
    return summary["streams"]


def _dead_letters(pipeline: Path) -> str:
    folder = pipeline.parent / ".hookline" / "dead-letter"
    return "".join(p.read_text() for p in folder.rglob("*.jsonl"))


def test_shop_orders_reach_the_inventory(api: str, tmp_path: Path) -> None:
    pipeline = _story("shop-to-inventory", api, tmp_path)
    first = _run(pipeline)["orders"]
    assert (first["read"], first["written"], first["failed"], first["filtered"]) == (
        250,
        238,
        2,
        10,
    )
    assert "422" in _dead_letters(pipeline)
    assert _run(pipeline)["orders"]["read"] == 0
    httpx.post(f"{api}/shop/_touch", params={"count": 3}).raise_for_status()
    third = _run(pipeline)["orders"]
    assert third["read"] == 6
    reservations = httpx.get(
        f"{api}/inventory/reservations", headers={"X-API-Key": "inventory-demo-key"}
    ).json()
    rows = reservations if isinstance(reservations, list) else reservations["data"]
    assert len({r["order_id"] for r in rows}) == len(rows), "no order reserved twice"


def test_crm_updates_reach_the_quoting_tool(api: str, tmp_path: Path) -> None:
    pipeline = _story("crm-to-quoting", api, tmp_path)
    first = _run(pipeline)["customers"]
    assert (first["read"], first["written"], first["failed"]) == (120, 118, 2)
    assert _run(pipeline)["customers"]["read"] == 0
    httpx.post(f"{api}/crm/_touch", params={"count": 4}).raise_for_status()
    assert _run(pipeline)["customers"]["read"] == 4
    quotes = httpx.get(f"{api}/quoting/customers", auth=("quoting", "quoting-demo")).json()
    rows = quotes if isinstance(quotes, list) else quotes["data"]
    assert len(rows) == 118
    assert all(r["email"] == r["email"].lower() for r in rows if r.get("email"))


def test_payments_are_booked_in_the_ledger(api: str, tmp_path: Path) -> None:
    pipeline = _story("payments-to-ledger", api, tmp_path)
    streams = _run(pipeline)
    (name,) = streams
    assert streams[name]["written"] == 300
    assert _run(pipeline)[name]["read"] == 0
    httpx.post(f"{api}/payments/_touch", params={"count": 2}).raise_for_status()  # 2 settle, 2 new
    assert _run(pipeline)[name]["read"] == 4
    ledger = next(pipeline.parent.glob("*.db"))
    with sqlite3.connect(ledger) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        table = next(t for t in tables if not t.startswith("_hookline"))
        count = db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        currencies = {r[0] for r in db.execute(f'SELECT DISTINCT currency FROM "{table}"')}
    assert count == 302
    assert currencies <= {"EUR", "GBP", "USD"}
