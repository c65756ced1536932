"""What a mapping costs a pipeline: hookline against plain Python, with and without one.

The same generated orders as ``bench_pipeline.py`` (1,000,000 by default, JSON Lines),
loaded into SQLite by upsert on ``id``, four ways, each a whole process, round-robin:

* **plain, no mapping**: orjson parses each line, ``executemany`` upserts the fields as
  they are, 10,000 rows per transaction (WAL, ``synchronous=NORMAL``): the limit;
* **plain, mapped by hand**: the same loop doing the three steps by hand: rename
  ``customer_id`` to ``customer``, cast ``created_at`` to a date-time
  (``datetime.fromisoformat(...).isoformat()``), compute ``label`` =
  ``"<status>:<customer_id>"``;
* **hookline, no mapping**: ``hookline run`` of files -> sqlite, upsert;
* **hookline, mapped**: the same with ``map: {rename: {customer_id: customer}, cast:
  {created_at: datetime}, compute: {label: "concat(status, ':', to_string(customer))"}}``.

Targets (ratios of median records/s, all measured in this run), from the issue that
set them:

* hookline, no mapping >= 0.85 x plain, no mapping;
* hookline, mapped >= 0.7 x plain, mapped by hand, and >= 0.5 x plain, no mapping.

Every side's output is checked (rows, columns, a mapped value) before its time counts.
Run it with ``nox -s bench -- bench_mapping_pipeline`` or ``python
benchmarks/bench_mapping_pipeline.py [--records N] [--runs N]`` from an environment with
``hatchling``. Results go to ``benchmarks/results/mapping_pipeline.json``; the exit code is 0
unless a measured command failed or produced wrong rows.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import sys
from pathlib import Path
from typing import Any

from _common import (
    ROOT,
    build_wheels,
    fresh_dir,
    int_setting,
    machine,
    make_venv,
    megabytes,
    plugin_projects,
    run_measured,
    source_revision,
    tail,
    write_results,
)
from _orders import BATCH_SIZE, ensure_orders

RECORDS = 1_000_000
VARIANTS = (
    "plain, no mapping",
    "plain, mapped by hand",
    "hookline, no mapping",
    "hookline, mapped",
)
MAPPING = {
    "rename": {"customer_id": "customer"},
    "cast": {"created_at": "datetime"},
    "compute": {"label": "concat(status, ':', to_string(customer))"},
}


# -- the plain loops (run in the hookline environment, for its orjson) ------------------------


def plain_worker(directory: Path, database: Path, mapped: bool) -> dict[str, int]:
    """Load every order into ``database`` as directly as Python can; return the counts."""
    import datetime as dt

    import orjson

    fields = ["id", "customer" if mapped else "customer_id", "status", "items", "total"]
    fields += ["created_at", "updated_at", *(["label"] if mapped else [])]
    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(f"CREATE TABLE orders ({', '.join(fields)}, PRIMARY KEY (id))")
    upsert = (
        f"INSERT INTO orders VALUES ({', '.join('?' * len(fields))}) ON CONFLICT(id) DO UPDATE "
        "SET " + ", ".join(f"{f} = excluded.{f}" for f in fields[1:])
    )
    loads, dumps, parse = orjson.loads, orjson.dumps, dt.datetime.fromisoformat
    rows: list[tuple[Any, ...]] = []
    records = 0

    def flush() -> None:
        connection.execute("BEGIN")
        connection.executemany(upsert, rows)
        connection.execute("COMMIT")
        rows.clear()

    for path in sorted((directory / "orders").glob("orders-*.jsonl")):
        with path.open("rb") as file:
            for line in file:
                o = loads(line)
                if mapped:
                    created = parse(o["created_at"].replace("Z", "+00:00")).isoformat()
                    label = f"{o['status']}:{o['customer_id']}"
                    row = (o["id"], o["customer_id"], o["status"], dumps(o["items"]).decode())
                    rows.append((*row, o["total"], created, o["updated_at"], label))
                else:
                    rows.append(
                        (o["id"], o["customer_id"], o["status"], dumps(o["items"]).decode(),
                         o["total"], o["created_at"], o["updated_at"])
                    )  # fmt: skip
                if len(rows) == BATCH_SIZE:
                    records += len(rows)
                    flush()
    records += len(rows)
    flush()
    (stored,) = connection.execute("SELECT count(*) FROM orders").fetchone()
    connection.close()
    return {"records": records, "rows": stored}


# -- the measured commands ---------------------------------------------------------------------


def pipeline(data_dir: Path, database: Path, mapped: bool) -> str:
    """The pipeline file of a hookline variant (JSON is YAML)."""
    streams: dict[str, Any] = {"orders": {"write": "upsert"}}
    if mapped:
        streams["orders"]["map"] = MAPPING
    document = {
        "source": {
            "connector": "files",
            "config": {
                "directory": str(data_dir),
                "batch_size": BATCH_SIZE,
                "streams": [{"name": "orders", "path": "orders/*.jsonl", "primary_key": "id"}],
            },
        },
        "destination": {"connector": "sqlite", "config": {"path": str(database)}},
        "streams": streams,
        "queue_size": 0,  # a local source: read in the writer's thread (see bench_pipeline)
    }
    return json.dumps(document, indent=2)


def check_rows(database: Path, records: int, mapped: bool) -> str | None:
    """What is wrong with a loaded database, or ``None``."""
    with sqlite3.connect(database) as connection:
        (rows,) = connection.execute("SELECT count(*) FROM orders").fetchone()
        columns = {row[1] for row in connection.execute("PRAGMA table_info(orders)")}
        sample = connection.execute("SELECT * FROM orders WHERE id = 1").fetchone()
        names = [d[0] for d in connection.execute("SELECT * FROM orders LIMIT 0").description]
    if rows != records:
        return f"{rows} rows, expected {records}"
    if mapped != ("label" in columns and "customer" in columns and "customer_id" not in columns):
        return (
            f"columns {sorted(columns)} are not those of the {'mapped' if mapped else 'plain'} rows"
        )
    if mapped:
        row = dict(zip(names, sample, strict=True))
        if row["label"] != f"{row['status']}:{row['customer']}" or row["created_at"].endswith("Z"):
            return f"the mapping was not applied as configured: {row}"
    return None


def run_variant(python: Path, hookline: Path, data: Any, variant: str, number: int) -> Any:
    """Run one variant once; return (outcome, problem)."""
    mapped = variant.endswith(("mapped", "by hand"))
    place = fresh_dir(f"mapping-pipeline/{variant.replace(', ', '-').replace(' ', '_')}-{number}")
    database = place / "out.db"
    if variant.startswith("plain"):
        cmd: list[str | Path] = [python, Path(__file__).resolve(), "--plain-worker"]
        cmd += [data.directory, database, "mapped" if mapped else "none"]
    else:
        (place / "pipeline.yaml").write_text(pipeline(data.directory, database, mapped))
        cmd = [hookline, "run", place / "pipeline.yaml", "--json"]
    out, err = place / "out.txt", place / "err.txt"
    outcome = run_measured(
        cmd, stdout=out, stderr=err, cwd=place, extra_env={"HOOKLINE_CACHE_DIR": str(place)}
    )
    problem = f"exit {outcome.returncode}: {tail(err)}" if outcome.returncode else None
    problem = problem or check_rows(database, data.records, mapped)
    shutil.rmtree(place)
    return outcome, problem


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return 1 when a measured command failed, else 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--records", type=int, default=int_setting("BENCH_MAPPING_RECORDS", RECORDS)
    )
    parser.add_argument("--runs", type=int, default=int_setting("BENCH_MAPPING_RUNS", 3))
    parser.add_argument("--plain-worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.plain_worker:
        directory, database, how = args.plain_worker
        print(json.dumps(plain_worker(Path(directory), Path(database), how == "mapped")))
        return 0
    data = ensure_orders(args.records)
    work = fresh_dir("mapping-pipeline-env")
    projects, missing = plugin_projects("files", "sqlite")
    if missing:
        print(f"plugins missing: {missing}", file=sys.stderr)
        return 1
    print("building hookline, files and sqlite wheels, installing...")
    venv = make_venv(work / "env")
    venv.pip_install(*build_wheels([ROOT / "sdk", *projects], work / "wheels"))
    samples: dict[str, list[Any]] = {v: [] for v in VARIANTS}
    failed = False
    for number in range(1, args.runs + 1):
        for variant in VARIANTS:
            print(f"run {number}/{args.runs}: {variant}, {data.records:,} orders...")
            outcome, problem = run_variant(
                venv.python, venv.script("hookline"), data, variant, number
            )
            if problem:
                print(f"    FAILED: {problem}")
                failed = True
                continue
            samples[variant].append(outcome)
    medians = {
        v: statistics.median(o.seconds for o in found) for v, found in samples.items() if found
    }
    rates = {v: data.records / s for v, s in medians.items()}
    print(f"\n{'':28}{'records/s':>12}{'median time':>14}{'peak RSS':>12}")
    for variant, found in samples.items():
        if found:
            rss = max(o.peak_rss or 0 for o in found)
            print(f"{variant:28}{rates[variant]:>12,.0f}{medians[variant]:>13.2f}s"
                  f"{megabytes(rss) or 0:>10.1f} MB")  # fmt: skip
    goals = [
        ("hookline, no mapping", "plain, no mapping", 0.85),
        ("hookline, mapped", "plain, mapped by hand", 0.7),
        ("hookline, mapped", "plain, no mapping", 0.5),
    ]
    verdicts = []
    print()
    for subject, baseline, target in goals:
        if subject in rates and baseline in rates:
            ratio = rates[subject] / rates[baseline]
            verdict = "PASS" if ratio >= target else "MISS"
            print(f"{subject} / {baseline}: {ratio:.2f} (>= {target}) {verdict}")
            verdicts.append({"subject": subject, "baseline": baseline, "ratio": round(ratio, 3),
                             "target": target, "result": verdict})  # fmt: skip
    path = write_results(
        "mapping_pipeline",
        {
            "benchmark": "mapping_pipeline",
            "records": data.records,
            "runs": args.runs,
            "machine": machine(),
            "source": source_revision("sdk", "plugins"),
            "mapping": MAPPING,
            "records_per_second": {v: round(r) for v, r in rates.items()},
            "seconds": {v: [round(o.seconds, 3) for o in found] for v, found in samples.items()},
            "peak_rss_mb": {
                v: max(megabytes(o.peak_rss) or 0 for o in found)
                for v, found in samples.items()
                if found
            },
            "targets": verdicts,
        },
    )
    print(f"results written to {path.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
