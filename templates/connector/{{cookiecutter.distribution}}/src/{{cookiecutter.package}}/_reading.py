"""Reading: the streams the connector offers, and how one is read in batches.

Every stream is read in the order of its cursor field ``updated_at``, ties broken by
``id``. A batch's state is the position of its last record::

    {"updated_at": "2024-03-05T10:00:00Z", "id": 42}

An incremental read continues strictly after that position, so resuming from any batch's
state yields exactly the records that follow it: nothing twice, nothing lost.
"""

from __future__ import annotations

__all__ = ["STREAMS", "read_stream"]
{% if cookiecutter.style == "python" %}
import json
{%- endif %}
from collections.abc import Iterator
{%- if cookiecutter.style == "python" %}
from pathlib import Path
{%- endif %}
from typing import Any

from hookline.errors import ReadError
{%- if cookiecutter.style == "rest" %}
from hookline.http import HttpClient, paginate
{%- endif %}
from hookline.models import Batch, ConfiguredStream, Record, State, Stream
{% if cookiecutter.style == "rest" %}
from {{ cookiecutter.package }}._client import Sender, pagination
{%- endif %}
from {{ cookiecutter.package }}.config import Config

_TIMESTAMP = {"type": "string", "format": "date-time"}

# Replace these with your system's streams: a name, the JSON Schema of one record, the
# primary key and the field that grows when a record changes.
STREAMS = (
    Stream(
        name="customers",
        schema={
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "email": {"type": ["string", "null"]},
                "updated_at": _TIMESTAMP,
            },
            "required": ["id", "updated_at"],
        },
        primary_key=("id",),
        cursor_field="updated_at",
        sync_modes=("full", "incremental"),
    ),
    Stream(
        name="orders",
        schema={
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "customer_id": {"type": "integer"},
                "total": {"type": "number"},
                "status": {"type": "string"},
                "updated_at": _TIMESTAMP,
            },
            "required": ["id", "updated_at"],
        },
        primary_key=("id",),
        cursor_field="updated_at",
        sync_modes=("full", "incremental"),
    ),
)
{%- if cookiecutter.style == "rest" %}

#: A walk stops after this many pages (a warning says so), whatever the API answers.
MAX_PAGES = 100_000
{%- endif %}


def _position(record: Record) -> tuple[Any, Any]:
    # ISO 8601 timestamps in one format and time zone sort correctly as text.
    return (record["updated_at"], record["id"])


def _start(stream: ConfiguredStream, state: State | None) -> tuple[Any, Any] | None:
    """Return the position to continue after, or ``None`` to read everything.

    Raises:
        ReadError: the saved state is not one this connector wrote (a missing key, or a
            value of another type): reading from part of it could skip records.
    """
    if stream.sync_mode != "incremental" or not state:
        return None
    updated_at, record_id = state.get("updated_at"), state.get("id")
    if not isinstance(updated_at, str) or not isinstance(record_id, (int, str)):
        raise ReadError(
            f"the saved state {state!r} is not a position of this connector (a text "
            "updated_at and an id); reset it with hookline state reset",
            stream=stream.name,
        )
    return (updated_at, record_id)


def _is_after(record: Record, after: tuple[Any, Any], stream: ConfiguredStream) -> bool:
    """Whether ``record`` comes after the saved position ``after``.

    Raises:
        ReadError: the saved position's id is of another type than the records' ids.
    """
    try:
        return _position(record) > after
    except TypeError:
        raise ReadError(
            f"the saved state's position {list(after)!r} cannot be compared with the "
            f"records' (updated_at, id) {list(_position(record))!r}; reset it with "
            "hookline state reset",
            stream=stream.name,
        ) from None


def _batch(records: list[Record]) -> Batch:
    last = records[-1]
    return Batch(records, {"updated_at": last["updated_at"], "id": last["id"]})
{%- if cookiecutter.style == "rest" %}


def read_stream(
    client: HttpClient, config: Config, stream: ConfiguredStream, state: State | None
) -> Iterator[Batch]:
    """Yield one batch per page of ``GET /<stream>``, continuing after ``state``.

    The API filters by ``updated_since`` (inclusive), so the records at exactly the saved
    position come again and are dropped here.
    """
    if stream.name not in {s.name for s in STREAMS}:
        raise ReadError(f"there is no stream {stream.name!r}", stream=stream.name)
    after = _start(stream, state)
    # Replace these with your API's query parameters.
    params: dict[str, Any] = {}
{%- if cookiecutter.pagination == "cursor" %}
    params["limit"] = config.page_size
{%- elif cookiecutter.pagination in ("next_url", "link") %}
    params["per_page"] = config.page_size
{%- endif %}
    if after is not None:
        params["updated_since"] = after[0]
    first = client.httpx_client.build_request("GET", f"/{stream.name}", params=params)
    pages = paginate(
        Sender(client), first, pagination(config), records_path="data", max_pages=MAX_PAGES
    )
    for page in pages:
        records = [r for r in page.records if after is None or _is_after(r, after, stream)]
        if records:
            yield _batch(records)
{%- else %}


def read_stream(
    directory: Path, config: Config, stream: ConfiguredStream, state: State | None
) -> Iterator[Batch]:
    """Yield the records of ``<directory>/<stream>.jsonl`` in batches, after ``state``."""
    if stream.name not in {s.name for s in STREAMS}:
        raise ReadError(f"there is no stream {stream.name!r}", stream=stream.name)
    after = _start(stream, state)
    # Replace this with a query to your system: ask it for the records changed since
    # after[0], in order, a page at a time, rather than loading everything as here.
    records = sorted(_load(directory / f"{stream.name}.jsonl", stream.name), key=_position)
    records = [r for r in records if after is None or _is_after(r, after, stream)]
    for start in range(0, len(records), config.batch_size):
        yield _batch(records[start : start + config.batch_size])


def _load(path: Path, stream: str) -> list[Record]:
    """Return the records of a JSON Lines file (none when it does not exist yet)."""
    if not path.exists():
        return []
    records = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except ValueError as exc:
                raise ReadError(f"{path}, line {number}: not JSON ({exc})", stream=stream) from None
    return records
{%- endif %}
