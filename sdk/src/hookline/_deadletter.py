"""The dead-letter store: records set aside with the reason, one JSON Lines file a stream.

``<state_dir>/dead-letter/<pipeline>/<stream>.jsonl``; each line holds the time, the run,
the stage that refused the record (``schema``, ``mapping``, ``transform``, ``write``), the
reason and the record itself, with every known secret masked. Lines are flushed and
fsynced before the batch's state is committed, so a set-aside record is never lost.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from hookline.errors import HooklineError
from hookline.jsoncodec import dumps
from hookline.models import RejectedRecord
from hookline.secrets import any_registered, redact


class DeadLetterStore:
    """Appends rejected records to per-stream files under ``directory``."""

    def __init__(self, directory: Path, run_id: int) -> None:
        self.directory = directory
        self.run_id = run_id
        self._lock = threading.Lock()

    def path(self, stream: str) -> Path:
        """Return the file the stream's rejected records go to."""
        return self.directory / f"{_safe(stream)}.jsonl"

    def add(self, stream: str, stage: str, rejected: list[RejectedRecord]) -> None:
        """Append ``rejected`` durably; nothing is written when the list is empty.

        Raises:
            HooklineError: the file cannot be written (a full disk, say), naming it.
        """
        if not rejected:
            return
        now = time.time()
        lines = []
        for item in rejected:
            entry = {
                "time": now,
                "run": self.run_id,
                "stream": stream,
                "stage": stage,
                "reason": item.reason,
                "record": item.record,
            }
            lines.append(dumps(entry, default=repr))
        payload = b"\n".join(lines) + b"\n"
        if any_registered():
            payload = redact(payload.decode()).encode()
        path = self.path(stream)
        with self._lock:
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                with open(path, "ab") as handle:
                    handle.write(payload)
                    handle.flush()
                    os.fsync(handle.fileno())
            except OSError as exc:
                raise HooklineError(
                    f"cannot set {len(rejected)} record(s) aside in {path}: "
                    f"{exc.strerror or exc}; free space or fix the folder's permissions, "
                    "then run again (the batch's state was not committed, so it is read again)"
                ) from None


def _safe(name: str) -> str:
    """A file name for a stream name: no separators, no leading dots."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in name).lstrip(".")
    return cleaned or "_"
