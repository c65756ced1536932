"""A run on a terminal shows a bar per stream: percent and time left when the source knows
its size. Tested under a real pseudo-terminal, as a user sees it."""

from __future__ import annotations

import sys
from pathlib import Path

from hookline.cli._progress import _amount, _share, _time_left
from hookline.models import ReadProgress
from hookline.runner import StreamResult
from support.terminal import on_a_terminal


def test_a_run_on_a_terminal_shows_a_full_bar_per_stream(demo: Path) -> None:
    code, shown = on_a_terminal(
        [sys.executable, "-m", "hookline", "run", str(demo / "pipeline.yaml")], demo
    )
    assert code == 0, shown
    for stream, count in (("customers", 200), ("products", 50), ("orders", 2000)):
        finished = [line for line in shown.splitlines() if stream in line and "done" in line]
        assert finished, shown
        assert "100%" in finished[-1], finished[-1]
        assert f"{count:,} read, {count:,} written" in finished[-1]
    assert "━" in shown  # the bar itself


def test_the_files_source_reports_bytes_read_of_bytes_to_read(demo: Path) -> None:
    from hookline_files._reading import read_stream

    files = sorted((demo / "data" / "orders").glob("*.jsonl"))
    total = sum(p.stat().st_size for p in files)
    batches = list(
        read_stream(
            [(p.name, p) for p in files],
            file_format="jsonl",
            properties={},
            batch_size=300,
            cursor_field=None,
            positions={},
            bookmark=None,
            logger=__import__("logging").getLogger("test"),
        )
    )
    done = [b.progress.done for b in batches if b.progress is not None]
    assert len(done) == len(batches) and done == sorted(done)
    assert done[-1] == total and {b.progress.total for b in batches} == {total}
    assert {b.progress.unit for b in batches} == {"bytes"}


def test_shares_and_time_left_in_words() -> None:
    result = StreamResult("orders")
    assert _share(result) == ""
    result.progress = ReadProgress(250, 1000, "bytes")
    assert _share(result) == " (25% of 1.0 kB)"
    result.progress = ReadProgress(3, 4, "records")
    assert _share(result) == " (75% of 4 records)"
    assert _amount(264_000_000, "bytes") == "264.0 MB"
    assert _time_left(10.0, 250, 1000) == "about 30 s left"
    assert _time_left(None, 0, 1000) == "" and _time_left(5.0, 1000, 1000) == ""
