"""The registry with real installs: validate in isolation, then `hookline install` by id.

Wheels of connectors made from the template are served from a local directory (pip
--find-links): a good one, one with a defect, one that installs a .pth file and one whose
entry point shadows the registry's `files`. Each is validated in a fresh environment;
the good one is then installed by id into another fresh environment and run there, after
a tampered wheel of it (same name and version, other bytes) is refused.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from cookiecutter.main import cookiecutter

from support.venvs import ROOT, Venv, build_wheel, build_wheelhouse, run

TEMPLATE = ROOT / "templates" / "connector"


def _bake(out: Path, connector_id: str, **extra: str) -> Path:
    values = {"id": connector_id, "kind": "both", "style": "python", "auth": "none", **extra}
    return Path(
        cookiecutter(
            str(TEMPLATE),
            no_input=True,
            extra_context=values,
            output_dir=str(out),
            default_config=True,
        )
    )


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The wheel directory the connectors are served from, and the wheelhouse."""
    work = tmp_path_factory.mktemp("connectors")
    served = work / "wheels"
    served.mkdir()
    good = _bake(work, "goodconn")
    build_wheel(good, served)

    tampered = _bake(work / "tampered", "goodconn")
    connector = tampered / "src" / "hookline_goodconn" / "connector.py"
    connector.write_text(connector.read_text() + "\nTAMPERED = True\n")
    build_wheel(tampered, work / "tampered")

    defect = _bake(work, "badconn")
    connector = defect / "src" / "hookline_badconn" / "connector.py"
    text = connector.read_text()
    assert '"check", ' in text
    connector.write_text(text.replace('"check", ', "", 1))  # implements check, hides it
    build_wheel(defect, served)

    startup = _bake(work, "pthconn")
    (startup / "pthconn_startup.pth").write_text("import os\n")
    pyproject = startup / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text()
        + "\n[tool.hatch.build.targets.wheel.force-include]\n"
        + '"pthconn_startup.pth" = "pthconn_startup.pth"\n'
    )
    build_wheel(startup, served)

    shadow = _bake(work, "files", distribution="hookline-files-fork", package="files_fork")
    build_wheel(shadow, served)

    wheelhouse = build_wheelhouse(work / "wheelhouse")
    return {"served": served, "tampered": work / "tampered", "wheelhouse": wheelhouse}


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry directory holding the real first-party entries."""
    directory = tmp_path_factory.mktemp("registry")
    shutil.copytree(ROOT / "registry" / "entries", directory / "entries")
    return directory


def _validate(
    target: str, registry: Path, wheels: dict[str, Path], *extra: str
) -> tuple[int, dict[str, Any]]:
    done = run(
        [
            sys.executable,
            "-m",
            "hookline",
            "registry",
            "validate",
            target,
            "--registry-dir",
            str(registry),
            "--hookline",
            "hookline",
            "--no-index",
            "--find-links",
            str(wheels["served"]),
            "--find-links",
            str(wheels["wheelhouse"]),
            "--timeout",
            "600",
            "--json",
            *extra,
        ]
    )
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the good connector's validation keeps its environment and report."""
    return tmp_path_factory.mktemp("kept")


@pytest.fixture(scope="module")
def validated(
    registry: Path, wheels: dict[str, Path], kept: Path
) -> dict[str, tuple[int, dict[str, Any]]]:
    served = wheels["served"]
    return {
        "good": _validate("hookline-goodconn==0.1.0", registry, wheels, "--keep", str(kept)),
        "defect": _validate(str(next(served.glob("hookline_badconn-*.whl"))), registry, wheels),
        "startup": _validate("hookline-pthconn", registry, wheels),
        "shadow": _validate("hookline-files-fork", registry, wheels),
    }


def test_a_good_connector_is_accepted_with_its_evidence(
    validated: dict[str, tuple[int, dict[str, Any]]], registry: Path
) -> None:
    code, outcome = validated["good"]
    assert code == 0, outcome
    assert outcome["accepted"] is True and outcome["levels"] == {"goodconn": "gold"}
    entry = json.loads((registry / "entries" / "goodconn.json").read_text())
    assert entry["package"] == {
        "name": "hookline-goodconn",
        "version": "0.1.0",
        "requirement": "hookline-goodconn==0.1.0",
    }
    evidence = entry["evidence"]
    assert evidence["status"] == "accepted" and evidence["level"] == "gold"
    assert "write.round_trip" in evidence["passed"] and evidence["failed"] == []
    assert evidence["report_digest"].startswith("sha256:")
    assert entry["metadata"]["kind"] == "both"


def test_the_evidence_names_the_wheel_tested_and_what_was_not_proven(
    validated: dict[str, tuple[int, dict[str, Any]]],
    registry: Path,
    wheels: dict[str, Path],
    kept: Path,
) -> None:
    served = wheels["served"]
    for case, name in (("good", "goodconn"), ("defect", "badconn")):
        (wheel,) = served.glob(f"hookline_{name}-*.whl")
        artifact = json.loads((registry / "entries" / f"{name}.json").read_text())["evidence"][
            "artifact"
        ]
        assert validated[case][1]["artifact"] == artifact
        assert artifact == {
            "filename": wheel.name,
            "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
        }, "the digest is of the exact wheel downloaded (goodconn) or given (badconn)"
    evidence = json.loads((registry / "entries" / "goodconn.json").read_text())["evidence"]
    report = json.loads((kept / "conformance-goodconn.json").read_text())
    assert evidence["not_applicable"] == report["not_applicable"]
    assert {c["name"] for c in evidence["not_applicable"]} <= set(evidence["skipped"])
    assert evidence.get("write_modes_proven") == report.get("write_modes_proven")
    published = registry / evidence["report"]
    assert evidence["report"] == "reports/goodconn.json"
    assert published.read_bytes() == (kept / "conformance-goodconn.json").read_bytes()
    rejected = json.loads((registry / "entries" / "badconn.json").read_text())["evidence"]
    assert (registry / rejected["report"]).is_file(), "a rejection's report is published too"


def test_a_defective_connector_is_rejected_with_its_reasons(
    validated: dict[str, tuple[int, dict[str, Any]]], registry: Path
) -> None:
    code, outcome = validated["defect"]
    assert code == 1
    assert outcome["accepted"] is False
    assert any(
        "describe.capabilities_match_hooks failed: implements hookline_check but does not "
        "declare capability 'check'" in reason
        for reason in outcome["reasons"]
    ), outcome["reasons"]
    entry = json.loads((registry / "entries" / "badconn.json").read_text())
    assert entry["evidence"]["status"] == "rejected"
    assert "describe.capabilities_match_hooks" in entry["evidence"]["failed"]


def test_packaging_hazards_are_flagged(
    validated: dict[str, tuple[int, dict[str, Any]]],
) -> None:
    code, outcome = validated["startup"]
    assert code == 1
    assert outcome["hazards"] == [
        "hookline-pthconn installs pthconn_startup.pth, a .pth file: code that runs at every "
        "Python start-up in the environment it is installed into"
    ]
    code, outcome = validated["shadow"]
    assert code == 1
    assert outcome["hazards"] == [
        "its entry point 'files' shadows the registry's connector 'files' of hookline-files"
    ]


def test_install_by_id_into_a_fresh_environment_and_run_it(
    validated: dict[str, tuple[int, dict[str, Any]]],
    registry: Path,
    wheels: dict[str, Path],
    tmp_path: Path,
) -> None:
    assert validated["good"][0] == 0
    built = run(
        [sys.executable, "-m", "hookline", "registry", "build", "--registry-dir", str(registry)]
    )
    assert built.returncode == 0, built.stderr
    env = Venv(tmp_path / "venv")
    env.install("hookline", wheelhouse=wheels["wheelhouse"])
    pip = [
        "--no-index",
        "--find-links",
        str(wheels["served"]),
        "--find-links",
        str(wheels["wheelhouse"]),
    ]
    where = ["--registry", str(registry / "index.json")]

    refused = env.hookline("install", "badconn", *where, *pip)
    assert refused.returncode == 1
    assert "badconn has no passing validation" in refused.stderr

    (good,) = wheels["served"].glob("hookline_goodconn-*.whl")
    (bad,) = wheels["tampered"].glob("hookline_goodconn-*.whl")
    assert good.name == bad.name and good.read_bytes() != bad.read_bytes()
    tampered = ["--no-index", "--find-links", str(bad.parent), *pip[1:]]
    refused = env.hookline("install", "goodconn", *where, *tampered)
    assert refused.returncode == 1, refused.stdout
    assert (
        f"goodconn: the wheel pip resolves for hookline-goodconn==0.1.0 ({bad.name}, sha256 "
        f"{hashlib.sha256(bad.read_bytes()).hexdigest()}) is not the one the registry "
        f"validated ({good.name}, sha256 {hashlib.sha256(good.read_bytes()).hexdigest()})"
    ) in refused.stderr
    assert json.loads(env.hookline("connectors", "--json").stdout) == [], "nothing installed"

    installed = env.hookline("install", "goodconn", *where, *pip)
    assert installed.returncode == 0, installed.stderr
    assert "installed hookline-goodconn==0.1.0: connector 'goodconn' loads (level gold)" in (
        installed.stdout
    )
    listed = json.loads(env.hookline("connectors", "--json").stdout)
    assert {row["id"]: row["status"] for row in listed} == {"goodconn": "ok"}

    work = tmp_path / "work"
    tested = env.hookline("test", "goodconn", "--workdir", str(work), "--check", "write")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    data = tmp_path / "data"
    (data).mkdir()
    (data / "customers.jsonl").write_text('{"id": 1, "name": "Ada", "updated_at": "2026-01-01"}\n')
    config = tmp_path / "goodconn.yaml"
    config.write_text(f"directory: {data}\n")
    read = env.hookline("read", "goodconn", "--config", str(config), "--stream", "customers")
    assert read.returncode == 0, read.stderr
    assert json.loads(read.stdout.splitlines()[0])["name"] == "Ada"

    removed = env.hookline("uninstall", "goodconn")
    assert removed.returncode == 0, removed.stderr
    assert json.loads(env.hookline("connectors", "--json").stdout) == []
