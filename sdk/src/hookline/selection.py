"""Choosing which streams of a catalog to read, and how."""

from __future__ import annotations

__all__ = ["select_streams"]

import difflib
from collections.abc import Sequence

from hookline.errors import UsageError
from hookline.models import Catalog, ConfiguredStream


def select_streams(
    catalog: Catalog, names: Sequence[str] = (), *, full: bool = False
) -> list[ConfiguredStream]:
    """Return the streams to read, in catalog order.

    Args:
        catalog: what the source offers.
        names: the stream names wanted; empty means every stream.
        full: read everything even where the stream supports incremental reads.

    Raises:
        UsageError: a name is not in the catalog; the message lists what is.
    """
    unknown = [n for n in names if catalog.get(n) is None]
    if unknown:
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name, catalog.names, n=1)
            hints.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        available = ", ".join(catalog.names) or "none"
        raise UsageError(f"no stream {', '.join(hints)}; the source offers: {available}")
    chosen = [s for s in catalog.streams if not names or s.name in names]
    return [
        ConfiguredStream(
            stream,
            sync_mode="incremental" if "incremental" in stream.sync_modes and not full else "full",
        )
        for stream in chosen
    ]
