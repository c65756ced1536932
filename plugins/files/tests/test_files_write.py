"""Writing: append and upsert, atomic replacement, CSV output, unsafe stream names."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import hookline_files._writing
from hookline.errors import WriteError

if TYPE_CHECKING:
    from conftest import Files


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


def test_append_adds_batches_in_order(files: Files) -> None:
    config = files.config(directory="out")
    first = files.write(config, "orders", [{"id": 1}, {"id": 2, "nested": {"a": [1]}}])
    second = files.write(config, "orders", [{"id": 3}])
    assert (first.written, second.written) == (2, 1)
    assert first.rejected == ()
    target = files.root / "out" / "orders.jsonl"  # the directory is created
    assert jsonl(target) == [{"id": 1}, {"id": 2, "nested": {"a": [1]}}, {"id": 3}]
    assert leftovers(target.parent) == []


def test_append_after_a_file_without_a_final_line_break(files: Files) -> None:
    config = files.config()
    (files.data / "s.jsonl").write_text('{"id": 1}')
    files.write(config, "s", [{"id": 2}])
    assert jsonl(files.data / "s.jsonl") == [{"id": 1}, {"id": 2}]


@pytest.mark.parametrize("output_format", ["jsonl", "csv"])
def test_an_empty_batch_leaves_the_file_alone(files: Files, output_format: str) -> None:
    config = files.config(output_format=output_format)
    assert files.write(config, "s", []).written == 0
    assert list(files.data.iterdir()) == []
    files.write(config, "s", [{"id": 1}])
    target = files.data / f"s.{output_format}"
    before = (target.read_bytes(), target.stat().st_mtime_ns, target.stat().st_ino)
    files.write(config, "s", [])
    assert (target.read_bytes(), target.stat().st_mtime_ns, target.stat().st_ino) == before


def test_upsert_replaces_records_with_the_same_key(files: Files) -> None:
    config = files.config()
    key = ("id", "region")
    files.write(
        config,
        "c",
        [{"id": 1, "region": "eu", "v": "a"}, {"id": 1, "region": "us", "v": "b"}],
        write_mode="upsert",
        primary_key=key,
    )
    batch = [{"id": 1, "region": "us", "v": "B"}, {"id": 2, "region": "eu", "v": "c"}]
    result = files.write(config, "c", batch, write_mode="upsert", primary_key=key)
    assert result.written == 2
    expected = [
        {"id": 1, "region": "eu", "v": "a"},
        {"id": 1, "region": "us", "v": "B"},  # replaced where it was
        {"id": 2, "region": "eu", "v": "c"},
    ]
    assert jsonl(files.data / "c.jsonl") == expected
    # Writing the same batch again stores it once.
    files.write(config, "c", batch, write_mode="upsert", primary_key=key)
    assert jsonl(files.data / "c.jsonl") == expected


def test_upsert_rejects_records_without_a_key(files: Files) -> None:
    config = files.config()
    batch = [{"id": 1}, {"name": "no id"}, {"id": None}]
    result = files.write(config, "c", batch, write_mode="upsert", primary_key=("id",))
    assert result.written == 1
    assert [r.record for r in result.rejected] == [{"name": "no id"}, {"id": None}]
    assert "primary key field 'id' is missing or null" in result.rejected[0].reason
    assert jsonl(files.data / "c.jsonl") == [{"id": 1}]


def test_upsert_without_a_primary_key_is_refused(files: Files) -> None:
    config = files.config()
    with pytest.raises(WriteError, match="upsert needs a primary key") as caught:
        files.write(config, "c", [{"id": 1}], write_mode="upsert")
    assert "stream 'c'" in str(caught.value)
    assert not (files.data / "c.jsonl").exists()


def test_replace_is_not_supported(files: Files) -> None:
    config = files.config()
    with pytest.raises(WriteError, match="replace is not supported"):
        files.write(config, "c", [{"id": 1}], write_mode="replace")


def test_a_value_without_a_json_form_is_rejected_not_dropped(files: Files) -> None:
    config = files.config()
    result = files.write(config, "s", [{"id": 1}, {"id": 2, "bad": {1, 2}}])
    assert result.written == 1
    [rejected] = result.rejected
    assert rejected.record["id"] == 2
    assert "cannot be written as JSON" in rejected.reason
    assert jsonl(files.data / "s.jsonl") == [{"id": 1}]


def test_failed_rename_leaves_the_old_file_and_no_temporary_file(
    files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = files.config()
    files.write(config, "s", [{"id": 1}])
    target = files.data / "s.jsonl"
    before = target.read_bytes()

    def broken_replace(source: Any, destination: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(hookline_files._writing.os, "replace", broken_replace)
    with pytest.raises(WriteError, match="No space left on device") as caught:
        files.write(config, "s", [{"id": 2}])
    assert str(target) in str(caught.value)
    assert target.read_bytes() == before
    assert leftovers(files.data) == []


def test_failure_while_writing_leaves_the_old_file(
    files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = files.config()
    files.write(config, "s", [{"id": 1}], write_mode="upsert", primary_key=("id",))
    target = files.data / "s.jsonl"
    before = target.read_bytes()
    real_fsync = os.fsync

    def fsync_after_partial_write(fd: int) -> None:
        # The new content is in the temporary file when the disk fails.
        assert any(p.name.endswith(".tmp") for p in files.data.iterdir())
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(hookline_files._writing.os, "fsync", fsync_after_partial_write)
    with pytest.raises(WriteError, match="Input/output error"):
        files.write(config, "s", [{"id": 1, "v": 2}], write_mode="upsert", primary_key=("id",))
    monkeypatch.setattr(hookline_files._writing.os, "fsync", real_fsync)
    assert target.read_bytes() == before
    assert leftovers(files.data) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_the_new_file_keeps_the_old_permissions(files: Files) -> None:
    config = files.config()
    files.write(config, "s", [{"id": 1}])
    target = files.data / "s.jsonl"
    target.chmod(0o640)
    files.write(config, "s", [{"id": 2}])
    assert target.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize(
    "name",
    ["../x", "../../x", "a/b", "a\\b", "/etc/passwd", "x\x00y", "..", ".", ".hidden", "", "a\nb"],
)
def test_unsafe_stream_names_are_refused(files: Files, name: str) -> None:
    config = files.config(directory="out/inner")
    with pytest.raises(WriteError) as caught:
        files.write(config, name, [{"id": 1}])
    message = str(caught.value)
    assert f"stream name {name!r} cannot be used as a file name" in message
    assert not any(p.is_file() for p in files.root.rglob("*") if p.parent != files.data)


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges")
def test_a_symbolic_link_out_of_the_directory_is_refused(files: Files) -> None:
    outside = files.root / "outside.jsonl"
    outside.write_text("keep\n")
    (files.data / "evil.jsonl").symlink_to(outside)
    config = files.config()
    with pytest.raises(WriteError, match="outside"):
        files.write(config, "evil", [{"id": 1}])
    assert outside.read_text() == "keep\n"


def test_csv_columns_follow_the_schema_then_other_keys(files: Files) -> None:
    config = files.config(output_format="csv")
    schema = {"type": "object", "properties": {"id": {}, "name": {}, "unused": {}}}
    records = [
        {"extra": 1.5, "name": 'Ann, "the" first', "id": 1, "tags": ["a", "b"]},
        {"id": 2, "name": None, "meta": {"vip": True}, "ok": False},
    ]
    result = files.write(config, "people", records, schema=schema)
    assert result.written == 2
    text = (files.data / "people.csv").read_text(encoding="utf-8")
    assert text.splitlines() == [
        "id,name,unused,extra,tags,meta,ok",
        '1,"Ann, ""the"" first",,1.5,"[""a"",""b""]",,',
        '2,,,,,"{""vip"":true}",false',
    ]


def test_csv_new_column_widens_the_header(files: Files) -> None:
    config = files.config(output_format="csv")
    files.write(config, "s", [{"id": 1}])
    files.write(config, "s", [{"id": 2}])
    files.write(config, "s", [{"id": 3, "note": "new"}])
    text = (files.data / "s.csv").read_text(encoding="utf-8")
    assert text == "id,note\n1,\n2,\n3,new\n"


def test_csv_upsert(files: Files) -> None:
    config = files.config(output_format="csv")
    key = ("id",)
    files.write(config, "s", [{"id": 1, "v": "a"}, {"id": 2, "v": "b"}], primary_key=key)
    result = files.write(
        config, "s", [{"id": 2, "v": "B"}, {"id": 3, "v": "c"}], write_mode="upsert",
        primary_key=key,
    )  # fmt: skip
    assert result.written == 2
    text = (files.data / "s.csv").read_text(encoding="utf-8")
    assert text == "id,v\n1,a\n2,B\n3,c\n"


def test_csv_round_trip_through_the_source(files: Files) -> None:
    records = [
        {"id": 1, "name": "Ann", "score": 1.5, "vip": True, "tags": ["a"], "address": {"z": 1}},
        {"id": 2, "name": "Line\nbreak, comma", "score": 2.25, "vip": False, "tags": [],
         "address": {"z": 2}},
        {"id": 3, "name": None, "score": None, "vip": None, "tags": None, "address": None},
    ]  # fmt: skip
    config = files.config(output_format="csv")
    files.write(config, "people", records[:2])
    files.write(config, "people", records[2:])
    source = files.config(streams=[{"name": "people", "path": "people.csv"}])
    assert files.records(source, "people") == records


def test_jsonl_round_trip_through_the_source(files: Files) -> None:
    records = [{"id": i, "text": "é ✓", "n": {"x": [i, None]}} for i in range(5)]
    config = files.config()
    files.write(config, "s", records)
    source = files.config(streams=[{"name": "s", "path": "s.jsonl"}])
    assert files.records(source, "s") == records
