"""Symbolic links and ``..``: neither reading nor writing leaves the directory unasked.

Source: a match that leads out of ``directory`` through a link (a file link or a folder
link) is an error naming the link, where it leads and the setting ``follow_symlinks``;
with ``follow_symlinks: true`` it is read. Links that stay inside are read, and a file
reached by several names is read once. Destination: a stream's file that is a link out of
the directory is never written through; a link inside is written through.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from hookline.errors import ConfigError, DiscoveryError, ReadError, WriteError
from hookline.models import ConfiguredStream

if TYPE_CHECKING:
    from conftest import Files

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges")


@pytest.fixture
def outside(files: Files) -> Path:
    """A folder next to data/ with one JSON Lines file that must not be read."""
    folder = files.root / "outside"
    folder.mkdir()
    (folder / "secret.jsonl").write_text(json.dumps({"secret": "s3cr3t"}) + "\n")
    return folder


def test_a_file_link_out_of_the_directory_is_refused(files: Files, outside: Path) -> None:
    files.write_lines("orders.jsonl", [{"id": 1}])
    (files.data / "leak.jsonl").symlink_to(outside / "secret.jsonl")
    config = files.config(streams=[{"name": "s", "path": "*.jsonl"}])
    with pytest.raises(DiscoveryError) as caught:
        files.discover(config)
    message = str(caught.value)
    assert message.startswith("connector 'files', stream 's': file 'leak.jsonl' in ")
    assert f"leads to {outside / 'secret.jsonl'}, outside that directory" in message
    assert f"symbolic link 'leak.jsonl' (-> {outside / 'secret.jsonl'})" in message
    assert "set follow_symlinks: true" in message
    assert "s3cr3t" not in message
    result = files.connector.check(config, files.auth(config))
    assert not result.ok and "leak.jsonl" in result.message and "follow_symlinks" in result.message


def test_a_link_made_after_discovery_is_refused_by_the_read(files: Files, outside: Path) -> None:
    files.write_lines("orders.jsonl", [{"id": 1}])
    config = files.config(streams=[{"name": "s", "path": "*.jsonl"}])
    connection = files.auth(config)
    stream = files.connector.discover(config, connection).streams[0]
    (files.data / "leak.jsonl").symlink_to(os.path.relpath(outside / "secret.jsonl", files.data))
    with pytest.raises(ReadError, match=r"'leak.jsonl' \(-> \.\./outside/secret.jsonl\)"):
        list(files.connector.read(config, connection, ConfiguredStream(stream), None))


def test_a_folder_link_out_of_the_directory_is_refused(files: Files, outside: Path) -> None:
    (files.data / "real").mkdir()
    files.write_lines("real/a.jsonl", [{"id": 1}])
    (files.data / "more").symlink_to(outside, target_is_directory=True)
    config = files.config(streams=[{"name": "s", "path": "*/*.jsonl"}])
    with pytest.raises(DiscoveryError) as caught:
        files.discover(config)
    message = str(caught.value)
    assert "file 'more/secret.jsonl'" in message
    assert f"through the symbolic link 'more' (-> {outside})" in message


def test_follow_symlinks_reads_through_links_out_of_the_directory(
    files: Files, outside: Path
) -> None:
    files.write_lines("orders.jsonl", [{"secret": "mine"}])
    (files.data / "shared.jsonl").symlink_to(outside / "secret.jsonl")
    config = files.config(follow_symlinks=True, streams=[{"name": "s", "path": "*.jsonl"}])
    assert files.records(config, "s") == [{"secret": "mine"}, {"secret": "s3cr3t"}]
    assert files.connector.check(config, files.auth(config)).ok


def test_links_inside_the_directory_are_read_and_each_file_once(files: Files) -> None:
    files.write_lines("2024/orders.jsonl", [{"id": 1}, {"id": 2}])
    files.write_lines("2025/orders.jsonl", [{"id": 3}])
    (files.data / "0-latest").symlink_to("2025", target_is_directory=True)
    (files.data / "current.jsonl").symlink_to("2024/orders.jsonl")
    config = files.config(streams=[{"name": "s", "path": "*/*.jsonl"}])
    # 0-latest/orders.jsonl and 2025/orders.jsonl are the same file: its own name is kept.
    batches = files.read(config, "s")
    assert [r["id"] for b in batches for r in b.records] == [1, 2, 3]
    assert list(batches[-1].state["files"]) == ["2024/orders.jsonl", "2025/orders.jsonl"]
    # A link inside is read when only it matches.
    config = files.config(streams=[{"name": "c", "path": "current.jsonl"}])
    assert files.records(config, "c") == [{"id": 1}, {"id": 2}]


def test_the_directory_itself_may_be_a_link(files: Files) -> None:
    files.write_lines("orders.jsonl", [{"id": 1}])
    (files.root / "alias").symlink_to(files.data, target_is_directory=True)
    config = files.config(directory="alias", streams=[{"name": "s", "path": "*.jsonl"}])
    assert files.records(config, "s") == [{"id": 1}]
    result = files.write(files.config(directory="alias"), "copy", [{"id": 2}])
    assert result.written == 1
    assert (files.data / "copy.jsonl").read_text() == '{"id":2}\n'


def test_a_link_loop_is_left_out(files: Files) -> None:
    files.write_lines("a.jsonl", [{"id": 1}])
    (files.data / "loop.jsonl").symlink_to("loop.jsonl")
    config = files.config(streams=[{"name": "s", "path": "*.jsonl"}])
    assert files.records(config, "s") == [{"id": 1}]


@pytest.mark.parametrize(
    "path",
    ["../outside/*.jsonl", "a/../../outside/*.jsonl", "..\\outside\\*.jsonl", "**/../*.jsonl"],
)
def test_dot_dot_in_a_glob_is_a_config_error(files: Files, path: str) -> None:
    with pytest.raises(ConfigError) as caught:
        files.config(streams=[{"name": "s", "path": path}])
    message = str(caught.value)
    assert "expected path to stay inside directory" in message
    assert "@ $.streams[0]" in message


def test_the_destination_never_writes_through_a_link_out(files: Files, outside: Path) -> None:
    victim = outside / "victim.jsonl"
    victim.write_text("keep\n")
    (files.data / "s.jsonl").symlink_to(victim)
    with pytest.raises(WriteError) as caught:
        files.write(files.config(), "s", [{"id": 1}])
    message = str(caught.value)
    assert message.startswith(f"connector 'files', stream 's': cannot write {files.data}/s.jsonl")
    assert f"it is a symbolic link to {victim}, outside directory {files.data}" in message
    assert "remove the link" in message
    assert victim.read_text() == "keep\n"
    assert (files.data / "s.jsonl").is_symlink()
    assert sorted(p.name for p in files.data.iterdir()) == ["s.jsonl"]  # no temporary file


@pytest.mark.parametrize("output_format", ["jsonl", "csv"])
def test_a_dangling_link_or_a_folder_link_out_is_refused(
    files: Files, outside: Path, output_format: str
) -> None:
    (files.data / f"gone.{output_format}").symlink_to(outside / "missing")
    (files.data / f"dir.{output_format}").symlink_to(outside, target_is_directory=True)
    config = files.config(output_format=output_format)
    for stream in ("gone", "dir"):
        with pytest.raises(WriteError, match="symbolic link to .* outside directory"):
            files.write(config, stream, [{"id": 1}])
    assert sorted(p.name for p in outside.iterdir()) == ["secret.jsonl"]


def test_a_link_inside_the_directory_is_written_through(files: Files) -> None:
    (files.data / "archive").mkdir()
    real = files.data / "archive" / "orders-2024.jsonl"
    real.write_text('{"id":1}\n')
    (files.data / "orders.jsonl").symlink_to("archive/orders-2024.jsonl")
    result = files.write(files.config(), "orders", [{"id": 2}])
    assert result.written == 1
    assert (files.data / "orders.jsonl").is_symlink()
    assert real.read_text() == '{"id":1}\n{"id":2}\n'


def test_a_folder_where_the_file_belongs_is_refused(files: Files) -> None:
    (files.data / "s.jsonl").mkdir()
    with pytest.raises(WriteError, match="it is a folder, not a file"):
        files.write(files.config(), "s", [{"id": 1}])
