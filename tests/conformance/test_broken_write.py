"""The write checks catch each write defect, and only the checks named for it fail.

Every connector in :mod:`conformance.connectors.broken_write` differs from a good
destination by one defect: a value changed on the way to the store (emoji, combining
marks, long text, float digits, big integers, booleans, time zones, empty strings,
nesting, the key), a write mode that does something else, a count that is wrong, batches
kept until ``write_finish``, a refusal swallowed, a field dropped. The sample's comparison
and its tolerances are tested on their own too, and the report's write modes proven.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest
from conformance.connectors import broken_write
from conformance.connectors.broken_write import ConstrainedReference, ReplacingReference
from conformance.connectors.defects import assert_caught_by_its_check_only, suite_report
from conformance.connectors.reference import Reference

from hookline.conformance import run_suite
from hookline.conformance._write_sample import (
    LONG_TEXT,
    SAMPLE_SCHEMA,
    ToleranceError,
    Tolerances,
    compare_records,
    difference,
    edge_records,
    parse_tolerances,
)
from hookline.host import connector_from_plugin

_SAMPLE_CHECKS = ("write.fidelity", "write.mode_upsert", "write.undeclared_field")

# (connector class, the check that must catch it, a phrase its message must contain,
#  other checks the same defect also breaks, by its nature)
DEFECTS: list[tuple[type[Any], str, str, tuple[str, ...]]] = [
    (broken_write.MangledEmoji, "write.fidelity", "(non-ASCII text was changed)", ()),
    (
        broken_write.NormalizesText,
        "write.fidelity",
        '(combining marks)" and read back as "caf\u00e9',
        (),
    ),
    (
        broken_write.TruncatesLongStrings,
        "write.fidelity",
        f"(truncated from {LONG_TEXT} to 8192 characters)",
        (),
    ),
    (broken_write.LosesFloatPrecision, "write.fidelity", "(a float lost precision", ()),
    (
        broken_write.BigIntegersAsFloats,
        "write.fidelity",
        "(an integer lost precision beyond 2**53)",
        (),
    ),
    (broken_write.BooleansAsIntegers, "write.fidelity", "(a boolean became a number)", ()),
    (
        broken_write.DropsTimeZone,
        "write.fidelity",
        "(the time zone offset was dropped or changed)",
        # the older write checks' sample carries a zone ("Z") too
        ("write.round_trip", "write.upsert_no_duplicates", "write.bad_record_dead_letter"),
    ),
    (broken_write.EmptyStringAsNull, "write.fidelity", "(an empty string became null)", ()),
    (broken_write.FlattensDeepNesting, "write.fidelity", "(an object became str)", ()),
    (
        broken_write.KeysOnId,
        "write.mode_upsert",
        'upsert on key (region, order_no), a key repeated within one batch: record region="',
        # keyed on a field the records lack, every upsert keeps one record
        (
            "write.fidelity",
            "write.counts",
            "write.durable_per_batch",
            "write.undeclared_field",
            "write.type_change",
        ),
    ),
    (
        broken_write.AppendTruncates,
        "write.mode_append",
        "append lost the records an earlier run stored",
        (),
    ),
    (
        broken_write.ReplaceAppends,
        "write.mode_replace",
        "replace kept records of the earlier run",
        (),
    ),
    (
        broken_write.ReplaceTruncatesFirst,
        "write.mode_replace",
        "replace is not atomic: before write_finish the stream no longer held the old records",
        (),
    ),
    (
        broken_write.UpsertFirstWinsInBatch,
        "write.mode_upsert",
        "holds version 'v1' instead of 'v2'",
        (),
    ),
    (broken_write.UpsertOnLastKeyField, "write.mode_upsert", "did not read back", ()),
    (
        broken_write.BuffersUntilFinish,
        "write.durable_per_batch",
        "after hookline_write returned for batch 1 of 3, 4 of the 4 records written so far "
        "could not be read back before write_finish",
        # what each batch reports written is not in the store yet
        ("write.counts",),
    ),
    (
        broken_write.CountsStreamTotal,
        "write.counts",
        "rejected, which do not add up to",
        (),
    ),
    (
        broken_write.SwallowsRefusal,
        "write.own_rejections",
        "which the destination must refuse, was silently dropped",
        (),
    ),
    (
        broken_write.ClampsRefused,
        "write.own_rejections",
        "which the destination must refuse, was stored without a rejection",
        (),
    ),
    (
        broken_write.RefusesWithoutReason,
        "write.own_rejections",
        "was rejected without a reason",
        (),
    ),
    (
        broken_write.DropsUndeclaredFields,
        "write.undeclared_field",
        "under schema_policy evolve the undeclared field 'extra_",
        (),
    ),
    (
        broken_write.FreezeDropsUndeclared,
        "write.undeclared_field",
        "under schema_policy freeze the undeclared field 'extra_",
        (),
    ),
    (
        broken_write.FreezeIgnoresTypeChange,
        "write.type_change",
        "under schema_policy freeze the changed-type field",
        (),
    ),
]

_IDS = [connector.__name__ for connector, *_ in DEFECTS]


@pytest.mark.parametrize(("connector", "check", "phrase", "collateral"), DEFECTS, ids=_IDS)
def test_defect_fails_its_check_and_no_other(
    connector: type[Any], check: str, phrase: str, collateral: tuple[str, ...], tmp_path: Path
) -> None:
    report = suite_report(connector(), tmp_path)
    assert_caught_by_its_check_only(report, check, phrase, collateral)


@pytest.mark.parametrize("connector", [broken_write.MangledEmoji, broken_write.DropsTimeZone])
@pytest.mark.parametrize("run", ["first", "second", "third"])
def test_a_fidelity_defect_is_caught_whatever_the_seed(
    connector: type[Any], run: str, tmp_path: Path
) -> None:
    report = run_suite(
        connector_from_plugin(connector()), workdir=tmp_path / run, checks=["write.fidelity"]
    )
    assert report.outcome("write.fidelity").status == "failed"


def test_broken_write_connectors_are_all_listed() -> None:
    assert {connector.__name__ for connector, *_ in DEFECTS} == set(broken_write.__all__)


@pytest.mark.parametrize(
    ("plugin", "modes"),
    [
        (ReplacingReference, ["append", "upsert", "replace"]),
        (ConstrainedReference, ["append", "upsert"]),
    ],
    ids=["replacing", "constrained"],
)
def test_good_variants_pass_every_write_check(
    plugin: type[Any], modes: list[str], tmp_path: Path
) -> None:
    report = suite_report(plugin(), tmp_path)
    assert {c.name: c.message for c in report.checks if c.status == "failed"} == {}
    assert report.level == "gold"
    assert report.write_modes_proven == modes
    assert report.to_dict()["write_modes_proven"] == modes
    assert f"Write modes proven: {', '.join(modes)}" in report.summary()


def test_own_rejections_proven_where_the_fixture_declares_refusals(tmp_path: Path) -> None:
    report = suite_report(ConstrainedReference(), tmp_path / "constrained")
    assert report.outcome("write.own_rejections").status == "passed"
    plain = suite_report(Reference(), tmp_path / "plain").outcome("write.own_rejections")
    assert plain.status == "skipped" and not plain.applicable
    assert "declares no refused_records" in plain.message


class _BadRefusal(ConstrainedReference):
    """Declares a refused record that breaks the write sample's schema."""

    def make_fixture(self, workdir: Path) -> Any:
        fixture = super().make_fixture(workdir)
        return attrs.evolve(fixture, refused_records={"hl_refused": [{"flag": "yes"}]})


def test_refused_records_that_break_the_schema_are_the_fixtures_fault(tmp_path: Path) -> None:
    report = run_suite(
        connector_from_plugin(_BadRefusal()), workdir=tmp_path, checks=["write.own_rejections"]
    )
    message = report.outcome("write.own_rejections").message
    assert "refused_records['hl_refused'][0] does not fit the write sample's schema" in message


def test_a_source_proves_no_write_mode(tmp_path: Path) -> None:
    report = suite_report(Reference(), tmp_path)
    assert report.write_modes_proven == ["append", "upsert"]
    source = attrs.evolve(report, kind="source")
    assert "write_modes_proven" not in source.to_dict()
    assert "Write modes proven" not in source.summary()


# -- the sample and its comparison ---------------------------------------------------


def test_every_edge_value_is_in_every_sample() -> None:
    for seed in (0, 1, 977):
        records = edge_records(seed, 1, 14)
        values = {repr(r.get(field)) for r in records for field in r}
        assert repr(2**63 - 1) in values and repr(0.30000000000000004) in values
        assert any(len(r.get("long_text", "")) == LONG_TEXT for r in records)
        assert any("maybe" in r and r["maybe"] is None for r in records)
        assert any("maybe" not in r for r in records)
        assert {type(r["flag"]) for r in records} == {bool}
    assert edge_records(1, 1, 14) != edge_records(2, 1, 14)


def test_null_and_missing_are_the_same_but_not_empty() -> None:
    exact = Tolerances()
    assert difference(None, None, exact) is None
    record = {"region": "north", "order_no": 1, "maybe": None}
    assert compare_records([record], [{"region": "north", "order_no": 1}], exact) == []
    changed = compare_records([{**record, "empty": ""}], [record], exact)
    assert changed and "did not read back" not in changed[0]


def test_tolerances_are_narrow_and_named() -> None:
    declared = parse_tolerances({"number": "1e-15", "date-time": "milliseconds"})
    assert declared == Tolerances(number=1e-15, date_time_digits=3)
    schema = SAMPLE_SCHEMA["properties"]["at"]
    assert difference(0.1 + 0.2, 0.3, declared) is None
    assert difference(0.1, 0.1001, declared) is not None
    assert (
        difference(
            "2026-01-01T10:00:00.1234+02:00", "2026-01-01T10:00:00.123+02:00", declared, schema
        )
        is None
    )
    assert (
        difference("2026-01-01T10:00:00+02:00", "2026-01-01T08:00:00Z", declared, schema)
        is not None
    )
    assert difference(True, 1, declared) is not None
    for bad in ({"number": "0.1"}, {"date-time": "days"}, {"string": "trim"}):
        with pytest.raises(ToleranceError):
            parse_tolerances(bad)


class _BadTolerance(Reference):
    def make_fixture(self, workdir: Path) -> Any:
        return attrs.evolve(super().make_fixture(workdir), write_tolerances={"string": "case"})


def test_an_unknown_tolerance_fails_naming_it(tmp_path: Path) -> None:
    report = run_suite(
        connector_from_plugin(_BadTolerance()), workdir=tmp_path, checks=list(_SAMPLE_CHECKS)
    )
    message = report.outcome("write.fidelity").message
    assert "write_tolerances names 'string'" in message
