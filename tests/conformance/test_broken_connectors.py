"""The conformance suite catches each broken connector by the check named for its defect.

Every broken connector in :mod:`conformance.connectors.broken` differs from a good
reference connector by one defect. Each test runs the whole suite against one of them and
asserts that the check named for the defect failed, saying why in words pinned to the
defect, and that the report does not pass. The references themselves pass every check
that applies and reach gold.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conformance.connectors import broken
from conformance.connectors.reference import Reference
from conformance.connectors.reference_http import ReferenceHttp

from hookline.conformance import Report, run_suite
from hookline.host import connector_from_plugin

#: The write checks of the edge-value sample (a source-only connector skips them).
SAMPLE_WRITE_CHECKS = (
    "write.fidelity",
    "write.mode_append",
    "write.mode_upsert",
    "write.mode_replace",
    "write.counts",
    "write.durable_per_batch",
    "write.own_rejections",
    "write.undeclared_field",
    "write.type_change",
)
#: Those the reference destination does not declare what they need for.
_NOT_FOR_REFERENCE = ("write.mode_replace", "write.own_rejections")

# (connector class, the check that must catch it, a phrase its message must contain,
#  other checks the same defect also breaks, by its nature)
DEFECTS: list[tuple[type[Any], str, str, tuple[str, ...]]] = [
    (broken.InvalidId, "describe.identity", "id 'Reference Files' is not a valid", ()),
    (
        broken.DeclaresTransformWithoutHook,
        "describe.capabilities_match_hooks",
        "declares capability 'transform' but does not implement hookline_transform",
        (),
    ),
    (
        broken.ImplementsCheckUndeclared,
        "describe.capabilities_match_hooks",
        "implements hookline_check but does not declare capability 'check'",
        (),
    ),
    (broken.PlainApiKey, "describe.secrets_marked", "$.api_key looks secret", ()),
    (
        broken.AuthRaisesValueError,
        "config.invalid_rejected",
        "invalid config raised ValueError: directory not found",
        (),
    ),
    (broken.AcceptsAnyToken, "check.bad_credentials", "bad credentials were accepted", ()),
    (
        broken.CursorNotInSchema,
        "discover.keys_in_schema",
        "stream 'customers': cursor field 'modified_at' is not in the schema",
        (),
    ),
    (
        broken.ChangingDiscover,
        "discover.deterministic",
        "the second discover changed stream 'customers' (schema)",
        (),
    ),
    (
        broken.ReorderingDiscover,
        "discover.deterministic",
        "the same streams in another order (orders, customers instead of customers, orders)",
        (),
    ),
    (
        broken.ReadsFirstStreamAlways,
        "read.selected_stream_only",
        "reading stream 'orders' returned the records of stream 'customers'",
        # the first stream's records do not fit the second stream's schema, and what the
        # write checks wrote cannot be read back
        (
            "read.records_conform",
            "write.round_trip",
            "write.upsert_no_duplicates",
            "write.new_field",
            "write.bad_record_dead_letter",
            *(c for c in SAMPLE_WRITE_CHECKS if c not in _NOT_FOR_REFERENCE),
        ),
    ),
    (
        broken.RecordViolatesSchema,
        "read.records_conform",
        "record 3 (id=4): 'platinum' is not one of ['basic', 'gold'] at $.tier",
        (),
    ),
    (
        broken.DuplicatePrimaryKey,
        "read.primary_keys_unique",
        "stream 'orders': records 0 and 9 share the primary key [101]",
        (),
    ),
    (
        broken.StateNeverAdvances,
        "incremental.state_advances",
        "read 12 records again (the first read had 12): the state does not advance",
        # starting over from the state re-reads old records and breaks resumption too
        ("incremental.no_older_records", "incremental.resume_exact"),
    ),
    (
        broken.ReemitsOldestRecord,
        "incremental.no_older_records",
        '(id=1) has updated_at "2024-01-01T10:00:00Z", older than the bookmark',
        # the extra record also shows up when resuming after the first batch
        ("incremental.resume_exact",),
    ),
    (
        broken.ResumeOffByOne,
        "incremental.resume_exact",
        "read 8 records, expected 7; record 0 is (id=5) instead of (id=6)",
        (),
    ),
    (broken.LogsToken, "secrets.no_leak", "$.token (plain) in log line", ()),
    (broken.TokenInState, "secrets.no_leak", "$.token (plain) in state of stream 'customers'", ()),
    (
        broken.UpsertAppends,
        "write.upsert_no_duplicates",
        "written twice under upsert duplicated records: id=1 2 times",
        ("write.mode_upsert",),
    ),
    (
        broken.DropsNewField,
        "write.new_field",
        "record id=4: field 'extra' did not read back",
        # fields the first write did not know are dropped, whatever their origin
        ("write.undeclared_field", "write.type_change"),
    ),
    (
        broken.FreezeIgnored,
        "write.new_field",
        "under schema_policy freeze a batch with a new field was accepted",
        ("write.type_change",),
    ),
    (
        broken.LosesLastBatch,
        "write.round_trip",
        "record id=9 did not read back",
        # every runner or multi-step write loses its last batch
        (
            "write.new_field",
            "write.bad_record_dead_letter",
            *(c for c in SAMPLE_WRITE_CHECKS if c not in _NOT_FOR_REFERENCE),
        ),
    ),
    (
        broken.IgnoresRetryAfter,
        "faults.retry_after",
        "s after a 429 that asked Retry-After: 1",
        # a raw httpx client without hookline's HTTP layer also mishandles these faults
        ("faults.client_error", "faults.retry_budget", "faults.bad_body"),
    ),
    (
        broken.Raw401,
        "faults.auth_error",
        "raised httpx.HTTPStatusError",
        ("faults.client_error", "faults.retry_budget", "faults.bad_body"),
    ),
]

_IDS = [connector.__name__ for connector, *_ in DEFECTS]


def _suite(plugin: Any, workdir: Path) -> Report:
    return run_suite(connector_from_plugin(plugin), workdir=workdir)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    """The suite's report for every broken connector, each run once."""
    return {
        connector.__name__: _suite(connector(), tmp_path_factory.mktemp(connector.__name__))
        for connector, *_ in DEFECTS
    }


@pytest.mark.parametrize(("connector", "check", "phrase", "collateral"), DEFECTS, ids=_IDS)
def test_defect_is_caught_by_its_check(
    reports: dict[str, Report],
    connector: type[Any],
    check: str,
    phrase: str,
    collateral: tuple[str, ...],
) -> None:
    report = reports[connector.__name__]
    outcome = report.outcome(check)
    assert outcome.status == "failed", f"{check}: {outcome.status}: {outcome.message}"
    assert phrase in outcome.message, outcome.message
    assert report.passed is False


@pytest.mark.parametrize(("connector", "check", "phrase", "collateral"), DEFECTS, ids=_IDS)
def test_defect_fails_no_unrelated_check(
    reports: dict[str, Report],
    connector: type[Any],
    check: str,
    phrase: str,
    collateral: tuple[str, ...],
) -> None:
    report = reports[connector.__name__]
    failed = {c.name: c.message for c in report.checks if c.status == "failed"}
    unrelated = {name: msg for name, msg in failed.items() if name not in (check, *collateral)}
    assert unrelated == {}
    for name in collateral:
        assert report.outcome(name).status != "passed", f"{name} is no longer affected"


def test_broken_connectors_are_all_listed() -> None:
    listed = {connector.__name__ for connector, *_ in DEFECTS}
    assert listed == set(broken.__all__)
    assert len(listed) >= 14


@pytest.mark.parametrize(
    ("plugin", "not_applicable"),
    [
        (
            Reference,
            {
                "faults.retry_after",
                "faults.auth_error",
                "faults.client_error",
                "faults.retry_budget",
                "faults.bad_body",
                "faults.redirect_credentials",
                "faults.timeout",
                *_NOT_FOR_REFERENCE,
            },
        ),
        (
            ReferenceHttp,
            {
                "write.round_trip",
                "write.upsert_no_duplicates",
                "write.new_field",
                "write.bad_record_dead_letter",
                *SAMPLE_WRITE_CHECKS,
            },
        ),
    ],
    ids=["reference", "reference_http"],
)
def test_reference_passes_every_applicable_check(
    plugin: type[Any], not_applicable: set[str], tmp_path: Path
) -> None:
    report = _suite(plugin(), tmp_path)
    failed = {c.name: c.message for c in report.checks if c.status == "failed"}
    assert failed == {}
    skipped = {c.name for c in report.checks if c.status == "skipped"}
    assert skipped == not_applicable
    assert all(not report.outcome(name).applicable for name in skipped)
    assert report.level == "gold"
    assert report.passed is True
