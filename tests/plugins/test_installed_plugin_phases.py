"""An installed cross-cutting plugin takes part in every phase of both sides.

One fresh environment holds the SDK, the files connector, the ``phase-recorder`` plugin
and the ``stamp`` destination (see :mod:`support.phase_recorder`), all installed from
wheels. Each command runs with the plugin's log (``PHASE_LOG``) in a file of its own, and
the test says which hooks the plugin saw, for which connector: in ``run`` both sides'
(discover and read of the source; write_start, write and write_finish of the
destination), in ``check`` the connector checked, in ``read``/``discover`` the source's,
in ``test`` the destination's under test. Per batch the plugin's transform runs before
the destination's own, so every stored record says ``_seen_by: ["plugin", "destination"]``.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from support.phase_recorder import LOG_ENV, PLUGIN_HOOKS, PLUGIN_ID, read_log, write_projects
from support.venvs import ROOT, Venv, build_wheel, build_wheelhouse

pytestmark = pytest.mark.slow

RECORDS = [{"id": n, "name": f"item {n}"} for n in range(1, 6)]
BATCH_SIZE = 2
BATCHES = 3  # RECORDS read in batches of BATCH_SIZE


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    work = tmp_path_factory.mktemp("phases")
    wheelhouse = build_wheelhouse(work / "wheelhouse")
    projects = [*write_projects(work / "src"), ROOT / "plugins" / "files"]
    wheels = [str(build_wheel(p, wheelhouse)) for p in projects]
    venv = Venv(work / "venv")
    venv.install("hookline", *wheels, wheelhouse=wheelhouse)
    return venv


def _project(folder: Path) -> Path:
    """Write a files -> stamp pipeline over RECORDS into ``folder``."""
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "items.jsonl").write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    (folder / "source.yaml").write_text(
        "directory: data\n"
        f"batch_size: {BATCH_SIZE}\n"
        "streams:\n"
        "  - name: items\n"
        "    path: items.jsonl\n"
        "    primary_key: id\n"
    )
    (folder / "dest.yaml").write_text("directory: out\n")
    (folder / "pipeline.yaml").write_text(
        "name: phases\n"
        "source: {connector: files, config_file: source.yaml}\n"
        "destination: {connector: stamp, config_file: dest.yaml}\n"
        "streams:\n"
        "  items: {write: append}\n"
    )
    return folder


def _run(
    env: Venv, folder: Path, log: Path, *args: str, **extra: str
) -> subprocess.CompletedProcess[str]:
    return env.hookline(*args, env={LOG_ENV: str(log), **extra}, cwd=folder)


def _seen(log: Path) -> set[tuple[str, str | None]]:
    """Each (hook, connector) the plugin logged."""
    return {(entry["hook"], entry["connector"]) for entry in read_log(log)}


def _stored(folder: Path) -> list[dict[str, Any]]:
    path = folder / "out" / "items.jsonl"
    assert path.exists(), "the stamp destination stored nothing"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_plugin_is_listed_ok_with_its_hooks(env: Venv) -> None:
    result = env.hookline("plugins", "--json")
    assert result.returncode == 0, result.stderr
    rows = {row["id"]: row for row in json.loads(result.stdout)}
    row = rows[PLUGIN_ID]
    assert row["status"] == "ok", row["error"]
    assert row["package"] == "hookline-phase-recorder"
    assert sorted(row["hooks"]) == sorted(PLUGIN_HOOKS)


def test_run_the_plugin_sees_both_sides(env: Venv, tmp_path: Path) -> None:
    folder = _project(tmp_path)
    log = tmp_path / "run.log"
    result = _run(env, folder, log, "run", "pipeline.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    seen = _seen(log)
    assert {("discover", "files"), ("read", "files")} <= seen, "the source side"
    destination = {
        ("transform", None),
        ("write_start", "stamp"),
        ("write", "stamp"),
        ("write_finish", "stamp"),
    }
    missing = sorted(destination - seen, key=str)
    assert not missing, f"the plugin never saw {missing}; it saw {sorted(seen, key=str)}"
    entries = read_log(log)
    assert {entry["stream"] for entry in entries if entry["hook"] != "discover"} == {"items"}
    calls = [entry["hook"] for entry in entries]
    assert (calls.count("write_start"), calls.count("write_finish")) == (1, 1)
    assert (calls.count("transform"), calls.count("write")) == (BATCHES, BATCHES), "per batch"


def test_run_transforms_plugin_first_then_the_destination(env: Venv, tmp_path: Path) -> None:
    folder = _project(tmp_path)
    result = _run(env, folder, tmp_path / "run.log", "run", "pipeline.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    stored = _stored(folder)
    assert [r["id"] for r in stored] == [r["id"] for r in RECORDS]
    assert [r.get("_seen_by") for r in stored] == [["plugin", "destination"]] * len(RECORDS)


@pytest.mark.parametrize(
    ("connector", "config"), [("stamp", "dest.yaml"), ("files", "source.yaml")]
)
def test_check_the_plugin_wraps_the_check_of_either_side(
    env: Venv, tmp_path: Path, connector: str, config: str
) -> None:
    folder = _project(tmp_path)
    log = tmp_path / "check.log"
    result = _run(env, folder, log, "check", connector, "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _seen(log) == {("check", connector)}


def test_read_the_plugin_wraps_the_read(env: Venv, tmp_path: Path) -> None:
    folder = _project(tmp_path)
    log = tmp_path / "read.log"
    result = _run(env, folder, log, "read", "files", "--config", "source.yaml")
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [
        r["id"] for r in RECORDS
    ]
    seen = _seen(log)
    assert ("read", "files") in seen
    assert seen <= {("read", "files"), ("discover", "files")}


def test_discover_the_plugin_wraps_the_discovery(env: Venv, tmp_path: Path) -> None:
    folder = _project(tmp_path)
    log = tmp_path / "discover.log"
    result = _run(env, folder, log, "discover", "files", "--config", "source.yaml")
    assert result.returncode == 0, result.stderr
    assert _seen(log) == {("discover", "files")}


def test_conformance_suite_the_plugin_sees_the_destination_phases(
    env: Venv, tmp_path: Path
) -> None:
    log = tmp_path / "test.log"
    result = _run(env, tmp_path, log, "test", "stamp", "--json")
    assert result.returncode in (0, 1), result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["connector"] == "stamp"
    seen = _seen(log)
    expected = {
        ("check", "stamp"),
        ("transform", None),
        ("write_start", "stamp"),
        ("write", "stamp"),
        ("write_finish", "stamp"),
    }
    missing = sorted(expected - seen, key=str)
    assert not missing, f"the plugin never saw {missing}; it saw {sorted(seen, key=str)}"


def test_a_disabled_plugin_takes_no_part(env: Venv, tmp_path: Path) -> None:
    folder = _project(tmp_path)
    log = tmp_path / "disabled.log"
    result = _run(env, folder, log, "run", "pipeline.yaml", HOOKLINE_DISABLE_PLUGINS=PLUGIN_ID)
    assert result.returncode == 0, result.stdout + result.stderr
    assert read_log(log) == []
    stored = _stored(folder)
    assert [r["id"] for r in stored] == [r["id"] for r in RECORDS]
    assert not [r for r in stored if "plugin" in r.get("_seen_by", [])]
