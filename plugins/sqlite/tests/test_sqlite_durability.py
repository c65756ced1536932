"""Durability: a writer killed at any moment leaves whole batches, and a rerun completes."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Sqlite

SIZE = 500

WRITER = textwrap.dedent(
    """
    import sys
    import hookline_sqlite.connector
    from hookline.models import Batch, ConfiguredStream, ConnectorContext, Stream
    from hookline.host import connector_from_plugin

    connector = connector_from_plugin(hookline_sqlite.connector)
    config = connector.parse_config({"path": sys.argv[1]}, source="test")
    connection = connector.auth(config, ConnectorContext())
    schema = {"type": "object", "properties": {
        "id": {"type": "integer"}, "batch": {"type": "integer"}, "items": {"type": "array"}}}
    stream = ConfiguredStream(
        Stream("orders", schema=schema, primary_key="id"), write_mode="upsert")
    connector.write_start(config, connection, stream)
    for number in range(int(sys.argv[2])):
        records = [{"id": number * SIZE + i, "batch": number, "items": [{"n": i}] * 5}
                   for i in range(SIZE)]
        connector.write(config, connection, stream, Batch(records))
        print(number, flush=True)  # the batch is durable: the state could be committed
    connector.write_finish(config, connection, stream)
    """
).replace("SIZE", str(SIZE))


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_killed_writer_leaves_whole_batches_and_a_rerun_completes(db: Sqlite) -> None:
    db.path.parent.mkdir()
    batches = 400
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db.path), str(batches)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    confirmed = -1
    for line in writer.stdout:
        confirmed = int(line)
        if confirmed >= 5:
            break
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    assert writer.returncode == -signal.SIGKILL
    assert db.sql("PRAGMA integrity_check") == [("ok",)]
    [(rows, last)] = db.sql("SELECT count(*), max(batch) FROM orders")
    assert rows % SIZE == 0  # whole batches only
    assert rows >= (confirmed + 1) * SIZE  # every confirmed batch survived
    assert rows < batches * SIZE  # the kill came before the end
    assert db.sql("SELECT count(*) FROM orders WHERE batch = ?", last) == [(SIZE,)]
    # The rerun writes everything again (a runner without state would): nothing doubles.
    rerun = subprocess.run(
        [sys.executable, "-c", WRITER, str(db.path), str(batches)],
        capture_output=True,
        check=True,
    )
    assert rerun.returncode == 0
    assert db.sql("SELECT count(*), count(DISTINCT id) FROM orders") == [
        (batches * SIZE, batches * SIZE)
    ]


# -- synchronous: full by default; normal is a documented, announced weaker choice ---------

NORMAL_GUARANTEE = "survives a crash of the process, not of the operating system or a power loss"


def _warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_by_default_every_batch_is_synced_to_disk(db: Sqlite) -> None:
    connection = db.auth()
    assert connection.synchronous == "full"
    db.write(db.stream("orders", {"id": {"type": "integer"}}), [{"id": 1}], connection=connection)
    # PRAGMA synchronous 2 is FULL: in WAL mode each commit syncs the WAL before returning.
    assert connection.writer().execute("PRAGMA synchronous").fetchone() == (2,)


def test_full_logs_no_warning(db: Sqlite, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    db.auth()
    db.auth(db.config(synchronous="full"))
    assert _warnings(caplog) == []


def test_normal_logs_one_warning_naming_its_guarantee(
    db: Sqlite, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    config = db.config(synchronous="normal")
    connection = db.auth(config)
    stream = db.stream("orders", {"id": {"type": "integer"}})
    db.write(stream, [{"id": 1}], [{"id": 2}], config=config, connection=connection)
    [warning] = _warnings(caplog)
    assert warning.levelno == logging.WARNING
    message = warning.getMessage()
    assert NORMAL_GUARANTEE in message
    assert str(db.path) in message
    assert "full" in message.split(NORMAL_GUARANTEE, 1)[1]  # says what to choose instead


def test_the_setting_s_description_says_what_each_mode_guarantees(db: Sqlite) -> None:
    field = db.connector.config_schema()["properties"]["synchronous"]
    assert field["default"] == "full"
    full, normal = field["description"].split("normal:", 1)
    assert full.startswith("full (the default)")
    assert "crash of the process, of the operating system or a power loss" in full
    assert "survives only a crash of the process, not of the operating system" in normal
    assert "logs a warning" in normal
