"""A stream whose glob matches no file: ``hookline run`` and ``hookline read`` both say so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hookline.cli import main


def _config(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    config = tmp_path / "files.yaml"
    config.write_text(
        json.dumps(
            {
                "directory": str(tmp_path / "data"),
                "streams": [{"name": "customers", "path": "custmers/*.jsonl", "primary_key": "id"}],
            }
        )
    )
    return config


def test_read_says_no_file_matches_the_glob(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["read", "files", "-c", str(_config(tmp_path))])
    out, err = capsys.readouterr()
    assert code != 0 and out == ""
    assert "no file matches the glob 'custmers/*.jsonl'" in err
    assert "Traceback" not in err


def test_run_says_no_file_matches_the_glob_not_that_the_key_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path)
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(
        f"source: {{connector: files, config: {config.read_text()}}}\n"
        f"destination: {{connector: sqlite, config: {{path: {tmp_path / 'out.db'}}}}}\n"
    )
    code = main(["run", str(pipeline)])
    _, err = capsys.readouterr()
    assert code != 0
    assert "no file matches the glob 'custmers/*.jsonl'" in err
    assert "is not in the stream's schema" not in err
    assert "Traceback" not in err
    assert not (tmp_path / "out.db").exists()
