"""Shared by the pipeline tests: a private copy of the demo, as a user starts with it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from support.venvs import ROOT

EXAMPLE = ROOT / "examples" / "shop-to-warehouse"


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """examples/shop-to-warehouse copied, without what earlier runs left there."""
    copy = tmp_path / "shop"
    shutil.copytree(
        EXAMPLE, copy, ignore=shutil.ignore_patterns(".hookline", "warehouse.db*", "state.json")
    )
    return copy
