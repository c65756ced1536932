"""Logging for the CLI: everything to stderr, every line redacted; as text or JSON lines."""

from __future__ import annotations

import datetime
import json
import logging
import sys
from typing import Any

#: Fields a log call may add with ``extra=`` that a JSON line carries.
_EXTRA_FIELDS = ("attempt", "method", "url", "connector", "wait_seconds")


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


class JsonFormatter(logging.Formatter):
    """One JSON object per log line: time, level, logger, pipeline, stream, message, more.

    ``pipeline`` and ``stream`` say what the logging thread worked on (see
    :mod:`hookline._logcontext`); ``attempt``, ``method``, ``url`` and the like come from
    the log call. The message is redacted before it gets here (:class:`RedactingFilter`).
    """

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as one line of JSON."""
        fields = {name: getattr(record, name, None) for name in _EXTRA_FIELDS}
        if record.exc_text:
            fields["traceback"] = record.exc_text
        return _entry(
            record.created,
            record.levelname.lower(),
            record.name,
            record.getMessage(),
            {key: value for key, value in fields.items() if value is not None},
        )


def json_line(level: str, logger: str, message: str, **fields: Any) -> str:
    """A line in the format of :class:`JsonFormatter`, for output that is not a log record
    (the CLI's errors, a run's progress); ``message`` is redacted here."""
    from hookline.secrets import redact

    return _entry(None, level, logger, redact(message), fields)


def _entry(
    created: float | None, level: str, logger: str, message: str, fields: dict[str, Any]
) -> str:
    """One JSON line: time, level, logger, what the thread works on, ``fields``, message."""
    from hookline._logcontext import current

    entry = {
        "time": _timestamp(created),
        "level": level,
        "logger": logger,
        **current(),
        **fields,
        "message": message,
    }
    return json.dumps(entry, ensure_ascii=False, default=str)


def _timestamp(created: float | None) -> str:
    moment = (
        datetime.datetime.now(datetime.timezone.utc)
        if created is None
        else datetime.datetime.fromtimestamp(created, datetime.timezone.utc)
    )
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def configure(*, debug: bool = False, log_format: str = "text") -> None:
    """Send hookline's logs to stderr: warnings by default, everything with ``debug``.

    ``log_format`` is ``"text"`` (one readable line each) or ``"json"`` (one JSON object
    each, see :class:`JsonFormatter`).
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    formatter: logging.Formatter
    if log_format == "json":
        formatter = JsonFormatter()
    elif debug:
        formatter = logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    else:
        formatter = logging.Formatter("%(levelname)s: %(message)s")
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    if debug:
        # Third-party chatter (httpx, urllib3) stays at INFO even in debug.
        for noisy in ("httpcore", "urllib3", "asyncio"):
            logging.getLogger(noisy).setLevel(logging.INFO)
