"""`hookline search`, `info`, `install` refusals and `registry build`, over test registries.

Nothing is installed here; the real installs are in test_registry_installs.py.
"""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from hookline.cli import main
from hookline.registry._entries import read_entries, write_entry
from support.http_server import HttpServer, Received, Reply

ROOT = Path(__file__).resolve().parents[2]
#: The bytes of the acmecrm wheel the test registry's evidence speaks for.
WHEEL = b"the acmecrm wheel that was validated"
WHEEL_NAME = "hookline_acmecrm-2.0.0-py3-none-any.whl"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _entry(base: dict[str, Any], connector_id: str, **changes: Any) -> dict[str, Any]:
    entry = copy.deepcopy(base)
    entry["id"] = connector_id
    entry["package"] = {
        "name": f"hookline-{connector_id}",
        "version": "2.0.0",
        "requirement": f"hookline-{connector_id}==2.0.0",
    }
    for key, value in changes.items():
        entry[key] = value
    return entry


@pytest.fixture
def registry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A registry directory: the real entries, a CRM connector and a rejected one."""
    directory = tmp_path / "registry"
    shutil.copytree(ROOT / "registry" / "entries", directory / "entries")
    rest = next(e for e in read_entries(directory) if e["id"] == "rest")
    acmecrm = _entry(
        rest,
        "acmecrm",
        categories=["crm", "sales"],
        description="Customers and deals from Acme CRM.",
    )
    acmecrm["evidence"] = {
        **acmecrm["evidence"],
        "artifact": {"filename": WHEEL_NAME, "sha256": hashlib.sha256(WHEEL).hexdigest()},
    }
    write_entry(directory, acmecrm)
    broken = _entry(rest, "shakycrm", categories=["crm"], description="Flaky CRM.")
    broken["evidence"] = {
        **broken["evidence"],
        "status": "rejected",
        "level": "bronze",
        "reasons": ["shakycrm: incremental.resume_exact failed: record 0 is (id=5)"],
    }
    write_entry(directory, broken)
    code, out, _ = _run(capsys, "registry", "build", "--registry-dir", str(directory))
    assert code == 0, out
    assert "5 connectors" in out
    return directory


def test_build_writes_an_index_and_a_catalog(registry: Path) -> None:
    index = json.loads((registry / "index.json").read_text())
    assert index["schema_version"] == 1
    assert [e["id"] for e in index["connectors"]] == [
        "acmecrm",
        "files",
        "rest",
        "shakycrm",
        "sqlite",
    ]
    page = (registry / "catalog.html").read_text()
    assert 'data-id="acmecrm"' in page and "not verified" in page


def test_build_refuses_a_broken_entry_naming_it(
    registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = registry / "entries" / "files.json"
    data = json.loads(path.read_text())
    data["evidence"]["level"] = "platinum"
    path.write_text(json.dumps(data))
    code, _, err = _run(capsys, "registry", "build", "--registry-dir", str(registry))
    assert code == 2
    assert f"{path}: 'platinum' is not one of" in err
    assert "@ $.evidence.level" in err


def test_search_by_name_category_and_capability(
    registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    where = str(registry / "index.json")
    code, out, _ = _run(capsys, "search", "crm", "--registry", where)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "LEVEL", "KIND", "PACKAGE", "DESCRIPTION"]
    assert [line.split()[0] for line in lines[1:]] == ["acmecrm", "shakycrm"]
    assert "unverified" in lines[2]
    code, out, _ = _run(capsys, "search", "replace", "--registry", where, "--json")
    assert [e["id"] for e in json.loads(out)] == ["sqlite"]
    code, out, _ = _run(capsys, "search", "nothing-like-this", "--registry", where)
    assert code == 0 and "no connector matches 'nothing-like-this'" in out


def test_search_with_no_term_lists_every_connector(
    registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "search", "--registry", str(registry), "--json")
    assert code == 0
    assert [e["id"] for e in json.loads(out)] == [
        "acmecrm",
        "files",
        "rest",
        "shakycrm",
        "sqlite",
    ]


def test_searching_a_kind_finds_connectors_that_are_both(
    registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rest = next(e for e in read_entries(registry) if e["id"] == "rest")
    for connector_id, kind in (("onlyreads", "source"), ("onlywrites", "destination")):
        entry = _entry(rest, connector_id, description=f"A {kind} only.")
        entry["metadata"] = {**entry["metadata"], "kind": kind}
        write_entry(registry, entry)
    assert _run(capsys, "registry", "build", "--registry-dir", str(registry))[0] == 0
    where = str(registry)
    found = {}
    for term in ("source", "destination", "both"):
        code, out, _ = _run(capsys, "search", term, "--registry", where, "--json")
        assert code == 0
        found[term] = {e["id"] for e in json.loads(out)}
    assert "onlyreads" in found["source"] and "onlywrites" not in found["source"]
    assert "onlywrites" in found["destination"] and "onlyreads" not in found["destination"]
    both = {e["id"] for e in read_entries(registry) if e["metadata"]["kind"] == "both"}
    assert both and both <= found["source"] and both <= found["destination"]
    assert found["both"] == both


def test_info_describes_a_connector_that_is_not_installed(
    registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    where = str(registry)
    code, out, _ = _run(capsys, "info", "acmecrm", "--registry", where)
    assert code == 0
    assert "not installed, level gold" in out
    assert "install: hookline install acmecrm" in out
    assert "secret" in out, "secret settings are marked"
    code, out, _ = _run(capsys, "info", "acmecrm", "--registry", where, "--json")
    data = json.loads(out)
    assert (data["source"], data["installed"], data["level"]) == ("registry", False, "gold")
    assert "$.auth.token" in data["secret_fields"]
    code, out, _ = _run(capsys, "info", "files", "--registry", where, "--json")
    assert json.loads(out)["source"] == "installed"
    code, _, err = _run(capsys, "info", "nowhere", "--registry", where)
    assert code == 2 and "no connector 'nowhere' is installed" in err


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["shakycrm"], 1, "shakycrm has no passing validation (shakycrm: incremental"),
        (["acmecrm", "--version", "1.0.0"], 1, "acmecrm 1.0.0 was not validated"),
        (["nowhere"], 2, "has no connector 'nowhere'"),
    ],
)
def test_install_refuses_without_touching_pip(
    args: list[str],
    code: int,
    message: str,
    registry: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import hookline.registry._install as installing

    monkeypatch.setattr(installing, "_pip", lambda *a: pytest.fail("pip must not run"))
    got, _, err = _run(capsys, "install", *args, "--registry", str(registry))
    assert got == code
    assert message in err
    assert "--allow-unverified" in err or code == 2
    assert "Traceback" not in err


def test_uninstall_of_a_connector_that_is_not_installed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = _run(capsys, "uninstall", "nowhere")
    assert code == 2 and "no installed connector 'nowhere'" in err


def test_a_registry_url_is_fetched_cached_and_its_absence_explained(
    registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = (registry / "index.json").read_bytes()

    def handler(request: Received) -> Reply:
        return Reply(200, {"Content-Type": "application/json"}, body)

    with HttpServer(handler) as server:
        url = server.url + "/index.json"
        code, out, _ = _run(capsys, "search", "sqlite", "--registry", url, "--json")
        assert code == 0 and [e["id"] for e in json.loads(out)] == ["sqlite"]
        code, out, _ = _run(capsys, "search", "sqlite", "--registry", url, "--json")
        assert len(server.requests) == 1, "the second search reads the cache"
    code, out, err = _run(capsys, "search", "files", "--registry", url, "--refresh")
    assert code == 0 and "files" in out
    assert "using the cached copy" in err

    gone = "http://127.0.0.1:9/registry/index.json"
    code, _, err = _run(capsys, "search", "files", "--registry", gone)
    assert code == 1
    assert f"cannot reach the registry at {gone} (ConnectError" in err
    assert "HOOKLINE_REGISTRY" in err and "Traceback" not in err


def test_an_invalid_index_is_refused_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "index.json"
    bad.write_text(json.dumps({"schema_version": 1, "connectors": [{"id": "x"}]}))
    code, _, err = _run(capsys, "search", "x", "--registry", str(bad))
    assert code == 1
    assert f"the registry index at {bad} is not valid" in err
    code, _, err = _run(capsys, "search", "x", "--registry", str(tmp_path / "missing"))
    assert code == 1 and "no registry index at" in err


def _fake_pip(
    monkeypatch: pytest.MonkeyPatch, served: bytes, loads: str | None = None
) -> list[list[str]]:
    """Stand in for pip: a download puts a wheel made of ``served`` where it is asked to."""
    import hookline.registry._install as installing

    calls: list[list[str]] = []

    def pip(args: list[str]) -> subprocess.CompletedProcess[str]:
        calls.append(args)
        if args[0] == "download":
            (Path(args[args.index("-d") + 1]) / WHEEL_NAME).write_bytes(served)
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setattr(installing, "_pip", pip)
    monkeypatch.setattr(installing, "load_problem", lambda _: loads)
    return calls


def test_an_install_that_does_not_load_fails_and_says_how_to_remove_it(
    registry: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _fake_pip(monkeypatch, WHEEL, loads="import failed: no module acme")
    code, _, err = _run(
        capsys, "install", "acmecrm", "--registry", str(registry), "--find-links", "/wheels"
    )
    download, install = calls
    assert download[:5] == ["download", "--no-deps", "--only-binary", ":all:", "-d"]
    assert download[6:] == ["hookline-acmecrm==2.0.0", "--find-links", "/wheels"]
    assert install == ["install", f"{download[5]}/{WHEEL_NAME}", "--find-links", "/wheels"], (
        "the very wheel that was verified is installed"
    )
    assert code == 1
    assert "does not load: import failed: no module acme" in err
    assert "`hookline uninstall acmecrm` removes it" in err


def test_validation_is_bounded_by_its_time_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = str(ROOT / "plugins" / "files")
    code, out, err = _run(
        capsys,
        "registry",
        "validate",
        target,
        "--registry-dir",
        str(tmp_path),
        "--timeout",
        "1",
        "--json",
    )
    assert code == 1
    outcome = json.loads(out)
    assert outcome["accepted"] is False
    assert outcome["reasons"] == ["the validation did not finish within its time limit of 1 s"]
    assert "step 1 of 6: creating a fresh environment" in err
    assert not (tmp_path / "entries").exists(), "nothing is recorded for an unfinished run"


def test_validate_refuses_what_cannot_be_installed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(
        capsys, "registry", "validate", "not a requirement!", "--registry-dir", str(tmp_path)
    )
    assert code == 2
    assert "is neither a project directory, a wheel, nor a requirement" in err
    code, _, err = _run(capsys, "registry", "validate", str(tmp_path / "x.whl"))
    assert code == 2 and "no wheel file" in err


def test_install_refuses_a_wheel_that_is_not_the_one_validated(
    registry: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _fake_pip(monkeypatch, b"same name and version, other bytes")
    code, out, err = _run(capsys, "install", "acmecrm", "--registry", str(registry))
    assert code == 1 and out == ""
    assert [c[0] for c in calls] == ["download"], "nothing is installed"
    (line,) = [line for line in err.splitlines() if line.startswith("error:")]
    expected = hashlib.sha256(WHEEL).hexdigest()
    actual = hashlib.sha256(b"same name and version, other bytes").hexdigest()
    assert line.startswith(
        "error: acmecrm: the wheel pip resolves for hookline-acmecrm==2.0.0 "
        f"({WHEEL_NAME}, sha256 {actual}) is not the one the registry validated "
        f"({WHEEL_NAME}, sha256 {expected})"
    )
    assert "`hookline registry validate hookline-acmecrm==2.0.0`" in line
    assert line.endswith("pass --allow-unverified to install it anyway")


def test_allow_unverified_installs_a_mismatching_wheel_with_a_warning(
    registry: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _fake_pip(monkeypatch, b"other bytes")
    code, out, err = _run(
        capsys, "install", "acmecrm", "--registry", str(registry), "--allow-unverified"
    )
    assert code == 0, err
    assert [c[0] for c in calls] == ["download", "install"]
    assert "WARNING: installing without verification: acmecrm: the wheel pip resolves" in err
    assert "NOT verified by the registry" in out
    code, out, err = _run(
        capsys, "install", "acmecrm", "--registry", str(registry), "--allow-unverified", "--json"
    )
    data = json.loads(out)
    assert (data["verified"], data["level"]) == (False, "none")
    assert data["warnings"] == [
        line.removeprefix("WARNING: ") for line in err.splitlines() if "WARNING" in line
    ]


def test_install_does_not_call_a_wheel_without_a_recorded_digest_verified(
    registry: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = registry / "entries" / "acmecrm.json"
    data = json.loads(path.read_text())
    del data["evidence"]["artifact"]
    write_entry(registry, data)
    code, _, _ = _run(capsys, "registry", "build", "--registry-dir", str(registry))
    assert code == 0
    calls = _fake_pip(monkeypatch, WHEEL)
    code, _, err = _run(capsys, "install", "acmecrm", "--registry", str(registry))
    assert code == 1 and calls == []
    assert (
        "error: acmecrm's registry evidence records no wheel digest, so the wheel pip resolves "
        "for hookline-acmecrm==2.0.0 cannot be checked against the one tested" in err
    )
    code, out, err = _run(
        capsys, "install", "acmecrm", "--registry", str(registry), "--allow-unverified"
    )
    assert code == 0 and [c[0] for c in calls] == ["install"]
    assert calls[0][1] == "hookline-acmecrm==2.0.0"
    assert "WARNING: installing without verification: acmecrm's registry evidence" in err
    assert "NOT verified" in out


def test_install_of_the_validated_wheel_is_verified(
    registry: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _fake_pip(monkeypatch, WHEEL)
    code, out, err = _run(capsys, "install", "acmecrm", "--registry", str(registry), "--json")
    assert code == 0, err
    assert "WARNING" not in err
    assert [c[0] for c in calls] == ["download", "install"]
    data = json.loads(out)
    level = json.loads((registry / "entries" / "acmecrm.json").read_text())["evidence"]["level"]
    assert (data["verified"], data["level"], data["warnings"]) == (True, level, [])


def test_validation_steps_are_numbered_and_grow_with_the_connectors() -> None:
    from hookline.registry._validate import _Steps

    told: list[tuple[str, int, int]] = []
    steps = _Steps(lambda what, number, total: told.append((what, number, total)))
    for what in "abcde":
        steps(what)
    steps.total = 5 + 2  # the package declares two connectors: a suite step for each
    steps("x")
    steps("y")
    assert told == [
        ("a", 1, 6),
        ("b", 2, 6),
        ("c", 3, 6),
        ("d", 4, 6),
        ("e", 5, 6),
        ("x", 6, 7),
        ("y", 7, 7),
    ]
