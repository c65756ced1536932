"""The evidence: each check's outcome, the level it earns, and the report's three forms.

The JSON report is what the registry stores a digest of; the JUnit XML is for CI systems;
the summary is for a person at a terminal.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any
from xml.etree import ElementTree

import attrs

from hookline.conformance._registry import LEVELS, blocked_level, level_of
from hookline.models import WRITE_MODES

#: The conformance suite's own version: it changes when checks are added or tightened.
SUITE_VERSION = "2"

#: What the report's JSON layout is; bumped on incompatible changes.
REPORT_SCHEMA_VERSION = 1

_MARKS = {"passed": "ok  ", "failed": "FAIL", "skipped": "skip"}


@attrs.define
class CheckOutcome:
    """What one check found.

    Attributes:
        name: the check's name, ``"<phase>.<what>"``.
        phase: the phase it belongs to.
        level: the level it counts towards.
        doc: what the check proves (one line).
        status: ``"passed"``, ``"failed"`` or ``"skipped"``.
        message: one line: what was found, why it failed, or why it was skipped.
        seconds: how long it took.
        applicable: for a skipped check: whether it applies to the connector (then the
            fixture lacked what it needs, and the level it belongs to is not reached).
        holds_back: for an applicable skip, the higher level it holds back instead of
            its own (a declaration only that level requires), or ``None``.
    """

    name: str
    phase: str
    level: str
    doc: str
    status: str
    message: str
    seconds: float
    applicable: bool = True
    holds_back: str | None = None

    @property
    def blocks(self) -> str:
        """The level this outcome stands in the way of when it did not pass."""
        return blocked_level(self.level, self)

    def to_dict(self) -> dict[str, Any]:
        """The outcome as JSON data."""
        data: dict[str, Any] = {
            "name": self.name,
            "phase": self.phase,
            "level": self.level,
            "status": self.status,
            "message": self.message,
            "seconds": round(self.seconds, 4),
        }
        if self.status == "skipped":
            data["applicable"] = self.applicable
            if self.applicable and self.blocks != self.level:
                data["holds_back"] = self.blocks
        return data


@attrs.define
class Report:
    """The outcome of one run of the suite against one connector.

    Attributes:
        connector: the connector's id.
        connector_version: its version.
        kind: source, destination or both.
        hookline_version: the hookline that ran the suite.
        suite_version: the suite's version (:data:`SUITE_VERSION`).
        date: when the suite ran (UTC, ISO 8601).
        checks: every check's outcome, in the order they ran.
        complete: whether every check ran (not a ``--check`` selection).
        with_fixture: whether the suite ran against the connector's own fixture (not a
            config given with ``--config``, where what the fixture would add is missing).
        required_level: the level a pass requires, when one was asked for.
        limits: the record cap and time limit every check ran under
            (:class:`~hookline.conformance._limits.Limits` as JSON), when known.
    """

    connector: str
    connector_version: str
    kind: str
    hookline_version: str
    suite_version: str = SUITE_VERSION
    date: str = attrs.field(
        factory=lambda: datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    )
    checks: list[CheckOutcome] = attrs.field(factory=list)
    complete: bool = True
    with_fixture: bool = True
    required_level: str | None = None
    limits: dict[str, Any] | None = None

    @property
    def level(self) -> str:
        """The level the evidence earns: ``none``, ``bronze``, ``silver`` or ``gold``."""
        return level_of({c.name: c for c in self.checks})

    @property
    def failed(self) -> list[CheckOutcome]:
        """The checks that failed."""
        return [c for c in self.checks if c.status == "failed"]

    @property
    def passed(self) -> bool:
        """No check failed, and the level reached is the one required.

        Against the connector's fixture with every check, at least bronze is required; a
        ``--check`` selection or a ``--config`` run requires only what ``--level`` asks.
        """
        if self.failed:
            return False
        if (not self.complete or not self.with_fixture) and self.required_level is None:
            return True
        needed = self.required_level or LEVELS[0]
        level = self.level
        return level != "none" and LEVELS.index(level) >= LEVELS.index(needed)

    @property
    def not_applicable(self) -> list[CheckOutcome]:
        """The checks skipped as not applicable: no level needs them, and nothing was proven.

        The report lists them with their reasons (``not_applicable`` in the JSON), so that
        a level is read with what it does not cover.
        """
        return [c for c in self.checks if c.status == "skipped" and not c.applicable]

    @property
    def write_modes_proven(self) -> list[str]:
        """The write modes whose checks (``write.mode_<mode>``) passed, for a destination."""
        passed = {c.name for c in self.checks if c.status == "passed"}
        return [mode for mode in WRITE_MODES if f"write.mode_{mode}" in passed]

    @property
    def is_destination(self) -> bool:
        """Whether the connector under test can be written to."""
        return self.kind in ("destination", "both")

    def outcome(self, name: str) -> CheckOutcome:
        """Return the outcome of the check called ``name``.

        Raises:
            KeyError: no check of that name ran.
        """
        for item in self.checks:
            if item.name == name:
                return item
        raise KeyError(f"no check {name!r} in this report")

    def counts(self) -> dict[str, int]:
        """How many checks passed, failed and were skipped."""
        counts = {"passed": 0, "failed": 0, "skipped": 0}
        for item in self.checks:
            counts[item.status] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON data (the ``--report`` file)."""
        return {
            "report_version": REPORT_SCHEMA_VERSION,
            "connector": self.connector,
            "connector_version": self.connector_version,
            "kind": self.kind,
            "hookline_version": self.hookline_version,
            "suite_version": self.suite_version,
            "date": self.date,
            "level": self.level,
            "passed": self.passed,
            "required_level": self.required_level,
            "with_fixture": self.with_fixture,
            "counts": self.counts(),
            "checks": [c.to_dict() for c in self.checks],
            "not_applicable": [{"name": c.name, "reason": c.message} for c in self.not_applicable],
            **({"write_modes_proven": self.write_modes_proven} if self.is_destination else {}),
            **({"limits": self.limits} if self.limits is not None else {}),
        }

    def to_json(self) -> str:
        """The report as indented JSON text."""
        return json.dumps(self.to_dict(), indent=2) + "\n"

    def digest(self) -> str:
        """A SHA-256 of the report's JSON: what the registry records as evidence."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()

    def to_junit(self) -> str:
        """The report as JUnit XML: one test case per check."""
        counts = self.counts()
        suite = ElementTree.Element(
            "testsuite",
            name=f"hookline-conformance.{self.connector}",
            tests=str(len(self.checks)),
            failures=str(counts["failed"]),
            errors="0",
            skipped=str(counts["skipped"]),
            time=f"{sum(c.seconds for c in self.checks):.3f}",
            timestamp=self.date,
        )
        properties = ElementTree.SubElement(suite, "properties")
        for name, value in (
            ("connector_version", self.connector_version),
            ("hookline_version", self.hookline_version),
            ("suite_version", self.suite_version),
            ("level", self.level),
        ):
            ElementTree.SubElement(properties, "property", name=name, value=value)
        for item in self.checks:
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname=f"{self.connector}.{item.phase}",
                name=item.name,
                time=f"{item.seconds:.3f}",
            )
            if item.status == "failed":
                failure = ElementTree.SubElement(case, "failure", message=item.message)
                failure.text = f"{item.doc}\n{item.message}"
            elif item.status == "skipped":
                ElementTree.SubElement(case, "skipped", message=item.message)
        testsuites = ElementTree.Element("testsuites")
        testsuites.append(suite)
        ElementTree.indent(testsuites)
        text: str = ElementTree.tostring(testsuites, encoding="unicode", xml_declaration=True)
        return text + "\n"

    def summary(self) -> str:
        """The human summary: one line per check, then the level and the counts."""
        lines = [
            f"Conformance of {self.connector} {self.connector_version} ({self.kind}), "
            f"hookline {self.hookline_version}, suite {self.suite_version}"
        ]
        width = max((len(c.name) for c in self.checks), default=10)
        for item in self.checks:
            lines.append(format_outcome(item, width))
        counts = self.counts()
        lines.append("")
        lines.append(
            f"Level: {self.level}    {counts['passed']} passed, {counts['failed']} failed, "
            f"{counts['skipped']} skipped"
        )
        lines += self.write_modes_lines()
        held_back = self.held_back()
        if held_back:
            lines.append(f"Next level held back by: {held_back}")
        lines += self.not_applicable_lines()
        return "\n".join(lines)

    def write_modes_lines(self) -> list[str]:
        """The summary's line naming the write modes proven (a destination's only)."""
        if not self.is_destination:
            return []
        return [f"Write modes proven: {', '.join(self.write_modes_proven) or 'none'}"]

    def not_applicable_lines(self) -> list[str]:
        """The summary's list of what the level does not cover (checks not applicable)."""
        if not self.not_applicable:
            return []
        lines = ["Not applicable, so not proven:"]
        lines += [f"  {c.name}: {c.message}" for c in self.not_applicable]
        return lines

    def held_back(self) -> str:
        """Which checks keep the next level out of reach, or ``""`` at the top."""
        level = self.level
        if level == LEVELS[-1]:
            return ""
        target = LEVELS[0] if level == "none" else LEVELS[LEVELS.index(level) + 1]
        blocking = [
            c.name
            for c in self.checks
            if LEVELS.index(c.blocks) <= LEVELS.index(target)
            and (c.status == "failed" or (c.status == "skipped" and c.applicable))
        ]
        if not blocking and not self.complete:
            return f"{target} needs the checks not selected"
        return f"{target} needs {', '.join(blocking)}" if blocking else ""


def format_outcome(item: CheckOutcome, width: int = 36) -> str:
    """One line for one check, as the summary and the progress show it."""
    return f"  {_MARKS[item.status]}  {item.name.ljust(width)}  {item.message}"
