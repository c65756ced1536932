"""The CLI in-process, over a pretend-installed connector: output, exit codes, no leaks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hookline import secrets
from hookline.cli import main

CANARY = "canary-Zq8v!x/3"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEMORY_TOKEN", CANARY)
    path = tmp_path / "memory.yaml"
    path.write_text("token: ${env:MEMORY_TOKEN}\nrows: 5\nbatch_size: 2\n")
    return path


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--version")
    assert code == 0 and out.startswith("hookline, version ")
    code, out, _ = _run(capsys, "--help")
    assert code == 0
    for command in ("connectors", "info", "check", "discover", "read"):
        assert command in out


def test_connectors_json(installed: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "connectors", "--json")
    assert code == 0
    rows = {(r["id"], r["package"]): r for r in json.loads(out)}
    memory = rows[("memory", "hookline-memory")]
    assert memory == {
        "id": "memory",
        "package": "hookline-memory",
        "version": "1.0",
        "kind": "both",
        "title": "Memory",
        "status": "ok",
        "error": None,
    }
    assert rows[("broken", "hookline-broken")]["status"] == "broken"
    assert "No module named 'no_such_module_x'" in rows[("broken", "hookline-broken")]["error"]


def test_connectors_table_shows_reasons(installed: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "connectors")
    assert code == 0
    assert out.splitlines()[0].split() == ["ID", "KIND", "STATUS", "PACKAGE", "VERSION"]
    assert "broken: import failed: ModuleNotFoundError: No module named 'no_such_module_x'" in err


def test_info_marks_secret_fields(installed: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "info", "memory", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["kind"] == "both" and data["secret_fields"] == ["$.token"]
    assert data["config_schema"]["required"] == ["token"]
    code, out, _ = _run(capsys, "info", "memory")
    assert "token (string; required; secret)" in out


def test_check_discover_read_and_resume(
    installed: Any, config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "check", "memory", "--config", str(config))
    assert (code, out.strip()) == (0, "ok: 5 rows")
    code, out, _ = _run(capsys, "discover", "memory", "-c", str(config))
    assert code == 0 and json.loads(out)["streams"][0]["name"] == "numbers"
    state = tmp_path / "state.json"
    code, out, _ = _run(capsys, "read", "memory", "-c", str(config), "--state-out", str(state))
    assert code == 0
    assert [json.loads(line)["id"] for line in out.splitlines()] == [0, 1, 2, 3, 4]
    assert json.loads(state.read_text())["streams"] == {"numbers": {"next": 5}}
    config.write_text(config.read_text().replace("rows: 5", "rows: 7"))
    code, out, _ = _run(capsys, "read", "memory", "-c", str(config), "--state", str(state))
    assert [json.loads(line)["id"] for line in out.splitlines()] == [5, 6]
    code, out, _ = _run(
        capsys, "read", "memory", "-c", str(config), "--state", str(state), "--full"
    )
    assert len(out.splitlines()) == 7


def test_unknown_stream_is_a_usage_error(
    installed: Any, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "read", "memory", "-c", str(config), "--stream", "numbres")
    assert code == 2
    assert err.strip() == (
        "error: no stream 'numbres' (did you mean 'numbers'?); the source offers: numbers"
    )


def test_config_errors_exit_2_one_line_each_no_traceback(
    installed: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("rows: many\nbatch_size: 2\ncolour: red\n")
    code, out, err = _run(capsys, "check", "memory", "--config", str(bad))
    assert code == 2 and out == ""
    assert sorted(err.splitlines()) == sorted(
        [
            f"error: {bad}: required setting missing: add it @ $.token",
            f"error: {bad}: expected an integer @ $.rows",
            f"error: {bad}: unknown setting(s) colour: remove them or check the spelling @ $",
        ]
    )
    assert "Traceback" not in err


def test_debug_shows_traceback_and_hook_calls(
    installed: Any, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "--debug", "read", "memory", "-c", str(config), "-s", "nope")
    assert code == 2
    assert "Traceback (most recent call last)" in err
    assert "call hookline_discover(" in err
    assert CANARY not in err


def test_secret_from_env_never_printed(
    installed: Any, config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets._forget_all()
    state = tmp_path / "s.json"
    outputs = []
    for args in (
        ["connectors", "--json"],
        ["info", "memory", "--json"],
        ["check", "memory", "-c", str(config)],
        ["discover", "memory", "-c", str(config)],
        ["read", "memory", "-c", str(config), "--state-out", str(state)],
        ["read", "memory", "-c", str(config), "--stream", "missing"],
    ):
        for debug in ([], ["--debug"]):
            code, out, err = _run(capsys, *debug, *args)
            outputs.append((args, code, out + err))
    # The debug trace of hookline_auth shows the connection, which holds the token.
    assert any("'header': 'Bearer ********'" in text for _, _, text in outputs)
    for args, _, text in outputs:
        assert CANARY not in text, args
    assert CANARY not in state.read_text()


def test_unknown_connector_exit_2(installed: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "info", "nothing")
    assert code == 2 and err.startswith("error: no connector 'nothing' is installed")


def test_bad_option_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "read")
    assert code == 2 and "Missing argument 'ID'" in err


def test_a_usage_error_says_the_error_first_then_where_help_is(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = _run(capsys, "run", "--bogus")
    assert code == 2
    assert err.splitlines() == [
        "error: No such option '--bogus'.",
        "Try 'hookline run --help' for help.",
    ]


def test_failed_check_exits_1(
    installed: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MEMORY_TOKEN", CANARY)
    config = tmp_path / "zero.yaml"
    config.write_text("token: ${env:MEMORY_TOKEN}\nrows: 0\n")
    code, out, err = _run(capsys, "check", "memory", "--config", str(config))
    assert (code, out, err) == (1, "", "error: connector 'memory': check failed: 0 rows\n")


def test_info_lines_show_optional_secrets_and_nesting() -> None:
    from hookline.cli._listing import _settings_lines

    schema = {
        "properties": {
            "token": {"anyOf": [{"type": "string", "secret": True}, {"type": "null"}]},
            "mode": {"enum": ["a", "b"], "default": "a"},
            "retry": {
                "type": "object",
                "properties": {"max_attempts": {"type": "integer", "default": 5}},
            },
        },
        "required": ["mode"],
    }
    assert _settings_lines(schema) == [
        "token (string; secret; optional)",
        "mode (one of a, b; required; default 'a')",
        "retry (object)",
        "  max_attempts (integer; default 5)",
    ]


def test_json_log_lines_mask_secrets_and_carry_the_call_s_fields(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io
    import logging as logging_

    from hookline._logcontext import about
    from hookline._logging import JsonFormatter, RedactingFilter

    secrets.register_secret(CANARY)
    buffer = io.StringIO()
    handler = logging_.StreamHandler(buffer)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging_.getLogger("hookline.test-json")
    logger.addHandler(handler)
    try:
        with about(pipeline="p", stream="s"):
            logger.warning("token %s refused", CANARY, extra={"attempt": 2})
    finally:
        logger.removeHandler(handler)
    [line] = [json.loads(text) for text in buffer.getvalue().splitlines()]
    assert CANARY not in buffer.getvalue()
    assert line["message"] == f"token {secrets.MASK} refused"
    assert (line["level"], line["logger"], line["pipeline"], line["stream"], line["attempt"]) == (
        "warning",
        "hookline.test-json",
        "p",
        "s",
        2,
    )
    assert line["time"].endswith("Z")
