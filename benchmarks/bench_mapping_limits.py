"""Cost of the mapping's limits per record: the mapping as it is against a git revision.

The limits on expressions (length and depth, checked once when a pipeline is loaded) cost
nothing per record; the limit on the size of a value an expression builds is checked by
the functions that build values (``replace``, ``concat``, ``split``, ``lower``, ...), by
``[...]`` and ``{...}``, and by projections, on every record. The exact handling of big
integers adds a branch to ``cast``. This script measures what that costs, on the rows of
the mapping reference's performance table and a few more that take the checked paths.

The baseline is the mapping package (``sdk/src/hookline/mapping``) at a git revision
(``--baseline``, default ``HEAD``), read with ``git show`` into ``benchmarks/.work``; the
rest of hookline is the working tree's in both. Each round starts one worker process per
variant, one after the other (which goes first alternates), and the worker times every
case over the same generated records, best of ``--repeat`` (``BENCH_REPEAT``, default 3),
with the input records frozen out of the garbage collector's work: 100,000 orders of 5
fields (``--records`` or ``BENCH_MAPPING_RECORDS``), ``--runs`` rounds (``BENCH_RUNS``,
default 15) after ``--warmup`` (``BENCH_WARMUP``, default 1). Both variants must map every
case to the same records and reasons, which is checked.

Target (the median over the rounds of current / baseline, both measured in this run): at
most 1.05 on each row of the reference's table.

Run it with ``nox -s bench -- bench_mapping_limits`` (or ``python
benchmarks/bench_mapping_limits.py`` where hookline is installed). Results go to
``benchmarks/results/mapping_limits.json``. The exit code is 0 unless the two variants
mapped a case differently; the target is printed as PASS or MISS.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import (
    BENCH_DIR,
    ROOT,
    clean_env,
    fresh_dir,
    int_setting,
    machine,
    run,
    source_revision,
    write_results,
)

TARGET = 1.05
PACKAGE = "sdk/src/hookline/mapping"
SALT = "bench-salt-0123456789"

#: label -> (mapping, whether the row is in the reference's table).
CASES: dict[str, tuple[Any, bool]] = {
    "3-field mapping: rename, cast total string -> number, lower email": (
        {"rename": {"created": "created_at"}, "cast": {"total": "number"}, "lower": ["email"]},
        True,
    ),
    "compute: {e: lower(email)}": ({"compute": {"e": "lower(email)"}}, True),
    "compute: {e: email} (plain field reference)": ({"compute": {"e": "email"}}, True),
    "compute: {d: split(email, '@')[1]}": ({"compute": {"d": "split(email, '@')[1]"}}, True),
    "filter: country == 'NL' && id > `10`": ({"filter": "country == 'NL' && id > `10`"}, True),
    "hash: [email] (salted SHA-256)": ({"salt": SALT, "hash": ["email"]}, True),
    "compute: {r: replace(email, '@', ' at ')}": (
        {"compute": {"r": "replace(email, '@', ' at ')"}},
        False,
    ),
    "compute: {c: concat(country, '-', id)}": (
        {"compute": {"c": "concat(country, '-', id)"}},
        False,
    ),
    "compute: {o: {id: id, c: country}} (multi-select)": (
        {"compute": {"o": "{id: id, c: country}"}},
        False,
    ),
    "compute: {p: split(email, '@')[?length(@) > `5`]} (interpreted filter)": (
        {"compute": {"p": "split(email, '@')[?length(@) > `5`]"}},
        False,
    ),
    "cast: {id: string, total: integer}": (
        {"cast": {"id": "string", "total": "integer"}},
        False,
    ),
}

_COUNTRIES = ("NL", "BE", "DE", "FR", "NL")


def orders(count: int) -> list[dict[str, Any]]:
    """Return ``count`` order records of 5 fields, the same for the same count."""
    records = []
    for number in range(1, count + 1):
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1_704_096_000 + number * 37))
        records.append(
            {
                "id": number,
                "email": f"Customer{number % 997}@Shop{number % 13}.test",
                "total": str(number % 5000 * 3),
                "country": _COUNTRIES[number % len(_COUNTRIES)],
                "created": stamp,
            }
        )
    return records


def baseline_package(revision: str) -> Path:
    """Write the mapping package at ``revision`` to ``benchmarks/.work`` and return it."""
    target = fresh_dir("mapping-baseline") / "mapping"
    target.mkdir()
    names = run(["git", "ls-tree", "--name-only", f"{revision}:{PACKAGE}"], cwd=ROOT).split()
    for name in names:
        if name.endswith(".py"):
            text = run(["git", "show", f"{revision}:{PACKAGE}/{name}"], cwd=ROOT)
            (target / name).write_text(text, encoding="utf-8")
    return target


def load_package(directory: Path) -> None:
    """Make ``hookline.mapping`` the package in ``directory`` (before anything imports it)."""
    spec = importlib.util.spec_from_file_location(
        "hookline.mapping", directory / "__init__.py", submodule_search_locations=[str(directory)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["hookline.mapping"] = module
    spec.loader.exec_module(module)
    import hookline

    hookline.mapping = module  # type: ignore[attr-defined]


def _best(function: Any, repeat: int) -> tuple[float, Any]:
    """The fastest of ``repeat`` timed calls of ``function``, and what the last one gave."""
    best = float("inf")
    result = None
    for _ in range(repeat):
        result = None
        gc.collect()
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def worker(count: int, package: str | None, repeat: int) -> dict[str, Any]:
    """Time every case (and the copy floor), best of ``repeat``; return seconds and a digest
    of the outcome per case."""
    if package:
        load_package(Path(package))
    from hookline.mapping import compile_mapping

    records = orders(count)
    gc.collect()
    gc.freeze()  # the input records are not the collector's work in either variant
    seconds: dict[str, float] = {}
    digests: dict[str, str] = {}
    floor, _ = _best(lambda: list(map(dict.copy, records)), repeat)
    seconds["copying every record (the floor of apply)"] = floor
    for label, (spec, _) in CASES.items():
        mapper = compile_mapping(spec)
        seconds[label], result = _best(lambda: mapper.apply(records), repeat)  # noqa: B023
        outcome = [result.records, [r.reason for r in result.rejected], result.filtered]
        digests[label] = hashlib.sha256(json.dumps(outcome, default=str).encode()).hexdigest()
        del result
    return {"seconds": seconds, "digests": digests}


def one_round(count: int, package: str | None, repeat: int) -> dict[str, Any]:
    """Run :func:`worker` in a fresh process and return what it printed."""
    args = [sys.executable, str(Path(__file__).resolve()), "--worker", "--records", str(count)]
    args += ["--repeat", str(repeat)]
    if package:
        args += ["--package", package]
    proc = subprocess.run(
        args, cwd=BENCH_DIR, env=clean_env(), capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"worker failed ({proc.returncode}):\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def micro(seconds: float, count: int) -> float:
    """Seconds for ``count`` records as microseconds per record."""
    return round(seconds / count * 1e6, 3)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write ``benchmarks/results/mapping_limits.json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--records", type=int, default=int_setting("BENCH_MAPPING_RECORDS", 100_000)
    )
    parser.add_argument("--runs", type=int, default=int_setting("BENCH_RUNS", 15))
    parser.add_argument("--warmup", type=int, default=int_setting("BENCH_WARMUP", 1))
    parser.add_argument("--repeat", type=int, default=int_setting("BENCH_REPEAT", 3))
    parser.add_argument("--baseline", default="HEAD", help="the git revision to compare with")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--package", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    count: int = args.records
    if args.worker:
        print(json.dumps(worker(count, args.package, args.repeat)))
        return 0
    base = str(baseline_package(args.baseline))
    variants: dict[str, str | None] = {"baseline": base, "current": None}
    samples: dict[str, dict[str, list[float]]] = {v: {} for v in variants}
    digests: dict[str, dict[str, str]] = {}
    for round_no in range(args.warmup + args.runs):
        order = list(variants.items())
        for variant, package in order if round_no % 2 else order[::-1]:
            outcome = one_round(count, package, args.repeat)
            digests[variant] = outcome["digests"]
            if round_no >= args.warmup:
                for label, value in outcome["seconds"].items():
                    samples[variant].setdefault(label, []).append(value)
    problems = [
        f"{label}: the baseline and the current mapping give different results"
        for label in CASES
        if digests["baseline"][label] != digests["current"][label]
    ]
    rows: dict[str, Any] = {}
    worst = 0.0
    print(f"{count:,} records, {args.runs} rounds (best of {args.repeat} each); us/record,")
    print("best / median of rounds; ratio: current / baseline, median of the rounds' ratios")
    print(f"{'':76} {'baseline':>15} {'current':>15} {'ratio':>6}")
    for label in samples["current"]:
        base_times, times = samples["baseline"][label], samples["current"][label]
        # Rounds are pairs run one after the other: the median of their ratios is what
        # noise on the machine disturbs least.
        ratio = statistics.median(c / b for c, b in zip(times, base_times, strict=True))
        in_table = label not in CASES or CASES[label][1]
        if label in CASES and in_table:
            worst = max(worst, ratio)
        rows[label] = {
            "in_reference_table": in_table,
            "baseline": {
                "best_us_per_record": micro(min(base_times), count),
                "median_us_per_record": micro(statistics.median(base_times), count),
            },
            "current": {
                "best_us_per_record": micro(min(times), count),
                "median_us_per_record": micro(statistics.median(times), count),
            },
            "median_ratio_of_rounds": round(ratio, 3),
            "samples_s": {
                "baseline": [round(t, 4) for t in base_times],
                "current": [round(t, 4) for t in times],
            },
        }
        b, c = rows[label]["baseline"], rows[label]["current"]
        print(
            f"{label[:76]:76} {b['best_us_per_record']:6.2f} / {b['median_us_per_record']:5.2f}"
            f"  {c['best_us_per_record']:6.2f} / {c['median_us_per_record']:5.2f} {ratio:6.3f}"
        )
    verdict = "PASS" if worst <= TARGET else "MISS"
    print(f"{verdict}: worst ratio on the reference's rows {worst:.3f} (<= {TARGET})")
    for problem in problems:
        print(f"WRONG ANSWER: {problem}")
    path = write_results(
        "mapping_limits",
        {
            "benchmark": "mapping_limits",
            "records": count,
            "runs": args.runs,
            "warmup": args.warmup,
            "repeat": args.repeat,
            "baseline": args.baseline,
            "machine": machine(),
            "source": source_revision(PACKAGE, "benchmarks/bench_mapping_limits.py"),
            "cases": {label: spec for label, (spec, _) in CASES.items()},
            "results": rows,
            "target": {"worst_median_ratio": TARGET, "verdict": verdict, "worst": round(worst, 3)},
            "problems": problems,
        },
    )
    print(f"results: {path}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
