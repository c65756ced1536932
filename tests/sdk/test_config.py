"""Config files: YAML/JSON, references, and every problem reported at once with its path."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from hookline import Secret
from hookline.config import load_document, parse_config, resolve_references
from hookline.errors import ConfigError


@attrs.frozen
class Endpoint:
    """Where to connect."""

    host: str
    port: int = 443


@attrs.frozen
class Settings:
    """Settings of an imaginary connector."""

    name: str
    endpoint: Endpoint
    token: Secret
    mode: str = "fast"
    tags: tuple[str, ...] = ()
    verbose: bool = False


def _lines(error: ConfigError) -> list[str]:
    return [str(p) for p in error.problems]


def test_three_mistakes_give_three_lines_with_paths() -> None:
    data = {"endpoint": {"host": "h", "port": "eighty"}, "token": "abcd1234", "colour": "red"}
    with pytest.raises(ConfigError) as caught:
        parse_config(data, Settings, source="acme.yaml")
    assert sorted(_lines(caught.value)) == sorted(
        [
            "acme.yaml: required setting missing: add it @ $.name",
            "acme.yaml: expected an integer @ $.endpoint.port",
            "acme.yaml: unknown setting(s) colour: remove them or check the spelling @ $",
        ]
    )


def test_env_references_resolve_and_strings_convert() -> None:
    env = {"ACME_TOKEN": "t0ken-value", "ACME_PORT": "8443", "ACME_HOST": "api.acme.test"}
    data = {
        "name": "n",
        "endpoint": {"host": "${env:ACME_HOST}", "port": "${env:ACME_PORT}"},
        "token": "${env:ACME_TOKEN}",
        "verbose": "true",
    }
    settings = parse_config(data, Settings, source="a.yaml", environ=env)
    assert settings is not None
    assert settings.endpoint == Endpoint("api.acme.test", 8443)
    assert settings.token.reveal() == "t0ken-value"
    assert settings.verbose is True
    assert "t0ken-value" not in repr(settings)


def test_missing_env_variable_is_named_with_other_problems() -> None:
    data = {
        "name": 3,
        "endpoint": {"host": "https://${env:NO_SUCH_HOST}/x"},
        "token": "${env:NOPE}",
    }
    with pytest.raises(ConfigError) as caught:
        parse_config(data, Settings, source="p.yaml", environ={})
    lines = _lines(caught.value)
    assert "p.yaml: expected a string, got int @ $.name" in lines
    assert any(
        "variable NO_SUCH_HOST is not set" in line and "$.endpoint.host" in line for line in lines
    )
    assert any("variable NOPE is not set" in line and line.endswith("@ $.token") for line in lines)
    assert len(lines) == 3


def test_file_reference_reads_relative_to_base_dir(tmp_path: Path) -> None:
    (tmp_path / "pw.txt").write_text("file-secret\n")
    data = {"password": "${file:pw.txt}", "missing": "${file:nope.txt}", "odd": "${vault:x}"}
    with pytest.raises(ConfigError) as caught:
        resolve_references(data, source="c.yaml", base_dir=tmp_path)
    lines = _lines(caught.value)
    assert any("cannot read referenced file" in line and "$.missing" in line for line in lines)
    assert any("unknown reference ${vault:...}" in line for line in lines)
    resolved = resolve_references({"password": "${file:pw.txt}"}, source="c", base_dir=tmp_path)
    assert resolved == {"password": "file-secret"}


def test_yaml_and_json_documents(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("name: x\nlist: [1, 2]\n")
    (tmp_path / "a.json").write_text('{"name": "x"}')
    assert load_document(tmp_path / "a.yaml") == {"name": "x", "list": [1, 2]}
    assert load_document(tmp_path / "a.json") == {"name": "x"}


def test_syntax_errors_name_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("name: x\n  indented: [oops\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: not valid YAML: .*\(line \d+, column \d+\)"):
        load_document(tmp_path / "bad.yaml")
    (tmp_path / "bad.json").write_text('{"name": }')
    with pytest.raises(ConfigError, match=r"bad.json: not valid JSON: .*line 1"):
        load_document(tmp_path / "bad.json")
    with pytest.raises(ConfigError, match="file not found"):
        load_document(tmp_path / "absent.yaml")


def test_a_document_must_be_a_mapping() -> None:
    with pytest.raises(ConfigError, match=r"expected a mapping of settings @ \$"):
        parse_config(["a"], Settings, source="l.yaml")


def test_connector_without_settings_refuses_keys() -> None:
    assert parse_config({}, None, source="x") is None
    with pytest.raises(ConfigError, match="takes no settings; remove a"):
        parse_config({"a": 1}, None, source="x")


def test_file_names_in_problems_are_shown_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hookline.errors import ConfigProblem

    inside = tmp_path / "shop" / "pipeline.yaml"
    monkeypatch.chdir(tmp_path)
    assert str(ConfigProblem(str(inside), "bad", "$.x")) == "shop/pipeline.yaml: bad @ $.x"
    assert str(ConfigProblem("shop/pipeline.yaml", "bad")) == "shop/pipeline.yaml: bad @ $"
    elsewhere = tmp_path.parent / "other.yaml"
    assert str(ConfigProblem(str(elsewhere), "bad")) == f"{elsewhere}: bad @ $"
    assert str(ConfigProblem("<command line>", "bad")) == "<command line>: bad @ $"
