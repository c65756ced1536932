"""Every template variant works out of the box, as a connector author would find it.

For each replay file in templates/replays/: bake the template, build the project's wheel,
install it with the local SDK into a fresh virtual environment, and there: the connector
is listed as ok, `hookline test` passes at gold, the project's own pytest passes; ruff
passes on the project.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from cookiecutter.main import cookiecutter

from support.venvs import ROOT, Venv, build_wheel, run

REPLAYS = sorted((ROOT / "templates" / "replays").glob("*.json"))
#: The level every variant reaches (faults and write checks apply where they can).
LEVEL = "gold"


def bake(template: Path, replay: Path, out: Path) -> tuple[Path, dict[str, Any]]:
    """Render the template from a replay file; return the project and its answers."""
    values = json.loads(replay.read_text())["cookiecutter"]
    project = cookiecutter(
        str(template), replay=str(replay), output_dir=str(out), default_config=True
    )
    return Path(project), values


def test_every_option_has_a_replay(template: Path) -> None:
    options = json.loads((template / "cookiecutter.json").read_text())
    chosen: dict[str, set[str]] = {}
    for replay in REPLAYS:
        for key, value in json.loads(replay.read_text())["cookiecutter"].items():
            chosen.setdefault(key, set()).add(str(value))
    for key, value in options.items():
        if isinstance(value, list):
            assert set(value) <= chosen.get(key, set()), f"{key}: no replay chooses some"
    ids = [json.loads(r.read_text())["cookiecutter"]["id"] for r in REPLAYS]
    assert len(set(ids)) == len(ids), "each replay makes a connector of its own id"


@pytest.mark.parametrize("replay", REPLAYS, ids=lambda p: p.stem)
def test_variant_installs_is_discovered_and_passes(
    replay: Path, template: Path, wheelhouse: Path, tmp_path: Path
) -> None:
    project, values = bake(template, replay, tmp_path / "baked")
    connector = values["id"]

    for args in (["check", str(project)], ["format", "--check", str(project)]):
        linted = run([shutil.which("ruff") or "ruff", *args], cwd=project)
        assert linted.returncode == 0, linted.stdout + linted.stderr

    wheel = build_wheel(project, tmp_path)
    env = Venv(tmp_path / "venv")
    env.install(str(wheel), "pytest", wheelhouse=wheelhouse)

    listed = env.hookline("connectors", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = {row["id"]: row for row in json.loads(listed.stdout)}
    assert rows[connector]["status"] == "ok", rows[connector]

    report = tmp_path / "report.json"
    tested = env.hookline("test", connector, "--level", LEVEL, "--report", str(report))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    data = json.loads(report.read_text())
    assert data["level"] == LEVEL and data["counts"]["failed"] == 0

    own = run([env.bin("python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project)
    assert own.returncode == 0, own.stdout + own.stderr
    assert " passed" in own.stdout and "failed" not in own.stdout
