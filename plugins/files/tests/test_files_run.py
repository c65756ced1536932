"""``hookline run`` of files-to-files pipelines: big integers, symbolic links.

Each test writes real files and a pipeline file in a temporary folder and runs it through
:func:`hookline.cli.main`, as a user would, then looks at the summary, the files written
and the error shown.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from hookline.cli import main

BIG = [123456789012345678901234, 123456789012345678901235, 123456789012345678901236]


def _pipeline(tmp_path: Path, source: dict[str, Any], destination: dict[str, Any]) -> Path:
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(
        json.dumps(
            {
                "source": {"connector": "files", "config": source},
                "destination": {"connector": "files", "config": destination},
            }
        )
    )
    return pipeline


def _run(pipeline: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, Any, str]:
    code = main(["run", str(pipeline), "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else None, err


def _write(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines))


def test_three_big_keys_stay_three_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(
        tmp_path / "in" / "big.jsonl", [json.dumps({"id": n, "v": i}) for i, n in enumerate(BIG)]
    )
    source = {
        "directory": "in",
        "streams": [{"name": "big", "path": "big.jsonl", "primary_key": "id"}],
    }
    pipeline = _pipeline(tmp_path, source, {"directory": "out"})
    code, summary, err = _run(pipeline, capsys)
    assert code == 0, err
    stream = summary["streams"]["big"]
    assert (stream["status"], stream["read"], stream["written"], stream["failed"]) == (
        "succeeded",
        3,
        3,
        0,
    )
    written = (tmp_path / "out" / "big.jsonl").read_text().splitlines()
    assert written == [f'{{"id":{n},"v":{i}}}' for i, n in enumerate(BIG)]

    # Incremental and upsert: an appended line changes one of them, in place.
    with (tmp_path / "in" / "big.jsonl").open("a") as file:
        file.write(json.dumps({"id": BIG[1], "v": "changed"}) + "\n")
    code, summary, err = _run(pipeline, capsys)
    assert code == 0, err
    assert (summary["streams"]["big"]["read"], summary["streams"]["big"]["written"]) == (1, 1)
    records = [json.loads(line) for line in (tmp_path / "out" / "big.jsonl").read_text().split()]
    assert records == [
        {"id": BIG[0], "v": 0},
        {"id": BIG[1], "v": "changed"},
        {"id": BIG[2], "v": 2},
    ]


def test_a_big_cursor_value_is_kept_in_the_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The bookmark is the largest cursor value: here an integer beyond 64 bits, which the
    # runner's state store must save and load exactly.
    _write(tmp_path / "in" / "big.jsonl", [json.dumps({"id": n}) for n in BIG])
    source = {
        "directory": "in",
        "streams": [
            {"name": "big", "path": "big.jsonl", "primary_key": "id", "cursor_field": "id"}
        ],
    }
    pipeline = _pipeline(tmp_path, source, {"directory": "out"})
    code, summary, err = _run(pipeline, capsys)
    assert code == 0, err
    assert summary["streams"]["big"]["written"] == 3
    assert main(["state", "show", str(pipeline), "--json"]) == 0
    state = json.loads(capsys.readouterr().out)
    assert state["big"]["cursor"] == BIG[2]
    code, summary, err = _run(pipeline, capsys)
    assert code == 0, err
    assert summary["streams"]["big"]["read"] == 0


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges")
def test_a_source_link_out_of_the_directory_stops_the_run_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path / "in" / "a.jsonl", ['{"id": 1}'])
    _write(tmp_path / "private" / "keys.jsonl", ['{"key": "s3cr3t"}'])
    (tmp_path / "in" / "keys.jsonl").symlink_to(tmp_path / "private" / "keys.jsonl")
    source = {"directory": "in", "streams": [{"name": "s", "path": "*.jsonl"}]}
    code, _, err = _run(_pipeline(tmp_path, source, {"directory": "out"}), capsys)
    assert code != 0
    [line] = err.strip().splitlines()
    assert line.startswith("error: connector 'files', stream 's': file 'keys.jsonl' in ")
    assert "outside that directory" in line and "follow_symlinks: true" in line
    assert "Traceback" not in err and "bug" not in err and "s3cr3t" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges")
def test_a_destination_link_out_of_the_directory_fails_the_stream(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path / "in" / "s.jsonl", ['{"id": 1}'])
    victim = tmp_path / "elsewhere.jsonl"
    victim.write_text("keep\n")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "s.jsonl").symlink_to(victim)
    source = {"directory": "in", "streams": [{"name": "s", "path": "s.jsonl"}]}
    code, summary, err = _run(_pipeline(tmp_path, source, {"directory": "out"}), capsys)
    assert code == 1
    error = summary["streams"]["s"]["error"]
    assert f"it is a symbolic link to {victim}, outside directory {tmp_path / 'out'}" in error
    assert "Traceback" not in err and "bug" not in err
    assert victim.read_text() == "keep\n"


def test_a_run_of_one_stream_samples_no_file_of_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path / "in" / "good.jsonl", ['{"id": 1}', '{"id": 2}'])
    _write(tmp_path / "in" / "broken.jsonl", ["{not json"])  # inferring its schema fails
    streams = [
        {"name": "good", "path": "good.jsonl", "primary_key": "id"},
        {"name": "broken", "path": "broken.jsonl", "primary_key": "id"},
    ]
    source = {"directory": str(tmp_path / "in"), "streams": streams}
    pipeline = _pipeline(tmp_path, source, {"directory": str(tmp_path / "out")})

    code, _summary, err = _run(pipeline, capsys)  # every stream: discovering broken fails
    assert code != 0
    assert "broken" in err

    code = main(["run", str(pipeline), "--json", "--stream", "good"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["streams"]["good"]["written"] == 2
