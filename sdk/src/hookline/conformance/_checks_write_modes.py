"""Every declared write mode does what it says: append keeps, upsert merges, replace swaps.

Each mode's check runs only when the connector declares the mode as a capability, and
writes the edge-value sample, whose primary key is composite (:data:`SAMPLE_KEY`): a
writer keyed on one of its fields, or on a field named ``id``, merges records it must keep
apart. The report names the modes whose checks passed (``write_modes_proven``).
"""

from __future__ import annotations

from typing import Any

from hookline.conformance._checks_write import read_back
from hookline.conformance._context import SuiteContext
from hookline.conformance._registry import CheckFailed, CheckSkipped, check, listed
from hookline.conformance._write_io import (
    sample_stream,
    seed_for,
    write_session,
)
from hookline.conformance._write_sample import (
    by_key,
    edge_records,
    key_of,
)
from hookline.models import Record

#: The check that proves each write mode.
MODE_CHECKS = {
    "append": "write.mode_append",
    "upsert": "write.mode_upsert",
    "replace": "write.mode_replace",
}


def _require_mode(ctx: SuiteContext, mode: str) -> None:
    ctx.require_destination()
    if mode not in ctx.connector.info.capabilities:
        raise CheckSkipped(f"the connector does not declare write mode {mode!r}")


def exactly(expected: list[Record], back: list[Any]) -> list[str]:
    """What keeps ``back`` from holding exactly ``expected``, once each, by primary key.

    Only the version each record carries (``maybe``) is compared: what the values become
    is ``write.fidelity``'s to find.
    """
    wanted = {key_of(r) for r in expected}
    stored = by_key(back)
    problems = [
        f"record {label} is stored {len(found)} times"
        for label, found in stored.items()
        if label in wanted and len(found) > 1
    ]
    extra = [label for label in stored if label not in wanted]
    if extra:
        problems.append(f"records that should not be there: {', '.join(extra[:3])}")
    for record in expected:
        found = stored.get(key_of(record))
        if not found:
            problems.append(f"record {key_of(record)} did not read back")
        elif found[-1].get("maybe") != record.get("maybe"):
            problems.append(
                f"record {key_of(record)} holds version {found[-1].get('maybe')!r} instead of "
                f"{record.get('maybe')!r}"
            )
    return problems


def _versioned(records: list[Record], version: str) -> list[Record]:
    return [{**record, "maybe": version} for record in records]


def _changed(record: Record, version: str) -> Record:
    return {**record, "maybe": version, "flag": not record["flag"]}


@check("write.mode_append")
def mode_append(ctx: SuiteContext) -> str:
    """Append keeps what an earlier run stored and adds the new records."""
    _require_mode(ctx, "append")
    stream = sample_stream("hl_append", "append")
    records = _versioned(edge_records(seed_for(ctx, stream.name), 1, 6), "appended")
    write_session(ctx, stream, [records[:3]])
    write_session(ctx, stream, [records[3:5], records[5:]])
    back = read_back(ctx, stream)
    lost = [key_of(r) for r in records[:3] if key_of(r) not in by_key(back)]
    if lost:
        raise CheckFailed(
            f"append lost the records an earlier run stored: {', '.join(lost)} no longer "
            "read back after a second run appended"
        )
    problems = exactly(records, back)
    if problems:
        raise CheckFailed(f"after two appending runs: {listed(problems)}")
    return "a second run appended 3 records to the first run's 3"


@check("write.mode_upsert")
def mode_upsert(ctx: SuiteContext) -> str:
    """Upsert on a composite key: the last version of each key wins, within one batch too."""
    _require_mode(ctx, "upsert")
    stream = sample_stream("hl_upsert_keys", "upsert")
    first = _versioned(edge_records(seed_for(ctx, stream.name), 1, 4), "v0")
    later = _versioned(edge_records(seed_for(ctx, stream.name) + 1, 50, 2), "v1")
    # the same order_no in another region, and the same region with another order_no:
    # both are new keys, which a writer keyed on one field of the key merges
    other_region = {**later[0], "order_no": first[0]["order_no"]}
    other_region["region"] = next(r["region"] for r in first if r["region"] != first[0]["region"])
    same_region = {**later[1], "region": first[2]["region"], "order_no": 90}
    fresh = edge_records(seed_for(ctx, stream.name) + 2, 70, 1)[0]
    batch = [
        _changed(first[1], "v1"),
        other_region,
        _changed(fresh, "v1"),
        _changed(first[1], "v2"),
        same_region,
        _changed(fresh, "v2"),
    ]
    write_session(ctx, stream, [first])
    write_session(ctx, stream, [batch])
    expected = [first[0], _changed(first[1], "v2"), *first[2:]]
    expected += [other_region, same_region, _changed(fresh, "v2")]
    problems = exactly(expected, read_back(ctx, stream))
    if problems:
        raise CheckFailed(
            f"upsert on key ({', '.join(stream.stream.primary_key)}), a key repeated within "
            f"one batch: {listed(problems)}"
        )
    return (
        f"{len(expected)} records on a composite key: updates, repeats within a batch and "
        "keys sharing one field stored as the last version"
    )


@check("write.mode_replace")
def mode_replace(ctx: SuiteContext) -> str:
    """Replace leaves exactly the new run's records, and readers see the old ones until it ends."""
    _require_mode(ctx, "replace")
    stream = sample_stream("hl_replace", "replace")
    seed = seed_for(ctx, stream.name)
    old = _versioned(edge_records(seed, 1, 4), "old")
    new = [_changed(r, "new") for r in edge_records(seed + 1, 3, 5)]
    write_session(ctx, stream, [old])
    seen: list[list[str]] = []

    def during(index: int, _: Any) -> None:
        if index == 0:
            seen.append(exactly(old, read_back(ctx, stream)))

    write_session(ctx, stream, [new[:3], new[3:]], after_each=during)
    back = read_back(ctx, stream)
    kept = [key_of(r) for r in old if key_of(r) not in {key_of(n) for n in new}]
    left = [label for label in kept if label in by_key(back)]
    if left:
        raise CheckFailed(
            f"replace kept records of the earlier run: {', '.join(left)} still read back"
        )
    problems = exactly(new, back)
    if problems:
        raise CheckFailed(f"after replace: {listed(problems)}")
    if seen and seen[0]:
        raise CheckFailed(
            "replace is not atomic: before write_finish the stream no longer held the old "
            f"records ({listed(seen[0])})"
        )
    return "a replacing run left exactly its 5 records; the old 4 stayed readable until it ended"
