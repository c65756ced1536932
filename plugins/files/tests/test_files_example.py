"""The shop-to-warehouse example: its generator and its source configuration."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hookline.host import Connector
from hookline.models import ConfiguredStream, ConnectorContext

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "shop-to-warehouse"

pytestmark = pytest.mark.skipif(not EXAMPLE.is_dir(), reason="needs the repository checkout")


def generate(*args: str) -> None:
    subprocess.run(
        [sys.executable, str(EXAMPLE / "generate.py"), *args],
        check=True,
        capture_output=True,
    )


def contents(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def test_generator_is_deterministic_and_matches_the_committed_data(tmp_path: Path) -> None:
    generate("--out", str(tmp_path))
    assert contents(tmp_path) == contents(EXAMPLE / "data")


def test_append_continues_ids_and_timestamps(tmp_path: Path) -> None:
    generate("--out", str(tmp_path), "--orders", "30")
    generate("--out", str(tmp_path), "--append", "5")
    files = sorted((tmp_path / "orders").glob("*.jsonl"))
    assert [f.name for f in files] == ["orders-0001.jsonl", "orders-0002.jsonl"]
    old = [json.loads(line) for line in files[0].read_text().splitlines()]
    new = [json.loads(line) for line in files[1].read_text().splitlines()]
    assert [o["id"] for o in new] == [31, 32, 33, 34, 35]
    assert min(o["created_at"] for o in new) > max(o["created_at"] for o in old)
    for order in new:
        cents = sum(round(i["unit_price"] * 100) * i["quantity"] for i in order["items"])
        assert order["total"] == f"{cents // 100}.{cents % 100:02d}"


def test_source_config_reads_the_example_from_any_folder(connector: Connector) -> None:
    config_file = EXAMPLE / "source.yaml"
    config = connector.load_config(config_file)
    connection = connector.auth(config, ConnectorContext(base_dir=config_file.parent))
    assert connector.check(config, connection).ok
    catalog = connector.discover(config, connection)
    assert catalog.names == ["customers", "products", "orders"]
    counts = {}
    for stream in catalog.streams:
        assert stream.primary_key == ("id",)
        assert stream.cursor_field == "updated_at"
        configured = ConfiguredStream(stream, sync_mode="incremental")
        batches = connector.read(config, connection, configured, None)
        records = [r for b in batches for r in b.records]
        keys = [r["id"] for r in records]
        assert len(keys) == len(set(keys))
        counts[stream.name] = len(records)
    assert counts == {"customers": 200, "products": 50, "orders": 2000}
    orders = catalog.streams[2].schema["properties"]
    assert orders["items"]["items"]["properties"]["quantity"] == {"type": "integer"}
    assert orders["total"] == {"type": "string"}
