"""Writing a batch: one request per record (or one for the batch), 4xx rejected, rest raised.

Outcomes per request:

* 2xx or 3xx: the records it carried are written;
* a 4xx answer (not retried, except 429): those records are rejected with the status and
  the server's message, and the batch goes on;
* a template field the record lacks: that record is rejected, nothing is sent for it;
* a record with no JSON form (a ``set``, NaN or infinity): rejected, nothing is sent for it;
* retries exhausted (429, 5xx, transport errors), the deadline, a refused host: the
  whole batch fails with :class:`~hookline.errors.WriteError`, so its state is not
  committed and a later run sends it again, with the same idempotency keys.
"""

from __future__ import annotations

__all__ = ["MissingField", "render", "write_batch"]

import json
import re
import urllib.parse
from typing import Any

from hookline.errors import AuthError, WriteError
from hookline.http import HttpClient, HttpError, HttpStatusError
from hookline.models import Record, RejectedRecord, WriteResult
from hookline_rest.config import WriteConfig

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class MissingField(Exception):
    """A template needs a field the record does not have (or has as null)."""


def _not_json(value: Any) -> str | None:
    """Return why ``value`` cannot be sent as JSON, or ``None`` when it can."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        return f"the record has no JSON form ({exc}); fix the value, or map it to one"
    return None


def render(template: str, values: dict[str, Any], *, quote: bool) -> str:
    """Fill ``{field}`` placeholders from ``values``; URL-quote each value when ``quote``.

    Raises:
        MissingField: a placeholder's field is missing or null; the message names it.
    """

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        found = values.get(name)
        if found is None:
            raise MissingField(
                f"the template {template!r} needs the field {name!r}, which the record "
                "does not have (or has as null)"
            )
        text = str(found).lower() if isinstance(found, bool) else str(found)
        return urllib.parse.quote(text, safe="") if quote else text

    return _PLACEHOLDER.sub(value, template)


def _send(
    client: HttpClient,
    spec: WriteConfig,
    stream: str,
    path: str,
    body: Any,
    key: str | None,
) -> str | None:
    """Send one request; return ``None`` when accepted, or why it was rejected (4xx)."""
    try:
        client.request(spec.method, path, json=body, idempotency_key=key)
    except HttpStatusError as exc:
        return f"the API refused it with {exc.status}: {exc.server_message or exc}"
    except AuthError:
        raise
    except HttpError as exc:
        raise WriteError(
            f"{exc}; no record of this batch counts as written, the next run sends the batch again",
            stream=stream,
        ) from None
    return None


def _write_records(
    client: HttpClient, spec: WriteConfig, stream: str, records: list[Record]
) -> WriteResult:
    written = 0
    rejected: list[RejectedRecord] = []
    for record in records:
        problem = _not_json(record)
        if problem is not None:
            rejected.append(RejectedRecord(record=record, reason=problem))
            continue
        values = {**record, "stream": stream}
        try:
            path = render(spec.path, values, quote=True)
            key = (
                None
                if spec.idempotency_key is None
                else render(spec.idempotency_key, values, quote=False)
            )
        except MissingField as exc:
            rejected.append(RejectedRecord(record=record, reason=str(exc)))
            continue
        reason = _send(client, spec, stream, path, record, key)
        if reason is None:
            written += 1
        else:
            rejected.append(RejectedRecord(record=record, reason=reason))
    return WriteResult(written=written, rejected=rejected)


def _write_all(
    client: HttpClient, spec: WriteConfig, stream: str, records: list[Record]
) -> WriteResult:
    if not records:
        return WriteResult(written=0)
    problems = [_not_json(r) for r in records]
    if any(p is not None for p in problems):
        sendable = [r for r, p in zip(records, problems, strict=True) if p is None]
        unsendable = [
            RejectedRecord(r, p) for r, p in zip(records, problems, strict=True) if p is not None
        ]
        result = _write_all(client, spec, stream, sendable)
        return WriteResult(written=result.written, rejected=[*result.rejected, *unsendable])
    values = {**records[0], "stream": stream, "count": len(records)}
    try:
        path = render(spec.path, {"stream": stream}, quote=True)
        key = (
            None
            if spec.idempotency_key is None
            else render(spec.idempotency_key, values, quote=False)
        )
    except MissingField as exc:
        return WriteResult(written=0, rejected=[RejectedRecord(r, str(exc)) for r in records])
    reason = _send(client, spec, stream, path, records, key)
    if reason is None:
        return WriteResult(written=len(records))
    return WriteResult(written=0, rejected=[RejectedRecord(r, reason) for r in records])


def write_batch(
    client: HttpClient, spec: WriteConfig, stream: str, records: list[Record]
) -> WriteResult:
    """Send ``records`` of ``stream`` as ``spec`` says; see the module for the outcomes."""
    if spec.mode == "batch":
        return _write_all(client, spec, stream, records)
    return _write_records(client, spec, stream, records)
