"""What a write reports, and when it is durable: counts match the store, each batch lands.

The runner commits a batch's state once ``hookline_write`` returns, so a writer that keeps
batches in memory until ``write_finish`` loses all of them in a crash, and a ``written``
count that is not what was stored misleads the run's summary.
"""

from __future__ import annotations

from typing import Any

from hookline.conformance._checks_write import read_back
from hookline.conformance._context import SuiteContext
from hookline.conformance._registry import CheckFailed, check, listed
from hookline.conformance._write_io import (
    refusal_problems,
    sample_stream,
    seed_for,
    usual_mode,
    write_session,
)
from hookline.conformance._write_sample import by_key, edge_records, key_of
from hookline.models import WriteResult


@check("write.counts")
def counts(ctx: SuiteContext) -> str:
    """WriteResult.written and its rejections add up to each batch and match what was stored."""
    ctx.require_destination()
    mode = usual_mode(ctx)
    stream = sample_stream("hl_counts", mode)
    seed = seed_for(ctx, stream.name)
    sizes = (3 + seed % 5, 2 + seed % 3, 4)
    records = edge_records(seed, 1, sum(sizes))
    batches, start = [], 0
    for size in sizes:
        batches.append(records[start : start + size])
        start += size
    problems: list[str] = []
    stored_before = 0

    def tally(index: int, result: WriteResult) -> None:
        nonlocal stored_before
        sent = len(batches[index])
        rejected = len(result.rejected)
        stored_now = len(by_key(read_back(ctx, stream)))
        if result.written + rejected != sent:
            problems.append(
                f"batch {index + 1} of {sent} records reported written={result.written} and "
                f"{rejected} rejected, which do not add up to {sent}"
            )
        elif stored_now - stored_before != result.written:
            problems.append(
                f"batch {index + 1} reported written={result.written} but "
                f"{stored_now - stored_before} of its records were stored"
            )
        stored_before = stored_now

    results = write_session(ctx, stream, batches, after_each=tally)
    problems += refusal_problems(results)
    if problems:
        raise CheckFailed(f"the write counts are wrong ({mode}): {listed(problems)}")
    return f"{len(batches)} batches ({', '.join(map(str, sizes))} records): counts match the store"


@check("write.durable_per_batch")
def durable_per_batch(ctx: SuiteContext) -> str:
    """Each batch can be read back as soon as hookline_write returns, before write_finish."""
    ctx.require_destination()
    mode = usual_mode(ctx)
    stream = sample_stream("hl_durable", mode)
    records = edge_records(seed_for(ctx, stream.name), 1, 9)
    batches = [records[:4], records[4:7], records[7:]]
    missing: list[str] = []

    def look(index: int, result: Any) -> None:
        refused = {key_of(r.record) for r in result.rejected}
        stored = by_key(read_back(ctx, stream))
        sent = [r for batch in batches[: index + 1] for r in batch]
        absent = [key_of(r) for r in sent if key_of(r) not in stored and key_of(r) not in refused]
        if absent and not missing:
            missing.append(
                f"after hookline_write returned for batch {index + 1} of {len(batches)}, "
                f"{len(absent)} of the {len(sent)} records written so far could not be read "
                f"back before write_finish ({', '.join(absent[:2])}); a crash now would lose "
                "them while their state is committed: store each batch before returning"
            )

    write_session(ctx, stream, batches, after_each=look)
    if missing:
        raise CheckFailed(listed(missing))
    return f"each of {len(batches)} batches ({mode}) read back before write_finish"
