"""The pipeline file's JSON Schema (`hookline schema pipeline`): valid, published, true to
the loader: every example pipeline passes it, and what the loader refuses it refuses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from hookline._pipeline_schema import pipeline_schema
from hookline.cli import main
from hookline.mapping._models import CAST_TYPES, STEP_TYPES
from hookline.pipeline import check_pipeline

ROOT = Path(__file__).resolve().parents[2]
VALIDATOR = jsonschema.Draft202012Validator(pipeline_schema())
EXAMPLES = sorted(ROOT.glob("examples/**/pipeline.yaml"))
SIDES = {
    "source": {"connector": "files", "config": {"directory": "."}},
    "destination": {"connector": "sqlite", "config": {"path": "out.db"}},
}


def test_the_schema_is_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(pipeline_schema())


def test_the_published_schema_is_what_the_command_prints(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["schema", "pipeline"]) == 0
    printed = json.loads(capsys.readouterr().out)
    published = json.loads((ROOT / "docs" / "reference" / "pipeline.schema.json").read_text())
    assert printed == published == pipeline_schema()
    target = tmp_path / "pipeline.schema.json"
    assert main(["schema", "pipeline", "--output", str(target)]) == 0
    assert json.loads(target.read_text()) == printed


def test_every_step_and_cast_type_is_in_the_schema() -> None:
    mapping = pipeline_schema()["properties"]["streams"]["anyOf"][2]["additionalProperties"]
    by_name = mapping["anyOf"][0]["properties"]["map"]["anyOf"][1]["properties"]
    assert set(STEP_TYPES) <= set(by_name)
    assert by_name["cast"]["additionalProperties"]["enum"] == list(CAST_TYPES)


@pytest.mark.parametrize("path", EXAMPLES, ids=[str(p.relative_to(ROOT)) for p in EXAMPLES])
def test_every_example_pipeline_passes(path: Path) -> None:
    errors = [e.message for e in VALIDATOR.iter_errors(yaml.safe_load(path.read_text()))]
    assert errors == []


def test_there_are_example_pipelines() -> None:
    assert len(EXAMPLES) >= 4


GOOD: list[dict[str, Any]] = [
    {},
    {"name": "shop", "state_dir": ".state", "concurrency": 2, "queue_size": 0},
    {"streams": ["orders", "customers"], "max_failed_records": "1%"},
    {
        "streams": {
            "orders": {
                "sync": "incremental",
                "write": "upsert",
                "primary_key": "id",
                "max_failed_records": 5,
                "map": [{"rename": {"id": "order_id"}}, {"cast": {"total": "number"}}],
            },
            "customers": None,
            "events": {
                "map": {
                    "salt": "${env:SALT}",
                    "rename": {"mail": "email"},
                    "hash": ["email"],
                    "mask": {"card": 4},
                    "optional": ["mask"],
                }
            },
        }
    },
]

BAD: list[tuple[dict[str, Any], str]] = [
    ({"destinaton": {"connector": "sqlite"}}, "a misspelt key"),
    ({"concurrency": 0}, "concurrency below 1"),
    ({"queue_size": -1}, "a negative queue"),
    ({"max_failed_records": -1}, "a negative tolerance"),
    ({"max_failed_records": "lots"}, "a tolerance in words"),
    ({"name": "../escape"}, "a name that is a path"),
    ({"streams": {"orders": {"write": "merge"}}}, "an unknown write mode"),
    ({"streams": {"orders": {"sync": "sometimes"}}}, "an unknown sync mode"),
    ({"streams": {"orders": {"map": [{"renam": {"a": "b"}}]}}}, "an unknown step"),
    ({"streams": {"orders": {"map": {"cast": {"a": "date"}}}}}, "an unknown cast type"),
    ({"streams": {"orders": {"colour": "red"}}}, "an unknown stream setting"),
    ({"streams": 3}, "streams that are a number"),
]


def _loader_problems(document: dict[str, Any], tmp_path: Path) -> list[str]:
    (tmp_path / "out.db").touch()
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump(document))
    _, problems = check_pipeline(path)
    return [str(p) for p in problems]


@pytest.mark.parametrize("change", GOOD, ids=[str(i) for i in range(len(GOOD))])
def test_what_the_loader_accepts_the_schema_accepts(
    change: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALT", "a-salt-long-enough-to-be-accepted-0123456789")
    document = {**SIDES, **change}
    assert _loader_problems(document, tmp_path) == []
    assert [e.message for e in VALIDATOR.iter_errors(document)] == []


@pytest.mark.parametrize(("change", "what"), BAD, ids=[what for _, what in BAD])
def test_what_the_loader_refuses_the_schema_refuses(
    change: dict[str, Any], what: str, tmp_path: Path
) -> None:
    document = {**SIDES, **change}
    assert _loader_problems(document, tmp_path), f"the loader accepts {what}"
    assert list(VALIDATOR.iter_errors(document)), f"the schema accepts {what}"


def test_config_and_config_file_together_are_refused() -> None:
    document = {**SIDES, "source": {"connector": "files", "config": {}, "config_file": "x.yaml"}}
    assert list(VALIDATOR.iter_errors(document))


def test_a_connector_schema_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "connector", "files"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "directory" in schema["properties"]
    assert main(["schema", "connector", "no-such-thing"]) == 2
    assert "no connector 'no-such-thing' is installed" in capsys.readouterr().err
