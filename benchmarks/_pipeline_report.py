"""The pipeline benchmark's figures: one side's measurements, the targets, the report."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from _common import megabytes

NOT_MEASURED = "NOT MEASURED"
TARGET_VS_PLAIN = 0.5
TARGET_VS_SINGER = 10.0
TARGET_RSS_MB = 250.0
TARGET_RSS_GROWTH = 1.2


@dataclass
class Measurement:
    """One side's figures, or why they could not be taken."""

    label: str
    records: int
    command: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float | None] = field(default_factory=list)
    peak_rss: list[int | None] = field(default_factory=list)
    error: str | None = None
    #: ``True`` when the side could not run at all (not a failure of what it measures).
    unavailable: bool = False
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether there are figures."""
        return self.error is None and bool(self.seconds)

    @property
    def median_seconds(self) -> float | None:
        """The median wall-clock time, or ``None``."""
        return statistics.median(self.seconds) if self.ok else None

    @property
    def records_per_s(self) -> float | None:
        """Records per second at the median time, or ``None``."""
        median = self.median_seconds
        return None if median is None else self.records / median

    @property
    def median_cpu_seconds(self) -> float | None:
        """The median CPU time (user + system), or ``None``."""
        known = [cpu for cpu in self.cpu_seconds if cpu is not None]
        return statistics.median(known) if self.ok and known else None

    @property
    def peak_rss_max(self) -> int | None:
        """The highest peak RSS over the runs, in bytes, or ``None``."""
        known = [rss for rss in self.peak_rss if rss is not None]
        return max(known) if self.ok and known else None

    def fail(self, message: str, *, unavailable: bool = False) -> None:
        """Record why the figures are missing."""
        self.error = message
        self.unavailable = unavailable

    def to_dict(self) -> dict[str, Any]:
        """Return the figures as JSON data."""
        rps = self.records_per_s
        return {
            "records": self.records,
            "command": self.command,
            "records_per_s": None if rps is None else round(rps),
            "median_s": _round(self.median_seconds, 3),
            "median_cpu_s": _round(self.median_cpu_seconds, 3),
            "samples_s": [round(s, 3) for s in self.seconds],
            "cpu_samples_s": [None if c is None else round(c, 3) for c in self.cpu_seconds],
            "peak_rss_mb": megabytes(self.peak_rss_max),
            "peak_rss_mb_samples": [megabytes(rss) for rss in self.peak_rss],
            "error": self.error,
            **self.details,
        }


def _target(
    value: float | None, target: float, *, at_least: bool, why: str | None
) -> dict[str, Any]:
    """A ratio or limit with its target and ``PASS``/``MISS``/``NOT MEASURED``."""
    if value is None:
        result = NOT_MEASURED
    else:
        result = "PASS" if (value >= target if at_least else value <= target) else "MISS"
    return {
        "value": None if value is None else round(value, 3),
        "target": f"{'>=' if at_least else '<='} {target:g}",
        "result": result,
        "reason": why if value is None else None,
    }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a / b


def targets(
    plain: Measurement, singer: Measurement, big: Measurement, base: Measurement
) -> dict[str, dict[str, Any]]:
    """Compute every target from the measurements."""

    def why(*sides: Measurement) -> str | None:
        reasons = dict.fromkeys(f"{s.label}: {last_line(s.error)}" for s in sides if s.error)
        return "; ".join(reasons) or None

    big_rss, base_rss = megabytes(big.peak_rss_max), megabytes(base.peak_rss_max)
    return {
        "hookline / plain Python (records/s)": _target(
            _ratio(big.records_per_s, plain.records_per_s),
            TARGET_VS_PLAIN,
            at_least=True,
            why=why(big, plain),
        ),
        "hookline / Singer (records/s)": _target(
            _ratio(big.records_per_s, singer.records_per_s),
            TARGET_VS_SINGER,
            at_least=True,
            why=why(big, singer),
        ),
        f"hookline peak RSS at {big.records:,} (MB)": _target(
            big_rss, TARGET_RSS_MB, at_least=False, why=why(big)
        ),
        f"peak RSS {big.records:,} / {base.records:,}": _target(
            _ratio(big_rss, base_rss), TARGET_RSS_GROWTH, at_least=False, why=why(big, base)
        ),
    }


def cpu_ratios(
    plain: Measurement, singer: Measurement, big: Measurement
) -> dict[str, float | None]:
    """Records per CPU-second of hookline over each baseline: context, not a target.

    CPU time is less disturbed than wall-clock time by other work on the machine; Singer's
    counts both of its processes.
    """

    def per_cpu(side: Measurement) -> float | None:
        cpu = side.median_cpu_seconds
        return None if not cpu else side.records / cpu

    return {
        "hookline / plain Python (records per CPU-second)": _round(
            _ratio(per_cpu(big), per_cpu(plain)), 3
        ),
        "hookline / Singer (records per CPU-second)": _round(
            _ratio(per_cpu(big), per_cpu(singer)), 3
        ),
    }


def durability_cost(
    full: Measurement, normal: Measurement, plain: Measurement
) -> dict[str, float | None]:
    """What ``synchronous: full`` (the default) costs over ``normal``: a figure, not a target.

    Ratios above 1 for times (below 1 for records/s) are the price of a batch surviving a
    power loss once written. ``normal / plain Python`` compares like with like: the plain
    loop commits with ``synchronous=NORMAL`` too.
    """

    return {
        "full / normal (records/s)": _round(_ratio(full.records_per_s, normal.records_per_s), 3),
        "full / normal (wall-clock time)": _round(
            _ratio(full.median_seconds, normal.median_seconds), 3
        ),
        "full / normal (CPU time)": _round(
            _ratio(full.median_cpu_seconds, normal.median_cpu_seconds), 3
        ),
        "normal / plain Python (records/s)": _round(
            _ratio(normal.records_per_s, plain.records_per_s), 3
        ),
    }


def report(
    sides: list[Measurement],
    checks: dict[str, dict[str, Any]],
    context: dict[str, float | None],
    durability: dict[str, float | None] | None = None,
) -> None:
    """Print the figures and the targets as tables (and what durability costs, if given)."""
    print()
    width = max(len(side.label) for side in sides) + 2
    print(
        f"{'':<{width}}{'records':>10}{'time':>10}{'records/s':>12}{'peak RSS':>11}{'CPU time':>10}"
    )
    for side in sides:
        if not side.ok:
            reason = last_line(side.error)
            print(f"{side.label:<{width}}{side.records:>10,}  {NOT_MEASURED}: {reason}")
            continue
        rss, cpu = megabytes(side.peak_rss_max), side.median_cpu_seconds
        print(
            f"{side.label:<{width}}{side.records:>10,}{side.median_seconds:>9.2f}s"
            f"{side.records_per_s:>12,.0f}{'-' if rss is None else f'{rss:.1f} MB':>11}"
            f"{'-' if cpu is None else f'{cpu:.2f}s':>10}"
        )
    print()
    width = max(len(name) for name in checks) + 2
    print(f"{'target':<{width}}{'value':>9}{'target':>10}  result")
    for name, check in checks.items():
        value = "-" if check["value"] is None else f"{check['value']:.2f}"
        print(f"{name:<{width}}{value:>9}{check['target']:>10}  {check['result']}")
        if check["reason"]:
            print(f"{'':<{width}}    {check['reason']}")
    print()
    for name, ratio in context.items():
        print(f"context, not a target: {name} = {'-' if ratio is None else f'{ratio:.2f}'}")
    for name, ratio in (durability or {}).items():
        print(f"durability cost, synchronous {name} = {'-' if ratio is None else f'{ratio:.3f}'}")


# -- main ------------------------------------------------------------------------------------


def last_line(text: object) -> str:
    """The gist of a failed command's output: its last line that names an error."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    errors = [line for line in lines if "Error" in line or line.lower().startswith("error")]
    return (errors or lines or [""])[-1]
