"""A source of 40 one-record batches that counts how many it has produced."""

from __future__ import annotations

from collections.abc import Iterator

from hookline import Batch, Catalog, ConnectorInfo, Stream, hookimpl

#: One entry per batch yielded so far.
PRODUCED: list[int] = []


class CountingSource:
    """Yields ``{"n": i}`` one record a batch, as fast as it is asked."""

    @hookimpl
    def hookline_describe(self) -> ConnectorInfo:
        return ConnectorInfo(id="counting", version="1.0", kind="source")

    @hookimpl
    def hookline_discover(self) -> Catalog:
        schema = {"type": "object", "properties": {"n": {"type": "integer"}}}
        return Catalog([Stream("ticks", schema, primary_key="n")])

    @hookimpl
    def hookline_read(self) -> Iterator[Batch]:
        for i in range(40):
            PRODUCED.append(i)
            yield Batch([{"n": i}], {"n": i})


plugin = CountingSource()
