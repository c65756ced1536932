"""The conformance suite: named checks that prove a connector behaves, offline.

One suite serves connector authors (``hookline test``, and a one-line pytest test through
the pytest plugin), CI, and the registry (``hookline registry validate``)::

    from hookline.conformance import run_suite
    from hookline.host import open_connector

    report = run_suite(open_connector("files"), workdir=Path("conformance-work"))
    print(report.summary())
    report.level        # "none", "bronze", "silver" or "gold"

A connector makes the suite runnable offline by implementing the
``hookline_conformance_fixture`` hook and returning a :class:`ConformanceFixture`. The
checks, what each proves and how the level follows from them are in
``docs/reference/conformance.md``.
"""

from __future__ import annotations

__all__ = [
    "CAPABILITY_HOOKS",
    "LEVELS",
    "SAMPLE_KEY",
    "SAMPLE_SCHEMA",
    "SAMPLE_STREAMS",
    "SUITE_VERSION",
    "WRITE_SCHEMA",
    "WRITE_STREAMS",
    "CheckOutcome",
    "ConformanceFixture",
    "Limits",
    "Report",
    "canary",
    "check_names",
    "conformance_tests",
    "merged",
    "run_suite",
    "sample_records",
]

from hookline.conformance._checks_describe import CAPABILITY_HOOKS
from hookline.conformance._checks_write import WRITE_SCHEMA, WRITE_STREAMS, sample_records
from hookline.conformance._fixture import ConformanceFixture, canary, merged
from hookline.conformance._limits import Limits
from hookline.conformance._pytest import conformance_tests
from hookline.conformance._registry import LEVELS
from hookline.conformance._report import SUITE_VERSION, CheckOutcome, Report
from hookline.conformance._suite import check_names, run_suite
from hookline.conformance._write_sample import SAMPLE_KEY, SAMPLE_SCHEMA, SAMPLE_STREAMS
