"""Cross-cutting transform plugins for tests."""

from __future__ import annotations

from types import SimpleNamespace

from hookline import TransformBatch, hookimpl


@hookimpl
def hookline_transform(batch: TransformBatch) -> None:
    """Upper-case every string value."""
    batch.records = [
        {k: v.upper() if isinstance(v, str) else v for k, v in r.items()} for r in batch.records
    ]


shout = SimpleNamespace(hookline_transform=hookline_transform)
