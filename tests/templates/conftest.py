"""Shared by the template tests: one wheelhouse with the local SDK and the tools."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from support.venvs import ROOT, build_wheelhouse, run


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Wheels of the local SDK and its dependencies, and of the tools the projects use."""
    directory = build_wheelhouse(tmp_path_factory.mktemp("wheelhouse"))
    tools = ["pytest>=8", "build>=1.2", "hatchling>=1.24", "editables", "twine>=5", "ruff>=0.6"]
    done = run([sys.executable, "-m", "pip", "wheel", "-q", "-w", str(directory), *tools])
    assert done.returncode == 0, done.stderr
    return directory


@pytest.fixture(scope="session")
def template() -> Path:
    """The connector template in this checkout."""
    return ROOT / "templates" / "connector"
