"""``hookline install`` and ``uninstall``: pip, in the interpreter that runs hookline.

A connector is installed only when the registry holds a passing validation of the version
asked for and of the very wheel pip resolves: the wheel is downloaded first, and its
SHA-256 must be the one the validation recorded (``--allow-unverified`` overrides, with a
warning). The install counts only once a fresh ``hookline connectors`` loads it.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from hookline.errors import ConnectorNotFound, InstallFailed, InstallRefused, UsageError
from hookline.registry._artifact import sha256_of, the_wheel, wheel_command
from hookline.registry._index import Index
from hookline.registry._validate import PipOptions, last_line

log = logging.getLogger("hookline.registry")


@attrs.frozen
class Installed:
    """What ``hookline install`` did."""

    id: str
    requirement: str
    verified: bool
    level: str
    #: What the user must know about an unverified install, one line each.
    warnings: tuple[str, ...] = ()


def install(
    connector_id: str,
    index: Index,
    *,
    version: str | None = None,
    allow_unverified: bool = False,
    pip: PipOptions | None = None,
    warn: Callable[[str], None] = log.warning,
) -> Installed:
    """Install the connector the registry lists as ``connector_id`` and check it loads.

    A verified install installs the wheel whose SHA-256 the validation recorded, and no
    other: the wheel pip resolves is downloaded and compared before anything is installed.
    When ``allow_unverified`` lets a wheel that cannot be verified through, ``warn`` is told
    why before pip runs (and :attr:`Installed.warnings` keeps it).

    Raises:
        ConnectorNotFound: the registry has no such connector.
        InstallRefused: its validation failed, another version than the validated one was
            asked for, the evidence records no wheel digest, or the wheel pip resolves is not
            the one validated; and ``allow_unverified`` is off.
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
    options = (pip or PipOptions()).args()
    warnings: list[str] = []
    with tempfile.TemporaryDirectory(prefix="hookline-install-") as scratch:
        target = requirement
        if verified:
            target, problem = _verified_wheel(entry, requirement, options, Path(scratch))
            if problem is not None:
                if not allow_unverified:
                    raise InstallRefused(f"{problem}; pass --allow-unverified to install it anyway")
                warnings.append(f"installing without verification: {problem}")
                warn(warnings[-1])
                verified = False
        done = _pip(["install", target, *options])
    if done.returncode != 0:
        raise InstallFailed(f"pip could not install {requirement}: {last_line(done)}")
    problem = load_problem(connector_id)
    if problem is not None:
        raise InstallFailed(
            f"{requirement} is installed but connector {connector_id!r} does not load: "
            f"{problem}; `hookline uninstall {connector_id}` removes it"
        )
    level = evidence["level"] if verified else "none"
    return Installed(connector_id, requirement, verified, level, tuple(warnings))


def _verified_wheel(
    entry: dict[str, Any], requirement: str, options: list[str], scratch: Path
) -> tuple[str, str | None]:
    """Download the wheel pip resolves for ``requirement`` and compare it with the evidence.

    Returns what to install (the downloaded wheel, or the requirement when there is nothing
    to compare against) and why it is not verified, or ``None`` when it is.

    Raises:
        InstallFailed: pip cannot download a wheel of it.
    """
    ident = entry["id"]
    artifact = entry["evidence"].get("artifact")
    if not isinstance(artifact, dict):
        return requirement, (
            f"{ident}'s registry evidence records no wheel digest, so the wheel pip resolves "
            f"for {requirement} cannot be checked against the one tested; validate it again "
            f"(`hookline registry validate {requirement}`) and rebuild the registry"
        )
    done = _pip([*wheel_command(requirement, scratch), *options])
    wheel = the_wheel(scratch) if done.returncode == 0 else None
    if wheel is None:
        why = last_line(done) if done.returncode else "no single wheel came out"
        raise InstallFailed(
            f"pip could not download the wheel of {requirement} to verify it: {why}; check "
            "where pip looks (--find-links, --index-url)"
        )
    actual = sha256_of(wheel)
    if actual != artifact["sha256"]:
        return str(wheel), (
            f"{ident}: the wheel pip resolves for {requirement} ({wheel.name}, sha256 {actual}) "
            f"is not the one the registry validated ({artifact['filename']}, sha256 "
            f"{artifact['sha256']}); check where pip finds it (--find-links, --index-url), or "
            f"validate this wheel (`hookline registry validate {requirement}`) and rebuild "
            "the registry"
        )
    return str(wheel), None


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
