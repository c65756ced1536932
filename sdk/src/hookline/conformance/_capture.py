"""Everything a connector lets out while the suite runs, kept raw for the secrets check.

Log records are captured at DEBUG *before* hookline's redaction touches them, and what is
printed to stdout and stderr is kept too (and passed on, redacted). Records, states,
catalogs and error messages are added by the checks as they see them.
"""

from __future__ import annotations

import io
import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO


class Capture:
    """The texts seen so far, searchable for canary values."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._texts: list[tuple[str, str]] = []

    def add(self, where: str, text: str) -> None:
        """Remember ``text``, seen in ``where`` (a log line, a record, an error...)."""
        if text:
            with self._lock:
                self._texts.append((where, text))

    def find(self, needles: dict[str, str]) -> list[tuple[str, str]]:
        """Return ``(where, label)`` for every needle (label → value) found in a text."""
        with self._lock:
            texts = list(self._texts)
        found = []
        for where, text in texts:
            for label, value in needles.items():
                if value in text:
                    found.append((where, label))
        return found

    @contextmanager
    def active(self) -> Iterator[None]:
        """Capture log records and printed output for the duration."""
        handler = _CaptureHandler(self)
        root = logging.getLogger()
        previous_level = root.level
        quieted = [(h, h.level) for h in root.handlers]
        for existing, level in quieted:
            # The report says what happened; the connector's own warnings (retries under
            # injected faults) would only repeat it. With --debug they are shown.
            existing.setLevel(level if previous_level <= logging.DEBUG else logging.CRITICAL + 1)
        root.handlers.insert(0, handler)
        root.setLevel(logging.DEBUG)
        out, err = sys.stdout, sys.stderr
        sys.stdout = _Tee(self, "stdout", out)
        sys.stderr = _Tee(self, "stderr", err)
        try:
            yield
        finally:
            sys.stdout, sys.stderr = out, err
            root.removeHandler(handler)
            root.setLevel(previous_level)
            for existing, level in quieted:
                existing.setLevel(level)


class _CaptureHandler(logging.Handler):
    def __init__(self, capture: Capture) -> None:
        super().__init__(logging.DEBUG)
        self.capture = capture

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a malformed log call is the connector's bug, not the suite's
            text = f"{record.msg!r} {record.args!r}"
        if record.exc_info and record.exc_info[1] is not None:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.capture.add(f"log line ({record.name})", text)


class _Tee(io.TextIOBase):
    """Keep what is printed, and pass it on with secrets masked."""

    def __init__(self, capture: Capture, name: str, target: TextIO) -> None:
        self.capture = capture
        self.name_ = name
        self.target = target

    def write(self, text: Any) -> int:
        from hookline.secrets import redact

        self.capture.add(self.name_, str(text))
        self.target.write(redact(str(text)))
        return len(text)

    def flush(self) -> None:
        self.target.flush()

    def isatty(self) -> bool:
        return False
