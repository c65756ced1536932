"""Helpers shared by the benchmarks: work directories, fresh environments, wheels, timing.

Every benchmark measures its subject and its baseline in the same run, on the same machine,
and reports ratios; absolute times are printed for context only.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "benchmarks"
WORK_DIR = BENCH_DIR / ".work"
RESULTS_DIR = BENCH_DIR / "results"

#: Variables that would let the calling interpreter's packages or settings leak into a
#: measured command.
_LEAKY_ENV = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "PIP_REQUIRE_VIRTUALENV")


def fresh_dir(name: str) -> Path:
    """Return ``benchmarks/.work/<name>``, emptied first (it is git-ignored)."""
    path = WORK_DIR / name
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def clean_env(**overrides: str) -> dict[str, str]:
    """Return the current environment without variables that leak packages into a command."""
    env = {k: v for k, v in os.environ.items() if k not in _LEAKY_ENV}
    env.update(overrides)
    return env


def run(cmd: Sequence[str | Path], *, cwd: Path | None = None, quiet: bool = True) -> str:
    """Run a setup command; return its stdout, or raise ``RuntimeError`` with its output."""
    args = [str(c) for c in cmd]
    proc = subprocess.run(args, cwd=cwd, env=clean_env(), capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(
            f"command failed ({proc.returncode}): {' '.join(args)}\n{proc.stdout}{proc.stderr}"
        )
    if not quiet:
        print(proc.stdout, end="")
    return proc.stdout


@dataclass(frozen=True)
class Venv:
    """A virtual environment made for a benchmark."""

    path: Path

    @property
    def bin(self) -> Path:
        """The directory of its scripts."""
        return self.path / ("Scripts" if os.name == "nt" else "bin")

    @property
    def python(self) -> Path:
        """Its interpreter."""
        return self.bin / ("python.exe" if os.name == "nt" else "python")

    def script(self, name: str) -> Path:
        """The path of the console script ``name`` installed in it."""
        return self.bin / (f"{name}.exe" if os.name == "nt" else name)

    def pip_install(self, *args: str | Path) -> None:
        """``pip install`` into it, quietly."""
        run([self.python, "-m", "pip", "install", "-q", "--disable-pip-version-check", *args])

    def version_of(self, distribution: str) -> str:
        """The version of ``distribution`` installed in it."""
        code = f"import importlib.metadata as m; print(m.version({distribution!r}))"
        return run([self.python, "-c", code]).strip()


def make_venv(path: Path) -> Venv:
    """Create a fresh virtual environment (with pip) at ``path`` using this interpreter."""
    if path.exists():
        shutil.rmtree(path)
    run([sys.executable, "-m", "venv", path])
    return Venv(path)


def build_wheels(projects: Sequence[Path], out_dir: Path) -> list[Path]:
    """Build a wheel of each project directory into ``out_dir``; return the new wheels.

    Uses this interpreter's pip without build isolation, so the build backends
    (hatchling here) must be installed where this script runs.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    before = set(out_dir.glob("*.whl"))
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            out_dir,
            *projects,
        ]
    )
    built = sorted(set(out_dir.glob("*.whl")) - before)
    if len(built) != len(projects):
        raise RuntimeError(f"expected {len(projects)} wheels in {out_dir}, found {len(built)}")
    return built


@dataclass(frozen=True)
class Timing:
    """Wall-clock times of one command, in seconds."""

    label: str
    command: list[str]
    samples: list[float]

    @property
    def median(self) -> float:
        """The median time."""
        return statistics.median(self.samples)

    @property
    def min(self) -> float:
        """The fastest time."""
        return min(self.samples)

    def to_dict(self) -> dict[str, Any]:
        """Return the figures as JSON data (milliseconds)."""
        return {
            "command": self.command,
            "median_ms": round(self.median * 1000, 2),
            "min_ms": round(self.min * 1000, 2),
            "runs": len(self.samples),
            "samples_ms": [round(s * 1000, 2) for s in self.samples],
        }


def time_commands(
    commands: Mapping[str, Sequence[str | Path]],
    *,
    runs: int,
    warmup: int,
    cwd: Path | None = None,
    extra_env: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, Timing]:
    """Time each command ``runs`` times after ``warmup`` untimed rounds.

    The commands are interleaved round-robin, so slow moments of the machine are shared
    by all of them rather than falling on one. Each runs in :func:`clean_env`, plus the
    variables ``extra_env`` gives for its label. Output is discarded; a command that exits
    non-zero raises ``RuntimeError``.
    """
    argv = {label: [str(c) for c in cmd] for label, cmd in commands.items()}
    envs = {label: clean_env(**(extra_env or {}).get(label, {})) for label in argv}
    samples: dict[str, list[float]] = {label: [] for label in argv}
    for round_no in range(warmup + runs):
        for label, cmd in argv.items():
            start = time.perf_counter()
            proc = subprocess.run(
                cmd, cwd=cwd, env=envs[label], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
            elapsed = time.perf_counter() - start
            if proc.returncode != 0:
                raise RuntimeError(
                    f"{label}: exit {proc.returncode}: {' '.join(cmd)}\n"
                    + proc.stderr.decode(errors="replace")
                )
            if round_no >= warmup:
                samples[label].append(elapsed)
    return {label: Timing(label, argv[label], samples[label]) for label in argv}


def int_setting(env_name: str, default: int) -> int:
    """Read a positive integer from the environment variable ``env_name``."""
    raw = os.environ.get(env_name, "").strip()
    if not raw:
        return default
    value = int(raw)
    if value < 0:
        raise ValueError(f"{env_name} must be >= 0, got {value}")
    return value


def machine() -> dict[str, Any]:
    """Describe where the benchmark ran."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def write_results(name: str, data: Mapping[str, Any]) -> Path:
    """Write ``benchmarks/results/<name>.json`` and return its path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def ms(seconds: float) -> str:
    """Format seconds as milliseconds for a table."""
    return f"{seconds * 1000:8.1f} ms"
