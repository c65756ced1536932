"""Concurrency: streams written from several threads into one file, with readers alongside."""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from hookline.models import Batch, ConfiguredStream

if TYPE_CHECKING:
    from conftest import Sqlite

PROPS = {"id": {"type": "integer"}, "v": {"type": "string"}}
BATCHES = 40
SIZE = 250


def batch(number: int, *, extra: bool) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = [
        {"id": number * SIZE + i, "v": f"r{number}-{i}"} for i in range(SIZE)
    ]
    if extra:  # now and then a new field, so that threads also change the schema
        records[0][f"f{number}"] = number
    return records


def write_stream(db: Sqlite, config: Any, connection: Any, stream: ConfiguredStream) -> int:
    db.connector.write_start(config, connection, stream)
    written = 0
    for number in range(BATCHES):
        result = db.connector.write(
            config, connection, stream, Batch(batch(number, extra=number % 7 == 0))
        )
        assert result.rejected == ()
        written += result.written
    db.connector.write_finish(config, connection, stream)
    return written


def test_two_streams_from_two_threads_share_one_connection(db: Sqlite) -> None:
    config = db.config()
    connection = db.auth(config)
    streams = [
        db.stream("orders", PROPS, key="id", write_mode="upsert"),
        db.stream("events", PROPS, write_mode="append"),
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(write_stream, db, config, connection, s) for s in streams]
        results = [f.result() for f in futures]
    assert results == [BATCHES * SIZE, BATCHES * SIZE]
    for table in ("orders", "events"):
        assert db.sql(f"SELECT count(*), count(DISTINCT id) FROM {table}") == [
            (BATCHES * SIZE, BATCHES * SIZE)
        ]
    assert {"f0", "f7", "f35"} <= {
        c for (c,) in db.sql("SELECT name FROM pragma_table_info('orders')")
    }


def test_separate_connection_objects_on_one_file(db: Sqlite) -> None:
    config = db.config()
    first, second = db.auth(config), db.auth(config)
    streams = [db.stream(f"s{i}", PROPS, key="id", write_mode="upsert") for i in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [
            pool.submit(write_stream, db, config, first if i % 2 else second, s)
            for i, s in enumerate(streams)
        ]
        assert [f.result() for f in futures] == [BATCHES * SIZE] * 4


def test_readers_read_while_a_stream_is_written(db: Sqlite) -> None:
    config = db.config()
    connection = db.auth(config)
    upsert = db.stream("orders", PROPS, key="id", write_mode="upsert")
    db.write(upsert, batch(0, extra=False))
    done = threading.Event()
    counts: list[int] = []

    def read_repeatedly() -> None:
        while not done.is_set():
            records = db.records("orders", sync_mode="full")
            counts.append(len(records))

    reader = threading.Thread(target=read_repeatedly)
    reader.start()
    try:
        assert write_stream(db, config, connection, upsert) == BATCHES * SIZE
    finally:
        done.set()
        reader.join()
    assert counts
    # Every read saw whole batches only: a batch is one transaction.
    assert all(count % SIZE == 0 for count in counts), counts


def test_a_writer_in_another_process_is_waited_for(db: Sqlite) -> None:
    upsert = db.stream("orders", PROPS, key="id", write_mode="upsert")
    db.write(upsert, batch(0, extra=False))
    other = sqlite3.connect(db.path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # holds the write lock, as another program would
    release = threading.Timer(0.5, lambda: other.execute("COMMIT"))
    release.start()
    started = time.monotonic()
    [result] = db.write(upsert, batch(1, extra=False))
    release.join()
    other.close()
    assert result.written == SIZE
    assert time.monotonic() - started >= 0.4
