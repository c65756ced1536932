"""The sqlite connector's configuration: one database file, and how to use it.

A destination needs only ``path``; a source may narrow the tables it offers and name a
cursor column per table::

    path: warehouse.db           # relative to the configuration file's folder
    synchronous: full            # the default; normal survives a process crash only
    table_prefix: shop_          # stream "orders" is table "shop_orders"
    tables: [orders, customers]  # source: the streams to offer (default: every table)
    cursor_fields: {orders: updated_at}
    batch_size: 10000

hookline structures the YAML into :class:`SqliteConfig`; the validators below raise
``TypeError("expected ...")`` so that hookline reports their message with the file and
key path.
"""

from __future__ import annotations

__all__ = ["SYNCHRONOUS_MODES", "SqliteConfig"]

from pathlib import Path
from typing import Any, Literal

import attrs

#: The values of the ``synchronous`` setting (SQLite's ``PRAGMA synchronous``, in WAL mode).
SYNCHRONOUS_MODES = ("normal", "full")

Synchronous = Literal["normal", "full"]


def _at_least_one(instance: Any, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise TypeError(f"expected {attribute.name} to be 1 or more, got {value}")


def _no_nul(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if "\x00" in value:
        raise TypeError(f"expected {attribute.name} without a NUL character")


def _not_a_directory_name(instance: Any, attribute: attrs.Attribute[Path], value: Path) -> None:
    if not str(value).strip() or str(value) in (".", ".."):
        raise TypeError("expected path to name a database file, such as 'warehouse.db'")


def _unique_names(instance: Any, attribute: attrs.Attribute[tuple[str, ...]], value: Any) -> None:
    seen: set[str] = set()
    for name in value:
        if name in seen:
            raise TypeError(f"expected unique table names, {name!r} is listed twice")
        seen.add(name)


@attrs.frozen
class SqliteConfig:
    """An SQLite database file, as a source and as a destination."""

    path: Path = attrs.field(
        validator=_not_a_directory_name,
        metadata={
            "description": (
                "The database file. A relative path starts at the configuration file's "
                "folder; the file and its folder are created on the first write."
            )
        },
    )
    synchronous: Synchronous = attrs.field(
        default="full",
        metadata={
            "description": (
                "full (the default): a batch is durable once written, surviving a crash "
                "of the process, of the operating system or a power loss (an fsync per "
                "batch). normal: faster, but a written batch survives only a crash of the "
                "process, not of the operating system or a power loss; after one, the "
                "last batches can be missing while the pipeline's state says they were "
                "delivered, and they are not written again. Choosing normal logs a warning."
            )
        },
    )
    table_prefix: str = attrs.field(
        default="",
        validator=_no_nul,
        metadata={
            "description": (
                "Put before every stream name to make its table name (stream 'orders' "
                "with prefix 'shop_' is table 'shop_orders'). A source offers only the "
                "tables with the prefix, as streams named without it."
            )
        },
    )
    tables: tuple[str, ...] = attrs.field(
        default=(),
        validator=_unique_names,
        metadata={
            "description": (
                "Source side: the tables to offer as streams, by stream name (without "
                "table_prefix). Default: every table except SQLite's and hookline's own."
            )
        },
    )
    cursor_fields: dict[str, str] = attrs.field(
        factory=dict,
        metadata={
            "description": (
                "Source side: a column per stream that grows whenever a row changes, "
                "such as updated_at, for incremental reads that see updated rows. "
                "Without one, incremental reads follow the rowid and see new rows only."
            )
        },
    )
    batch_size: int = attrs.field(
        default=10_000,
        validator=_at_least_one,
        metadata={"description": "Source side: the most records one batch holds."},
    )
