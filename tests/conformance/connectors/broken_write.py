"""Destinations with one write defect each, for the write checks to catch.

Each differs from the reference connector (or from one of the two good variants here:
:class:`ReplacingReference`, which declares ``replace``, and :class:`ConstrainedReference`,
which refuses integers beyond 64 bits and declares that in its fixture) by one defect:
a value changed on the way to the store, a write mode that does something else, a count
that is wrong, a batch kept in memory, a refusal swallowed, a field dropped.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
from conformance.connectors.reference import Reference, Store, key_of, stream_document

from hookline import hookimpl
from hookline.conformance import ConformanceFixture
from hookline.models import Batch, ConfiguredStream, RejectedRecord, WriteResult

__all__ = [
    "BigIntegersAsFloats",
    "BooleansAsIntegers",
    "DropsTimeZone",
    "EmptyStringAsNull",
    "FlattensDeepNesting",
    "KeysOnId",
    "LosesFloatPrecision",
    "MangledEmoji",
    "NormalizesText",
    "TruncatesLongStrings",
    "AppendTruncates",
    "ReplaceAppends",
    "ReplaceTruncatesFirst",
    "UpsertFirstWinsInBatch",
    "UpsertOnLastKeyField",
    "BuffersUntilFinish",
    "CountsStreamTotal",
    "ClampsRefused",
    "RefusesWithoutReason",
    "SwallowsRefusal",
    "DropsUndeclaredFields",
    "FreezeDropsUndeclared",
    "FreezeIgnoresTypeChange",
]

Record = dict[str, Any]


def _leaves(value: Any, change: Callable[[Any], Any]) -> Any:
    """``value`` with ``change`` applied to every leaf (not to mappings and lists)."""
    if isinstance(value, dict):
        return {k: _leaves(v, change) for k, v in value.items()}
    if isinstance(value, list):
        return [_leaves(v, change) for v in value]
    return change(value)


class _ChangesValues(Reference):
    """A reference whose writer passes every stored value through :meth:`change`."""

    def change(self, value: Any) -> Any:
        return value

    def store_records(
        self, connection: Store, stream: ConfiguredStream, records: list[Record]
    ) -> None:
        changed = [_leaves(r, self.change) for r in records]
        super().store_records(connection, stream, changed)


# -- class 1: fidelity --------------------------------------------------------------


class MangledEmoji(_ChangesValues):
    """Characters beyond the Basic Multilingual Plane (emoji) become U+FFFD."""

    def change(self, value: Any) -> Any:
        if isinstance(value, str):
            return "".join(c if ord(c) < 0x10000 else "\ufffd" for c in value)
        return value


class NormalizesText(_ChangesValues):
    """Text is NFC-normalised: a letter and its combining mark become one character."""

    def change(self, value: Any) -> Any:
        return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


class TruncatesLongStrings(_ChangesValues):
    """Strings are cut to 8 192 characters, as a VARCHAR column would."""

    def change(self, value: Any) -> Any:
        return value[:8192] if isinstance(value, str) else value


class LosesFloatPrecision(_ChangesValues):
    """Floats keep 12 significant digits."""

    def change(self, value: Any) -> Any:
        return float(f"{value:.12g}") if isinstance(value, float) else value


class BigIntegersAsFloats(_ChangesValues):
    """Integers go through a float (as in JavaScript): beyond 2**53 they round."""

    def change(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return int(float(value))
        return value


class BooleansAsIntegers(_ChangesValues):
    """Booleans are stored as 0 and 1."""

    def change(self, value: Any) -> Any:
        return int(value) if isinstance(value, bool) else value


_ZONE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)(?:Z|[+-]\d\d:\d\d)$")


class DropsTimeZone(_ChangesValues):
    """Date-times lose their offset (a TIMESTAMP WITHOUT TIME ZONE column)."""

    def change(self, value: Any) -> Any:
        if isinstance(value, str):
            return _ZONE.sub(r"\1", value)
        return value


class EmptyStringAsNull(_ChangesValues):
    """An empty string is stored as null."""

    def change(self, value: Any) -> Any:
        return None if value == "" else value


class FlattensDeepNesting(Reference):
    """Objects nested deeper than three levels are stored as JSON text."""

    def store_records(
        self, connection: Store, stream: ConfiguredStream, records: list[Record]
    ) -> None:
        def flat(value: Any, depth: int) -> Any:
            if isinstance(value, dict):
                if depth >= 3:
                    return json.dumps(value)
                return {k: flat(v, depth + 1) for k, v in value.items()}
            return value

        super().store_records(connection, stream, [flat(r, 0) for r in records])


class KeysOnId(Reference):
    """Upsert is keyed on a field named ``id``, whatever the stream's primary key."""

    def store_records(
        self, connection: Store, stream: ConfiguredStream, records: list[Record]
    ) -> None:
        keyed = attrs.evolve(stream, stream=attrs.evolve(stream.stream, primary_key=("id",)))
        super().store_records(connection, keyed, records)


# -- class 2: write modes ----------------------------------------------------------


class AppendTruncates(Reference):
    """An appending run starts by emptying the stream."""

    @hookimpl
    def hookline_write_start(
        self, config: Any, connection: Store, stream: ConfiguredStream
    ) -> None:
        super().hookline_write_start(config, connection, stream)
        if stream.write_mode == "append":
            document = connection.load(stream.name)
            assert document is not None
            document["records"] = []
            connection.save(stream.name, document)


class UpsertOnLastKeyField(Reference):
    """Upsert is keyed on the last field of the primary key only."""

    def store_records(
        self, connection: Store, stream: ConfiguredStream, records: list[Record]
    ) -> None:
        key = stream.stream.primary_key[-1:]
        keyed = attrs.evolve(stream, stream=attrs.evolve(stream.stream, primary_key=key))
        super().store_records(connection, keyed, records)


class UpsertFirstWinsInBatch(Reference):
    """Within one batch, the first record of a key wins over the later ones."""

    def store_records(
        self, connection: Store, stream: ConfiguredStream, records: list[Record]
    ) -> None:
        firsts: dict[str, Record] = {}
        for record in records:
            firsts.setdefault(key_of(record, stream.stream.primary_key), record)
        super().store_records(connection, stream, list(firsts.values()))


class ReplacingReference(Reference):
    """A good reference that also declares ``replace``: a staged file swapped in at the end."""

    capabilities = (*Reference.capabilities, "replace")

    def staging(self, connection: Store, name: str) -> Path:
        return connection.streams_dir / f"{name}.staged"

    def start_replace(self, connection: Store, stream: ConfiguredStream) -> None:
        path = self.staging(connection, stream.name)
        path.write_text(json.dumps(stream_document(stream.stream, [])), encoding="utf-8")

    @hookimpl
    def hookline_write_start(
        self, config: Any, connection: Store, stream: ConfiguredStream
    ) -> None:
        if stream.write_mode != "replace":
            super().hookline_write_start(config, connection, stream)
        else:
            connection.streams_dir.mkdir(parents=True, exist_ok=True)
            self.start_replace(connection, stream)

    def store_records(
        self, connection: Store, stream: ConfiguredStream, records: list[Record]
    ) -> None:
        if stream.write_mode != "replace":
            super().store_records(connection, stream, records)
            return
        path = self.staging(connection, stream.name)
        document = json.loads(path.read_text(encoding="utf-8"))
        document["records"].extend(records)
        path.write_text(json.dumps(document), encoding="utf-8")

    @hookimpl
    def hookline_write_finish(
        self, config: Any, connection: Store, stream: ConfiguredStream
    ) -> None:
        if stream.write_mode == "replace":
            os.replace(self.staging(connection, stream.name), connection.path(stream.name))


class ReplaceAppends(ReplacingReference):
    """Replace adds the new records to the old ones."""

    def start_replace(self, connection: Store, stream: ConfiguredStream) -> None:
        document = connection.load(stream.name) or stream_document(stream.stream, [])
        path = self.staging(connection, stream.name)
        path.write_text(json.dumps(document), encoding="utf-8")


class ReplaceTruncatesFirst(ReplacingReference):
    """Replace empties the stream when it starts (readers see it empty until the end)."""

    def start_replace(self, connection: Store, stream: ConfiguredStream) -> None:
        super().start_replace(connection, stream)
        connection.save(stream.name, stream_document(stream.stream, []))

    def store_records(
        self, connection: Store, stream: ConfiguredStream, records: list[Record]
    ) -> None:
        super().store_records(connection, stream, records)
        if stream.write_mode == "replace":
            staged = json.loads(self.staging(connection, stream.name).read_text("utf-8"))
            connection.save(stream.name, staged)


# -- class 3: counts and durability -------------------------------------------------


class BuffersUntilFinish(Reference):
    """Batches are kept in memory and stored at write_finish."""

    def __init__(self) -> None:
        self.buffered: dict[str, list[Record]] = {}

    def store_records(
        self, connection: Store, stream: ConfiguredStream, records: list[Record]
    ) -> None:
        self.buffered.setdefault(stream.name, []).extend(records)

    @hookimpl
    def hookline_write_finish(
        self, config: Any, connection: Store, stream: ConfiguredStream
    ) -> None:
        Reference.store_records(self, connection, stream, self.buffered.pop(stream.name, []))


class CountsStreamTotal(Reference):
    """``written`` is how many records the stream holds, not how many of the batch."""

    @hookimpl
    def hookline_write(
        self, config: Any, connection: Store, stream: ConfiguredStream, batch: Batch
    ) -> WriteResult:
        result = super().hookline_write(config, connection, stream, batch)
        document = connection.load(stream.name) or {"records": []}
        return WriteResult(written=len(document["records"]), rejected=result.rejected)


# -- class 4: the writer's own refusals ---------------------------------------------

_INT64 = (-(2**63), 2**63 - 1)


def _too_big(record: Record) -> list[str]:
    return [
        name
        for name, value in record.items()
        if isinstance(value, int) and not _INT64[0] <= value <= _INT64[1]
    ]


class ConstrainedReference(Reference):
    """A good reference that holds 64-bit integers only, refuses others, and says so."""

    def refuse(self, record: Record, fields: list[str]) -> RejectedRecord | None:
        return RejectedRecord(record, f"{', '.join(fields)}: beyond 64-bit integers")

    def keep(self, record: Record) -> Record | None:
        return None

    @hookimpl
    def hookline_write(
        self, config: Any, connection: Store, stream: ConfiguredStream, batch: Batch
    ) -> WriteResult:
        good: list[Record] = []
        refused: list[RejectedRecord] = []
        for record in batch.records:
            fields = _too_big(record)
            kept = self.keep(record) if fields else record
            if kept is not None:
                good.append(kept)
                continue
            rejection = self.refuse(record, fields)
            if rejection is not None:
                refused.append(rejection)
        result = super().hookline_write(config, connection, stream, Batch(good))
        return WriteResult(written=result.written, rejected=[*result.rejected, *refused])

    def make_fixture(self, workdir: Path) -> ConformanceFixture:
        refused = {"hl_refused": [{"big": 2**64}, {"big": -(2**70)}, {"order_no": 2**65}]}
        return attrs.evolve(super().make_fixture(workdir), refused_records=refused)


class SwallowsRefusal(ConstrainedReference):
    """A record it cannot hold is left out without a rejection."""

    def refuse(self, record: Record, fields: list[str]) -> RejectedRecord | None:
        return None


class ClampsRefused(ConstrainedReference):
    """An integer beyond 64 bits is clamped to the range and stored."""

    def keep(self, record: Record) -> Record | None:
        return {
            k: min(max(v, _INT64[0]), _INT64[1]) if k in _too_big(record) else v
            for k, v in record.items()
        }


class RefusesWithoutReason(ConstrainedReference):
    """A refusal comes back with an empty reason."""

    def refuse(self, record: Record, fields: list[str]) -> RejectedRecord | None:
        return RejectedRecord(record, "")


# -- class 5: undeclared and changing fields ----------------------------------------


class DropsUndeclaredFields(Reference):
    """Only the fields the stream's schema declares are stored."""

    def store_records(
        self, connection: Store, stream: ConfiguredStream, records: list[Record]
    ) -> None:
        declared = stream.stream.schema.get("properties", {})
        kept = [{k: v for k, v in r.items() if k in declared} for r in records]
        super().store_records(connection, stream, kept)


class FreezeDropsUndeclared(Reference):
    """Under freeze, a field the schema does not declare is dropped instead of refused."""

    @hookimpl
    def hookline_write(
        self, config: Any, connection: Store, stream: ConfiguredStream, batch: Batch
    ) -> WriteResult:
        if stream.schema_policy == "freeze":
            declared = stream.stream.schema.get("properties", {})
            batch = Batch([{k: v for k, v in r.items() if k in declared} for r in batch.records])
        return super().hookline_write(config, connection, stream, batch)


class FreezeIgnoresTypeChange(Reference):
    """Under freeze, a field whose declared type changed is accepted."""

    def retyped_fields(self, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
        return []
