"""What the checks share: the connector, its config, its connection, what it read.

Everything is computed on first use and kept, so each check asks for what it needs and a
subset of checks can run alone. A precondition that failed (the config was refused, auth
failed) makes the checks that need it skip, naming the check that failed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

from hookline._loading import describe_exception
from hookline.conformance._capture import Capture
from hookline.conformance._fixture import ConformanceFixture
from hookline.conformance._limits import DEFAULT_MAX_RECORDS, Guard, Limits
from hookline.conformance._registry import CheckSkipped
from hookline.errors import HooklineError
from hookline.host import Connector, Plugins
from hookline.models import Batch, Catalog, ConfiguredStream, ConnectorContext, Stream
from hookline.secrets import Secret

#: Reads stop after this many records by default (``Limits.max_records``): a read that
#: passes it fails its check, so a source that never ends cannot hang the suite.
MAX_RECORDS = DEFAULT_MAX_RECORDS


@attrs.define
class ReadOutcome:
    """One read of one stream: its batches in order (records and state after each).

    ``truncated`` is kept for checks written against earlier suites: a read is no longer
    cut short, it fails at the record cap (see :mod:`hookline.conformance._limits`).
    """

    stream: ConfiguredStream
    batches: list[Batch]
    truncated: bool = False

    @property
    def records(self) -> list[dict[str, Any]]:
        """Every record, in order."""
        return [record for batch in self.batches for record in batch.records]

    @property
    def final_state(self) -> dict[str, Any] | None:
        """The state after the last batch that carried one."""
        for batch in reversed(self.batches):
            if batch.state is not None:
                return batch.state
        return None


class Precondition(Exception):
    """A step the checks depend on failed; holds the one-line reason."""


class SuiteContext:
    """The connector under test and everything the checks learn about it."""

    def __init__(
        self,
        connector: Connector,
        workdir: Path,
        fixture: ConformanceFixture | None,
        config_data: dict[str, Any] | None,
        config_base_dir: Path,
        config_origin: str,
        capture: Capture,
    ) -> None:
        self.connector = connector
        self.workdir = workdir
        self.fixture = fixture
        self.config_data = config_data
        self.config_base_dir = config_base_dir
        self.config_origin = config_origin
        self.capture = capture
        self.read_calls: list[str] = []
        #: The record cap and time limit every check runs under.
        self.limits = Limits()
        #: The running check's budget (set by the suite for each check).
        self.guard = Guard(self.limits)
        #: The cross-cutting plugins taking part (registered with the connector).
        self.plugins = Plugins()
        #: The outcomes of the checks that ran so far (the report being written).
        self.outcomes: list[Any] = []
        self._cache: dict[str, Any] = {}
        self._failed: dict[str, str] = {}
        self._connections: list[Any] = []

    # -- configuration and connection ------------------------------------------------

    def parse(self, data: dict[str, Any], origin: str | None = None) -> Any:
        """Structure ``data`` into the connector's config model (raises ConfigError)."""
        return self.connector.parse_config(
            data, source=origin or self.config_origin, base_dir=self.config_base_dir
        )

    def open(self, config: Any) -> Any:
        """Call auth with ``config`` and keep the connection to close at the end."""
        connection = self.connector.auth(config, ConnectorContext(base_dir=self.config_base_dir))
        self._connections.append(connection)
        return connection

    def require_config(self) -> dict[str, Any]:
        """The config data under test, or skip: neither a fixture nor ``--config`` gave one."""
        if self.config_data is None:
            raise CheckSkipped(
                "needs a config: the connector has no conformance fixture "
                "(hookline_conformance_fixture) and no --config was given",
                applicable=True,
            )
        return self.config_data

    @property
    def config(self) -> Any:
        """The structured config under test."""
        data = self.require_config()
        return self._once(
            "config", "structure the config", "config.fixture_accepted", lambda: self.parse(data)
        )

    @property
    def connection(self) -> Any:
        """The connection from auth with the config under test."""
        config = self.config
        return self._once(
            "connection", "auth", "config.fixture_accepted", lambda: self.open(config)
        )

    def secret_values(self) -> dict[str, str]:
        """The config's secret values by setting path (these are the canaries)."""
        found: dict[str, str] = {}
        _collect_secrets(self.config, "$", found)
        return found

    # -- discovery and reads ---------------------------------------------------------

    def require_source(self) -> None:
        """Skip (not applicable) when the connector cannot be read from."""
        if not self.connector.info.is_source:
            raise CheckSkipped(f"not a source (kind {self.connector.info.kind!r})")

    def require_destination(self) -> None:
        """Skip (not applicable) when the connector cannot be written to."""
        if not self.connector.info.is_destination:
            raise CheckSkipped(f"not a destination (kind {self.connector.info.kind!r})")

    @property
    def catalog(self) -> Catalog:
        """The catalog from the first discover."""
        self.require_source()
        connection = self.connection
        return self._once(  # type: ignore[no-any-return]
            "catalog",
            "discover",
            "discover.has_streams",
            lambda: self.discover(connection),
        )

    def discover(self, connection: Any, streams: Sequence[str] | None = None) -> Catalog:
        """Call discover (of ``streams`` only, when named) and remember its output for the
        secrets check."""
        catalog = self.connector.discover(
            self.config, connection, streams, complete_when_missing=False
        )
        self.capture.add("discover output", json.dumps(catalog.to_dict(), default=str))
        return catalog

    def streams(self) -> list[Stream]:
        """The discovered streams, or skip when there are none."""
        streams = list(self.catalog.streams)
        if not streams:
            raise CheckSkipped("discover returned no streams", applicable=True)
        return streams

    def full_read(self, stream: Stream) -> ReadOutcome:
        """Read ``stream`` in full (once; kept)."""
        key = f"full:{stream.name}"
        return self._once(  # type: ignore[no-any-return]
            key,
            f"a full read of stream {stream.name!r}",
            "read.records_conform",
            lambda: self.read(ConfiguredStream(stream, sync_mode="full"), None),
        )

    def incremental_read(self, stream: Stream) -> ReadOutcome:
        """Read ``stream`` incrementally from no state (once; kept)."""
        key = f"incremental:{stream.name}"
        return self._once(  # type: ignore[no-any-return]
            key,
            f"an incremental read of stream {stream.name!r}",
            "incremental.state_advances",
            lambda: self.read(ConfiguredStream(stream, sync_mode="incremental"), None),
        )

    def read(
        self,
        stream: ConfiguredStream,
        state: dict[str, Any] | None,
        connection: Any = None,
        config: Any = None,
    ) -> ReadOutcome:
        """Read one stream from ``state``, keeping every batch.

        The read is stopped at the record cap (the check then fails; see
        :mod:`hookline.conformance._limits`).
        """
        outcome = ReadOutcome(stream, [])
        batches: Iterator[Batch] = self.connector.read(
            self.config if config is None else config,
            self.connection if connection is None else connection,
            stream,
            state,
        )
        for batch in batches:
            outcome.batches.append(batch)
            self.capture.add(
                f"records of stream {stream.name!r}", json.dumps(batch.records, default=str)
            )
            self.capture.add(
                f"state of stream {stream.name!r}", json.dumps(batch.state, default=str)
            )
        return outcome

    # -- bookkeeping -----------------------------------------------------------------

    def failed_checks(self, names: tuple[str, ...]) -> list[str]:
        """Which of the checks ``names`` already ran and failed, in the order they ran."""
        return [o.name for o in self.outcomes if o.name in names and o.status == "failed"]

    def skip_after_failures(self, names: tuple[str, ...], what: str) -> None:
        """Skip when a check that this one builds on failed: its finding would repeat."""
        failed = self.failed_checks(names)
        if failed:
            raise CheckSkipped(f"{what} (see {', '.join(failed)})", applicable=True)

    def note_error(self, where: str, exc: BaseException) -> str:
        """Remember an error's text for the secrets check; return it as one line."""
        text = describe_exception(exc) if not isinstance(exc, HooklineError) else str(exc)
        self.capture.add(where, str(exc))
        return " ".join(text.split())

    def _once(self, key: str, label: str, owner: str, compute: Any) -> Any:
        if key in self._cache:
            return self._cache[key]
        if key in self._failed:
            raise CheckSkipped(
                f"{self._failed[key]} (see {owner})",
                applicable=True,
            )
        try:
            value = compute()
        except CheckSkipped:
            raise
        except Exception as exc:
            reason = f"{label} failed: {self.note_error(label, exc)}"
            self._failed[key] = reason
            raise Precondition(reason) from exc
        self._cache[key] = value
        return value

    def close(self) -> None:
        """Close every connection opened during the suite."""
        for connection in self._connections:
            try:
                self.connector.close(connection)
            except Exception as exc:  # closing must not hide the report
                self.note_error("close", exc)
        self._connections.clear()


def distinct(stream: Stream, records: list[Any]) -> int:
    """How many records, counting a primary key once (repeats are another check's)."""
    if not stream.primary_key:
        return len(records)
    return len(
        {
            json.dumps([r.get(k) for k in stream.primary_key], default=str)
            if isinstance(r, dict)
            else json.dumps(r, default=str)
            for r in records
        }
    )


def _collect_secrets(value: Any, path: str, found: dict[str, str]) -> None:
    if isinstance(value, Secret):
        found[path] = value.reveal()
    elif attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            _collect_secrets(getattr(value, field.name), f"{path}.{field.name}", found)
    elif isinstance(value, dict):
        for key, item in value.items():
            _collect_secrets(item, f"{path}.{key}", found)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _collect_secrets(item, f"{path}[{index}]", found)
