"""A pipeline's name becomes file names: names that could escape state_dir are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from hookline.cli import main
from hookline.pipeline import check_pipeline

BODY = (
    "source: {connector: files, config: {directory: data, streams: []}}\n"
    "destination: {connector: sqlite, config: {path: out.db}}\n"
)


@pytest.mark.parametrize("name", ["../../escaped", "a/b", ".hidden", "", "x" * 101, "a:b"])
def test_a_name_that_is_not_a_plain_file_name_is_a_config_problem(
    tmp_path: Path, name: str
) -> None:
    path = tmp_path / "pipeline.yaml"
    path.write_text(f"name: {name!r}\n" + BODY)
    _, problems = check_pipeline(path)
    assert [p.path for p in problems] == ["$.name"]
    assert problems[0].message.startswith(f"name {name!r} cannot be a pipeline name: use 1 to")


def test_run_refuses_it_with_exit_2_and_creates_nothing_outside_state_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    (work / "data").mkdir()
    path = work / "pipeline.yaml"
    path.write_text("name: ../../escaped\n" + BODY)
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert "name '../../escaped' cannot be a pipeline name" in err
    assert "@ $.name" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]
    assert not (work / ".hookline").exists()


def test_a_file_name_that_cannot_be_a_name_asks_for_name(tmp_path: Path) -> None:
    path = tmp_path / "shop to warehouse.yaml"
    path.write_text(BODY)
    _, problems = check_pipeline(path)
    assert [p.path for p in problems] == ["$.name"]
    assert "the file name 'shop to warehouse' cannot be the pipeline's name: set name:" in (
        problems[0].message
    )
    path.write_text("name: shop-to-warehouse\n" + BODY)
    pipeline, problems = check_pipeline(path)
    assert problems == () and pipeline is not None and pipeline.name == "shop-to-warehouse"
