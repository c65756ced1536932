"""Writing: how one batch of a stream reaches {{ cookiecutter.title }}, durably and once.

Records are upserted on the stream's primary key: writing a record again replaces the
stored one, so a batch sent twice (after a crash, before its state was committed) leaves
no duplicates. A record is stored with every field it has, so a field that appears later
is kept (schema policy ``evolve``).
"""

from __future__ import annotations

__all__ = ["write_batch"]
{% if cookiecutter.style == "rest" %}
import urllib.parse

from hookline.errors import WriteError
from hookline.http import HttpClient, HttpError, HttpStatusError
from hookline.models import ConfiguredStream, Record, RejectedRecord, WriteResult

from {{ cookiecutter.package }}._client import request


def _key(stream: ConfiguredStream, record: Record) -> str | None:
    """The record's primary key for the path: its values joined by ``:`` (a composite key)."""
    fields = stream.stream.primary_key or ("id",)
    values = [record.get(field) for field in fields]
    if any(value is None for value in values):
        return None
    texts = [str(v).lower() if isinstance(v, bool) else str(v) for v in values]
    return ":".join(texts)


def write_batch(client: HttpClient, stream: ConfiguredStream, records: list[Record]) -> WriteResult:
    """Send each record with ``PUT /<stream>/<key>``; a record the API refuses is rejected.

    ``<key>`` is the record's primary key value, or its values joined by ``:`` when the key
    has several fields.

    Raises:
        WriteError: the API could not be reached or kept failing; the whole batch is sent
            again on the next run (PUT makes that harmless).
    """
    written = 0
    rejected: list[RejectedRecord] = []
    for record in records:
        key = _key(stream, record)
        if key is None:
            rejected.append(RejectedRecord(record, "a primary key field is missing or null"))
            continue
        # Replace this with your API's endpoint for creating or replacing one record.
        path = f"/{urllib.parse.quote(stream.name)}/{urllib.parse.quote(key, safe='')}"
        try:
            request(client, "PUT", path, json=record)
        except HttpStatusError as exc:  # 4xx: the API refused this record, say why
            rejected.append(RejectedRecord(record, f"{exc.status}: {exc.server_message}"))
            continue
        except HttpError as exc:
            raise WriteError(f"writing stream {stream.name!r} failed: {exc}") from None
        written += 1
    return WriteResult(written=written, rejected=rejected)
{%- else %}
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from hookline.errors import WriteError
from hookline.models import ConfiguredStream, Record, WriteResult


def _key(stream: ConfiguredStream, record: Record) -> str:
    fields = stream.stream.primary_key or ("id",)
    return json.dumps([record.get(field) for field in fields], default=str)


def write_batch(directory: Path, stream: ConfiguredStream, records: list[Record]) -> WriteResult:
    """Upsert the records into ``<directory>/<stream>.jsonl``, replacing the file atomically.

    Replace this with calls to your system: create or replace each record by its primary
    key, and return only once the system has stored them for good.

    Raises:
        WriteError: the file cannot be read or written; nothing of the batch is stored.
    """
    path = directory / f"{stream.name}.jsonl"
    try:
        stored = _load(path, stream)
        for record in records:
            stored[_key(stream, record)] = record
        _replace(path, stored.values())
    except (OSError, ValueError) as exc:
        raise WriteError(f"cannot write {path}: {exc}", stream=stream.name) from None
    return WriteResult(written=len(records))


def _load(path: Path, stream: ConfiguredStream) -> dict[str, Record]:
    """Return what the file holds, by primary key (nothing when it does not exist yet)."""
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines if line.strip()]
    return {_key(stream, record): record for record in records}


def _replace(path: Path, records: Iterable[Record]) -> None:
    """Write the records to a temporary file, flush it to disk, then swap it in."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            for record in records:
                file.write(json.dumps(record) + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
{%- endif %}
