"""Logging for the CLI: everything to stderr, every line redacted."""

from __future__ import annotations

import logging
import sys


class RedactingFilter(logging.Filter):
    """Mask every registered secret in a log record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        from hookline.secrets import redact

        message = record.getMessage()
        masked = redact(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_info[1] is not None:
            # Format the traceback now, redacted, so no handler prints the raw one.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def configure(*, debug: bool = False) -> None:
    """Send hookline's logs to stderr: warnings by default, everything with ``debug``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    if debug:
        fmt = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
    else:
        fmt = "%(levelname)s: %(message)s"
    handler.setFormatter(logging.Formatter(fmt))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    if debug:
        # Third-party chatter (httpx, urllib3) stays at INFO even in debug.
        for noisy in ("httpcore", "urllib3", "asyncio"):
            logging.getLogger(noisy).setLevel(logging.INFO)
