"""Reading a stream's files: complete lines only, from a byte offset, in batches.

JSON Lines: one object per line, parsed with orjson, except lines with a long run of
digits, which may hold an integer beyond 64 bits: those are parsed by
:func:`hookline.jsoncodec.loads`, which keeps it exact. CSV: a header row, then records
(RFC 4180: a quoted cell may hold line breaks). Either way only *complete* lines are read:
bytes after a file's last newline belong to a record still being written, and are left
for the next read.

:func:`read_stream` walks the stream's files in sorted order and yields
:class:`~hookline.models.Batch` objects whose state says where each file was read up to
(see :mod:`hookline_files._state`).
"""

from __future__ import annotations

import contextlib
import csv
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

import orjson

from hookline import jsoncodec as _json
from hookline.errors import ReadError
from hookline.models import Batch, ReadProgress, Record
from hookline_files._state import (
    HEAD_SIZE,
    FilePosition,
    dump_state,
    fingerprint,
    later,
)
from hookline_files._values import CellError, cell_converter, guess_value

_CHUNK = 1 << 20
_BOM = "\ufeff"
_WHAT_TO_DO_JSON = "fix or remove that line, then try again"


def _line_number(path: Path, offset: int) -> int:
    """Return the 1-based number of the line that starts at byte ``offset``."""
    count = 1
    remaining = offset
    with path.open("rb") as file:
        while remaining > 0:
            chunk = file.read(min(_CHUNK, remaining))
            if not chunk:
                break
            count += chunk.count(b"\n")
            remaining -= len(chunk)
    return count


class _Lines:
    """The complete lines of a binary file from an offset, read in large chunks.

    ``pos`` is the byte position after the last line taken; ``rest`` holds bytes after
    the last newline seen (an incomplete line) once the end of the file is reached. With
    ``check_digits``, ``plain`` says whether the lines in ``buffer`` are free of digit
    runs that might be integers beyond 64 bits (checked once per chunk).
    """

    def __init__(self, file: BinaryIO, offset: int, *, check_digits: bool = False) -> None:
        self._file = file
        self.pos = offset
        self.buffer: list[bytes] = []
        self.index = 0
        self.rest = b""
        self.eof = False
        self._check_digits = check_digits
        self.plain = True

    def fill(self) -> bool:
        """Read the next chunk; return ``False`` at the end of the file."""
        while not self.eof:
            chunk = self._file.read(_CHUNK)
            if not chunk:
                self.eof = True
                break
            data = self.rest + chunk
            lines = data.split(b"\n")
            self.rest = lines.pop()
            if lines:
                if self._check_digits:
                    # The incomplete last line counts too: at worst a false alarm.
                    self.plain = not _json.may_hold_big_integer(data)
                self.buffer, self.index = lines, 0
                return True
        return False

    def __iter__(self) -> Iterator[bytes]:
        while True:
            if self.index >= len(self.buffer) and not self.fill():
                return
            line = self.buffer[self.index]
            self.index += 1
            self.pos += len(line) + 1
            yield line


class FileReader:
    """Reads the records of one file, from a byte offset, a batch at a time."""

    #: Whether lines are checked for integers beyond 64 bits (JSON Lines).
    check_digits = False

    def __init__(self, path: Path, offset: int) -> None:
        self.path = path
        self._file: BinaryIO = path.open("rb")
        self._head = self._file.read(HEAD_SIZE)
        self._file.seek(offset)
        self._lines = _Lines(self._file, offset, check_digits=self.check_digits)
        #: The byte position after the last record returned.
        self.position = offset
        #: Whether every complete line of the file was read.
        self.done = False
        self._error: ReadError | None = None

    def __enter__(self) -> FileReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the file."""
        self._file.close()

    def read(self, limit: int) -> list[Record]:
        """Return up to ``limit`` records; fewer (and ``done``) at the end of the file.

        Raises:
            ReadError: the next line is not a valid record. Records before it are
                returned first; the error is raised by the following call.
        """
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        records: list[Record] = []
        try:
            self._read(records, limit)
        except ReadError as exc:
            if not records:
                raise
            self._error = exc
        return records

    def _read(self, records: list[Record], limit: int) -> None:
        raise NotImplementedError

    def file_position(self) -> FilePosition:
        """Return the position to keep in the state for this file."""
        size = min(self.position, len(self._head))
        return FilePosition(self.position, fingerprint(self._head[:size]), size)

    def incomplete_bytes(self) -> int:
        """How many bytes at the end of the file are not part of a complete record."""
        end = self._file.seek(0, 2)
        return end - self.position

    def error(self, offset: int, problem: str, what_to_do: str) -> ReadError:
        """Return a :class:`ReadError` for the line starting at ``offset``."""
        line = _line_number(self.path, offset)
        return ReadError(f"file {self.path}, line {line}: {problem}; {what_to_do}")


class JsonLinesReader(FileReader):
    """Reads JSON Lines: one JSON object per line; blank lines are skipped.

    Integers of any size are read exactly (see :mod:`hookline_files._json`).
    """

    check_digits = True

    def _read(self, records: list[Record], limit: int) -> None:
        lines = self._lines
        fast = orjson.loads
        loads = _json.loads
        while len(records) < limit:
            if lines.index >= len(lines.buffer):
                if not lines.fill():
                    self.done = True
                    return
                continue
            start = lines.index
            taken = lines.buffer[start : start + limit - len(records)]
            # Fast path: a run of well-formed lines, parsed without per-line bookkeeping,
            # when no line of the chunk has digits that orjson could turn into a float.
            parsed = None
            if lines.plain:
                with contextlib.suppress(orjson.JSONDecodeError):
                    parsed = list(map(fast, taken))
            if parsed is not None and set(map(type, parsed)) == {dict}:
                records.extend(parsed)
                lines.index += len(taken)
                self.position += sum(map(len, taken)) + len(taken)
                lines.pos = self.position
                continue
            for line in taken:
                if line.strip():
                    try:
                        record = loads(line)
                    except ValueError as exc:
                        raise self.error(
                            self.position, f"not valid JSON ({exc})", _WHAT_TO_DO_JSON
                        ) from None
                    if type(record) is not dict:
                        kind = type(record).__name__
                        raise self.error(
                            self.position,
                            f"a JSON {kind} where a JSON object (a record) belongs",
                            _WHAT_TO_DO_JSON,
                        )
                    records.append(record)
                lines.index += 1
                self.position += len(line) + 1
                lines.pos = self.position


class _TextLines:
    """The lines of :class:`_Lines` as text for :mod:`csv`, noting where the input ended."""

    def __init__(self, lines: _Lines, at_start: bool) -> None:
        self._lines = iter(lines)
        self._source = lines
        self._at_start = at_start
        #: Whether the csv reader asked for a line after the last complete one.
        self.exhausted = False

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        try:
            line = next(self._lines)
        except StopIteration:
            self.exhausted = True
            raise
        text = line.decode("utf-8")
        if self._at_start:
            self._at_start = False
            text = text.removeprefix(_BOM)
        return text + "\n"

    @property
    def pos(self) -> int:
        """The byte position after the last line handed out."""
        return self._source.pos


class CsvReader(FileReader):
    """Reads CSV: a header row, then one record per row, cells typed by the schema.

    Args:
        path: the file.
        offset: where to start; after the header when ``header`` is given.
        header: the header row read earlier (from the state), or ``None`` at the start.
        properties: the stream schema's properties, which give each column's type.
        guess: type cells by their look instead (for schema inference).
    """

    def __init__(
        self,
        path: Path,
        offset: int,
        header: tuple[str, ...] | None,
        properties: dict[str, Any],
        *,
        guess: bool = False,
    ) -> None:
        super().__init__(path, offset)
        self.header = header
        self._properties = properties
        self._guess = guess
        self._text = _TextLines(self._lines, at_start=offset == 0)
        self._rows = csv.reader(self._text)
        self._converters: list[Callable[[str], Any]] = []
        if header is not None:
            self._set_header(header)

    def _set_header(self, header: tuple[str, ...]) -> None:
        self.header = header
        if self._guess:
            self._converters = [guess_value] * len(header)
        else:
            self._converters = [cell_converter(self._properties.get(h)) for h in header]

    def file_position(self) -> FilePosition:
        """Return the position to keep in the state, with the header row."""
        position = super().file_position()
        return FilePosition(position.offset, position.head, position.head_size, self.header)

    def _read(self, records: list[Record], limit: int) -> None:
        text = self._text
        while len(records) < limit:
            start = self.position
            try:
                row = next(self._rows)
            except StopIteration:
                self.done = True
                return
            except UnicodeDecodeError as exc:
                raise self.error(
                    start, f"not UTF-8 text ({exc.reason})", "save the file as UTF-8"
                ) from None
            except csv.Error as exc:
                if text.exhausted:
                    self.done = True
                    return
                raise self.error(start, f"not valid CSV ({exc})", _WHAT_TO_DO_JSON) from None
            if text.exhausted:
                # The row ended with the file, not with a line break: it is incomplete.
                self.done = True
                return
            if row and self.header is None:
                self._set_header(tuple(row))
            elif row:
                records.append(self._record(row, start))
            self.position = text.pos

    def _record(self, row: list[str], start: int) -> Record:
        header = self.header or ()
        width = len(header)
        if len(row) != width:
            if len(row) > width:
                raise self.error(
                    start,
                    f"{len(row)} values but the header has {width} columns",
                    "fix the row or the header",
                )
            row = row + [""] * (width - len(row))
        try:
            values = [c(v) for c, v in zip(self._converters, row, strict=True)]
            return dict(zip(header, values, strict=True))
        except CellError:
            pass
        for name, convert, value in zip(header, self._converters, row, strict=True):
            try:
                convert(value)
            except CellError as exc:
                shown = value if len(value) <= 40 else value[:37] + "..."
                raise self.error(
                    start,
                    f"column {name!r} holds {shown!r}, {exc} as the stream's schema says",
                    "declare the column's type in the stream's schema, or raise "
                    "infer_records so that inference sees such values",
                ) from None
        raise AssertionError("unreachable")  # pragma: no cover


def open_reader(
    path: Path,
    file_format: str,
    position: FilePosition | None,
    properties: dict[str, Any],
    *,
    guess: bool = False,
) -> FileReader:
    """Open the right reader for a file, at ``position`` (``None``: from the start).

    Raises:
        ReadError: the file cannot be opened.
    """
    offset = position.offset if position else 0
    try:
        if file_format == "csv":
            header = position.header if position else None
            return CsvReader(path, offset, header, properties, guess=guess)
        return JsonLinesReader(path, offset)
    except OSError as exc:
        raise ReadError(
            f"cannot read file {path}: {exc.strerror or exc}; check that it exists and is readable"
        ) from None


def resume_position(
    path: Path, name: str, position: FilePosition | None, file_format: str, logger: logging.Logger
) -> FilePosition | None:
    """Return where to continue reading a file, or ``None`` to read it from the start.

    A file is read again from the start, with a warning, when it is shorter than the
    position, its first bytes changed, or the position is no longer at a line start:
    each means the file was rewritten rather than appended to.
    """
    if position is None or position.offset == 0:
        return None
    try:
        with path.open("rb") as file:
            size = file.seek(0, 2)
            if size < position.offset:
                reason = f"it shrank from at least {position.offset} to {size} bytes"
            else:
                file.seek(0)
                head = file.read(position.head_size)
                file.seek(position.offset - 1)
                if fingerprint(head) != position.head:
                    reason = "its first bytes changed"
                elif file.read(1) != b"\n":
                    reason = "the position read up to is no longer at the start of a line"
                elif file_format == "csv" and position.header is None:
                    reason = "its header row is not in the state"
                else:
                    return position
    except OSError as exc:
        raise ReadError(f"cannot read file {path}: {exc.strerror or exc}") from None
    logger.warning("file %s was rewritten (%s): reading it again from the start", name, reason)
    return None


def _bookmark(records: list[Record], field: str, current: Any) -> Any:
    values = [v for r in records if (v := r.get(field)) is not None]
    if not values:
        return current
    try:
        return later(current, max(values))
    except TypeError:
        for value in values:
            current = later(current, value)
        return current


def read_stream(
    files: list[tuple[str, Path]],
    *,
    file_format: str,
    properties: dict[str, Any],
    batch_size: int,
    cursor_field: str | None,
    positions: dict[str, FilePosition],
    bookmark: Any,
    logger: logging.Logger,
) -> Iterator[Batch]:
    """Yield the records of ``files`` after ``positions``, in batches with their state.

    Args:
        files: the stream's files as :func:`~hookline_files._matching.match_files`
            returns them.
        file_format: ``"jsonl"`` or ``"csv"``.
        properties: the stream schema's properties (CSV cells are converted to them).
        batch_size: the most records per batch.
        cursor_field: the field whose largest value becomes the bookmark, or ``None``.
        positions: where each file was read up to (empty: read everything).
        bookmark: the cursor bookmark so far.
        logger: where rewritten files and incomplete last lines are reported.

    Yields:
        Batches of up to ``batch_size`` records. A last batch without records is yielded
        when only the state changed (a file was found rewritten, or left the stream). Each
        says how far the read is in bytes: those read of those there were to read when it
        began (a file rewritten meanwhile makes the total grow).
    """
    last_state = dump_state(positions, bookmark)
    names = {name for name, _ in files}
    positions = {name: p for name, p in positions.items() if name in names}
    pending: list[Record] = []
    sizes = {name: _size(path) for name, path in files}
    total = sum(sizes.values()) - sum(min(p.offset, sizes[n]) for n, p in positions.items())
    finished = current = 0  # bytes read of the files done, and of the one being read

    def batch() -> Batch:
        nonlocal bookmark, last_state, pending
        if cursor_field is not None:
            bookmark = _bookmark(pending, cursor_field, bookmark)
        last_state = dump_state(positions, bookmark)
        done = finished + current
        progress = ReadProgress(done, max(total, done), "bytes")
        made, pending = Batch(pending, last_state, progress), []
        return made

    for name, path in files:
        start = resume_position(path, name, positions.get(name), file_format, logger)
        began = start.offset if start is not None else 0
        with open_reader(path, file_format, start, properties) as reader:
            while True:
                try:
                    records = reader.read(batch_size - len(pending))
                except ReadError:
                    if pending:
                        yield batch()
                    raise
                pending.extend(records)
                del records  # the batch handed on is then referenced by its consumer only
                positions[name] = reader.file_position()
                current = reader.position - began
                if len(pending) >= batch_size:
                    yield batch()
                elif reader.done:
                    break
            finished, current = finished + current, 0
            left = reader.incomplete_bytes()
            if left:
                logger.warning(
                    "file %s ends with an incomplete record (%d bytes without a final line "
                    "break); it is read once it is complete",
                    name,
                    left,
                )
    if pending or dump_state(positions, bookmark) != last_state:
        yield batch()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # gone since it was listed: reading it says so
        return 0


def sample_records(files: list[tuple[str, Path]], file_format: str, limit: int) -> Iterator[Record]:
    """Yield up to ``limit`` records from the start of ``files``, for schema inference.

    CSV cells are typed by their look (see :func:`hookline_files._values.guess_value`).
    """
    left = limit
    for _, path in files:
        with open_reader(path, file_format, None, {}, guess=True) as reader:
            while left > 0 and not reader.done:
                records = reader.read(left)
                left -= len(records)
                yield from records
        if left <= 0:
            return
