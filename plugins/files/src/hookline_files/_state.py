"""The read state of a stream: where each file was read up to, and the cursor bookmark.

The state is plain JSON::

    {
      "version": 1,
      "files": {
        "orders/orders-0001.jsonl": {"offset": 48211, "head": "9f1c...", "head_size": 1024},
        "customers.csv": {"offset": 9120, "head": "41aa...", "head_size": 1024,
                          "header": ["id", "first_name", "..."]}
      },
      "cursor": "2024-03-02T17:45:00Z"
    }

``offset`` is the byte position just after the last complete line (CSV: record) delivered.
``head`` is a hash of the file's first ``head_size`` bytes (at most 1 KiB, never past
``offset``): when a file's start changed or it shrank below ``offset``, it was rewritten and
is read again from the start. ``header`` is a CSV file's header row, so reading can go on
in the middle of the file. ``cursor`` is the largest value of the stream's cursor field read
so far (``null`` without a cursor field); it is a bookmark, it does not filter records.
"""

from __future__ import annotations

import hashlib
from typing import Any

import attrs

from hookline.errors import ReadError

#: The version of the state format written by this connector.
STATE_VERSION = 1
#: How many bytes from a file's start its fingerprint covers.
HEAD_SIZE = 1024


def fingerprint(head: bytes) -> str:
    """Return the fingerprint (a short hash) of a file's first bytes."""
    return hashlib.blake2b(head, digest_size=16).hexdigest()


@attrs.frozen
class FilePosition:
    """How far one file was read.

    Attributes:
        offset: the byte position after the last record delivered.
        head: the fingerprint of the file's first ``head_size`` bytes.
        head_size: how many bytes ``head`` covers (``min(offset, HEAD_SIZE)``).
        header: a CSV file's header row, or ``None`` (JSON Lines, or not read yet).
    """

    offset: int
    head: str
    head_size: int
    header: tuple[str, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the position as JSON-compatible data."""
        data: dict[str, Any] = {
            "offset": self.offset,
            "head": self.head,
            "head_size": self.head_size,
        }
        if self.header is not None:
            data["header"] = list(self.header)
        return data

    @classmethod
    def from_json(cls, data: Any) -> FilePosition:
        """Read a position written by :meth:`to_json`; raise ``ValueError`` if it is not one."""
        if not isinstance(data, dict):
            raise ValueError("a file position must be a mapping")
        offset, head, head_size = data.get("offset"), data.get("head"), data.get("head_size")
        header = data.get("header")
        if not (isinstance(offset, int) and offset >= 0 and isinstance(head, str)):
            raise ValueError("a file position needs an offset and a head")
        if not (isinstance(head_size, int) and 0 <= head_size <= offset):
            raise ValueError("a file position needs a head_size no larger than its offset")
        if header is not None and not (
            isinstance(header, list) and all(isinstance(h, str) for h in header)
        ):
            raise ValueError("a CSV header must be a list of strings")
        return cls(offset, head, head_size, tuple(header) if header is not None else None)


def load_positions(state: Any) -> tuple[dict[str, FilePosition], Any]:
    """Return the file positions and the cursor bookmark held by ``state``.

    ``None`` or an empty mapping is the state of a stream never read.

    Raises:
        ReadError: the state was not written by this connector (or by a newer version).
    """
    if not state:
        return {}, None
    if not isinstance(state, dict) or not isinstance(state.get("files"), dict):
        raise ReadError(
            "the stream's state is not a files-connector state (no 'files' mapping); "
            "reset the stream's state or read it with sync mode full"
        )
    if state.get("version") != STATE_VERSION:
        raise ReadError(
            f"the stream's state has version {state.get('version')!r}, this connector "
            f"reads version {STATE_VERSION}; reset the stream's state or read it with "
            "sync mode full"
        )
    positions: dict[str, FilePosition] = {}
    for name, data in state["files"].items():
        try:
            positions[name] = FilePosition.from_json(data)
        except ValueError as exc:
            raise ReadError(
                f"the stream's state for file {name!r} is damaged ({exc}); reset the "
                "stream's state or read it with sync mode full"
            ) from None
    return positions, state.get("cursor")


def dump_state(positions: dict[str, FilePosition], cursor: Any) -> dict[str, Any]:
    """Return the JSON state for ``positions`` (in file order) and the bookmark."""
    return {
        "version": STATE_VERSION,
        "files": {name: positions[name].to_json() for name in sorted(positions)},
        "cursor": cursor,
    }


def later(current: Any, candidate: Any) -> Any:
    """Return the larger of two cursor values; ``None`` is smaller than anything.

    Values of types that do not compare (a number and a string) compare as text.
    """
    if candidate is None:
        return current
    if current is None:
        return candidate
    try:
        return candidate if candidate > current else current
    except TypeError:
        return candidate if str(candidate) > str(current) else current
