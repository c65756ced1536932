"""Each variant generates exactly its files: nothing it does not use, nothing missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

from support.venvs import ROOT

REPLAYS = sorted((ROOT / "templates" / "replays").glob("*.json"))

PROJECT = {
    ".github/workflows/ci.yml",
    ".gitignore",
    "LICENSE",
    "README.md",
    "pyproject.toml",
    "tests/test_config.py",
    "tests/test_conformance.py",
}
PACKAGE = {"__init__.py", "config.py", "conformance.py", "connector.py"}
# What each (style, kind) adds to the package.
MODULES = {
    ("rest", "source"): {"_client.py", "_fake_api.py", "_reading.py"},
    ("rest", "destination"): {"_client.py", "_fake_api.py", "_writing.py"},
    ("rest", "both"): {"_client.py", "_fake_api.py", "_reading.py", "_writing.py"},
    ("python", "source"): {"_reading.py"},
    ("python", "destination"): {"_writing.py"},
    ("python", "both"): {"_reading.py", "_writing.py"},
}


@pytest.mark.parametrize("replay", REPLAYS, ids=lambda p: p.stem)
def test_variant_generates_exactly_its_files(replay: Path, tmp_path: Path) -> None:
    values = json.loads(replay.read_text())["cookiecutter"]
    project = Path(
        cookiecutter(
            str(ROOT / "templates" / "connector"),
            replay=str(replay),
            output_dir=str(tmp_path),
            default_config=True,
        )
    )
    assert project.name == values["distribution"] == f"hookline-{values['id']}"
    package = values["package"]
    assert package == "hookline_" + values["id"].replace("-", "_")
    expected = PROJECT | {
        f"src/{package}/{name}" for name in PACKAGE | MODULES[(values["style"], values["kind"])]
    }
    found = {str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()}
    assert found == expected
    assert not [p for p in project.rglob("*") if p.is_dir() and not any(p.iterdir())]


@pytest.mark.parametrize("replay", REPLAYS, ids=lambda p: p.stem)
def test_no_template_syntax_survives(replay: Path, tmp_path: Path) -> None:
    project = Path(
        cookiecutter(
            str(ROOT / "templates" / "connector"),
            replay=str(replay),
            output_dir=str(tmp_path),
            default_config=True,
        )
    )
    for path in project.rglob("*"):
        if path.is_file():
            text = path.read_text()
            assert "cookiecutter." not in text, path
            assert "{%" not in text, path
