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
import threading
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


def source_revision(*paths: str) -> dict[str, Any]:
    """The git commit of the tree, and whether ``paths`` (relative to the root) differ from it.

    Both are ``None`` when git or the repository is not there.
    """
    try:
        commit = run(["git", "rev-parse", "HEAD"], cwd=ROOT).strip()
        changes = run(["git", "status", "--porcelain", "--", *paths], cwd=ROOT).strip()
    except (OSError, RuntimeError):
        return {"commit": None, "modified": None}
    return {"commit": commit, "modified": bool(changes)}


def write_results(name: str, data: Mapping[str, Any]) -> Path:
    """Write ``benchmarks/results/<name>.json`` and return its path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def ms(seconds: float) -> str:
    """Format seconds as milliseconds for a table."""
    return f"{seconds * 1000:8.1f} ms"


def plugin_projects(*ids: str) -> tuple[list[Path], list[str]]:
    """Return the project directories of the first-party connectors ``ids`` that exist.

    The second item lists the ids that have no ``plugins/<id>/pyproject.toml`` (yet).
    """
    present: list[Path] = []
    missing: list[str] = []
    for cid in ids:
        path = ROOT / "plugins" / cid
        if (path / "pyproject.toml").is_file():
            present.append(path)
        else:
            missing.append(cid)
    return present, missing


@dataclass(frozen=True)
class Outcome:
    """How one measured process ended: exit code, wall-clock time, CPU time, peak memory."""

    returncode: int
    #: Wall-clock seconds from just before the process started until it was reaped.
    seconds: float
    #: User plus system CPU seconds of the process, or ``None`` where not reported.
    cpu_seconds: float | None
    #: The peak resident set size of the process in bytes, or ``None`` where the
    #: platform does not report it.
    peak_rss: int | None


class MeasuredProcess:
    """A process started now, whose wall-clock time, CPU time and peak memory are measured.

    The peak resident set size is the ``VmHWM`` of ``/proc/<pid>/status``, sampled every
    10 ms from a thread while the process runs: the high-water mark of the command's own
    memory. (``ru_maxrss`` from ``os.wait4`` is not used where ``/proc`` exists: Linux
    counts in it the memory of the process that started the command, before ``exec``, so
    a small command would report this script's size.) Growth in the last 10 ms before the
    process exits can be missed. Without ``/proc``, ``ru_maxrss`` is all there is.
    """

    POLL_SECONDS = 0.01

    def __init__(
        self,
        args: Sequence[str | Path],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        stdin: Any = None,
        stdout: Any = None,
        stderr: Any = None,
    ) -> None:
        self.start = time.perf_counter()
        self.proc = subprocess.Popen(
            [str(a) for a in args], cwd=cwd, env=env, stdin=stdin, stdout=stdout, stderr=stderr
        )
        self._peak = 0
        self._done = threading.Event()
        self._status = Path(f"/proc/{self.proc.pid}/status")
        self._watcher: threading.Thread | None = None
        if self._status.exists():
            self._sample()
            self._watcher = threading.Thread(target=self._watch, daemon=True)
            self._watcher.start()

    def _watch(self) -> None:
        while not self._done.wait(self.POLL_SECONDS):
            self._sample()

    def _sample(self) -> None:
        try:
            text = self._status.read_bytes()
        except OSError:
            return  # exited
        for line in text.splitlines():
            if line.startswith(b"VmHWM:"):  # absent once the process is a zombie
                self._peak = max(self._peak, int(line.split()[1]) * 1024)
                return

    def wait(self) -> Outcome:
        """Wait for the process to exit and return how it ended."""
        if not hasattr(os, "wait4"):
            returncode = self.proc.wait()
            return Outcome(returncode, time.perf_counter() - self.start, None, None)
        _, status, usage = os.wait4(self.proc.pid, 0)
        elapsed = time.perf_counter() - self.start
        self._done.set()
        if self._watcher is not None:
            self._watcher.join()
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
        peak = self._peak or usage.ru_maxrss * scale
        cpu = usage.ru_utime + usage.ru_stime
        return Outcome(self.proc.returncode, elapsed, cpu, peak)


def run_measured(
    cmd: Sequence[str | Path],
    *,
    stdout: Path,
    stderr: Path,
    cwd: Path | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> Outcome:
    """Run ``cmd`` to its end, its output going to files, as a :class:`MeasuredProcess`.

    The command runs in :func:`clean_env` plus ``extra_env``.
    """
    env = clean_env(**(extra_env or {}))
    with stdout.open("wb") as out, stderr.open("wb") as err:
        return MeasuredProcess(cmd, cwd=cwd, env=env, stdout=out, stderr=err).wait()


def tail(path: Path, lines: int = 5) -> str:
    """Return the last ``lines`` non-blank lines of a text file (for error messages)."""
    if not path.exists():
        return ""
    text = path.read_text(encoding="utf-8", errors="replace")
    return "\n".join([line for line in text.splitlines() if line.strip()][-lines:])


def megabytes(size: int | None) -> float | None:
    """Convert bytes to megabytes (10**6 bytes), rounded to 0.1; ``None`` stays ``None``."""
    return None if size is None else round(size / 1e6, 1)
