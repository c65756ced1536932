"""Durability: a writer killed at any moment leaves whole batches, and a rerun completes."""

from __future__ import annotations

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
