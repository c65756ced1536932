"""Start-up time of the ``hookline`` command, with 20 connectors installed.

Targets (ratios of medians, all measured in this run):

* ``hookline connectors --json`` <= 1.3 x ``hookline --version``: start-up must not grow
  with the number of installed connectors;
* ``hookline --version`` <= 0.6 x ``tap-jsonl --about``, a Singer SDK tap's start-up;
* ``hookline run`` of the demo pipeline with nothing new to read <= 2 x ``hookline
  --version``. Beside it, the floor a run cannot go below: an interpreter importing only
  the libraries a run needs (click, PyYAML, attrs, cattrs, pluggy, sqlite3, jsonschema-rs,
  jmespath, orjson), none of hookline's own code.

Env A is a fresh virtual environment with hookline, the files and SQLite connectors
installed from wheels built from ``sdk/`` and ``plugins/`` (as a user has them) and 20
generated connector packages, built and installed as wheels too. Env B is a fresh virtual
environment with ``tap-jsonl`` from PyPI. The commands are run round-robin; each is timed
with ``time.perf_counter`` around ``subprocess.run``.

Run it with ``nox -s bench`` (or ``python benchmarks/bench_startup.py`` from an environment
that has ``hatchling``). ``BENCH_RUNS`` (default 15) and ``BENCH_WARMUP`` (default 3), or
``--runs``/``--warmup``, set the number of rounds. Results go to
``benchmarks/results/startup.json``. The exit code is 0 unless a command failed, so the
figures are always recorded; each target is printed as PASS or MISS.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import textwrap
from pathlib import Path
from typing import Any

from _common import (
    ROOT,
    Timing,
    Venv,
    build_wheels,
    fresh_dir,
    int_setting,
    machine,
    make_venv,
    ms,
    run,
    time_commands,
    write_results,
)

CONNECTORS = 20
TAP = "tap-jsonl"
TARGET_LISTING = 1.3
TARGET_VS_SINGER = 0.6
TARGET_IDLE_RUN = 2.0
DEMO = ROOT / "examples" / "shop-to-warehouse"

FLOOR = "python -c pass (env A)"
VERSION = "hookline --version"
LISTING = "hookline connectors --json"
LISTING_NONE = "hookline connectors --json (all disabled)"
LISTING_COLD = "hookline connectors --json --refresh"
SINGER = f"{TAP} --about (env B)"
IDLE_RUN = "hookline run (demo, nothing new)"
DEPENDENCY_FLOOR = "python -c 'import <a run's libraries>'"
#: What a run imports that is not hookline's own code: the floor of an idle run.
RUN_LIBRARIES = "click, yaml, attrs, cattrs, pluggy, sqlite3, jsonschema_rs, jmespath, orjson"

PYPROJECT = """\
[build-system]
requires = ["hatchling>=1.24"]
build-backend = "hatchling.build"

[project]
name = "hookline-{id}"
version = "1.0.0"
description = "Benchmark connector {n}: reads invoices, customers and payments."
requires-python = ">=3.10"
dependencies = ["hookline"]

[project.entry-points."hookline.connectors"]
{id} = "{module}.connector"

[tool.hatch.build.targets.wheel]
packages = ["src/{module}"]
"""

CONNECTOR = '''\
"""Benchmark connector {n}: a small source with three streams and a config model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs

from hookline import Batch, Catalog, ConnectorInfo, Stream, hookimpl

__version__ = "1.0.0"

_TYPES = {{"id": "integer", "name": "string", "amount": "number", "updated_at": "string"}}


@attrs.frozen
class Config:
    """Where to read from."""

    base_url: str = "https://example.invalid/api"
    page_size: int = 100
    start_date: str | None = None


def _stream(name: str) -> Stream:
    schema = {{
        "type": "object",
        "properties": {{field: {{"type": kind}} for field, kind in _TYPES.items()}},
        "required": ["id"],
    }}
    return Stream(
        name,
        schema=schema,
        primary_key=("id",),
        cursor_field="updated_at",
        sync_modes=("full", "incremental"),
    )


@hookimpl
def hookline_describe() -> ConnectorInfo:
    return ConnectorInfo(
        id="{id}",
        version=__version__,
        kind="source",
        title="Benchmark {n}",
        description="A generated source used by the start-up benchmark.",
        config_model=Config,
        capabilities=("incremental",),
        hosts=("example.invalid",),
    )


@hookimpl
def hookline_discover(config: Config, connection: Any) -> Catalog:
    return Catalog([_stream(name) for name in ("invoices", "customers", "payments")])


@hookimpl
def hookline_read(
    config: Config, connection: Any, stream: Any, state: dict[str, Any] | None
) -> Iterator[Batch]:
    since = (state or {{}}).get("updated_at", "")
    records = [
        {{"id": i, "name": f"row {{i}}", "amount": i * 1.5, "updated_at": f"2024-01-{{i:02d}}"}}
        for i in range(1, 11)
    ]
    fresh = [r for r in records if r["updated_at"] > since]
    if fresh:
        yield Batch(fresh, state={{"updated_at": fresh[-1]["updated_at"]}})
'''


def connector_ids(count: int = CONNECTORS) -> list[str]:
    """The ids of the generated connectors: ``bench-01`` ... ``bench-20``."""
    return [f"bench-{n:02d}" for n in range(1, count + 1)]


def write_connector(parent: Path, n: int) -> Path:
    """Write the source tree of benchmark connector ``n``; return its directory."""
    cid = f"bench-{n:02d}"
    module = f"hookline_bench_{n:02d}"
    project = parent / f"hookline-{cid}"
    package = project / "src" / module
    package.mkdir(parents=True)
    (project / "pyproject.toml").write_text(PYPROJECT.format(id=cid, n=n, module=module))
    (project / "README.md").write_text(f"# hookline-{cid}\n\nA benchmark connector.\n")
    (package / "__init__.py").write_text(f'"""Benchmark connector {n}."""\n')
    (package / "connector.py").write_text(CONNECTOR.format(id=cid, n=n))
    return project


def setup_hookline(work: Path) -> Venv:
    """Env A: hookline and the generated connectors, all installed from wheels."""
    sources = work / "src"
    projects = [write_connector(sources, n) for n in range(1, CONNECTORS + 1)]
    first_party = [ROOT / "sdk", ROOT / "plugins" / "files", ROOT / "plugins" / "sqlite"]
    wheels = build_wheels([*first_party, *projects], work / "wheels")
    venv = make_venv(work / "env-hookline")
    venv.pip_install(*wheels)
    return venv


def setup_demo(work: Path, venv: Venv) -> Path:
    """Copy the demo pipeline and load it once, so that a second run has nothing new."""
    demo = work / "demo"
    shutil.copytree(DEMO, demo, ignore=shutil.ignore_patterns(".hookline", "*.db*"))
    pipeline = demo / "pipeline.yaml"
    run([venv.script("hookline"), "run", pipeline, "--json"])
    rows = json.loads(run([venv.script("hookline"), "run", pipeline, "--json"]))
    read = sum(stream["read"] for stream in rows["streams"].values())
    if rows["status"] != "succeeded" or read:
        raise RuntimeError(f"the demo's second run was not an idle run: {rows}")
    return pipeline


def setup_singer(work: Path) -> Venv:
    """Env B: the Singer SDK tap from PyPI."""
    venv = make_venv(work / "env-singer")
    venv.pip_install(TAP)
    return venv


def verify_listing(venv: Venv) -> None:
    """Fail unless ``hookline connectors --json`` lists the 20 connectors, files and sqlite."""
    rows = json.loads(run([venv.script("hookline"), "connectors", "--json"]))
    found = {row["id"]: row["error"] or row["status"] for row in rows}
    expected = {cid: "ok" for cid in [*connector_ids(), "files", "sqlite"]}
    if found != expected:
        raise RuntimeError(f"hookline connectors --json listed {found}, expected {expected}")


def verdict(value: float | None, target: float) -> str:
    """``PASS``, ``MISS`` or ``NOT MEASURED`` for a ratio that must stay at or below target."""
    if value is None:
        return "NOT MEASURED"
    return "PASS" if value <= target else "MISS"


def report(
    timings: dict[str, Timing], ratios: dict[str, dict[str, Any]], runs: int, warmup: int
) -> None:
    """Print the figures as a table."""
    print()
    print(
        f"hookline start-up, {CONNECTORS} connectors installed: {runs} runs per command "
        f"after {warmup} warm-up, round-robin (Python {sys.version.split()[0]})"
    )
    width = max(len(label) for label in timings) + 2
    print(f"{'command':<{width}}{'median':>11}{'min':>11}")
    for label, timing in timings.items():
        print(f"{label:<{width}}{ms(timing.median)}  {ms(timing.min)}")
    print()
    width = max(len(name) for name in ratios) + 2
    print(f"{'ratio of medians':<{width}}{'value':>7}{'target':>10}  result")
    for name, ratio in ratios.items():
        value = "-" if ratio["value"] is None else f"{ratio['value']:.2f}"
        print(f"{name:<{width}}{value:>7}{'<= ' + str(ratio['target']):>10}  {ratio['result']}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return 1 when a command failed, else 0 (whatever the verdicts)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=int_setting("BENCH_RUNS", 15))
    parser.add_argument("--warmup", type=int, default=int_setting("BENCH_WARMUP", 3))
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    try:
        return _bench(args.runs, args.warmup)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _bench(runs: int, warmup: int) -> int:
    work = fresh_dir("startup")
    print(f"building hookline and {CONNECTORS} connector wheels, installing them (env A)...")
    env_a = setup_hookline(work)
    verify_listing(env_a)
    pipeline = setup_demo(work, env_a)

    print(f"installing {TAP} from PyPI (env B)...")
    singer_error = None
    env_b: Venv | None
    try:
        env_b = setup_singer(work)
    except RuntimeError as exc:
        env_b = None
        singer_error = str(exc)
        print(f"{TAP} could not be installed; its baseline is not measured:")
        print(textwrap.indent(singer_error.strip(), "    "))

    hookline = env_a.script("hookline")
    commands: dict[str, list[str | Path]] = {
        FLOOR: [env_a.python, "-c", "pass"],
        VERSION: [hookline, "--version"],
        LISTING: [hookline, "connectors", "--json"],
        # Every connector skipped: the difference to LISTING is what each installed
        # connector adds to a listing once its verdict is cached.
        LISTING_NONE: [hookline, "connectors", "--json"],
        # Every connector imported and checked again: the first listing after installing.
        LISTING_COLD: [hookline, "connectors", "--json", "--refresh"],
        IDLE_RUN: [hookline, "run", pipeline],
        DEPENDENCY_FLOOR: [env_a.python, "-c", f"import {RUN_LIBRARIES}"],
    }
    if env_b is not None:
        commands[SINGER] = [env_b.script(TAP), "--about"]
    print(f"timing {len(commands)} commands, {warmup} + {runs} rounds...")
    timings = time_commands(
        commands,
        runs=runs,
        warmup=warmup,
        cwd=work,
        extra_env={
            label: {
                "HOOKLINE_CACHE_DIR": str(work / "cache"),
                **(
                    {"HOOKLINE_DISABLE_PLUGINS": ",".join(connector_ids())}
                    if label == LISTING_NONE
                    else {}
                ),
            }
            for label in commands
        },
    )

    versions = {
        name: env_a.version_of(name) for name in ("hookline", "hookline-files", "hookline-sqlite")
    }
    if env_b is not None:
        versions |= {name: env_b.version_of(name) for name in (TAP, "singer-sdk")}

    version = timings[VERSION].median
    listing = timings[LISTING].median
    tap = timings.get(SINGER)
    ratios = {
        "connectors --json / --version": _ratio(listing / version, TARGET_LISTING),
        f"--version / {TAP} --about": _ratio(
            version / tap.median if tap else None, TARGET_VS_SINGER
        ),
        "idle run / --version": _ratio(timings[IDLE_RUN].median / version, TARGET_IDLE_RUN),
    }
    floor = timings[DEPENDENCY_FLOOR].median
    per_connector = (listing - timings[LISTING_NONE].median) / CONNECTORS
    per_connector_cold = (timings[LISTING_COLD].median - timings[LISTING_NONE].median) / CONNECTORS
    report(timings, ratios, runs, warmup)
    print(
        f"each installed connector adds about {per_connector * 1000:.1f} ms to a listing "
        f"(verdict cached), {per_connector_cold * 1000:.1f} ms when imported and checked"
    )
    print(
        f"importing only a run's libraries ({RUN_LIBRARIES}) takes "
        f"{floor / version:.2f} x --version; the idle run is {timings[IDLE_RUN].median / floor:.2f}"
        " x that floor"
    )

    path = write_results(
        "startup",
        {
            "benchmark": "startup",
            "connectors_installed": CONNECTORS,
            "runs": runs,
            "warmup": warmup,
            "machine": machine(),
            "versions": versions,
            "timings": {label: t.to_dict() for label, t in timings.items()},
            "ratios": ratios,
            "per_connector_ms": round(per_connector * 1000, 2),
            "per_connector_cold_ms": round(per_connector_cold * 1000, 2),
            "run_libraries": RUN_LIBRARIES,
            "dependency_floor_vs_version": round(floor / version, 3),
            "idle_run_vs_dependency_floor": round(timings[IDLE_RUN].median / floor, 3),
            "singer_baseline_error": singer_error,
        },
    )
    print(f"results written to {path.relative_to(ROOT)}")
    return 0


def _ratio(value: float | None, target: float) -> dict[str, Any]:
    return {
        "value": None if value is None else round(value, 3),
        "target": target,
        "result": verdict(value, target),
    }


if __name__ == "__main__":
    sys.exit(main())
