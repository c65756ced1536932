"""The tutorial's flow, through the installed `hookline` command and the files connector."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from support.venvs import ROOT, run

EXAMPLE = ROOT / "examples" / "shop-to-warehouse"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    copy = tmp_path / "shop"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns("state.json"))
    return copy


def _hookline(*args: str) -> tuple[int, list[dict[str, object]], str]:
    result = run([sys.executable, "-m", "hookline", *args])
    records = [json.loads(line) for line in result.stdout.splitlines()]
    return result.returncode, records, result.stderr


def test_read_resume_and_pick_up_appended_orders(shop: Path, tmp_path: Path) -> None:
    config, state = str(shop / "source.yaml"), str(tmp_path / "state.json")
    code, records, err = _hookline(
        "read", "files", "-c", config, "-s", "orders", "--state-out", state
    )
    assert code == 0, err
    assert len(records) == 2000
    assert len({r["id"] for r in records}) == 2000
    assert isinstance(records[0]["items"], list)

    code, records, err = _hookline(
        "read", "files", "-c", config, "-s", "orders", "--state", state, "--state-out", state
    )
    assert (code, records) == (0, [])

    generated = run(
        [sys.executable, str(shop / "generate.py"), "--out", str(shop / "data"), "--append", "25"]
    )
    assert generated.returncode == 0, generated.stderr
    code, records, err = _hookline(
        "read", "files", "-c", config, "-s", "orders", "--state", state, "--state-out", state
    )
    assert code == 0, err
    assert len(records) == 25


def test_discover_from_another_directory(shop: Path, tmp_path: Path) -> None:
    result = run(
        [sys.executable, "-m", "hookline", "discover", "files", "-c", str(shop / "source.yaml")],
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    streams = {s["name"]: s for s in json.loads(result.stdout)["streams"]}
    assert sorted(streams) == ["customers", "orders", "products"]
    assert streams["orders"]["primary_key"] == ["id"]
    items = streams["orders"]["schema"]["properties"]["items"]
    assert items["type"] == "array"


def test_bad_config_is_reported_per_line(shop: Path) -> None:
    bad = shop / "bad.yaml"
    bad.write_text(
        "directory: data\nbatch_size: zero\nstreams:\n  - name: x\n    path: a.txt\ncolour: red\n"
    )
    code, _, err = _hookline("check", "files", "-c", str(bad))
    assert code == 2
    assert sorted(err.splitlines()) == sorted(
        [
            f"error: {bad}: expected format (jsonl or csv) for stream 'x': the path 'a.txt' "
            "does not end in .jsonl, .ndjson or .csv @ $.streams[0]",
            f"error: {bad}: expected an integer @ $.batch_size",
            f"error: {bad}: unknown setting(s) colour: remove them or check the spelling @ $",
        ]
    )
