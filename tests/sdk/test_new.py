"""`hookline new`: answers from --set or prompts, a checked id, and no silent overwrite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from hookline import _scaffold
from hookline.cli import main
from hookline.cli._main import cli


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_defaults_make_a_connector_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "new", "--no-input", "--set", "id=acmecrm", "-o", str(tmp_path))
    assert code == 0
    project = tmp_path / "hookline-acmecrm"
    assert f"Created {project}" in out
    assert "hookline test acmecrm" in out
    pyproject = (project / "pyproject.toml").read_text()
    assert 'name = "hookline-acmecrm"' in pyproject
    assert '[project.entry-points."hookline.connectors"]' in pyproject
    assert 'acmecrm = "hookline_acmecrm.connector"' in pyproject
    assert (project / "src" / "hookline_acmecrm" / "connector.py").is_file()
    assert 'conformance_tests("acmecrm"' in (project / "tests" / "test_conformance.py").read_text()


@pytest.mark.parametrize(
    ("kind", "style", "said"),
    [
        ("both", "python", "a source and destination in custom Python"),
        ("destination", "rest", "a destination over a REST API, auth bearer"),
        ("source", "python", "a source in custom Python"),
    ],
)
def test_the_summary_names_the_kind_in_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, style: str, said: str
) -> None:
    code, out, _ = _run(
        capsys,
        "new",
        "--no-input",
        "--set",
        "id=acmecrm",
        "--set",
        f"kind={kind}",
        "--set",
        f"style={style}",
        "-o",
        str(tmp_path),
    )
    assert code == 0
    assert f"(connector 'acmecrm', {said}" in out


def test_derived_names_follow_a_dashed_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(
        capsys, "new", "--no-input", "--set", "id=acme-crm", "-o", str(tmp_path), "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["variables"]["distribution"] == "hookline-acme-crm"
    assert data["variables"]["package"] == "hookline_acme_crm"
    assert (tmp_path / "hookline-acme-crm" / "src" / "hookline_acme_crm").is_dir()


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("id=AcmeCRM", "invalid connector id 'AcmeCRM'"),
        ("id=9lives", "invalid connector id '9lives'"),
        ("id=files", "a connector 'files' is already installed (hookline-files"),
        ("kind=sink", "kind must be one of source, destination, both, not 'sink'"),
        ("colour=red", "unknown template variable 'colour'"),
        ("no-equals-sign", "expected KEY=VALUE"),
    ],
)
def test_bad_answers_exit_2_and_write_nothing(
    setting: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "new", "--no-input", "--set", setting, "-o", str(tmp_path))
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_an_existing_directory_is_kept_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "hookline-acmecrm"
    project.mkdir()
    (project / "notes.txt").write_text("mine")
    args = ("new", "--no-input", "--set", "id=acmecrm", "-o", str(tmp_path))
    code, _, err = _run(capsys, *args)
    assert code == 2
    assert "already exists" in err and "--force" in err
    assert (project / "notes.txt").read_text() == "mine"
    code, _, _ = _run(capsys, *args, "--force")
    assert code == 0
    assert not (project / "notes.txt").exists()
    assert (project / "pyproject.toml").is_file()


def test_prompts_show_help_and_ask_again_for_a_bad_id(tmp_path: Path) -> None:
    variables = _scaffold.variables(_scaffold.template_dir())
    answers = ["Bad Id", "shopcrm"] + [""] * (len(variables) - 1)
    result = CliRunner().invoke(cli, ["new", "-o", str(tmp_path)], input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert "invalid connector id 'Bad Id'" in result.output
    for variable in variables:
        assert variable.help in result.output
    assert (tmp_path / "hookline-shopcrm" / "src" / "hookline_shopcrm").is_dir()


def test_list_names_every_variable_with_its_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "new", "--list")
    assert code == 0
    names = [line.split()[0] for line in out.splitlines()]
    assert names[0] == "id"
    assert {"kind", "style", "auth", "pagination", "license"} <= set(names)
    assert "source | destination | both" in out


def _hooked_template(tmp_path: Path) -> Path:
    """A small cookiecutter template whose pre-generation hook leaves a mark."""
    template = tmp_path / "template"
    project = template / "{{cookiecutter.distribution}}"
    project.mkdir(parents=True)
    (project / "README.md").write_text("{{cookiecutter.id}}\n")
    (template / "cookiecutter.json").write_text(
        json.dumps({"id": "acme", "distribution": "hookline-{{cookiecutter.id}}"})
    )
    (template / "hooks").mkdir()
    mark = tmp_path / "hook-ran"
    (template / "hooks" / "pre_gen_project.py").write_text(
        f"from pathlib import Path\nPath({str(mark)!r}).write_text('ran')\n"
    )
    return template


def test_a_template_s_hooks_are_refused_unless_trusted_or_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = _hooked_template(tmp_path)
    out_dir = tmp_path / "out"
    base = ["new", "--no-input", "--template", str(template), "-o", str(out_dir)]
    code, _, err = _run(capsys, *base)
    assert code == 2
    assert "has hook scripts (hooks/pre_gen_project.py)" in err
    assert "--trust" in err and "--no-hooks" in err and "Traceback" not in err
    assert not (tmp_path / "hook-ran").exists() and not out_dir.exists()

    code, _, err = _run(capsys, *base, "--no-hooks")
    assert code == 0, err
    assert (out_dir / "hookline-acme" / "README.md").read_text() == "acme\n"
    assert not (tmp_path / "hook-ran").exists()

    code, _, err = _run(capsys, *base, "--trust", "--force")
    assert code == 0, err
    assert "running the template's hook scripts: hooks/pre_gen_project.py" in err
    assert (tmp_path / "hook-ran").read_text() == "ran"

    code, _, err = _run(capsys, *base, "--trust", "--no-hooks")
    assert code == 2 and "pick one" in err
