"""`hookline test` and the pytest plugin, as a connector author uses them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hookline.cli import main
from hookline.conformance import check_names
from support.terminal import on_a_terminal

TINY = Path(__file__).parent / "tiny_source.py"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_good_connector_passes_with_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report, junit = tmp_path / "report.json", tmp_path / "junit.xml"
    code, out, _ = _run(capsys, "test", str(TINY), "--report", str(report), "--junit", str(junit))
    assert code == 0
    assert "Testing tiny 0.0.1 (source)" in out
    assert "ok    read.records_conform" in out
    assert "Level: gold" in out
    data = json.loads(report.read_text())
    assert (data["connector"], data["level"], data["passed"]) == ("tiny", "gold", True)
    assert [c["name"] for c in data["checks"]] == check_names()
    assert junit.read_text().startswith("<?xml")


def test_each_line_is_numbered_of_the_checks_selected(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(capsys, "test", str(TINY), "--check", "describe", "--check", "read")
    assert code == 0
    numbered = re.findall(r"^\[\s*(\d+)/(\d+)\] (\w+)\s+(\S+)", out, re.M)
    names = [n for n in check_names() if n.startswith(("describe.", "read."))]
    assert len(names) > 9, "the test shows the padding of one-digit numbers"
    assert numbered == [(str(i), str(len(names)), "ok", n) for i, n in enumerate(names, 1)]
    assert f"\n[ 1/{len(names)}] ok    describe.identity" in out


def test_on_a_terminal_a_bar_counts_the_checks(tmp_path: Path) -> None:
    code, shown = on_a_terminal(
        [sys.executable, "-m", "hookline", "test", str(TINY), "--check", "describe"], tmp_path
    )
    assert code == 0, shown
    assert re.search(r"checks\s+━+\s+4/4\s+100%", shown), shown
    assert "describe.secrets_marked" in shown
    assert re.search(r"(?:^|\r)\[1/4\] ok\s+describe\.identity", shown, re.M), shown


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "test", str(TINY), "--json", "--check", "describe")
    assert code == 0
    data = json.loads(out)
    assert {c["phase"] for c in data["checks"]} == {"describe"}
    assert data["level"] == "none" and data["passed"] is True


def test_a_defect_fails_the_named_check_and_exits_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TINY_DEFECT", "no-capability")
    code, out, _ = _run(capsys, "test", str(TINY))
    assert code == 1
    line = next(x for x in out.splitlines() if "describe.capabilities_match_hooks" in x)
    assert re.match(rf"\[ 2/{len(check_names())}\] FAIL  ", line), line
    assert "implements hookline_check but does not declare capability 'check'" in line
    assert "Level: none" in out


def test_a_leak_is_reported_without_showing_the_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TINY_DEFECT", "leak")
    work = tmp_path / "work"
    report = tmp_path / "report.json"
    code, out, err = _run(
        capsys, "test", str(TINY), "--workdir", str(work), "--report", str(report)
    )
    assert code == 1
    assert "FAIL  secrets.no_leak" in out
    assert "$.token (plain) in log line (tiny_source)" in out
    token = (work / "numbers" / "token").read_text()
    assert token.startswith("hl-canary-token-")
    assert token not in out + err + report.read_text()
    assert json.loads(report.read_text())["level"] == "bronze"


def test_a_required_level_not_reached_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "test", str(TINY), "--check", "describe", "--level", "bronze")
    assert code == 1
    assert "bronze was required" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["test", "no-such-connector"], "no connector 'no-such-connector' is installed"),
        (["test", "Not An Id"], "is neither an installed connector's id"),
        (["test", str(TINY), "--check", "read.everything"], "unknown check 'read.everything'"),
        (["test"], "give a connector id or a connector project's path"),
    ],
)
def test_bad_input_exits_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_list_names_every_check(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "test", "--list")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == check_names()


def _project(root: Path, entry_name: str = "tiny") -> Path:
    package = root / "src" / "tiny_pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "connector.py").write_text(TINY.read_text())
    (root / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""
            [project]
            name = "hookline-tiny"
            version = "0.0.1"

            [project.entry-points."hookline.connectors"]
            {entry_name} = "tiny_pkg.connector"
            """
        )
    )
    return root


def test_a_project_directory_is_tested_from_its_source_tree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, "tiny_pkg", raising=False)
    monkeypatch.delitem(sys.modules, "tiny_pkg.connector", raising=False)
    monkeypatch.setattr(sys, "path", list(sys.path))
    code, out, _ = _run(capsys, "test", str(_project(tmp_path / "good")), "--check", "read")
    assert code == 0, out
    assert "ok    read.primary_keys_unique" in out


def test_a_project_whose_entry_point_disagrees_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, "tiny_pkg", raising=False)
    monkeypatch.delitem(sys.modules, "tiny_pkg.connector", raising=False)
    monkeypatch.setattr(sys, "path", list(sys.path))
    code, _, err = _run(capsys, "test", str(_project(tmp_path / "odd", "tinier")))
    assert code == 1
    assert "describes itself as 'tiny' but the entry point is named 'tinier'" in err


def _pytest(directory: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=directory,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_pytest_plugin_one_test_per_check(tmp_path: Path) -> None:
    (tmp_path / "test_tiny_conformance.py").write_text(
        "from hookline.conformance import conformance_tests\n\n"
        f"test_conformance = conformance_tests({str(TINY)!r}, level='gold')\n"
    )
    report = tmp_path / "report.json"
    done = _pytest(tmp_path, f"--hookline-report={report}", "-rs")
    assert done.returncode == 0, done.stdout + done.stderr
    counts = json.loads(report.read_text())["counts"]
    assert f"{counts['passed'] + 1} passed, {counts['skipped']} skipped" in done.stdout
    assert "not a destination" in done.stdout, "a skipped check says why"

    failing = _pytest(tmp_path, "-k", "secrets or level", TINY_DEFECT="leak")
    assert failing.returncode == 1
    assert "FAILED test_tiny_conformance.py::test_conformance[secrets.no_leak]" in failing.stdout
    assert "a secret leaked: $.token (plain) in log line" in failing.stdout
    assert "test_conformance[level]" in failing.stdout


def test_pytest_plugin_bounds_every_check_as_hookline_test_does(tmp_path: Path) -> None:
    (tmp_path / "test_tiny_conformance.py").write_text(
        "from hookline.conformance import conformance_tests\n\n"
        f"test_conformance = conformance_tests({str(TINY)!r})\n"
    )
    report = tmp_path / "report.json"
    done = _pytest(
        tmp_path,
        f"--hookline-report={report}",
        "--hookline-max-records=2",
        "--hookline-time-limit=30",
        "-k",
        "records_conform",
    )
    assert done.returncode == 1, done.stdout + done.stderr
    data = json.loads(report.read_text())
    assert data["limits"] == {"max_records": 2, "seconds": 30.0}
    outcome = next(c for c in data["checks"] if c["name"] == "read.records_conform")
    assert outcome["status"] == "failed"
    assert "stopped at the record cap" in outcome["message"], outcome["message"]


def test_a_given_config_is_tested_instead_of_the_fixture(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "numbers"
    data.mkdir()
    (data / "token").write_text("a-real-token-0042")
    (data / "numbers.json").write_text(json.dumps([{"id": i, "seen": 10 + i} for i in range(5)]))
    config = tmp_path / "tiny.yaml"
    config.write_text("directory: numbers\ntoken: a-real-token-0042\nbatch_size: 2\n")
    report = tmp_path / "report.json"
    code, out, _ = _run(capsys, "test", str(TINY), "--config", str(config), "--report", str(report))
    assert code == 0, out
    assert "ok    read.records_conform                  5 records conform" in out
    skipped = json.loads(report.read_text())
    assert skipped["with_fixture"] is False
    bad = next(c for c in skipped["checks"] if c["name"] == "check.bad_credentials")
    assert bad["status"] == "skipped" and bad["applicable"] is True
    assert skipped["level"] == "none", "unexercised checks earn no level"
    assert "a-real-token-0042" not in out + report.read_text()

    (data / "token").write_text("another-token-0043")
    code, out, _ = _run(capsys, "test", str(TINY), "--config", str(config))
    assert code == 1
    assert "FAIL  config.fixture_accepted" in out
    assert "the token is refused" in out
