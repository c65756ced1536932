"""Writing batches to files: one file per stream, replaced atomically for every batch.

Every write builds the stream's new file next to the old one (a hidden temporary file in
the same directory), flushes it to disk, and renames it over the old one. A crash leaves
either the old file or the new one, never a mix; a failed write removes its temporary file.

``append`` copies the old file and adds the batch; ``upsert`` merges the batch into the
old records on the primary key, so writing the same batch twice stores it once. Both
rewrite the whole file, so a write costs time in proportion to the file's size.

Integers of any size are written with their exact digits (see
:mod:`hookline_files._json`). A stream's file that is a symbolic link is written through
only when the link stays inside the directory; one leading out of it is refused.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import secrets
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from hookline import jsoncodec as _json
from hookline.errors import WriteError
from hookline.models import ConfiguredStream, Record, RejectedRecord, WriteResult
from hookline_files._values import UnwritableValue, cell_text

_COPY_CHUNK = 1 << 20
_FORBIDDEN = ("/", "\\", "\x00")


def target_path(directory: Path, stream: str, file_format: str) -> Path:
    """Return the file a stream is written to, ``<directory>/<stream>.<format>``.

    When that name is a symbolic link that stays inside the directory, the file it leads
    to is returned (and written); the link is kept.

    Raises:
        WriteError: the stream name would put the file anywhere else (a path separator,
            ``..``, an absolute path, a NUL or control character, a leading dot); or the
            name is a symbolic link leading out of the directory, or a folder.
    """
    problem = None
    if not stream or not stream.strip():
        problem = "it is empty"
    elif any(c in stream for c in _FORBIDDEN) or any(ord(c) < 32 for c in stream):
        problem = "it contains a path separator or a control character"
    elif stream.startswith(".") or os.path.isabs(stream):
        problem = "it starts with a dot or is an absolute path"
    if problem is not None:
        raise WriteError(
            f"stream name {stream!r} cannot be used as a file name ({problem}); the files "
            "destination writes <directory>/<stream>.<format>, so rename the stream",
            stream=stream,
        )
    return _through_links(directory / f"{stream}.{file_format}", directory, stream)


def _through_links(target: Path, directory: Path, stream: str) -> Path:
    """Return the file to write for ``target``: itself, or where its link leads inside."""
    real = target
    if target.is_symlink():
        try:
            real = target.resolve()
        except (OSError, RuntimeError) as exc:
            raise WriteError(
                f"cannot write {target}: it is a symbolic link that cannot be resolved "
                f"({exc}); remove the link",
                stream=stream,
            ) from None
        base = directory.resolve()
        if not real.is_relative_to(base):
            raise WriteError(
                f"cannot write {target}: it is a symbolic link to {real}, outside directory "
                f"{base}, and the files destination never writes through a link out of its "
                "directory; remove the link, or set directory to the folder to write",
                stream=stream,
            )
    if real.is_dir():
        raise WriteError(
            f"cannot write {target}: it is a folder, not a file; move it away or rename the stream",
            stream=stream,
        )
    return real


def _fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (where the platform allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(target: Path, fill: Callable[[BinaryIO], None]) -> None:
    """Replace ``target`` with what ``fill`` writes, atomically and durably.

    ``fill`` writes the complete new content to the binary file it is given. If it (or
    anything after it) fails, ``target`` is left as it was and the temporary file removed.
    The new file keeps the old file's permissions.
    """
    temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(temp, flags, 0o666)
    try:
        with os.fdopen(fd, "wb") as out:
            fill(out)
            out.flush()
            os.fsync(out.fileno())
        if target.exists():
            os.chmod(temp, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _fsync_directory(target.parent)


def _copy_lines(target: Path, out: BinaryIO) -> None:
    """Copy ``target`` (if it exists) to ``out``, ending it with a line break."""
    if not target.exists():
        return
    last = b"\n"
    with target.open("rb") as source:
        while chunk := source.read(_COPY_CHUNK):
            out.write(chunk)
            last = chunk[-1:]
    if last != b"\n":
        out.write(b"\n")


def _result(written: int, rejected: list[RejectedRecord]) -> WriteResult:
    # The field's converter (tuple) hides its element type from mypy.
    return WriteResult(written=written, rejected=rejected)


def _missing_key(record: Record, key: tuple[str, ...]) -> str | None:
    for field in key:
        if record.get(field) is None:
            return f"primary key field {field!r} is missing or null"
    return None


def _require_key(stream: ConfiguredStream) -> tuple[str, ...]:
    key = stream.stream.primary_key
    if not key:
        raise WriteError(
            "write mode upsert needs a primary key, and this stream has none: set the "
            "stream's primary key, or use write mode append",
            stream=stream.name,
        )
    return key


def write_jsonl(target: Path, stream: ConfiguredStream, records: list[Record]) -> WriteResult:
    """Append or upsert ``records`` to the JSON Lines file ``target``."""
    upsert = stream.write_mode == "upsert"
    key = _require_key(stream) if upsert else ()
    lines: list[tuple[Any, bytes]] = []
    rejected: list[RejectedRecord] = []
    for record in records:
        reason = _missing_key(record, key) if upsert else None
        if reason is None:
            try:
                line = _json.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
            except TypeError as exc:
                reason = f"cannot be written as JSON: {exc}"
        if reason is not None:
            rejected.append(RejectedRecord(record, reason))
            continue
        lines.append((_json.dumps([record[k] for k in key]) if upsert else None, line))
    if not lines:
        return _result(0, rejected)  # nothing to store: leave the file as it is

    if not upsert:

        def append(out: BinaryIO) -> None:
            _copy_lines(target, out)
            out.write(b"".join(line for _, line in lines))

        atomic_write(target, append)
    else:
        merged = _existing_jsonl(target, key)
        for record_key, line in lines:
            merged[record_key] = line

        def rewrite(out: BinaryIO) -> None:
            out.write(b"".join(merged.values()))

        atomic_write(target, rewrite)
    return _result(len(lines), rejected)


def _existing_jsonl(target: Path, key: tuple[str, ...]) -> dict[Any, bytes]:
    """Return the lines of an existing file keyed by primary key (unkeyed ones kept apart)."""
    merged: dict[Any, bytes] = {}
    if not target.exists():
        return merged
    for number, line in enumerate(target.read_bytes().split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            record = _json.loads(line)
        except ValueError as exc:
            raise WriteError(
                f"cannot upsert into {target}: line {number} is not valid JSON ({exc}); "
                "fix or remove that line, or write to another directory"
            ) from None
        values = [record.get(k) for k in key] if isinstance(record, dict) else [None]
        # A record without a complete key is kept as it is, under a key of its own.
        record_key = number if None in values else _json.dumps(values)
        merged[record_key] = line + b"\n"
    return merged


def _columns(header: list[str], schema: dict[str, Any], records: Iterable[Record]) -> list[str]:
    """Return the existing header, then schema properties, then other keys, once each."""
    columns = dict.fromkeys(header)
    properties = schema.get("properties")
    if isinstance(properties, dict):
        columns.update(dict.fromkeys(properties))
    for record in records:
        columns.update(dict.fromkeys(record))
    return list(columns)


def _csv_text(rows: Iterable[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def write_csv(target: Path, stream: ConfiguredStream, records: list[Record]) -> WriteResult:
    """Append or upsert ``records`` to the CSV file ``target``.

    The columns are the existing header, then the stream schema's properties, then any
    other keys of the records; a new column rewrites the file with the wider header.
    """
    upsert = stream.write_mode == "upsert"
    key = _require_key(stream) if upsert else ()
    header, old_rows = _existing_csv(target)
    columns = _columns(header, stream.stream.schema, records)
    rows: list[tuple[Any, list[str]]] = []
    rejected: list[RejectedRecord] = []
    for record in records:
        reason = _missing_key(record, key) if upsert else None
        if reason is None:
            try:
                row = [cell_text(record.get(c)) for c in columns]
            except UnwritableValue as exc:
                reason = f"cannot be written as CSV: {exc}"
        if reason is not None:
            rejected.append(RejectedRecord(record, reason))
            continue
        rows.append((tuple(cell_text(record[k]) for k in key) if upsert else None, row))
    if not rows:
        return _result(0, rejected)  # nothing to store: leave the file as it is

    if not upsert and header and header == columns:

        def append(out: BinaryIO) -> None:
            _copy_lines(target, out)
            out.write(_csv_text(row for _, row in rows))

        atomic_write(target, append)
        return _result(len(rows), rejected)

    merged: dict[Any, list[str]] = {}
    for number, old in enumerate(old_rows):
        cells = dict(zip(header, old, strict=False))
        row = [cells.get(c, "") for c in columns]
        values = tuple(cells.get(k, "") for k in key)
        # A row without a complete key is kept as it is, under a key of its own.
        merged[values if upsert and all(values) else number] = row
    for number, (record_key, row) in enumerate(rows, start=len(old_rows)):
        merged[record_key if upsert else number] = row

    def rewrite(out: BinaryIO) -> None:
        if columns:
            out.write(_csv_text([columns, *merged.values()]))

    atomic_write(target, rewrite)
    return _result(len(rows), rejected)


def _existing_csv(target: Path) -> tuple[list[str], list[list[str]]]:
    """Return an existing CSV file's header and rows (empty when there is no file)."""
    if not target.exists():
        return [], []
    with target.open(encoding="utf-8-sig", newline="") as file:
        rows = [row for row in csv.reader(file) if row]
    if not rows:
        return [], []
    return rows[0], rows[1:]


def write_batch(
    directory: Path, stream: ConfiguredStream, records: list[Any], file_format: str
) -> WriteResult:
    """Store one batch of ``stream`` in ``directory`` as ``file_format``; see the module.

    Raises:
        WriteError: the stream name is unsafe, the write mode unsupported, or the file
            cannot be written; the old file is then unchanged.
    """
    if stream.write_mode == "replace":
        raise WriteError(
            "write mode replace is not supported by the files destination (it cannot tell "
            "a run's first batch from the others); use append or upsert",
            stream=stream.name,
        )
    target = target_path(directory, stream.name, file_format)
    good: list[Record] = []
    not_records: list[RejectedRecord] = []
    for record in records:
        if isinstance(record, dict):
            good.append(record)
        else:
            not_records.append(RejectedRecord(record, "not a record (a mapping)"))
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if file_format == "csv":
            result = write_csv(target, stream, good)
        else:
            result = write_jsonl(target, stream, good)
    except OSError as exc:
        raise WriteError(
            f"cannot write {target}: {exc.strerror or exc}; check the directory's "
            "permissions and free space",
            stream=stream.name,
        ) from None
    except UnicodeDecodeError:
        raise WriteError(
            f"cannot write {target}: the existing file is not UTF-8 text; move it away "
            "or write to another directory",
            stream=stream.name,
        ) from None
    if not_records:
        return _result(result.written, [*not_records, *result.rejected])
    return result
