"""Each variant generates exactly its files: nothing it does not use, nothing missing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from cookiecutter.main import cookiecutter

from hookline.host import open_connector
from hookline.pipeline import check_pipeline
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


def _render(replay: Path, into: Path) -> Path:
    """The project the template makes from a replay's answers, in ``into``."""
    return Path(
        cookiecutter(
            str(ROOT / "templates" / "connector"),
            replay=str(replay),
            output_dir=str(into),
            default_config=True,
        )
    )


@pytest.mark.parametrize("replay", REPLAYS, ids=lambda p: p.stem)
def test_variant_generates_exactly_its_files(replay: Path, tmp_path: Path) -> None:
    values = json.loads(replay.read_text())["cookiecutter"]
    project = _render(replay, tmp_path)
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
    project = _render(replay, tmp_path)
    for path in project.rglob("*"):
        if path.is_file():
            text = path.read_text()
            assert "cookiecutter." not in text, path
            assert "{%" not in text, path


_YAML_BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.M | re.S)


@pytest.mark.parametrize("replay", REPLAYS, ids=lambda p: p.stem)
def test_the_readme_pipeline_is_one_hookline_accepts(replay: Path, tmp_path: Path) -> None:
    values = json.loads(replay.read_text())["cookiecutter"]
    project = _render(replay, tmp_path)
    documents = [
        yaml.safe_load(text)
        for text in _YAML_BLOCK.findall(project.joinpath("README.md").read_text())
    ]
    pipelines = [d for d in documents if isinstance(d, dict) and "source" in d]
    assert pipelines, "the README shows no pipeline"
    # The configuration file the README's commands pass to --config, as the user makes it.
    (project / f"{values['id']}.yaml").write_text("{}\n", encoding="utf-8")
    for document in pipelines:
        file = project / "pipeline.yaml"
        file.write_text(yaml.safe_dump(document), encoding="utf-8")
        _, problems = check_pipeline(file)
        assert not problems, [str(p) for p in problems]
        for side in ("source", "destination"):
            ref = document[side]
            if ref["connector"] == values["id"]:
                assert ref.get("config_file") == f"{values['id']}.yaml"
            else:  # a first-party connector, configured inline: its own parser accepts it
                connector = open_connector(ref["connector"])
                connector.parse_config(ref["config"], source=str(file), base_dir=project)
                info = connector.info
                assert info.is_source if side == "source" else info.is_destination


@pytest.mark.parametrize("replay", REPLAYS[:1], ids=lambda p: p.stem)
def test_the_ci_workflow_installs_hookline_from_a_variable_first(
    replay: Path, tmp_path: Path
) -> None:
    project = _render(replay, tmp_path)
    workflow = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())
    assert workflow["env"]["HOOKLINE_REQUIREMENT"] == (
        "${{ vars.HOOKLINE_REQUIREMENT || 'hookline>=0.1' }}"
    )
    install = next(s for s in workflow["jobs"]["test"]["steps"] if s.get("name") == "Install")
    lines = install["run"].splitlines()
    assert lines.index('python -m pip install "$HOOKLINE_REQUIREMENT"') < lines.index(
        'python -m pip install -e ".[test]" ruff'
    )
    readme = (project / "README.md").read_text()
    assert "HOOKLINE_REQUIREMENT" in readme and "pypi.org" not in readme
