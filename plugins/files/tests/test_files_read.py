"""Reading: batches, state, resuming, appended and rewritten files, bad lines."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

import pytest

from hookline.errors import ReadError
from hookline.models import ConfiguredStream, Stream

if TYPE_CHECKING:
    from conftest import Files


def orders(first: int, count: int) -> list[dict[str, Any]]:
    return [
        {"id": i, "updated_at": f"2024-01-01T00:00:{i % 60:02d}Z", "items": [{"q": i}]}
        for i in range(first, first + count)
    ]


def stream_config(files: Files, **settings: Any) -> Any:
    stream = {"name": "orders", "path": "orders/*.jsonl", "primary_key": "id"}
    stream.update(settings.pop("stream", {}))
    return files.config(streams=[stream], **settings)


def ids(records: list[dict[str, Any]]) -> list[Any]:
    return [r["id"] for r in records]


def test_batches_follow_sorted_file_order(files: Files) -> None:
    files.write_lines("orders/b.jsonl", orders(13, 12))
    files.write_lines("orders/a.jsonl", orders(1, 12))
    config = stream_config(files, batch_size=10)
    batches = files.read(config, "orders")
    assert [len(b.records) for b in batches] == [10, 10, 4]
    assert ids([r for b in batches for r in b.records]) == list(range(1, 25))
    assert batches[0].records[0] == orders(1, 1)[0]


def test_state_is_json_and_holds_positions_and_bookmark(files: Files) -> None:
    path = files.write_lines("orders/a.jsonl", orders(1, 3))
    config = stream_config(files, stream={"cursor_field": "updated_at"})
    [batch] = files.read(config, "orders")
    state = batch.state
    assert state is not None
    assert json.loads(json.dumps(state)) == state
    assert state["version"] == 1
    assert state["cursor"] == "2024-01-01T00:00:03Z"
    position = state["files"]["orders/a.jsonl"]
    assert position["offset"] == path.stat().st_size
    assert set(position) == {"offset", "head", "head_size"}


def test_bookmark_is_the_largest_cursor_value_not_the_last(files: Files) -> None:
    files.write_lines(
        "orders/a.jsonl",
        [
            {"id": 1, "updated_at": "2024-03-01T00:00:00Z"},
            {"id": 2, "updated_at": "2024-01-01T00:00:00Z"},
            {"id": 3, "updated_at": None},
        ],
    )
    config = stream_config(files, stream={"cursor_field": "updated_at"})
    [batch] = files.read(config, "orders")
    assert batch.state is not None
    assert batch.state["cursor"] == "2024-03-01T00:00:00Z"


@pytest.mark.parametrize("batch_size", [1, 3, 7, 100])
def test_resuming_from_every_batch_state_yields_exactly_the_rest(
    files: Files, batch_size: int
) -> None:
    files.write_lines("orders/1.jsonl", orders(1, 10))
    files.write_lines("orders/2.jsonl", ["", *map(json.dumps, orders(11, 5)), "  "])
    files.write_lines("orders/3.jsonl", [])  # an empty file
    files.write_lines("orders/4.jsonl", orders(16, 6))
    config = stream_config(files, batch_size=batch_size)
    batches = files.read(config, "orders")
    everything = ids([r for b in batches for r in b.records])
    assert everything == list(range(1, 22))
    for index, batch in enumerate(batches):
        rest = files.records(config, "orders", json.loads(json.dumps(batch.state)))
        expected = [r for b in batches[index + 1 :] for r in b.records]
        assert rest == expected, f"resuming after batch {index}"


def test_resuming_csv_from_every_batch_state(files: Files) -> None:
    rows = "".join(f'{i},"line {i}\nwith a break",{i * 1.5}\n' for i in range(1, 12))
    files.write_text("people/a.csv", "id,text,score\n" + rows)
    files.write_text("people/b.csv", "\ufeffid,text,score\r\n12,plain,1\r\n\r\n13,,2.5\r\n")
    config = files.config(batch_size=4, streams=[{"name": "people", "path": "people/*.csv"}])
    batches = files.read(config, "people")
    everything = [r for b in batches for r in b.records]
    assert [r["id"] for r in everything] == list(range(1, 14))
    assert everything[0] == {"id": 1, "text": "line 1\nwith a break", "score": 1.5}
    assert everything[-1] == {"id": 13, "text": None, "score": 2.5}
    for index, batch in enumerate(batches):
        assert batch.state is not None
        assert batch.state["files"]["people/a.csv"]["header"] == ["id", "text", "score"]
        rest = files.records(config, "people", batch.state)
        assert rest == [r for b in batches[index + 1 :] for r in b.records]


def test_nothing_new_means_no_batch(files: Files) -> None:
    files.write_lines("orders/a.jsonl", orders(1, 5))
    config = stream_config(files)
    [batch] = files.read(config, "orders")
    assert files.read(config, "orders", batch.state) == []


def test_appended_and_new_files_continue_from_the_state(files: Files) -> None:
    files.write_lines("orders/a.jsonl", orders(1, 5))
    config = stream_config(files, batch_size=3)
    state = files.read(config, "orders")[-1].state
    files.write_lines("orders/a.jsonl", orders(6, 2), mode="a")
    files.write_lines("orders/b.jsonl", orders(8, 4))
    batches = files.read(config, "orders", state)
    assert ids([r for b in batches for r in b.records]) == list(range(6, 12))
    assert files.read(config, "orders", batches[-1].state) == []


def test_incomplete_last_line_is_left_for_the_next_read(
    files: Files, caplog: pytest.LogCaptureFixture
) -> None:
    path = files.write_lines("orders/a.jsonl", orders(1, 2))
    with path.open("a", encoding="utf-8") as file:
        file.write('{"id": 3, "upda')  # a writer in the middle of a line
    config = stream_config(files)
    with caplog.at_level(logging.WARNING):
        [batch] = files.read(config, "orders")
    assert ids(batch.records) == [1, 2]
    assert batch.state is not None
    offset = batch.state["files"]["orders/a.jsonl"]["offset"]
    assert path.read_bytes()[:offset].endswith(b"\n")
    assert "incomplete record" in caplog.text
    # Reading again before the writer finishes finds nothing new ...
    assert files.read(config, "orders", batch.state) == []
    # ... and once the line is complete it is read exactly once.
    with path.open("a", encoding="utf-8") as file:
        file.write('ted_at": "2024-01-01T00:00:03Z"}\n')
    [later] = files.read(config, "orders", batch.state)
    assert later.records == [{"id": 3, "updated_at": "2024-01-01T00:00:03Z"}]


def test_incomplete_quoted_csv_record_is_left_for_the_next_read(files: Files) -> None:
    path = files.write_text("p.csv", 'id,text\n1,done\n2,"still being\n')
    config = files.config(streams=[{"name": "p", "path": "p.csv"}])
    [batch] = files.read(config, "p")
    assert batch.records == [{"id": 1, "text": "done"}]
    with path.open("a", encoding="utf-8") as file:
        file.write('written"\n')
    [later] = files.read(config, "p", batch.state)
    assert later.records == [{"id": 2, "text": "still being\nwritten"}]


def test_rewritten_file_is_read_again_with_a_warning(
    files: Files, caplog: pytest.LogCaptureFixture
) -> None:
    files.write_lines("orders/a.jsonl", orders(1, 4))
    config = stream_config(files)
    [batch] = files.read(config, "orders")
    # Longer than before, but with a different start: a new file under the same name.
    files.write_lines("orders/a.jsonl", orders(101, 6))
    with caplog.at_level(logging.WARNING):
        [again] = files.read(config, "orders", batch.state)
    assert ids(again.records) == list(range(101, 107))
    assert "orders/a.jsonl was rewritten" in caplog.text


def test_shrunk_file_is_read_again(files: Files, caplog: pytest.LogCaptureFixture) -> None:
    files.write_lines("orders/a.jsonl", orders(1, 4))
    config = stream_config(files)
    [batch] = files.read(config, "orders")
    files.write_lines("orders/a.jsonl", orders(1, 2))
    with caplog.at_level(logging.WARNING):
        [again] = files.read(config, "orders", batch.state)
    assert ids(again.records) == [1, 2]
    assert "shrank" in caplog.text


def test_full_mode_ignores_the_state(files: Files) -> None:
    files.write_lines("orders/a.jsonl", orders(1, 5))
    config = stream_config(files)
    [batch] = files.read(config, "orders")
    [full] = files.read(config, "orders", batch.state, sync_mode="full")
    assert ids(full.records) == [1, 2, 3, 4, 5]
    assert full.state == batch.state


def test_a_vanished_file_leaves_the_state(files: Files) -> None:
    gone = files.write_lines("orders/a.jsonl", orders(1, 2))
    files.write_lines("orders/b.jsonl", orders(3, 2))
    config = stream_config(files)
    [batch] = files.read(config, "orders")
    gone.unlink()
    [update] = files.read(config, "orders", batch.state)
    assert update.records == []
    assert update.state is not None
    assert list(update.state["files"]) == ["orders/b.jsonl"]


def test_malformed_line_error_names_file_and_line(files: Files) -> None:
    path = files.write_lines(
        "orders/a.jsonl", [json.dumps(orders(1, 1)[0]), "", '{"id": 2,', json.dumps({"id": 3})]
    )
    config = stream_config(files, batch_size=10)
    connection = files.auth(config)
    stream = ConfiguredStream(Stream("orders", primary_key="id"))
    batches = files.connector.read(config, connection, stream, None)
    # The good records before the bad line come first, with their state ...
    first = next(batches)
    assert ids(first.records) == [1]
    with pytest.raises(ReadError) as caught:
        next(batches)
    message = str(caught.value)
    assert f"file {path}, line 3: not valid JSON" in message
    assert "fix or remove that line" in message
    assert "stream 'orders'" in message
    # ... so that after the fix, reading goes on from there.
    path.write_text(path.read_text().replace('{"id": 2,', '{"id": 2}'))
    assert ids(files.records(config, "orders", first.state)) == [2, 3]


def test_a_line_that_is_not_an_object_is_an_error(files: Files) -> None:
    files.write_lines("orders/a.jsonl", ["[1, 2]"])
    config = stream_config(files)
    connection = files.auth(config)
    stream = ConfiguredStream(Stream("orders"))
    with pytest.raises(ReadError, match=r"line 1: a JSON list where a JSON object"):
        list(files.connector.read(config, connection, stream, None))


def test_csv_cells_follow_the_declared_schema(files: Files) -> None:
    files.write_text("p.csv", 'id,qty,tags,flag\n1,2,"[1,2]",true\n2,,[],false\n')
    schema = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "qty": {"type": ["number", "null"]},
            "tags": {"type": "array"},
            "flag": {"type": "boolean"},
        },
    }
    config = files.config(streams=[{"name": "p", "path": "p.csv", "schema": schema}])
    assert files.records(config, "p") == [
        {"id": "1", "qty": 2.0, "tags": [1, 2], "flag": True},
        {"id": "2", "qty": None, "tags": [], "flag": False},
    ]


def test_csv_cell_of_the_wrong_type_names_column_and_line(files: Files) -> None:
    files.write_text("p.csv", "id,qty\n1,2\n2,3\n3,many\n")
    config = files.config(infer_records=2, batch_size=1, streams=[{"name": "p", "path": "p.csv"}])
    with pytest.raises(ReadError) as caught:
        files.read(config, "p")
    message = str(caught.value)
    assert "p.csv, line 4: column 'qty' holds 'many', not an integer" in message
    assert "infer_records" in message


def test_csv_row_with_too_many_values(files: Files) -> None:
    files.write_text("p.csv", "id,name\n1,a,extra\n")
    config = files.config(streams=[{"name": "p", "path": "p.csv", "schema": {}}])
    with pytest.raises(ReadError, match=r"line 2: 3 values but the header has 2 columns"):
        files.read(config, "p")


def test_state_of_another_connector_is_refused(files: Files) -> None:
    files.write_lines("orders/a.jsonl", orders(1, 1))
    config = stream_config(files)
    with pytest.raises(ReadError, match="not a files-connector state"):
        files.read(config, "orders", {"cursor": "2024-01-01"})
    with pytest.raises(ReadError, match="version 99"):
        files.read(config, "orders", {"version": 99, "files": {}})


def test_unknown_stream_is_a_read_error(files: Files) -> None:
    config = stream_config(files)
    other = files.config(streams=[{"name": "other", "path": "x.jsonl"}])
    files.write_lines("x.jsonl", [{"id": 1}])
    stream = ConfiguredStream(files.discover(other)["other"])
    with pytest.raises(ReadError, match="no stream 'other' is configured"):
        list(files.connector.read(config, files.auth(config), stream, None))
