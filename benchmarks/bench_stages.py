"""Where a record's time goes in ``hookline run``: each stage of files -> SQLite, per record.

The same generated orders as ``bench_pipeline.py`` (JSON Lines, 10,000 per file; 200,000 by
default), and the same pipeline files as ``bench_mapping_pipeline.py`` (upsert on ``id``,
batches of 10,000, ``queue_size: 0``, the SQLite destination's default ``synchronous:
full``). Each round takes every batch through the stages in this process, one batch in
memory at a time, with the calls the runner makes (``hookline.runner._stream._deliver``),
each call timed on its own:

* **read**: the files connector's ``hookline_read`` through ``Connector.read``, as the
  runner calls it (the source side opened by ``hookline.runner.Run.open``): finding the
  files, reading and parsing the JSON Lines, each batch's state;
* **schema check**: ``plan.validator.split(batch.records)``, the stream's schema as the
  source discovered it;
* **mapping** (optional: the pipeline without ``map:`` skips it): ``plan.mapper.apply`` of
  ``bench_mapping_pipeline``'s three steps (rename ``customer_id`` to ``customer``, cast
  ``created_at`` to ``datetime``, compute ``label``);
* **SQLite prepare**: ``prepare_batch(shape, records)`` with the shape ``write_records``
  uses (the stream's write plan), and ``list(batch.bound())``;
* **SQLite write**: ``write_records`` of the batch, whole (prepare, insert, commit), into
  the run's database (``synchronous: full``) and into a second one with ``synchronous:
  normal``; insert + commit is write - prepare;
* **state commit**: ``StateStore.commit`` of the batch's state and counts, once per batch.

Set-up (loading the pipeline, opening both sides, discovering, planning, ``write_start``,
opening the state store) is timed once per round. The runner's own garbage-collector
thresholds (``hookline.runner._run._fewer_collections``) hold while batches go through.

Measured in the same rounds, as whole processes: the plain loop of ``bench_pipeline.py``
(its ``--plain-worker``, ``_orders.plain_load``: orjson per line, the mapping by hand,
``executemany`` upserts in 10,000-row transactions, ``synchronous=NORMAL``), and ``python -m
hookline run pipeline.yaml --json`` of the same pipeline without and with the mapping. The
stages run one after the other in one thread; with ``queue_size: 0`` so does the run, so
what the stages do not account for is start-up (the interpreter, imports) and the runner's
bookkeeping.

Every figure is the median over ``--runs`` rounds (``BENCH_RUNS``, default 3) after
``--warmup`` rounds (``BENCH_WARMUP``, default 1), in microseconds per record; shares are of
the whole run without a mapping. Every output is checked (no record rejected, every row in
each database, the runs' summaries and tables) before its time counts. Run it with ``nox -s
bench -- bench_stages`` or ``python benchmarks/bench_stages.py [--records N] [--runs N]``
where hookline and the files and sqlite connectors are installed. Results go to
``benchmarks/results/stages.json``; the exit code is 0 unless something measured failed or
gave wrong output.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import attrs
from _common import (
    BENCH_DIR,
    ROOT,
    Outcome,
    fresh_dir,
    int_setting,
    machine,
    megabytes,
    run_measured,
    source_revision,
    tail,
    write_results,
)
from _orders import BATCH_SIZE, ORDERS_PER_FILE, DataSet, ensure_orders
from bench_mapping_pipeline import MAPPING, check_rows, pipeline

from hookline._statestore import StateStore
from hookline.mapping import Mapper
from hookline.models import ConnectorContext
from hookline.pipeline import load_pipeline
from hookline.runner import Run, StreamPlan, StreamResult
from hookline.runner._run import _fewer_collections
from hookline.runner._transforms import apply
from hookline_sqlite._batch import prepare_batch
from hookline_sqlite._writing import write_records

RECORDS = 200_000

#: The stages timed per batch, in the order a record meets them: (key, label).
STAGES = (
    ("read", "read (files: JSON Lines, parsed)"),
    ("schema_check", "schema check (Validator.split)"),
    ("mapping", "mapping, 3 steps (Mapper.apply), optional"),
    ("sqlite_prepare", "SQLite prepare (prepare_batch + bound)"),
    ("sqlite_write_full", "SQLite write (write_records), sync full"),
    ("sqlite_write_normal", "SQLite write (write_records), sync normal"),
    ("state_commit", "state commit (StateStore.commit)"),
)
#: Stages the runner's chain holds only when a connector or plugin has a transform.
TRANSFORMS = ("transform_before", "transform_after")
#: What one batch of the pipeline without a mapping costs: these stages, one after another.
PIPELINE_STAGES = ("read", "schema_check", "sqlite_write_full", "state_commit")


@dataclass
class Round:
    """The seconds each stage took over the whole data set in one round."""

    seconds: dict[str, float] = field(default_factory=dict)
    set_up: float = 0.0
    batches: int = 0

    def add(self, stage: str, elapsed: float) -> None:
        """Add ``elapsed`` seconds to ``stage``."""
        self.seconds[stage] = self.seconds.get(stage, 0.0) + elapsed


@dataclass
class Process:
    """One whole process measured round after round, or why it could not be."""

    label: str
    command: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float | None] = field(default_factory=list)
    peak_rss: list[int | None] = field(default_factory=list)
    error: str | None = None


# -- the stages, in this process ---------------------------------------------------------


def _quiet_logger() -> logging.Logger:
    """A logger that drops what it gets (the warning ``synchronous: normal`` logs)."""
    logger = logging.getLogger("bench_stages.quiet")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
    logger.propagate = False
    return logger


def _timed(iterator: Iterator[Any]) -> Iterator[tuple[Any, float]]:
    """Yield each item of ``iterator`` with the seconds ``next`` took to produce it."""
    clock = time.perf_counter
    while True:
        start = clock()
        try:
            item = next(iterator)
        except StopIteration:
            return
        yield item, clock() - start
        del item  # not kept while the next one is read


def run_stages(data: DataSet, place: Path, mapper: Mapper, problems: list[str]) -> Round:
    """Take every batch of ``data`` through each stage, timing each call; return the round."""
    clock = time.perf_counter
    result = Round()
    text = pipeline(data.directory, place / "full.db", mapped=False)
    (place / "pipeline.yaml").write_text(text, encoding="utf-8")
    start = clock()
    loaded = load_pipeline(place / "pipeline.yaml")
    with Run.open(loaded) as run:
        plan: StreamPlan = run.plan()[0]
        source, dest = run.source, run.destination
        stream = plan.dest_stream
        dest.connector.write_start(dest.config, dest.connection, stream)
        store = StateStore(loaded.state_dir)
        record = store.start_run(loaded.name)
        state = None
        if plan.source_stream.sync_mode == "incremental":
            state = store.get(loaded.name, plan.name)
        result.set_up = clock() - start
        assert plan.validator is not None, plan.schema_problem
        validator = plan.validator
        # The second database, synchronous: normal, opened and started as the run does.
        normal_config = attrs.evolve(dest.config, path=place / "normal.db", synchronous="normal")
        normal_db = dest.connector.auth(
            normal_config, ConnectorContext(base_dir=place, logger=_quiet_logger())
        )
        dest.connector.write_start(normal_config, normal_db, stream)
        counts = StreamResult(plan.name)
        rejected = 0
        try:
            with _fewer_collections():
                start = clock()
                batches = source.connector.read(
                    source.config, source.connection, plan.source_stream, state
                )
                result.add("read", clock() - start)
                for batch, read_seconds in _timed(batches):
                    result.add("read", read_seconds)
                    result.batches += 1

                    start = clock()
                    records, refused = validator.split(batch.records)
                    result.add("schema_check", clock() - start)
                    counts.read += len(batch.records)
                    rejected += len(refused)

                    if run.chain.before_mapping:
                        start = clock()
                        records, refused = apply(
                            run.chain.before_mapping, plan.source_stream, records
                        )
                        result.add("transform_before", clock() - start)
                        rejected += len(refused)

                    start = clock()
                    mapped = mapper.apply(records)
                    result.add("mapping", clock() - start)
                    rejected += len(records) - len(mapped.records)
                    del mapped

                    if run.chain.after_mapping:
                        start = clock()
                        records, refused = apply(run.chain.after_mapping, stream, records)
                        result.add("transform_after", clock() - start)
                        rejected += len(refused)

                    shape = dest.connection.plans[stream.name].shape
                    start = clock()
                    rows = list(prepare_batch(shape, records).bound())
                    result.add("sqlite_prepare", clock() - start)
                    if len(rows) != len(records):
                        rejected += len(records) - len(rows)
                    del rows

                    start = clock()
                    written = write_records(dest.connection, dest.config, stream, records)
                    result.add("sqlite_write_full", clock() - start)
                    counts.written += written.written
                    rejected += len(written.rejected)

                    start = clock()
                    weaker = write_records(normal_db, normal_config, stream, records)
                    result.add("sqlite_write_normal", clock() - start)
                    rejected += len(weaker.rejected)

                    if plan.commit_per_batch and batch.state is not None:
                        start = clock()
                        store.commit(
                            loaded.name,
                            plan.name,
                            batch.state,
                            run_id=record.id,
                            counts=counts.counts(),
                        )
                        result.add("state_commit", clock() - start)
                    del batch, records
            dest.connector.write_finish(dest.config, dest.connection, stream)
            dest.connector.write_finish(normal_config, normal_db, stream)
            store.finish_run(record.id, "succeeded", {plan.name: counts.counts()})
        finally:
            dest.connector.close(normal_db)
            store.close()
    if counts.read != data.records or rejected:
        problems.append(f"stages: read {counts.read:,} records, {rejected:,} rejected")
    for database in ("full.db", "normal.db"):
        problem = check_rows(place / database, data.records, mapped=False)
        if problem:
            problems.append(f"stages, {database}: {problem}")
    expected = -(-data.records // BATCH_SIZE)
    if result.batches != expected:
        problems.append(f"stages: {result.batches} batches, expected {expected} of {BATCH_SIZE:,}")
    if "state_commit" not in result.seconds:
        problems.append("stages: no batch carried a state to commit")
    return result


def compile_mapper(data: DataSet, place: Path) -> Mapper:
    """The mapper the runner compiles for the mapped pipeline (from the discovered schema)."""
    path = place / "mapped.yaml"
    path.write_text(pipeline(data.directory, place / "mapped.db", mapped=True), encoding="utf-8")
    with Run.open(load_pipeline(path)) as run:
        mapper = run.plan()[0].mapper
    assert mapper is not None
    return mapper


# -- whole processes ---------------------------------------------------------------------


def run_plain(data: DataSet, place: Path, side: Process) -> Outcome | None:
    """Run the plain loop once, as a process of its own; return how it went, or note why not."""
    database = place / "plain.db"
    # bench_pipeline's own worker: it imports nothing of hookline (this script does).
    cmd: list[str | Path] = [sys.executable, BENCH_DIR / "bench_pipeline.py", "--plain-worker"]
    cmd += [data.directory, database]
    side.command = [str(c) for c in cmd]
    out, err = place / "plain.json", place / "plain.err"
    outcome = run_measured(cmd, stdout=out, stderr=err, cwd=place)
    if outcome.returncode != 0:
        side.error = f"exit {outcome.returncode}: {tail(err)}"
        return None
    counts = json.loads(out.read_text(encoding="utf-8"))
    if counts != {"records": data.records, "rows": data.records}:
        side.error = f"loaded {counts}, expected {data.records} records and rows"
        return None
    return outcome


def run_hookline(data: DataSet, place: Path, side: Process, mapped: bool) -> Outcome | None:
    """Run ``hookline run`` of the pipeline once; return how it went, or note why not."""
    name = "run-mapped" if mapped else "run"
    database = place / f"{name}.db"
    path = place / f"{name}.yaml"
    path.write_text(pipeline(data.directory, database, mapped), encoding="utf-8")
    cmd: list[str | Path] = [sys.executable, "-m", "hookline", "run", path, "--json"]
    side.command = [str(c) for c in cmd]
    out, err = place / f"{name}.json", place / f"{name}.err"
    outcome = run_measured(
        cmd, stdout=out, stderr=err, cwd=place, extra_env={"HOOKLINE_CACHE_DIR": str(place)}
    )
    try:
        summary = json.loads(out.read_text(encoding="utf-8"))
    except ValueError:
        summary = None
    if outcome.returncode != 0 or not isinstance(summary, dict):
        side.error = f"exit {outcome.returncode}: {tail(err) or tail(out)}"
        return None
    counts = summary.get("streams", {}).get("orders", {})
    if summary.get("status") != "succeeded":
        side.error = f"status {summary.get('status')!r}: {summary.get('error')}"
    elif counts.get("read") != data.records or counts.get("written") != data.records:
        side.error = f"orders read/written {counts}, expected {data.records} each"
    else:
        side.error = check_rows(database, data.records, mapped)
    return None if side.error else outcome


# -- figures -----------------------------------------------------------------------------


def micro(seconds: float, records: int) -> float:
    """Seconds for ``records`` records as microseconds per record."""
    return round(seconds / records * 1e6, 3)


def summarise(
    rounds: list[Round], sides: dict[str, Process], records: int
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Return the stages' figures, the derived figures and the processes' figures."""
    run_side = sides["hookline_run"]
    whole = micro(statistics.median(run_side.seconds), records) if run_side.seconds else None

    def figures(samples: list[float], per: int = records) -> dict[str, Any]:
        median = micro(statistics.median(samples), per)
        return {
            "median_us_per_record": median,
            "best_us_per_record": micro(min(samples), per),
            "share_of_run": None if whole is None else round(median / whole, 4),
            "samples_s": [round(s, 4) for s in samples],
        }

    labels = dict(STAGES)
    stages: dict[str, Any] = {}
    batches = rounds[0].batches
    for key in [k for k, _ in STAGES] + list(TRANSFORMS):
        samples = [r.seconds[key] for r in rounds if key in r.seconds]
        if len(samples) != len(rounds):
            continue
        stages[key] = {"label": labels.get(key, key.replace("_", " ")), **figures(samples)}
        stages[key]["median_us_per_batch"] = round(statistics.median(samples) / batches * 1e6, 1)
    in_pipeline = [k for k in (*PIPELINE_STAGES, *TRANSFORMS) if k in stages]
    derived: dict[str, Any] = {}
    for sync in ("full", "normal"):
        samples = [r.seconds[f"sqlite_write_{sync}"] - r.seconds["sqlite_prepare"] for r in rounds]
        derived[f"sqlite_insert_commit_{sync}"] = {
            "label": f"SQLite insert + commit, sync {sync} (write - prepare)",
            **figures(samples),
        }
    total = [sum(r.seconds[k] for k in in_pipeline) for r in rounds]
    derived["sum_of_stages"] = {
        "label": "sum of the stages, no mapping",
        "stages": in_pipeline,
        **figures(total),
    }
    derived["set_up"] = {
        "label": "set-up, once per run (open, discover, plan, ...)",
        **figures([r.set_up for r in rounds]),
        "median_ms": round(statistics.median(r.set_up for r in rounds) * 1000, 1),
    }
    if whole is not None:
        rest = whole - derived["sum_of_stages"]["median_us_per_record"]
        rest -= derived["set_up"]["median_us_per_record"]
        derived["rest_of_run"] = {
            "label": "rest of the run (start-up, imports, bookkeeping)",
            "median_us_per_record": round(rest, 3),
            "share_of_run": round(rest / whole, 4),
        }
    processes: dict[str, Any] = {}
    for key, side in sides.items():
        entry: dict[str, Any] = {"label": side.label, "command": side.command, "error": side.error}
        if side.seconds and side.error is None:
            entry.update(figures(side.seconds))
            entry["records_per_s"] = round(records / statistics.median(side.seconds))
            cpu = [c for c in side.cpu_seconds if c is not None]
            entry["median_cpu_s"] = round(statistics.median(cpu), 3) if cpu else None
            known = [rss for rss in side.peak_rss if rss is not None]
            entry["peak_rss_mb"] = megabytes(max(known)) if known else None
        processes[key] = entry
    return stages, derived, processes


def print_table(stages: dict[str, Any], derived: dict[str, Any], processes: dict[str, Any]) -> None:
    """Print stage, us/record and share of the whole run."""

    def row(entry: dict[str, Any], indent: str = "") -> None:
        share = entry.get("share_of_run")
        shown = "" if share is None else f"{share * 100:6.1f}%"
        us = entry.get("median_us_per_record")
        figure = "n/a" if us is None else f"{us:.2f}"
        print(f"{indent + entry['label']:60}{figure:>11}{shown:>9}")

    print(f"\n{'stage (per batch, this process)':60}{'us/record':>11}{'of run':>9}")
    for key, entry in stages.items():
        row(entry)
        if key == "sqlite_write_normal":
            for sync in ("full", "normal"):
                row(derived[f"sqlite_insert_commit_{sync}"], "  ")
    print()
    for key in ("sum_of_stages", "set_up", "rest_of_run"):
        if key in derived:
            row(derived[key])
    print()
    for entry in processes.values():
        if entry["error"]:
            print(f"{entry['label']:60}{'FAILED':>11}")
        else:
            row(entry)


# -- main ------------------------------------------------------------------------------


def versions() -> dict[str, str]:
    """The versions of the measured distributions."""
    found = {}
    for name in ("hookline", "hookline-files", "hookline-sqlite", "orjson", "jsonschema-rs"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    found["sqlite"] = sqlite3.sqlite_version
    return found


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return 1 when something measured failed, else 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--records",
        type=int,
        default=int_setting("BENCH_STAGES_RECORDS", RECORDS),
        help=f"orders in the data set (default {RECORDS:,})",
    )
    parser.add_argument("--runs", type=int, default=int_setting("BENCH_RUNS", 3))
    parser.add_argument("--warmup", type=int, default=int_setting("BENCH_WARMUP", 1))
    args = parser.parse_args(argv)
    if args.records < BATCH_SIZE or args.runs < 1:
        parser.error(f"--records must be at least {BATCH_SIZE:,} and --runs at least 1")
    return bench(args.records, args.runs, args.warmup)


def bench(records: int, runs: int, warmup: int) -> int:
    """Measure ``runs`` rounds after ``warmup``; print and write the figures."""
    started = time.perf_counter()
    print(f"data: {records:,} orders...")
    data = ensure_orders(records)
    how = "cached" if data.generated_in is None else f"generated in {data.generated_in:.1f} s"
    print(f"    {how}: {data.directory.relative_to(ROOT)}")
    work = fresh_dir("stages")
    mapper = compile_mapper(data, work)
    sides = {
        "plain": Process("plain loop (orjson + executemany), whole process"),
        "hookline_run": Process("hookline run, no mapping, whole process"),
        "hookline_run_mapped": Process("hookline run, mapped, whole process"),
    }
    rounds: list[Round] = []
    problems: list[str] = []
    for number in range(1, warmup + runs + 1):
        measured = number > warmup
        name = f"{number - warmup}/{runs}" if measured else f"warm-up {number}/{warmup}"
        print(f"round {name}: stages, plain loop, hookline run (no mapping, mapped)...")
        place = fresh_dir(f"stages/round-{number}")
        found: list[str] = []
        (place / "stages").mkdir()
        stages = run_stages(data, place / "stages", mapper, found)
        problems += found
        if measured and not found:
            rounds.append(stages)
        for key, side in sides.items():
            if side.error:
                continue
            if key == "plain":
                outcome = run_plain(data, place, side)
            else:
                outcome = run_hookline(data, place, side, mapped=key.endswith("mapped"))
            if measured and outcome is not None:
                side.seconds.append(outcome.seconds)
                side.cpu_seconds.append(outcome.cpu_seconds)
                side.peak_rss.append(outcome.peak_rss)
        shutil.rmtree(place)
    problems += [f"{side.label}: {side.error}" for side in sides.values() if side.error]
    if not rounds:
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1
    stages, derived, processes = summarise(rounds, sides, records)
    print_table(stages, derived, processes)
    batches = rounds[0].batches
    mapping = stages["mapping"]["median_us_per_record"]
    if not processes["hookline_run"]["error"] and not processes["hookline_run_mapped"]["error"]:
        added = (
            processes["hookline_run_mapped"]["median_us_per_record"]
            - processes["hookline_run"]["median_us_per_record"]
        )
        print(f"\nthe mapped run takes {added:.2f} us/record more; the mapping stage {mapping:.2f}")
    commit = stages["state_commit"]["median_us_per_batch"]
    print(f"a state commit costs {commit / 1000:.2f} ms per batch of {BATCH_SIZE:,} records")
    transforms = [k for k in TRANSFORMS if k in stages]
    path = write_results(
        "stages",
        {
            "benchmark": "stages",
            "records": records,
            "batch_size": BATCH_SIZE,
            "batches": batches,
            "orders_per_file": ORDERS_PER_FILE,
            "runs": runs,
            "warmup": warmup,
            "machine": machine(),
            "versions": versions(),
            "source": source_revision(
                "sdk", "plugins/files", "plugins/sqlite", "benchmarks/bench_stages.py"
            ),
            "pipeline": json.loads(pipeline(Path("<data>"), Path("<work>/full.db"), False)),
            "mapping": MAPPING,
            "transforms": transforms or "none in this environment",
            "stages": stages,
            "derived": derived,
            "processes": processes,
            "problems": problems,
            "total_s": round(time.perf_counter() - started, 1),
        },
    )
    print(f"results written to {path.relative_to(ROOT)}")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
