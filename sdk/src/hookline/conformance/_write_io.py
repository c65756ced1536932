"""What the write checks share: writing a session of batches, reading back, the tolerances.

A write session is what the runner does for one stream of one run: ``write_start``, one
``write`` per batch, ``write_finish``. The checks call the connector directly, so nothing
between them and the writer (the runner's validator) changes what the writer is sent.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from hookline.conformance._context import SuiteContext
from hookline.conformance._registry import CheckFailed
from hookline.conformance._write_sample import (
    SAMPLE_KEY,
    SAMPLE_SCHEMA,
    ToleranceError,
    Tolerances,
    key_of,
    parse_tolerances,
    sample_seed,
)
from hookline.models import WRITE_MODES, Batch, ConfiguredStream, Record, Stream, WriteResult


def declared_modes(ctx: SuiteContext) -> list[str]:
    """The write modes the connector declares, in the order append, upsert, replace."""
    return [mode for mode in WRITE_MODES if mode in ctx.connector.info.capabilities]


def usual_mode(ctx: SuiteContext) -> str:
    """The mode the checks write in when the mode is not what they test."""
    modes = declared_modes(ctx)
    for mode in ("upsert", "append"):
        if mode in modes:
            return mode
    return modes[0] if modes else "append"


def sample_stream(
    name: str,
    mode: str,
    *,
    schema: dict[str, Any] | None = None,
    policy: str = "evolve",
) -> ConfiguredStream:
    """A configured stream of the write sample (composite key :data:`SAMPLE_KEY`)."""
    stream = Stream(name=name, schema=schema or SAMPLE_SCHEMA, primary_key=SAMPLE_KEY)
    return ConfiguredStream(stream, write_mode=mode, schema_policy=policy)


def seed_for(ctx: SuiteContext, stream: str) -> int:
    """The sample's seed for ``stream`` in this run of the suite."""
    return sample_seed(ctx.workdir, stream)


def tolerances(ctx: SuiteContext) -> Tolerances:
    """The fixture's ``write_tolerances``, or fail saying which entry is wrong."""
    declared = ctx.fixture.write_tolerances if ctx.fixture is not None else None
    try:
        return parse_tolerances(declared)
    except ToleranceError as exc:
        raise CheckFailed(f"the fixture's {exc}") from exc


def write_session(
    ctx: SuiteContext,
    stream: ConfiguredStream,
    batches: list[list[Record]],
    *,
    after_each: Callable[[int, WriteResult], None] | None = None,
    finish: bool = True,
) -> list[WriteResult]:
    """Write ``batches`` as one run would; return each batch's result.

    ``after_each(index, result)`` runs after each ``write`` returned (before the next, and
    before ``write_finish``).

    Raises:
        CheckFailed: a hook raised, or ``write`` returned something else than a
            WriteResult.
    """
    config, connection = ctx.config, ctx.connection
    results: list[WriteResult] = []
    try:
        ctx.connector.write_start(config, connection, stream)
    except Exception as exc:
        raise CheckFailed(
            f"write_start of stream {stream.name!r} ({stream.write_mode}) failed: "
            f"{ctx.note_error('write', exc)}"
        ) from exc
    for index, records in enumerate(batches):
        try:
            result = ctx.connector.write(config, connection, stream, Batch(copy.deepcopy(records)))
        except Exception as exc:
            raise CheckFailed(
                f"writing batch {index + 1} of stream {stream.name!r} ({stream.write_mode}) "
                f"failed: {ctx.note_error('write', exc)}"
            ) from exc
        if not isinstance(result, WriteResult):
            raise CheckFailed(f"hookline_write returned {type(result).__name__}, not a WriteResult")
        results.append(result)
        if after_each is not None:
            after_each(index, result)
    if finish:
        try:
            ctx.connector.write_finish(config, connection, stream)
        except Exception as exc:
            raise CheckFailed(
                f"write_finish of stream {stream.name!r} failed: {ctx.note_error('write', exc)}"
            ) from exc
    return results


def refusal_problems(results: list[WriteResult]) -> list[str]:
    """Rejections without a reason (a refusal must say why)."""
    return [
        f"record {key_of(r.record)} was rejected without a reason"
        for result in results
        for r in result.rejected
        if not str(r.reason).strip()
    ]
