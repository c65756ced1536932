"""``hookline install`` and ``uninstall``: pip, in the interpreter that runs hookline.

A connector is installed only when the registry holds a passing validation of the version
asked for (``--allow-unverified`` overrides), and the install counts only once a fresh
``hookline connectors`` loads it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import attrs

from hookline.errors import ConnectorNotFound, InstallFailed, InstallRefused, UsageError
from hookline.registry._index import Index
from hookline.registry._validate import PipOptions, last_line


@attrs.frozen
class Installed:
    """What ``hookline install`` did."""

    id: str
    requirement: str
    verified: bool
    level: str


def install(
    connector_id: str,
    index: Index,
    *,
    version: str | None = None,
    allow_unverified: bool = False,
    pip: PipOptions | None = None,
) -> Installed:
    """Install the connector the registry lists as ``connector_id`` and check it loads.

    Raises:
        ConnectorNotFound: the registry has no such connector.
        InstallRefused: its validation failed, or another version than the validated one
            was asked for, and ``allow_unverified`` is off.
        InstallFailed: pip failed, or the connector does not load once installed.
    """
    entry = index.get(connector_id)
    if entry is None:
        close = [e["id"] for e in index.search(connector_id)][:3]
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ConnectorNotFound(
            f"the registry ({index.location}) has no connector {connector_id!r}{hint} "
            "(`hookline search TERM` finds connectors)"
        )
    package, evidence = entry["package"], entry["evidence"]
    verified = evidence["status"] == "accepted" and version in (None, package["version"])
    if not verified and not allow_unverified:
        if evidence["status"] != "accepted":
            why = "; ".join(evidence.get("reasons", [])[:2]) or "its validation failed"
            raise InstallRefused(
                f"{connector_id} has no passing validation ({why}); pass --allow-unverified "
                "to install it anyway"
            )
        raise InstallRefused(
            f"{connector_id} {version} was not validated (the registry validated "
            f"{package['version']}); pass --allow-unverified to install it anyway"
        )
    requirement = package["requirement"] if version is None else f"{package['name']}=={version}"
    done = _pip(["install", requirement, *(pip or PipOptions()).args()])
    if done.returncode != 0:
        raise InstallFailed(f"pip could not install {requirement}: {last_line(done)}")
    problem = load_problem(connector_id)
    if problem is not None:
        raise InstallFailed(
            f"{requirement} is installed but connector {connector_id!r} does not load: "
            f"{problem}; `hookline uninstall {connector_id}` removes it"
        )
    return Installed(connector_id, requirement, verified, evidence["level"] if verified else "none")


def uninstall(connector_id: str) -> str:
    """Uninstall the distribution that provides ``connector_id``; return its name.

    Raises:
        ConnectorNotFound: no installed distribution provides it.
        UsageError: it is provided by hookline itself.
        InstallFailed: pip failed.
    """
    from hookline._loading import CONNECTORS_GROUP, find_entries

    owners = [e for e in find_entries(CONNECTORS_GROUP) if e.id == connector_id]
    if not owners:
        raise ConnectorNotFound(
            f"no installed connector {connector_id!r} (`hookline connectors` lists them)"
        )
    distribution = owners[0].package
    if distribution.lower() == "hookline":
        raise UsageError(f"{connector_id!r} comes with hookline itself and cannot be removed")
    done = _pip(["uninstall", "-y", distribution])
    if done.returncode != 0:
        raise InstallFailed(f"pip could not uninstall {distribution}: {last_line(done)}")
    return distribution


def load_problem(connector_id: str) -> str | None:
    """Load the connector in a fresh interpreter; return why it fails, or ``None``."""
    done = subprocess.run(
        [sys.executable, "-m", "hookline", "connectors", "--json", "--refresh"],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        rows: list[dict[str, Any]] = json.loads(done.stdout)
    except ValueError:
        return f"`hookline connectors` failed: {last_line(done)}"
    for row in rows:
        if row["id"] == connector_id:
            return None if row["status"] == "ok" else str(row.get("error"))
    return "hookline does not find it (no entry point in group hookline.connectors)"


def _pip(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", *args, "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=False,
    )
