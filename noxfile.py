"""Developer tasks. `nox` runs the default sessions (the CI gate): lint, tests, conformance
and templates.

Every session installs what it needs into its own virtual environment and passes
`posargs` through, e.g. `nox -s tests -- -k files -x`.
"""

from __future__ import annotations

from pathlib import Path

import nox

ROOT = Path(__file__).parent
PLUGINS = sorted(str(p.parent) for p in ROOT.glob("plugins/*/pyproject.toml"))

#: The docs site's builder: MkDocs with the material theme (search, code copy buttons).
MKDOCS = "mkdocs-material>=9.5,<10"

nox.options.sessions = ["lint", "tests", "conformance", "templates"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True


def _install_project(session: nox.Session) -> None:
    editable = ["-e", "./sdk"]
    for plugin in PLUGINS:
        editable += ["-e", plugin]
    session.install(*editable)


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff (lint and format check) and mypy over the SDK and the connectors."""
    session.install(
        "ruff>=0.6",
        "mypy>=1.10",
        "types-PyYAML",
        "types-jmespath",
        "types-jsonschema",
        "tomli",
        "pytest>=8",
    )
    _install_project(session)
    session.run("ruff", "check", ".", *session.posargs)
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite: host, connectors, docs, meta-tests, real installs (not tests/templates)."""
    session.install(
        "pytest>=8",
        "hatchling>=1.24",
        "build>=1.2",
        "jsonschema>=4.18",
        "selenium>=4.20",
        MKDOCS,
    )
    _install_project(session)
    _ensure_chromium(session)
    session.run("pytest", "--ignore=tests/templates", *session.posargs)


def _ensure_chromium(session: nox.Session) -> None:
    """The catalog page is tested in headless Chromium: install it where it is missing.

    On Debian and Ubuntu, run as root, this installs the distribution's chromium and
    chromium-driver; elsewhere it says what to install.
    """
    import os
    import shutil

    if shutil.which("chromium") and shutil.which("chromedriver"):
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        session.run("apt-get", "update", "-qq", external=True)
        session.run(
            "apt-get",
            "install",
            "-y",
            "-qq",
            "chromium",
            "chromium-driver",
            external=True,
            env={"DEBIAN_FRONTEND": "noninteractive"},
        )
        return
    session.error(
        "the catalog page test needs Chromium and its driver: install the packages "
        "chromium and chromium-driver (Debian, Ubuntu), then run nox again"
    )


def _connector_ids(plugin: str) -> list[str]:
    """The connector ids a plugin project declares in its entry-point table."""
    text = (Path(plugin) / "pyproject.toml").read_text(encoding="utf-8")
    section = text.split('[project.entry-points."hookline.connectors"]', 1)[1].split("\n[", 1)[0]
    return sorted(
        line.split("=", 1)[0].strip().strip('"')
        for line in section.splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    )


@nox.session
def conformance(session: nox.Session) -> None:
    """Every first-party connector, installed, passes the conformance suite at gold.

    Reports (JSON and JUnit XML) go to `build/conformance/`.
    """
    _install_project(session)
    out = ROOT / "build" / "conformance"
    out.mkdir(parents=True, exist_ok=True)
    for plugin in PLUGINS:
        for connector in _connector_ids(plugin):
            session.run(
                "hookline",
                "test",
                connector,
                "--level",
                "gold",
                "--report",
                str(out / f"{connector}.json"),
                "--junit",
                str(out / f"{connector}.xml"),
                *session.posargs,
            )


@nox.session
def templates(session: nox.Session) -> None:
    """Every template variant (templates/replays/): bake, build, install fresh, test, lint.

    Also runs every command of the tutorial "Your first connector".
    """
    session.install("pytest>=8", "pytest-xdist>=3.5", "hatchling>=1.24", "build>=1.2", "ruff>=0.6")
    _install_project(session)
    # Each variant builds and installs into environments of its own: two at a time.
    session.run("pytest", "-n", "2", "tests/templates", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """Regenerate the reference pages (docs/reference/) from the code, then build the site
    into build/site/ (MkDocs, strict: a broken link or anchor fails)."""
    session.install(MKDOCS)
    _install_project(session)
    session.run("python", "-m", "hookline._docgen", "--write")
    session.run(
        "python",
        "-m",
        "hookline._docsite",
        "--out",
        "build/site",
        *session.posargs,
        env={"NO_MKDOCS_2_WARNING": "1"},
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks under benchmarks/: each compares against a baseline measured in the same run."""
    session.install("build>=1.2", "hatchling>=1.24")
    _install_project(session)
    scripts = sorted(ROOT.glob("benchmarks/bench_*.py"))
    selected = [s for s in scripts if not session.posargs or s.stem in session.posargs]
    for script in selected:
        session.run("python", str(script))
