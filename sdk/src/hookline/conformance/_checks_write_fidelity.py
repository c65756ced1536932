"""Write fidelity: the edge-value sample reads back exactly, or is refused with a reason."""

from __future__ import annotations

from hookline._wording import plural
from hookline.conformance._checks_write import read_back
from hookline.conformance._context import SuiteContext
from hookline.conformance._registry import CheckFailed, check, listed
from hookline.conformance._write_io import (
    refusal_problems,
    sample_stream,
    seed_for,
    tolerances,
    usual_mode,
    write_session,
)
from hookline.conformance._write_sample import compare_records, edge_records, key_of

_STREAM = "hl_fidelity"


@check("write.fidelity")
def fidelity(ctx: SuiteContext) -> str:
    """Edge values (non-ASCII, long text, many digits, big integers, zones) read back exactly."""
    ctx.require_destination()
    allowed = tolerances(ctx)
    mode = usual_mode(ctx)
    stream = sample_stream(_STREAM, mode)
    seed = seed_for(ctx, _STREAM)
    records = edge_records(seed, 1, 14)
    results = write_session(ctx, stream, [records[:8], records[8:]])
    problems = refusal_problems(results)
    refused = {key_of(r.record) for result in results for r in result.rejected}
    if len(refused) >= len(records):
        raise CheckFailed(
            f"every record of the write sample was refused (seed {seed}); a destination "
            "must store what its type system can hold"
        )
    kept = [r for r in records if key_of(r) not in refused]
    problems += compare_records(kept, read_back(ctx, stream), allowed)
    if problems:
        raise CheckFailed(f"seed {seed}, write mode {mode}: {listed(problems)}")
    note = f"; {plural(len(refused), 'record')} refused with a reason" if refused else ""
    return f"{plural(len(kept), 'edge-value record')} ({mode}, seed {seed}) read back exactly{note}"
