"""The JSON state file of `hookline read`: atomic writes, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from hookline.errors import ConfigError
from hookline.state import read_state_file, write_state_file


def test_round_trip_and_no_temporary_files_left(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "state.json"
    write_state_file(path, {"orders": {"offset": 10}, "customers": {}})
    assert read_state_file(path) == {"orders": {"offset": 10}, "customers": {}}
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]


def test_a_failed_write_keeps_the_old_state(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    write_state_file(path, {"orders": {"offset": 1}})
    with pytest.raises(TypeError):
        write_state_file(path, {"orders": {"offset": object()}})
    assert read_state_file(path) == {"orders": {"offset": 1}}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "not valid JSON"), ('{"streams": [1]}', 'expected {"streams"')],
)
def test_bad_state_files_are_config_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "state.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message):
        read_state_file(path)
    with pytest.raises(ConfigError, match="state file not found"):
        read_state_file(tmp_path / "absent.json")
