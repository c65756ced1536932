"""The transforms of a run, in their documented order.

Per batch, after the schema check:

1. the source connector's own ``hookline_transform`` (on the stream as read),
2. the pipeline's mapping (``map:``),
3. every cross-cutting plugin's ``hookline_transform``, in plugin-name order,
4. the destination connector's own ``hookline_transform`` (on the stream as written).

A connector that is both source and destination of a run (one plugin object) takes part
once, as the source. Each stage may set records aside; they go to the dead-letter store
with the stage ``transform`` (or ``mapping``) and the reason.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from hookline.host import Plugins
from hookline.models import ConfiguredStream, Record, RejectedRecord, TransformBatch
from hookline.runner._sides import Side

Stage = Callable[[ConfiguredStream, TransformBatch], None]


@attrs.frozen
class TransformChain:
    """The transform stages before and after the mapping; empty stages are left out.

    Attributes:
        before_mapping: the source's own transform, if it has one.
        after_mapping: the plugins' transforms, then the destination's own.
    """

    before_mapping: tuple[Stage, ...]
    after_mapping: tuple[Stage, ...]

    @classmethod
    def of(cls, source: Side, destination: Side, plugins: Plugins) -> TransformChain:
        """The chain of a run with these two sides and plugins."""
        before: list[Stage] = []
        after: list[Stage] = []
        if source.connector.has_transform():
            before.append(source.connector.transform)
        if plugins.has_transforms():
            after.append(plugins.transform)
        same = destination.connector.plugin is source.connector.plugin
        if destination.connector.has_transform() and not same:
            after.append(destination.connector.transform)
        return cls(tuple(before), tuple(after))


def apply(
    stages: tuple[Stage, ...], stream: ConfiguredStream, records: list[Record]
) -> tuple[list[Record], list[RejectedRecord]]:
    """Pass ``records`` through ``stages`` in order; return what is left and what was set aside."""
    if not stages or not records:
        return records, []
    batch = TransformBatch(records=records)
    for stage in stages:
        stage(stream, batch)
        if not batch.records:
            break
    return batch.records, list(batch.rejected)
