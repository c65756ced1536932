"""Throughput of the REST source against the local demo API, compared with a plain httpx loop.

Targets (ratios of records per second, both sides measured in this run): one stream,
hookline >= 0.9 x a plain ``httpx`` loop over the same pages; three streams at once into
SQLite >= 0.85 x three plain ``httpx`` threads doing the same writes; and >= 0.7 for the
two other ratios (three streams against threads that write nowhere, one stream without
start-up).

The demo API (``examples/demo-api/serve.py``) is started once, on a free loopback port,
with ``--orders N`` (``--records`` or ``BENCH_REST_RECORDS``, default 10,000). Every
command walks ``/shop/orders`` with 100-record pages (``per_page=100``) until an empty
page, over real HTTP with the bearer token, and is timed whole, interpreter start-up
included:

* plain, one stream: ``python -c`` with an ``httpx.Client`` that fetches each page,
  decodes it and collects its records;
* hookline, one stream: ``python -m hookline read rest --config rest.yaml --stream orders``,
  its JSON Lines going to a file whose lines are counted;
* plain, three streams: the same loop in three threads, one client each;
* plain, three streams into SQLite: the same, each thread appending every page to its own
  table in one transaction (``synchronous=FULL``, as the SQLite connector does): the
  like-for-like baseline of the next command;
* hookline, three streams: ``python -m hookline run`` of a pipeline reading three streams
  over ``/orders`` (full sync) into the ``sqlite`` destination, ``concurrency: 3``; the
  written files' lines are counted;
* floors: both one-stream commands reading only the first page. Subtracting them gives a
  start-up-free records per second.

The commands use this interpreter's environment (``nox -s bench`` installs hookline and its
connectors there, editable); no fresh environments are built. They run round-robin,
``BENCH_RUNS`` (default 3) rounds after ``BENCH_WARMUP`` (default 1), medians reported.
The demo API's own CPU time during each command is read from ``/proc`` (Linux), to show
when the server rather than the client sets the pace. Results go to
``benchmarks/results/rest.json``. The exit code is 0 unless a command failed or lost records.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import (
    ROOT,
    fresh_dir,
    int_setting,
    machine,
    megabytes,
    run_measured,
    source_revision,
    tail,
    write_results,
)

#: The target of each ratio (see the module's docstring); other ratios must reach 0.7.
TARGETS = {"one stream, hookline / plain": 0.9, "streams into SQLite": 0.85}
DEFAULT_TARGET = 0.7
PAGE_SIZE = 100
STREAMS = ("orders", "orders_b", "orders_c")
TOKEN = "shop-demo-token"
SERVER = ROOT / "examples" / "demo-api" / "serve.py"

#: The baseline: ``python -c PLAIN BASE_URL STREAMS MAX_PAGES`` (0: until an empty page).
#: Prints the records collected per stream as a JSON list.
PLAIN = """\
import json, sys, threading
import httpx
base_url, streams, max_pages = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
counts = [0] * streams
def walk(slot):
    records = []
    headers = {"Authorization": "Bearer @TOKEN@"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        page = 1
        while not max_pages or page <= max_pages:
            reply = client.get("/orders", params={"page": page, "per_page": @SIZE@})
            data = reply.raise_for_status().json()["data"]
            if not data:
                break
            records.extend(data)
            page += 1
    counts[slot] = len(records)
if streams == 1:
    walk(0)
else:
    threads = [threading.Thread(target=walk, args=(i,)) for i in range(streams)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
print(json.dumps(counts))
""".replace("@TOKEN@", TOKEN).replace("@SIZE@", str(PAGE_SIZE))

#: The like-for-like baseline of the several-streams run: ``python -c PLAIN_SQLITE BASE_URL
#: STREAMS DATABASE``. Each thread walks the pages as PLAIN does and appends every page to
#: its own table of the database in one transaction (WAL, ``synchronous=FULL``: the SQLite
#: connector's default), the record's fields as columns, objects and lists as JSON text.
#: Prints the rows stored per stream as a JSON list.
PLAIN_SQLITE = """\
import json, sqlite3, sys, threading
import httpx
base_url, streams, database = sys.argv[1], int(sys.argv[2]), sys.argv[3]
counts = [0] * streams
setup = sqlite3.connect(database)
setup.execute("PRAGMA journal_mode=WAL")
setup.close()
def walk(slot):
    db = sqlite3.connect(database, isolation_level=None, timeout=60)
    db.execute("PRAGMA synchronous=FULL")
    table, insert = f"t{slot}", None
    headers = {"Authorization": "Bearer @TOKEN@"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        page = 1
        while True:
            reply = client.get("/orders", params={"page": page, "per_page": @SIZE@})
            data = reply.raise_for_status().json()["data"]
            if not data:
                break
            if insert is None:
                fields = list(data[0])
                db.execute(f"CREATE TABLE {table} ({', '.join(fields)})")
                insert = f"INSERT INTO {table} VALUES ({', '.join('?' * len(fields))})"
            rows = [
                tuple(
                    json.dumps(v) if isinstance(v, (dict, list)) else v
                    for v in map(record.get, fields)
                )
                for record in data
            ]
            db.execute("BEGIN IMMEDIATE")
            db.executemany(insert, rows)
            db.execute("COMMIT")
            page += 1
    counts[slot] = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    db.close()
threads = [threading.Thread(target=walk, args=(i,)) for i in range(streams)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps(counts))
""".replace("@TOKEN@", TOKEN).replace("@SIZE@", str(PAGE_SIZE))

PLAIN_1 = "plain httpx, 1 stream"
HOOK_1 = "hookline read, 1 stream"
PLAIN_3 = f"plain httpx, {len(STREAMS)} threads"
PLAIN_3_SQLITE = f"plain httpx, {len(STREAMS)} threads, SQLite"
HOOK_3 = f"hookline run, {len(STREAMS)} streams"
PLAIN_FLOOR = "plain httpx, first page only"
HOOK_FLOOR = "hookline read, first page only"


@dataclass
class Series:
    """The measured runs of one command."""

    label: str
    records: int
    command: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float | None] = field(default_factory=list)
    server_cpu_seconds: list[float | None] = field(default_factory=list)
    peak_rss: list[int | None] = field(default_factory=list)

    @property
    def median(self) -> float:
        """The median wall-clock seconds."""
        return statistics.median(self.seconds)

    def per_second(self) -> float:
        """Records per second at the median time."""
        return self.records / self.median

    def to_dict(self) -> dict[str, Any]:
        """The figures as JSON data."""
        server = [s for s in self.server_cpu_seconds if s is not None]
        cpu = [c for c in self.cpu_seconds if c is not None]
        rss = [r for r in self.peak_rss if r is not None]
        return {
            "command": self.command,
            "records": self.records,
            "median_s": round(self.median, 4),
            "records_per_second": round(self.per_second()),
            "samples_s": [round(s, 4) for s in self.seconds],
            "median_cpu_s": round(statistics.median(cpu), 3) if cpu else None,
            "median_server_cpu_s": round(statistics.median(server), 3) if server else None,
            "median_peak_rss_mb": megabytes(int(statistics.median(rss))) if rss else None,
        }


class DemoApi:
    """The demo API in a subprocess, on a free loopback port."""

    def __init__(self, records: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(SERVER), "--port", "0", "--quiet", "--orders", str(records)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith("demo API serving on "):
            self.close()
            raise RuntimeError(f"the demo API did not start: {line!r}")
        self.url = line.removeprefix("demo API serving on ")

    def cpu_seconds(self) -> float | None:
        """User plus system CPU seconds the server has used so far (Linux only)."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        """Stop the server."""
        self.proc.terminate()
        self.proc.wait(timeout=10)


def rest_config(base_url: str) -> str:
    """The REST connector's config: the streams over ``/orders`` and a first-page stream."""
    lines = [
        f"base_url: {json.dumps(base_url + '/shop')}",
        "allowed_hosts: [127.0.0.1]",
        f"auth: {{kind: bearer, token: {TOKEN}}}",
        "streams:",
    ]
    for name in STREAMS:
        lines.append(
            f"  - {{name: {name}, path: /orders, records: data, primary_key: [id],\n"
            f"     pagination: {{kind: page, param: page, size_param: per_page, "
            f"size: {PAGE_SIZE}}}}}"
        )
    lines.append(
        f"  - {{name: first_page, path: /orders, records: data, primary_key: [id],\n"
        f"     params: {{page: 1, per_page: {PAGE_SIZE}}}}}"
    )
    return "\n".join(lines) + "\n"


def pipeline_yaml(config: Path, out_dir: Path, state_dir: Path) -> str:
    """The pipeline of the several-streams run: rest to SQLite, all streams at once.

    SQLite appends each batch in one transaction; the files destination would rewrite a
    stream's whole file for every 100-record page, measuring itself rather than the source.
    """
    streams = "\n".join(f"  {name}: {{sync: full, write: append}}" for name in STREAMS)
    return f"""\
name: rest-throughput
source: {{connector: rest, config_file: {json.dumps(str(config))}}}
destination: {{connector: sqlite, config: {{path: {json.dumps(str(out_dir / "out.db"))}}}}}
streams:
{streams}
concurrency: {len(STREAMS)}
state_dir: {json.dumps(str(state_dir))}
"""


def count_lines(path: Path) -> int:
    """The number of lines in a file."""
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


def measure(series: Series, api: DemoApi, work: Path, keep: bool) -> None:
    """Run the command of ``series`` once; check its records; add its figures if ``keep``."""
    place = fresh_dir(f"rest/{series.label.replace(' ', '-').replace(',', '')}")
    cmd = [a.replace("{place}", str(place)) for a in series.command]
    if series.label == HOOK_3:
        (place / "pipeline.yaml").write_text(
            pipeline_yaml(work / "rest.yaml", place / "out", place / "state"), encoding="utf-8"
        )
    out, err = place / "out.txt", place / "err.txt"
    before = api.cpu_seconds()
    outcome = run_measured(
        cmd, stdout=out, stderr=err, cwd=place, extra_env={"HOOKLINE_CACHE_DIR": str(work)}
    )
    after = api.cpu_seconds()
    if outcome.returncode != 0:
        raise RuntimeError(f"{series.label}: exit {outcome.returncode}: {tail(err) or tail(out)}")
    got = delivered(series.label, place, out)
    if got != series.records:
        raise RuntimeError(f"{series.label}: {got} records delivered, expected {series.records}")
    if keep:
        series.seconds.append(outcome.seconds)
        series.cpu_seconds.append(outcome.cpu_seconds)
        series.peak_rss.append(outcome.peak_rss)
        series.server_cpu_seconds.append(
            None if before is None or after is None else after - before
        )


def delivered(label: str, place: Path, out: Path) -> int:
    """How many records a finished command delivered, checked where it can be."""
    if label in (HOOK_1, HOOK_FLOOR):
        return count_lines(out)
    if label == HOOK_3:
        summary = json.loads(out.read_text(encoding="utf-8"))
        if summary.get("status") != "succeeded":
            raise RuntimeError(f"{label}: {summary.get('status')}: {summary.get('error')}")
        with sqlite3.connect(place / "out" / "out.db") as db:
            written = sum(
                db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in STREAMS
            )
        reported = sum(s["written"] for s in summary["streams"].values())
        if reported != written:
            raise RuntimeError(
                f"{label}: the summary says {reported} written, the tables hold {written}"
            )
        return written
    return sum(json.loads(out.read_text(encoding="utf-8")))


def target_of(ratio: str) -> float:
    """The target of the ratio named ``ratio``."""
    return next((t for key, t in TARGETS.items() if key in ratio), DEFAULT_TARGET)


def verdict(ratio: str, value: float) -> str:
    """``PASS`` when a ratio reaches its target, else ``MISS``."""
    return "PASS" if value >= target_of(ratio) else "MISS"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return 1 when a command failed or lost records, else 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=int_setting("BENCH_REST_RECORDS", 10_000))
    parser.add_argument("--runs", type=int, default=int_setting("BENCH_RUNS", 3))
    parser.add_argument("--warmup", type=int, default=int_setting("BENCH_WARMUP", 1))
    args = parser.parse_args(argv)
    if args.runs < 1 or args.records < PAGE_SIZE:
        parser.error(f"--runs must be at least 1 and --records at least {PAGE_SIZE}")
    try:
        return _bench(args.records, args.runs, args.warmup)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _bench(records: int, runs: int, warmup: int) -> int:
    """Start the demo API, time every command round-robin, report and record the figures."""
    work = fresh_dir("rest")
    api = DemoApi(records)
    try:
        base = api.url + "/shop"
        (work / "rest.yaml").write_text(rest_config(api.url), encoding="utf-8")
        config = str(work / "rest.yaml")
        py = sys.executable
        hookline_read = [py, "-m", "hookline", "read", "rest", "--config", config, "--stream"]
        n = len(STREAMS)
        plan = [
            Series(PLAIN_1, records, [py, "-c", PLAIN, base, "1", "0"]),
            Series(HOOK_1, records, [*hookline_read, STREAMS[0]]),
            Series(PLAIN_3, records * n, [py, "-c", PLAIN, base, str(n), "0"]),
            Series(
                PLAIN_3_SQLITE,
                records * n,
                [py, "-c", PLAIN_SQLITE, base, str(n), "{place}/plain.db"],
            ),
            Series(
                HOOK_3,
                records * n,
                [py, "-m", "hookline", "run", "{place}/pipeline.yaml", "--json"],
            ),
            Series(PLAIN_FLOOR, PAGE_SIZE, [py, "-c", PLAIN, base, "1", "1"]),
            Series(HOOK_FLOOR, PAGE_SIZE, [*hookline_read, "first_page"]),
        ]
        print(f"demo API at {api.url} with {records} orders; {warmup} + {runs} rounds...")
        for round_no in range(warmup + runs):
            for series in plan:
                measure(series, api, work, keep=round_no >= warmup)
        by_label = {s.label: s for s in plan}
        results = summarize(by_label, records, runs, warmup)
    finally:
        api.close()
    path = write_results("rest", results)
    print(f"results written to {path.relative_to(ROOT)}")
    return 0


def summarize(plan: dict[str, Series], records: int, runs: int, warmup: int) -> dict[str, Any]:
    """Print the table and the ratios; return the data for the results file."""
    print()
    print(
        f"{'command':<34}{'records':>8}{'median':>10}{'records/s':>11}{'CPU':>8}{'server CPU':>12}"
    )
    for s in plan.values():
        d = s.to_dict()
        cpu = "-" if d["median_cpu_s"] is None else f"{d['median_cpu_s']:.2f} s"
        srv = "-" if d["median_server_cpu_s"] is None else f"{d['median_server_cpu_s']:.2f} s"
        rate = f"{s.per_second():>11,.0f}"
        print(f"{s.label:<34}{s.records:>8}{s.median:>8.2f} s{rate}{cpu:>8}{srv:>12}")
    # Start-up-free: the records after the first page over the time after the floor.
    net = {
        kind: (records - PAGE_SIZE) / (plan[full].median - plan[floor].median)
        for kind, full, floor in (
            ("plain", PLAIN_1, PLAIN_FLOOR),
            ("hookline", HOOK_1, HOOK_FLOOR),
        )
    }
    ratios = {
        "one stream, hookline / plain": plan[HOOK_1].per_second() / plan[PLAIN_1].per_second(),
        f"{len(STREAMS)} streams, hookline / plain": plan[HOOK_3].per_second()
        / plan[PLAIN_3].per_second(),
        "one stream without start-up, hookline / plain": net["hookline"] / net["plain"],
        f"{len(STREAMS)} streams into SQLite, hookline / plain into SQLite": plan[
            HOOK_3
        ].per_second()
        / plan[PLAIN_3_SQLITE].per_second(),
    }
    print()
    print(
        f"start-up-free, one stream: plain {net['plain']:,.0f} records/s, "
        f"hookline {net['hookline']:,.0f} records/s"
    )
    print(f"{'ratio of records/s':<66}{'value':>7}{'target':>9}  result")
    for name, value in ratios.items():
        target = f">= {target_of(name)}"
        print(f"{name:<66}{value:>7.2f}{target:>9}  {verdict(name, value)}")
    return {
        "benchmark": "rest",
        "records_per_stream": records,
        "page_size": PAGE_SIZE,
        "streams": list(STREAMS),
        "runs": runs,
        "warmup": warmup,
        "environment": "the running interpreter's (nox bench session: editable installs)",
        "machine": machine(),
        "source": source_revision("sdk", "plugins/rest", "plugins/files"),
        "series": {label: s.to_dict() for label, s in plan.items()},
        "startup_free_records_per_second": {k: round(v) for k, v in net.items()},
        "ratios": {
            name: {"value": round(v, 3), "target": target_of(name), "result": verdict(name, v)}
            for name, v in ratios.items()
        },
    }


if __name__ == "__main__":
    sys.exit(main())
