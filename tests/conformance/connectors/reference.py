"""A good local connector: JSON files in a directory, read and written, token-protected.

Layout under ``directory``::

    .token                  the token the config must carry (the fixture writes it)
    streams/<name>.json     {"stream": {name, schema, primary_key, cursor_field,
                             sync_modes}, "records": [...]}

Streams with a cursor field are read in cursor order and resumed after the bookmark;
streams without one are resumed by position (they are append-only). A state of another
shape is read as none; a state whose bookmark or position is of the wrong type is
refused with a ``ReadError``. Writes append or upsert on the primary key,
atomically per batch; a new field in the schema (or one whose type changed) is added
under ``evolve`` and refused under ``freeze``, where a record carrying a field the schema
does not declare is rejected.

The plugin is a class so that a broken variant can subclass it and override one hook.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

from hookline import hookimpl
from hookline.conformance import ConformanceFixture, canary
from hookline.errors import AuthError, ReadError, WriteError
from hookline.models import (
    Batch,
    Catalog,
    CheckResult,
    ConfiguredStream,
    ConnectorContext,
    ConnectorInfo,
    RejectedRecord,
    State,
    Stream,
    WriteResult,
)
from hookline.secrets import Secret

TOKEN_FILE = ".token"
STREAMS_DIR = "streams"

CUSTOMERS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "email": {"type": "string", "format": "email"},
        "tier": {"type": "string", "enum": ["basic", "gold"]},
        "updated_at": {"type": "string", "format": "date-time"},
    },
    "required": ["id", "name", "email", "tier", "updated_at"],
}

ORDERS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "customer_id": {"type": "integer"},
        "total": {"type": "number"},
        "status": {"type": "string"},
    },
    "required": ["id", "customer_id", "total", "status"],
}

CUSTOMER_COUNT = 12
ORDER_COUNT = 9


@attrs.frozen
class ReferenceConfig:
    """The settings: where the files are, the token that unlocks them, the batch size."""

    directory: str
    token: Secret
    batch_size: int = 5


@attrs.frozen
class Store:
    """The connection: the resolved directory, the batch size and a logger."""

    root: Path
    batch_size: int
    logger: logging.Logger

    @property
    def streams_dir(self) -> Path:
        return self.root / STREAMS_DIR

    def path(self, name: str) -> Path:
        return self.streams_dir / f"{name}.json"

    def load(self, name: str) -> dict[str, Any] | None:
        path = self.path(name)
        if not path.exists():
            return None
        return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]

    def save(self, name: str, document: dict[str, Any]) -> None:
        """Replace the stream's file atomically (a crash leaves the old or the new one)."""
        self.streams_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.streams_dir, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(document, handle, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path(name))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def names(self) -> list[str]:
        if not self.streams_dir.is_dir():
            return []
        return sorted(p.stem for p in self.streams_dir.glob("*.json"))


def stream_document(stream: Stream, records: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON document one stream is stored as."""
    return {"stream": stream.to_dict(), "records": records}


def stream_from_document(document: dict[str, Any]) -> Stream:
    meta = document["stream"]
    return Stream(
        name=meta["name"],
        schema=meta["schema"],
        primary_key=tuple(meta["primary_key"]),
        cursor_field=meta["cursor_field"],
        sync_modes=tuple(meta["sync_modes"]),
    )


def customers(count: int = CUSTOMER_COUNT) -> list[dict[str, Any]]:
    """The fixture's customers: unique, growing ``updated_at`` values."""
    return [
        {
            "id": n,
            "name": f"Customer {n}",
            "email": f"customer{n}@example.test",
            "tier": "gold" if n % 3 == 0 else "basic",
            "updated_at": f"2024-01-{n:02d}T10:00:00Z",
        }
        for n in range(1, count + 1)
    ]


def orders(count: int = ORDER_COUNT) -> list[dict[str, Any]]:
    """The fixture's orders (read by position: no cursor field)."""
    return [
        {"id": 100 + n, "customer_id": 1 + n % 4, "total": 10.5 * n, "status": "paid"}
        for n in range(1, count + 1)
    ]


def source_streams() -> list[tuple[Stream, list[dict[str, Any]]]]:
    return [
        (
            Stream(
                name="customers",
                schema=CUSTOMERS_SCHEMA,
                primary_key=("id",),
                cursor_field="updated_at",
                sync_modes=("full", "incremental"),
            ),
            customers(),
        ),
        (
            Stream(
                name="orders",
                schema=ORDERS_SCHEMA,
                primary_key=("id",),
                cursor_field=None,
                sync_modes=("full", "incremental"),
            ),
            orders(),
        ),
    ]


def key_of(record: dict[str, Any], primary_key: tuple[str, ...]) -> str:
    return json.dumps([record.get(field) for field in primary_key])


def _is_position(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def change_data(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Change the fixture's data as a live source would between two reads.

    Customers: three are updated (one from the first batch, one from the middle, one from
    the last: each moves to the end of the cursor order, across batch boundaries) and four
    are added, their cursor values interleaved with the updated ones. Orders are
    append-only (read by position): three are added.
    """
    changed: dict[str, list[dict[str, Any]]] = {}
    document = store.load("customers")
    assert document is not None
    records: list[dict[str, Any]] = document["records"]
    updated: list[dict[str, Any]] = []
    for index, number in enumerate((2, 7, 12)):
        record = next(r for r in records if r["id"] == number)
        record.update(
            name=f"Customer {number} (renamed)", updated_at=f"2024-01-{21 + 2 * index}T10:00:00Z"
        )
        updated.append(dict(record))
    added = [
        {
            "id": number,
            "name": f"Customer {number}",
            "email": f"customer{number}@example.test",
            "tier": "basic",
            "updated_at": f"2024-01-{20 + 2 * index}T10:00:00Z",
        }
        for index, number in enumerate(range(CUSTOMER_COUNT + 1, CUSTOMER_COUNT + 5))
    ]
    records += added
    store.save("customers", document)
    changed["customers"] = updated + added
    document = store.load("orders")
    assert document is not None
    more = orders(ORDER_COUNT + 3)[ORDER_COUNT:]
    document["records"] += more
    store.save("orders", document)
    changed["orders"] = more
    return changed


class Reference:
    """The reference connector (id ``reference``, kind ``both``)."""

    connector_id = "reference"
    version = "1.0.0"
    config_model: type = ReferenceConfig
    capabilities: tuple[str, ...] = (
        "discover",
        "read",
        "incremental",
        "check",
        "write",
        "append",
        "upsert",
        "freeze",
    )

    # -- identity -------------------------------------------------------------------

    @hookimpl
    def hookline_describe(self) -> ConnectorInfo:
        return ConnectorInfo(
            id=self.connector_id,
            version=self.version,
            kind="both",
            title="Reference files",
            description="JSON documents in a local directory, read and written.",
            config_model=self.config_model,
            capabilities=self.capabilities,
        )

    # -- connection -----------------------------------------------------------------

    def resolve(self, config: Any, context: ConnectorContext) -> Path:
        return Path(context.base_dir) / config.directory

    def verify_token(self, root: Path, token: Secret) -> None:
        expected = (root / TOKEN_FILE).read_text(encoding="utf-8").strip()
        if not hmac.compare_digest(expected.encode(), token.reveal().encode()):
            raise AuthError(
                f"the token was refused for the directory {str(root)!r}; check the setting 'token'"
            )

    @hookimpl
    def hookline_auth(self, config: Any, context: ConnectorContext) -> Store:
        root = self.resolve(config, context)
        if not root.is_dir():
            raise AuthError(
                f"the directory {str(root)!r} does not exist; check the setting 'directory'"
            )
        if not (root / TOKEN_FILE).is_file():
            raise AuthError(
                f"the directory {str(root)!r} holds no {TOKEN_FILE} file to check the token "
                "against; check the setting 'directory'"
            )
        self.verify_token(root, config.token)
        return Store(root=root, batch_size=config.batch_size, logger=context.logger)

    @hookimpl
    def hookline_check(self, config: Any, connection: Store) -> CheckResult:
        names = connection.names()
        return CheckResult(ok=True, message=f"{len(names)} stream(s) in {connection.root}")

    # -- discovery and reading ------------------------------------------------------

    @hookimpl
    def hookline_discover(self, config: Any, connection: Store) -> Catalog:
        streams = []
        for name in connection.names():
            document = connection.load(name)
            if document is not None:
                streams.append(stream_from_document(document))
        return Catalog(streams)

    def stored(self, connection: Store, name: str) -> tuple[Stream, list[dict[str, Any]]]:
        document = connection.load(name)
        if document is None:
            raise ReadError(f"no stream {name!r} in {connection.root}; run discover")
        return stream_from_document(document), list(document["records"])

    def bookmark(self, stored: Stream, state: State | None) -> Any:
        """The bookmark (cursor value or position) ``state`` holds, ``None`` for none.

        Raises:
            ReadError: the state holds one of the wrong type.
        """
        key = "cursor" if stored.cursor_field is not None else "position"
        value = state.get(key) if isinstance(state, dict) else None
        fits = isinstance(value, str) if key == "cursor" else _is_position(value)
        if value is not None and not fits:
            raise ReadError(
                f"the state's {key} {json.dumps(value)} is not one this connector wrote; "
                "reset the stream's state or read it with sync mode full",
                stream=stored.name,
            )
        return value

    def pending(
        self, stored: Stream, records: list[dict[str, Any]], state: State | None
    ) -> tuple[list[dict[str, Any]], int]:
        """The records to read from ``state`` (everything for ``None``) and their start."""
        cursor = stored.cursor_field
        bookmark = self.bookmark(stored, state)
        if cursor is not None:
            records = sorted(records, key=lambda r: (r[cursor], key_of(r, stored.primary_key)))
            if bookmark is not None:
                records = [r for r in records if r[cursor] > bookmark]
            return records, 0
        start = bookmark or 0
        return records[start:], start

    def state_after(self, stored: Stream, batch: list[dict[str, Any]], position: int) -> State:
        if stored.cursor_field is not None:
            return {"cursor": batch[-1][stored.cursor_field]}
        return {"position": position}

    @hookimpl
    def hookline_read(
        self, config: Any, connection: Store, stream: ConfiguredStream, state: State | None
    ) -> Iterator[Batch]:
        stored, records = self.stored(connection, stream.name)
        if stream.sync_mode == "full":
            state = None
        records, position = self.pending(stored, records, state)
        size = max(1, connection.batch_size)
        for start in range(0, len(records), size):
            batch = records[start : start + size]
            position += len(batch)
            yield Batch(batch, self.state_after(stored, batch, position))

    # -- writing --------------------------------------------------------------------

    def new_fields(self, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
        known = old.get("properties", {})
        return [name for name in new.get("properties", {}) if name not in known]

    def retyped_fields(self, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
        known = old.get("properties", {})
        return [
            name
            for name, sub in new.get("properties", {}).items()
            if name in known and known[name].get("type") != sub.get("type")
        ]

    @hookimpl
    def hookline_write_start(
        self, config: Any, connection: Store, stream: ConfiguredStream
    ) -> None:
        if stream.write_mode == "replace":
            raise WriteError("write mode 'replace' is not supported; use append or upsert")
        document = connection.load(stream.name)
        if document is None:
            connection.save(stream.name, stream_document(stream.stream, []))
            return
        schema = document["stream"]["schema"]
        added = self.new_fields(schema, stream.stream.schema)
        retyped = self.retyped_fields(schema, stream.stream.schema)
        if not added and not retyped:
            return
        if stream.schema_policy == "freeze":
            raise WriteError(
                f"the schema adds or retypes {', '.join(added + retyped)} but the schema "
                "policy is freeze; evolve the schema or remove the field"
            )
        properties = dict(schema.get("properties", {}))
        for name in added + retyped:
            properties[name] = stream.stream.schema["properties"][name]
        document["stream"]["schema"] = {**schema, "properties": properties}
        connection.save(stream.name, document)

    def store_records(
        self, connection: Store, stream: ConfiguredStream, records: list[dict[str, Any]]
    ) -> None:
        document = connection.load(stream.name) or stream_document(stream.stream, [])
        stored: list[dict[str, Any]] = document["records"]
        primary_key = stream.stream.primary_key
        if stream.write_mode == "upsert" and primary_key:
            index = {key_of(r, primary_key): i for i, r in enumerate(stored)}
            for record in records:
                key = key_of(record, primary_key)
                if key in index:
                    stored[index[key]] = record
                else:
                    index[key] = len(stored)
                    stored.append(record)
        else:
            stored.extend(records)
        connection.save(stream.name, document)

    @hookimpl
    def hookline_write(
        self, config: Any, connection: Store, stream: ConfiguredStream, batch: Batch
    ) -> WriteResult:
        good: list[dict[str, Any]] = []
        rejected: list[RejectedRecord] = []
        for record in batch.records:
            missing = [f for f in stream.stream.primary_key if record.get(f) is None]
            declared = stream.stream.schema.get("properties", {})
            undeclared = [f for f in record if f not in declared]
            if missing:
                rejected.append(RejectedRecord(record, f"no value for {', '.join(missing)}"))
            elif undeclared and stream.schema_policy == "freeze":
                reason = f"fields {', '.join(undeclared)} are not in the schema (policy freeze)"
                rejected.append(RejectedRecord(record, reason))
            else:
                good.append(record)
        if good:
            self.store_records(connection, stream, good)
        return WriteResult(written=len(good), rejected=rejected)

    @hookimpl
    def hookline_write_finish(
        self, config: Any, connection: Store, stream: ConfiguredStream
    ) -> None:
        document = connection.load(stream.name)
        count = 0 if document is None else len(document["records"])
        connection.logger.debug("stream %s: %d record(s) stored", stream.name, count)

    # -- testing --------------------------------------------------------------------

    def make_fixture(self, workdir: Path) -> ConformanceFixture:
        root = Path(workdir) / "data"
        store = Store(root=root, batch_size=5, logger=logging.getLogger(__name__))
        for stream, records in source_streams():
            store.save(stream.name, stream_document(stream, records))
        token = canary("token")
        (root / TOKEN_FILE).write_text(token, encoding="utf-8")
        return ConformanceFixture(
            config={"directory": "data", "token": token, "batch_size": 5},
            bad_credentials={"token": "not-the-token-0000"},
            invalid_config={"directory": "no-such-directory", "token": token},
            record_counts={"customers": CUSTOMER_COUNT, "orders": ORDER_COUNT},
            change_data=lambda: change_data(store),
        )

    @hookimpl
    def hookline_conformance_fixture(self, workdir: Path) -> ConformanceFixture:
        return self.make_fixture(workdir)
