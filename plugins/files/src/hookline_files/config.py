"""The files connector's configuration: a directory, and the streams found in it.

A source configuration names streams, each a glob of files under ``directory``; a
destination configuration needs only ``directory`` (and ``output_format``)::

    directory: data
    follow_symlinks: false    # links out of directory are refused
    streams:
      - name: orders
        path: "orders/*.jsonl"
        primary_key: id
        cursor_field: updated_at

hookline structures the YAML into :class:`FilesConfig`; the validators below raise
``TypeError("expected ...")`` so that hookline reports their message with the file and
key path of the offending stream.
"""

from __future__ import annotations

__all__ = ["FORMATS", "FilesConfig", "StreamConfig", "format_for_path"]

from pathlib import Path, PurePosixPath
from typing import Any, Literal

import attrs

#: The file formats the connector reads and writes.
FORMATS = ("jsonl", "csv")

#: File name suffixes and the format they imply.
_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}

FileFormat = Literal["jsonl", "csv"]


def format_for_path(path: str) -> str | None:
    """Return the format a file name or glob implies by its suffix, or ``None``."""
    return _SUFFIXES.get(PurePosixPath(path).suffix.lower())


def _at_least_one(instance: Any, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise TypeError(f"expected {attribute.name} to be 1 or more, got {value}")


def _not_empty(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not value.strip():
        raise TypeError(f"expected {attribute.name} to be a non-empty string")


def _relative_glob(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    parts = PurePosixPath(value.replace("\\", "/")).parts
    if not value.strip():
        raise TypeError("expected path to be a glob of files, such as 'orders/*.jsonl'")
    if value.startswith(("/", "\\")) or (len(value) > 1 and value[1] == ":"):
        raise TypeError(
            f"expected path to be relative to directory, got {value!r}: "
            "set directory to the folder and path to the glob inside it"
        )
    if ".." in parts:
        raise TypeError(
            f"expected path to stay inside directory, got {value!r}: "
            "set directory to a folder that contains the files"
        )


@attrs.frozen
class StreamConfig:
    """One source stream: the files a glob matches, read in sorted order."""

    name: str = attrs.field(
        validator=_not_empty,
        metadata={"description": "The stream's name, unique in this configuration."},
    )
    path: str = attrs.field(
        validator=_relative_glob,
        metadata={
            "description": (
                "A glob of files relative to directory, such as 'orders/*.jsonl' "
                "('**' matches sub-folders). Files are read in sorted path order."
            )
        },
    )
    format: FileFormat | None = attrs.field(
        default=None,
        metadata={
            "description": (
                "The files' format: jsonl (one JSON object per line) or csv (a header "
                "row, then records). Default: taken from the suffix of path "
                "(.jsonl, .ndjson, .csv)."
            )
        },
    )
    primary_key: tuple[str, ...] = attrs.field(
        default=(),
        metadata={
            "description": ("The field, or list of fields, that identifies a record. Optional.")
        },
    )
    cursor_field: str | None = attrs.field(
        default=None,
        metadata={
            "description": (
                "A field that grows as records change (such as updated_at); the largest "
                "value read is kept in the state as a bookmark. Optional."
            )
        },
    )
    schema: dict[str, Any] | None = attrs.field(
        default=None,
        metadata={
            "description": (
                "The JSON Schema of one record. Default: inferred from the first "
                "infer_records records. CSV values are converted to the types it names."
            )
        },
    )

    def __attrs_post_init__(self) -> None:
        if self.format is None and format_for_path(self.path) is None:
            raise TypeError(
                f"expected format (jsonl or csv) for stream {self.name!r}: the path "
                f"{self.path!r} does not end in .jsonl, .ndjson or .csv"
            )

    @property
    def file_format(self) -> str:
        """The format of the stream's files, given or taken from the path's suffix."""
        return self.format or format_for_path(self.path) or "jsonl"

    @property
    def key_fields(self) -> tuple[str, ...]:
        """The primary key as a tuple of field names (empty when there is none)."""
        return self.primary_key


def _unique_names(
    instance: Any, attribute: attrs.Attribute[tuple[StreamConfig, ...]], value: Any
) -> None:
    seen: set[str] = set()
    for stream in value:
        if stream.name in seen:
            raise TypeError(f"expected unique stream names, {stream.name!r} is used twice")
        seen.add(stream.name)


@attrs.frozen
class FilesConfig:
    """Local files (JSON Lines, CSV) as a source and as a destination."""

    directory: Path = attrs.field(
        metadata={
            "description": (
                "The folder the files are in (source) or written to (destination). A "
                "relative path starts at the configuration file's folder."
            )
        }
    )
    streams: tuple[StreamConfig, ...] = attrs.field(
        default=(),
        validator=_unique_names,
        metadata={
            "description": (
                "Source side: the streams to offer, each a named glob of files. Leave "
                "empty when the connector is used only as a destination."
            )
        },
    )
    batch_size: int = attrs.field(
        default=1000,
        validator=_at_least_one,
        metadata={"description": "Source side: the most records one batch holds."},
    )
    infer_records: int = attrs.field(
        default=1000,
        validator=_at_least_one,
        metadata={
            "description": (
                "Source side: how many records (from the start of the sorted files) "
                "schema inference looks at, for streams without a declared schema."
            )
        },
    )
    follow_symlinks: bool = attrs.field(
        default=False,
        metadata={
            "description": (
                "Source side: also read files that a symbolic link leads to outside "
                "directory. Default false: such a match is an error naming the link. "
                "Links that stay inside directory are always followed."
            )
        },
    )
    output_format: FileFormat = attrs.field(
        default="jsonl",
        metadata={
            "description": (
                "Destination side: the format of the files written, one per stream "
                "(<directory>/<stream>.jsonl or .csv)."
            )
        },
    )

    def stream(self, name: str) -> StreamConfig | None:
        """Return the configured stream called ``name``, or ``None``."""
        for stream in self.streams:
            if stream.name == name:
                return stream
        return None
