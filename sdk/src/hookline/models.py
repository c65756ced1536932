"""The values that pass between the host and connectors.

All models are frozen attrs classes. A record is a plain ``dict`` (JSON-compatible values);
records travel in batches, never one hook call per record.

Where a record goes, in order::

    hookline_read      -> Batch(records, state)       one stream, one batch at a time
    hookline_transform -> TransformBatch              every transform plugin, in order
    hookline_write     -> WriteResult                 the destination stores the batch
    (runner)           -> the batch's state is committed only after the write succeeded
"""

from __future__ import annotations

__all__ = [
    "KINDS",
    "SCHEMA_POLICIES",
    "SYNC_MODES",
    "WRITE_MODES",
    "Batch",
    "Catalog",
    "CheckResult",
    "ConfiguredStream",
    "ConformanceFixture",
    "ConnectorContext",
    "ConnectorInfo",
    "Record",
    "ReadProgress",
    "RejectedRecord",
    "SettingProblem",
    "State",
    "Stream",
    "TransformBatch",
    "WriteResult",
    "valid_connector_id",
]

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from hookline._version import API_VERSION

#: One record: a JSON-compatible mapping of field name to value.
Record = dict[str, Any]
#: A stream's state: a JSON-compatible mapping the connector alone interprets.
State = dict[str, Any]

#: What a connector can be: a source, a destination, or both.
KINDS = ("source", "destination", "both")
#: How a stream can be read: everything each time, or what is new since the state.
SYNC_MODES = ("full", "incremental")
#: How a destination stores a stream's records.
WRITE_MODES = ("append", "upsert", "replace")
#: What a destination does when records bring a new field or another type.
SCHEMA_POLICIES = ("evolve", "freeze")

_CONNECTOR_ID = re.compile(r"^[a-z][a-z0-9_]*(-[a-z0-9_]+)*$")


def _tuple_of_str(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _streams(value: Iterable[Stream]) -> tuple[Stream, ...]:
    return tuple(value)


def _rejected(value: Iterable[RejectedRecord]) -> tuple[RejectedRecord, ...]:
    return tuple(value)


def valid_connector_id(value: str) -> bool:
    """Return whether ``value`` is a valid connector id (lowercase, digits, ``-`` and ``_``)."""
    return bool(_CONNECTOR_ID.match(value))


@attrs.frozen
class ConnectorInfo:
    """Who a connector is; returned by its ``hookline_describe`` hook.

    Attributes:
        id: the connector id; must equal its entry-point name.
        version: the connector's own version.
        kind: ``"source"``, ``"destination"`` or ``"both"``.
        title: a human name, such as ``"Local files"``.
        description: one or two sentences on what it connects to.
        config_model: the attrs class its configuration is structured into, or ``None``
            when it takes no configuration. Fields typed :class:`hookline.Secret` are secret.
        capabilities: what it can do, such as ``("incremental", "upsert")``.
        hosts: the network hosts it talks to (empty for local connectors).
        api_version: the hookline hook API generation it was written for.
    """

    id: str
    version: str
    kind: str = attrs.field(validator=attrs.validators.in_(KINDS))
    title: str = ""
    description: str = ""
    config_model: type | None = None
    capabilities: tuple[str, ...] = attrs.field(default=(), converter=_tuple_of_str)
    hosts: tuple[str, ...] = attrs.field(default=(), converter=_tuple_of_str)
    api_version: int = API_VERSION

    @property
    def is_source(self) -> bool:
        """Whether the connector can be read from."""
        return self.kind in ("source", "both")

    @property
    def is_destination(self) -> bool:
        """Whether the connector can be written to."""
        return self.kind in ("destination", "both")


@attrs.frozen
class ConnectorContext:
    """What the host tells a connector about the run it takes part in.

    Attributes:
        base_dir: the directory relative paths in the config are relative to (the config
            or pipeline file's directory).
        logger: the logger the connector should log to; its output is redacted.
    """

    base_dir: Path = attrs.field(factory=Path.cwd, converter=Path)
    logger: logging.Logger = attrs.field(factory=lambda: logging.getLogger("hookline.connector"))


@attrs.frozen
class Stream:
    """One stream a source offers: a named, typed collection of records.

    Attributes:
        name: unique within the connector.
        schema: the JSON Schema of one record (an ``object`` schema).
        primary_key: the fields that identify a record (empty when there is none).
        cursor_field: the field that grows as records change, for incremental reads.
        sync_modes: the modes the stream supports (``"full"``, ``"incremental"``).
    """

    name: str
    schema: dict[str, Any] = attrs.field(factory=lambda: {"type": "object", "properties": {}})
    primary_key: tuple[str, ...] = attrs.field(default=(), converter=_tuple_of_str)
    cursor_field: str | None = None
    sync_modes: tuple[str, ...] = attrs.field(default=("full",), converter=_tuple_of_str)

    def to_dict(self) -> dict[str, Any]:
        """Return the stream as JSON-compatible data (the ``discover`` output)."""
        return {
            "name": self.name,
            "schema": self.schema,
            "primary_key": list(self.primary_key),
            "cursor_field": self.cursor_field,
            "sync_modes": list(self.sync_modes),
        }


@attrs.frozen
class Catalog:
    """Every stream a source offers; returned by ``hookline_discover``."""

    streams: tuple[Stream, ...] = attrs.field(default=(), converter=_streams)

    def get(self, name: str) -> Stream | None:
        """Return the stream called ``name``, or ``None``."""
        for stream in self.streams:
            if stream.name == name:
                return stream
        return None

    @property
    def names(self) -> list[str]:
        """The stream names, in catalog order."""
        return [s.name for s in self.streams]

    def to_dict(self) -> dict[str, Any]:
        """Return the catalog as JSON-compatible data."""
        return {"streams": [s.to_dict() for s in self.streams]}


@attrs.frozen
class ConfiguredStream:
    """A stream as selected for one read or write, with how to sync and store it.

    Attributes:
        stream: the stream as discovered (with any overrides applied).
        sync_mode: ``"full"`` reads everything; ``"incremental"`` continues from the state.
        write_mode: ``"append"``, ``"upsert"`` (on the primary key) or ``"replace"``.
        schema_policy: ``"evolve"``: a new field adds a column and a type conflict widens
            it; ``"freeze"``: either fails the run with a clear message.
    """

    stream: Stream
    sync_mode: str = attrs.field(default="full", validator=attrs.validators.in_(SYNC_MODES))
    write_mode: str = attrs.field(default="append", validator=attrs.validators.in_(WRITE_MODES))
    schema_policy: str = attrs.field(
        default="evolve", validator=attrs.validators.in_(SCHEMA_POLICIES)
    )

    @property
    def name(self) -> str:
        """The stream's name."""
        return self.stream.name


@attrs.frozen
class Batch:
    """Records read from one stream, and the state that holds once they are delivered.

    Attributes:
        records: the records, in the order read.
        state: the stream's state after these records; persisting it means "everything up
            to here was delivered". ``None`` when the source keeps no state.
        progress: how far this read is after these records, when the source can know its
            size (bytes of files, a total the API reports, rows of a table); a terminal
            then shows a bar with percent, rate and time left. ``None``: a spinner and
            counts.
    """

    records: list[Record]
    state: State | None = None
    progress: ReadProgress | None = None


@attrs.frozen
class ReadProgress:
    """How far a stream's read is: ``done`` of ``total`` units (the total may grow).

    Attributes:
        done: units read so far in this read.
        total: units this read will read in all, as known now.
        unit: what is counted: ``"bytes"``, ``"records"`` or ``"rows"``.
    """

    done: int
    total: int
    unit: str = "records"


@attrs.define
class TransformBatch:
    """A batch in flight through the transform hooks (mutable, on purpose).

    Each ``hookline_transform`` implementation may replace or edit ``records`` and move
    records it cannot handle to ``rejected`` with a reason; the next implementation sees
    the result.
    """

    records: list[Record]
    rejected: list[RejectedRecord] = attrs.field(factory=list)


@attrs.frozen
class RejectedRecord:
    """A record that was set aside, and why (it goes to the dead-letter store)."""

    record: Record
    reason: str


@attrs.frozen
class SettingProblem:
    """A setting of a connector's configuration that cannot serve the planned streams.

    Returned by ``hookline_validate_streams``; the host reports it as a configuration
    error with the config file and the full key path.

    Attributes:
        path: a JSON path into the connector's configuration, such as ``$.writes``.
        message: what is wrong and what to do, such as ``no entry for stream 'orders':
            add writes.orders with its path``.
    """

    path: str
    message: str


@attrs.frozen
class CheckResult:
    """The outcome of the ``hookline_check`` probe."""

    ok: bool
    message: str = ""


@attrs.frozen
class WriteResult:
    """What the destination did with one batch.

    Attributes:
        written: how many records it stored durably.
        rejected: the records it refused, each with the reason.
    """

    written: int
    rejected: tuple[RejectedRecord, ...] = attrs.field(default=(), converter=_rejected)


def _dict(value: Mapping[str, Any]) -> dict[str, Any]:
    return dict(value)


def _optional_dict(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if value is None else dict(value)


@attrs.frozen
class ConformanceFixture:
    """A connector's conformance fixture; returned by ``hookline_conformance_fixture``.

    Attributes:
        config: a working configuration, as it would be written in a config file
            (relative paths are relative to the fixture's ``workdir``). Its secret values
            are the canaries: no output of any phase may contain them. Make them
            distinctive with :func:`canary`.
        bad_credentials: settings merged over ``config`` (nested mappings merge key by
            key) that the service refuses; auth or check must then fail with a clear
            error. ``None`` when the connector takes no credentials.
        invalid_config: a config that passes type checks but that the connector must
            refuse with a clear error (a missing directory, a URL without a scheme).
        url_setting: the dotted key path of the setting that holds the service's base URL
            (``"base_url"``, ``"api.url"``). Setting it enables the HTTP fault checks: the
            suite routes the connector through a loopback proxy that injects 429, 503 and
            401 responses.
        read_back: for a destination that cannot read its own output: given a written
            stream, return the records stored for it. ``None`` reads back through the
            connector's own discover and read (connectors of kind ``both``).
        cleanup: called once when the suite is done (stop the fake service).
        record_counts: how many records each stream of the fixture's data holds, by
            stream name; the read checks compare a full read against them, so a pager
            that stops early (or drops the last page) fails. ``None``: not declared
            (the completeness check then cannot run, and says so).
        refused_records: for a destination, per stream, records that pass the stream's
            schema but that the destination must refuse by its own constraints (a value
            too long for its column, a constraint of the service): the write checks send
            them among good ones and expect them back as rejections with reasons.
        write_tolerances: for a destination whose type system forces it, the narrow,
            documented tolerance per JSON type (``{"number": "1e-15"}`` for a relative
            float error, ``{"date-time": "microseconds"}``); every other value must be read
            back exactly.
        change_data: for a source, changes the fixture's data between two reads (adds
            records, updates some, moves some across page boundaries) and returns, per
            stream, the records added or updated; an incremental read resumed after the
            change must return exactly those (and nothing missed).
    """

    config: dict[str, Any] = attrs.field(converter=_dict)
    bad_credentials: dict[str, Any] | None = attrs.field(default=None, converter=_optional_dict)
    invalid_config: dict[str, Any] | None = attrs.field(default=None, converter=_optional_dict)
    url_setting: str | None = None
    read_back: Callable[[ConfiguredStream], list[Record]] | None = None
    cleanup: Callable[[], None] | None = None
    record_counts: dict[str, int] | None = None
    refused_records: dict[str, list[Record]] | None = None
    write_tolerances: dict[str, str] | None = None
    change_data: Callable[[], dict[str, list[Record]]] | None = None
