"""The bookmark and its boundary: which delivered records share the bookmark's value.

An API whose cursor parameter is inclusive (``updated_since=B`` answers the records with
``updated_at >= B``) sends the records whose cursor value equals the bookmark again on
every read. The state remembers them by key, so they are not delivered twice::

    {"bookmark": "2026-03-01T10:25:00Z", "boundary": ["[24]", "[25]"]}

* A record's key is its primary key as JSON: ``[42]``, ``["eu", 7]``. A key longer than
  :data:`MAX_KEY_LENGTH` characters (or holding a registered secret) is stored as ``h:``
  and 32 hex digits of its SHA-256. A record without a primary key (or without one of its
  fields) is keyed by its whole content: ``r:`` and 32 hex digits of the SHA-256 of its
  canonical JSON, so a changed record is never taken for the one delivered.
* A record is dropped when its cursor value equals the bookmark (as an instant, for
  timestamps) and its key is in ``boundary``: that version was delivered already. A record
  changed again without its cursor value changing (a cursor coarser than the changes) is
  therefore not delivered again; a lookback covers that case.
* At most ``cursor.max_boundary_keys`` keys are kept. Past the cap, further records with
  the bookmark's value are delivered but not remembered, so the next read delivers them
  again (at least once, never lost), until a later cursor value moves the bookmark on; a
  warning names the setting to raise.
"""

from __future__ import annotations

__all__ = ["MAX_KEY_LENGTH", "Bookmark", "record_key"]

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from hookline.models import Record
from hookline.secrets import redact
from hookline_rest._cursor import cursor_key

#: Keys longer than this are stored hashed.
MAX_KEY_LENGTH = 64


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def record_key(record: Record, primary_key: tuple[str, ...]) -> str:
    """Return the key ``record`` is remembered by in the boundary (see the module)."""
    if primary_key and all(field in record for field in primary_key):
        key = json.dumps([record[f] for f in primary_key], sort_keys=True, default=str)
        if len(key) > MAX_KEY_LENGTH or redact(key) != key:
            return "h:" + _digest(key)
        return key
    whole = json.dumps(record, sort_keys=True, default=str, separators=(",", ":"))
    return "r:" + _digest(whole)


class Bookmark:
    """The largest cursor value delivered, and the keys of the records delivered with it.

    Args:
        value: the bookmark from the state (``None``: nothing delivered yet).
        keys: the boundary keys from the state.
        cap: the most keys to keep (``cursor.max_boundary_keys``).
    """

    def __init__(self, value: Any, keys: Iterable[str], cap: int) -> None:
        self.value = value
        self.cap = cap
        self.keys: list[str] = list(dict.fromkeys(keys))[:cap]
        self._members = set(self.keys)
        self._sort_key = cursor_key(value) if value is not None else None
        #: How many records with the bookmark's value were not remembered (past the cap).
        self.overflow = 0

    def delivered(self, value: Any, key: str) -> bool:
        """Whether the record with cursor ``value`` and ``key`` was delivered already."""
        return key in self._members and cursor_key(value) == self._sort_key

    def add(self, value: Any, key: str) -> None:
        """Take a delivered record's cursor ``value`` and ``key`` into account."""
        sort_key = cursor_key(value)
        if self._sort_key is None or sort_key > self._sort_key:
            self.value, self._sort_key = value, sort_key
            self.keys, self._members, self.overflow = [], set(), 0
        elif sort_key != self._sort_key or key in self._members:
            return
        if len(self.keys) < self.cap:
            self.keys.append(key)
            self._members.add(key)
        else:
            self.overflow += 1
