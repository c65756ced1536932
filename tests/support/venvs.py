"""Real installs for tests: build wheels, make fresh virtual environments, run commands.

Used only by the tests that test installing and loading; everything else registers
plugin objects directly.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(
    args: list[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """Run a command, capture its text output, never raise on a non-zero exit."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        args, capture_output=True, text=True, env=full_env, cwd=cwd, timeout=timeout, check=False
    )


def _checked(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(result.args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
    return result


def build_wheel(project: Path, out_dir: Path) -> Path:
    """Build ``project``'s wheel into ``out_dir`` (no dependencies) and return its path."""
    before = set(out_dir.glob("*.whl"))
    _checked(
        run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--no-build-isolation",
                "-q",
                "-w",
                str(out_dir),
                str(project),
            ]
        )
    )
    (wheel,) = set(out_dir.glob("*.whl")) - before
    return wheel


def build_wheelhouse(out_dir: Path) -> Path:
    """Put wheels of the SDK and every dependency it needs in ``out_dir``."""
    _checked(
        run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-build-isolation",
                "-q",
                "-w",
                str(out_dir),
                str(ROOT / "sdk"),
            ]
        )
    )
    return out_dir


class Venv:
    """A fresh virtual environment (with pip) at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        venv.EnvBuilder(with_pip=True, clear=True).create(path)

    def bin(self, name: str) -> str:
        """Return the path of an executable installed in the environment."""
        return str(self.path / "bin" / name)

    def install(self, *requirements: str, wheelhouse: Path) -> None:
        """Install offline from ``wheelhouse`` (and the given wheel files)."""
        _checked(
            run(
                [
                    self.bin("python"),
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    "--no-index",
                    "--disable-pip-version-check",
                    "--find-links",
                    str(wheelhouse),
                    *requirements,
                ]
            )
        )

    def hookline(
        self, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run this environment's ``hookline`` command."""
        return run([self.bin("hookline"), *args], env=env, cwd=cwd)


def write_package(
    root: Path,
    dist: str,
    entry_points: dict[str, str],
    modules: dict[str, str],
    group: str = "hookline.connectors",
) -> Path:
    """Write a minimal installable project: ``modules`` maps file name to source."""
    project = root / dist
    package = dist.replace("-", "_")
    (project / package).mkdir(parents=True)
    for name, source in modules.items():
        (project / package / name).write_text(textwrap.dedent(source))
    eps = "\n".join(f'{name} = "{target}"' for name, target in entry_points.items())
    (project / "pyproject.toml").write_text(
        textwrap.dedent(f"""\
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"

        [project]
        name = "{dist}"
        version = "1.0.0"
        dependencies = ["hookline"]

        [project.entry-points."{group}"]
        """)
        + eps
        + "\n"
    )
    return project
