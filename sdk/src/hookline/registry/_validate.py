"""``hookline registry validate``: a connector, installed where it can do no harm, tested.

The connector is installed into a fresh virtual environment (never the user's own) with
hookline, its entry point and hook API are checked there, the conformance suite runs there
against the connector's own fixture, and the outcome is written to its registry entry as
evidence. The evidence is tied to the exact wheel tested (its file name and SHA-256): a
project directory is built into a wheel first, a requirement is downloaded as one, and
that wheel is what is installed. Packaging hazards are looked for on the way: a ``.pth``
file (code that runs at every Python start-up) and an entry point that shadows another
connector's id.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib.metadata
import json
import re
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
import venv
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs

from hookline._version import __version__
from hookline.errors import UsageError, ValidationTimeout
from hookline.registry._artifact import artifact_record, the_wheel, wheel_command
from hookline.registry._entries import (
    SCHEMA_VERSION,
    entries_dir,
    read_entry,
    report_location,
    write_entry,
    write_report,
)

#: The longest a whole validation may take by default, in seconds.
DEFAULT_TIMEOUT = 900.0

_REQUIREMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?\s*((==|>=|<=|~=|!=|<|>).*)?$")
_PROBE = Path(__file__).with_name("_probe.py")


@attrs.define
class Validation:
    """The outcome of validating one connector.

    Attributes:
        target: what was validated, as given.
        accepted: whether it passed: it loads, no check failed, no hazard was found.
        entries: the registry entries written (one per connector id the package declares).
        reasons: why it was rejected, one line each.
        hazards: packaging hazards found.
        seconds: how long the validation took.
        reports: each connector's conformance report (JSON bytes), published beside its
            entry as ``reports/<id>.json``.
    """

    target: str
    accepted: bool = False
    entries: list[dict[str, Any]] = attrs.field(factory=list)
    reasons: list[str] = attrs.field(factory=list)
    hazards: list[str] = attrs.field(factory=list)
    seconds: float = 0.0
    reports: dict[str, bytes] = attrs.field(factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The outcome as JSON data."""
        return {
            "target": self.target,
            "accepted": self.accepted,
            "ids": [e["id"] for e in self.entries],
            "levels": {e["id"]: e["evidence"]["level"] for e in self.entries},
            "artifact": self.entries[0]["evidence"].get("artifact") if self.entries else None,
            "reasons": self.reasons,
            "hazards": self.hazards,
            "seconds": round(self.seconds, 1),
        }


@attrs.define
class PipOptions:
    """Where pip finds packages in the validation environment."""

    find_links: Sequence[str] = ()
    index_url: str | None = None
    no_index: bool = False

    def args(self) -> list[str]:
        """The pip arguments these options make."""
        args = []
        for link in self.find_links:
            args += ["--find-links", str(link)]
        if self.index_url:
            args += ["--index-url", self.index_url]
        if self.no_index:
            args.append("--no-index")
        return args


def target_requirement(target: str) -> tuple[str, str]:
    """Return what pip installs for ``target`` and the distribution's name.

    ``target`` is a project directory, a wheel file, or a requirement such as
    ``hookline-acme`` or ``hookline-acme==1.2``.

    Raises:
        UsageError: it is none of these.
    """
    path = Path(target)
    if path.is_dir():
        return str(path.resolve()), _project_name(path)
    if path.suffix == ".whl":
        if not path.is_file():
            raise UsageError(f"no wheel file {target}")
        return str(path.resolve()), path.name.split("-")[0]
    if not _REQUIREMENT.match(target):
        raise UsageError(
            f"{target!r} is neither a project directory, a wheel, nor a requirement such as "
            "hookline-acme or hookline-acme==1.2"
        )
    return target, re.split(r"[\[=<>!~ ]", target, maxsplit=1)[0]


def _project_name(directory: Path) -> str:
    from hookline.conformance._target import read_toml

    pyproject = directory / "pyproject.toml"
    if not pyproject.is_file():
        raise UsageError(f"{directory} has no pyproject.toml: give a connector project")
    name = read_toml(pyproject).get("project", {}).get("name")
    if not name:
        raise UsageError(f"{pyproject} names no project ([project] name)")
    return str(name)


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def default_hookline_requirement() -> str:
    """What installs this hookline in another environment.

    The source checkout's ``sdk/`` when this hookline runs from one (an editable install);
    else where pip installed it from, as its PEP 610 ``direct_url.json`` records it (a
    directory, a wheel or an archive that is still there, or a VCS URL at its commit:
    ``pip install ./sdk`` or a built wheel, before hookline is on a package index); else
    this version from the package index.
    """
    sdk = Path(__file__).resolve().parents[3]
    if (sdk / "pyproject.toml").is_file() and (sdk / "src" / "hookline").is_dir():
        return str(sdk)
    try:
        recorded = importlib.metadata.distribution("hookline").read_text("direct_url.json")
    except importlib.metadata.PackageNotFoundError:
        recorded = None
    return requirement_from_direct_url(recorded) or f"hookline=={__version__}"


def requirement_from_direct_url(text: str | None) -> str | None:
    """The requirement that installs hookline again from a ``direct_url.json``'s origin.

    ``None`` when there is no record, it cannot be read, or it names a local file or
    directory that is gone.
    """
    try:
        origin = json.loads(text) if text else None
    except ValueError:
        return None
    if not isinstance(origin, dict) or not isinstance(origin.get("url"), str):
        return None
    url: str = origin["url"]
    vcs = origin.get("vcs_info")
    if isinstance(vcs, dict) and isinstance(vcs.get("vcs"), str):
        commit = vcs.get("commit_id")
        return f"hookline @ {vcs['vcs']}+{url}" + (f"@{commit}" if commit else "")
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme != "file":
        return f"hookline @ {url}"
    path = Path(urllib.request.url2pathname(parsed.path))
    return str(path) if path.exists() else None


class _Clock:
    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.started = time.monotonic()

    def left(self) -> float:
        left = self.limit - (time.monotonic() - self.started)
        if left <= 0:
            raise ValidationTimeout
        return left

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


def validate(
    target: str,
    *,
    registry_dir: Path,
    pip: PipOptions | None = None,
    hookline_requirement: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    known: dict[str, str] | None = None,
    categories: Sequence[str] = (),
    progress: Callable[[str, int, int], None] = lambda *_: None,
    keep: Path | None = None,
) -> Validation:
    """Validate ``target`` in a fresh environment and write its entries' evidence.

    Args:
        target: a project directory, a wheel, or a requirement (``DIST[==VERSION]``).
        registry_dir: the registry directory whose ``entries/`` are written.
        pip: where pip finds the connector and its dependencies.
        hookline_requirement: what installs hookline there (default: this hookline).
        timeout: the time limit for the whole validation, in seconds.
        known: connector ids already in the registry and their packages, to find
            shadowing (default: the entries of ``registry_dir``).
        categories: categories for a new entry.
        progress: told what the validation is doing, a step at a time: what, the step's
            number (from 1) and the number of steps (which grows when the package turns
            out to declare more than one connector, each tested in a step of its own).
        keep: keep the environment and the report in this directory.

    Raises:
        UsageError: the target is not something that can be installed.
    """
    requirement, name = target_requirement(target)
    result = Validation(target)
    clock = _Clock(timeout)
    workdir = keep or Path(tempfile.mkdtemp(prefix="hookline-validate-"))
    try:
        _run(
            result,
            requirement,
            name,
            workdir,
            clock,
            registry_dir,
            pip or PipOptions(),
            hookline_requirement or default_hookline_requirement(),
            known,
            categories,
            _Steps(progress),
        )
    except ValidationTimeout:
        result.reasons.append(
            f"the validation did not finish within its time limit of {timeout:g} s"
        )
    finally:
        if keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    result.seconds = clock.elapsed
    result.accepted = not result.reasons and not result.hazards and bool(result.entries)
    return result


#: The steps before the conformance suite runs: environment, hookline, wheel, its install,
#: the load check. Then one step per connector the package declares.
_STEPS_BEFORE_THE_SUITE = 5


@attrs.define
class _Steps:
    """Numbers the steps told to a ``progress`` callback."""

    tell: Callable[[str, int, int], None]
    done: int = 0
    total: int = _STEPS_BEFORE_THE_SUITE + 1

    def __call__(self, what: str) -> None:
        self.done += 1
        self.tell(what, self.done, max(self.total, self.done))


def _run(
    result: Validation,
    requirement: str,
    name: str,
    workdir: Path,
    clock: _Clock,
    registry_dir: Path,
    pip: PipOptions,
    hookline_requirement: str,
    known: dict[str, str] | None,
    categories: Sequence[str],
    progress: _Steps,
) -> None:
    environment = workdir / "env"
    progress(f"creating a fresh environment in {environment}")
    venv.EnvBuilder(with_pip=True, clear=True).create(environment)
    python = str(environment / "bin" / "python")
    hookline = str(environment / "bin" / "hookline")

    progress(f"installing hookline ({hookline_requirement})")
    problem = _pip_install(python, hookline_requirement, pip, clock)
    if problem:
        result.reasons.append(f"hookline does not install: {problem}")
        return
    before = {item["file"] for item in _probe(python, clock)["pth"]}

    progress(f"getting the wheel to test ({requirement})")
    wheel = _tested_wheel(python, requirement, name, workdir / "artifact", pip, clock, result)
    if wheel is None:
        return
    progress(f"installing {wheel.name}")
    problem = _pip_install(python, str(wheel), pip, clock)
    if problem:
        result.reasons.append(f"{name} does not install: {problem}")
        return
    artifact = artifact_record(wheel)
    probe = _probe(python, clock)
    for item in probe["pth"]:
        if item["file"] not in before:
            owner = item["owner"] or "an unknown distribution"
            result.hazards.append(
                f"{owner} installs {item['file']}, a .pth file: code that runs at every "
                "Python start-up in the environment it is installed into"
            )
    mine = [c for c in probe["connectors"] if _normalized(c["name"]) == _normalized(name)]
    if not mine:
        result.reasons.append(
            f"{name} declares no connector (no entry point in group hookline.connectors)"
        )
        return
    package = mine[0]
    owners = known if known is not None else _known_ids(registry_dir)
    for connector_id in package["ids"]:
        owner = owners.get(connector_id)
        if owner is not None and _normalized(owner) != _normalized(package["name"]):
            result.hazards.append(
                f"its entry point {connector_id!r} shadows the registry's connector "
                f"{connector_id!r} of {owner}"
            )

    progress("checking that hookline loads it")
    listed = _json_call([hookline, "connectors", "--json", "--refresh"], clock)
    status = {row["id"]: row for row in listed or []}
    for connector_id in package["ids"]:
        row = status.get(connector_id)
        if row is None or row.get("status") != "ok":
            why = row.get("error") if row else "not listed"
            result.reasons.append(f"connector {connector_id!r} does not load: {why}")
    if result.reasons:
        return

    progress.total = _STEPS_BEFORE_THE_SUITE + len(package["ids"])
    for connector_id in package["ids"]:
        progress(f"running the conformance suite against {connector_id!r}")
        entry = _test_one(
            hookline, connector_id, package, probe, workdir, clock, registry_dir, categories, result
        )
        if entry is not None:
            entry["evidence"]["artifact"] = artifact
            result.entries.append(entry)
    if not result.reasons and not result.hazards:
        for entry in result.entries:
            entry["evidence"]["status"] = "accepted"
    else:
        for entry in result.entries:
            entry["evidence"]["status"] = "rejected"
            entry["evidence"]["reasons"] = list(result.reasons)
            entry["evidence"]["hazards"] = list(result.hazards)
    for entry in result.entries:
        write_entry(registry_dir, entry)
        report = result.reports.get(entry["id"])
        if report is not None:
            write_report(registry_dir, entry["id"], report)


def _tested_wheel(
    python: str,
    requirement: str,
    name: str,
    destination: Path,
    pip: PipOptions,
    clock: _Clock,
    result: Validation,
) -> Path | None:
    """The wheel that is installed and tested: the one given, built, or downloaded."""
    if requirement.endswith(".whl") and Path(requirement).is_file():
        return Path(requirement)
    destination.mkdir(parents=True, exist_ok=True)
    building = Path(requirement).is_dir()
    quiet = ["-q", "--disable-pip-version-check"]
    args = [python, "-m", "pip", *wheel_command(requirement, destination), *quiet, *pip.args()]
    done = _call(args, clock)
    wheel = the_wheel(destination) if done.returncode == 0 else None
    if wheel is None:
        how = "its wheel does not build" if building else "pip finds no wheel of it"
        why = last_line(done) if done.returncode else "no single wheel came out"
        result.reasons.append(
            f"{name}: {how} ({why}); the registry validates and verifies wheels only: "
            "publish a wheel, or validate a wheel file"
        )
    return wheel


def _test_one(
    hookline: str,
    connector_id: str,
    package: dict[str, Any],
    probe: dict[str, Any],
    workdir: Path,
    clock: _Clock,
    registry_dir: Path,
    categories: Sequence[str],
    result: Validation,
) -> dict[str, Any] | None:
    info = _json_call([hookline, "info", connector_id, "--json"], clock)
    if not isinstance(info, dict):
        result.reasons.append(f"`hookline info {connector_id}` failed in the environment")
        return None
    report_path = workdir / f"conformance-{connector_id}.json"
    try:
        _call([hookline, "test", connector_id, "--report", str(report_path), "--json"], clock)
    except ValidationTimeout:
        result.reasons.append(f"the conformance suite for {connector_id!r} ran out of time")
        raise
    if not report_path.is_file():
        result.reasons.append(f"the conformance suite for {connector_id!r} wrote no report")
        return None
    raw = report_path.read_bytes()
    report = json.loads(raw)
    result.reports[connector_id] = raw
    for check in report["checks"]:
        if check["status"] == "failed":
            result.reasons.append(f"{connector_id}: {check['name']} failed: {check['message']}")
    if report["level"] == "none" and not any(c["status"] == "failed" for c in report["checks"]):
        result.reasons.append(f"{connector_id}: reaches no level (bronze needs its checks)")
    return _entry(connector_id, package, info, report, raw, probe, registry_dir, categories)


def _entry(
    connector_id: str,
    package: dict[str, Any],
    info: dict[str, Any],
    report: dict[str, Any],
    raw: bytes,
    probe: dict[str, Any],
    registry_dir: Path,
    categories: Sequence[str],
) -> dict[str, Any]:
    existing_path = entries_dir(registry_dir) / f"{connector_id}.json"
    existing = read_entry(existing_path) if existing_path.is_file() else {}
    by_status: dict[str, list[str]] = {"passed": [], "failed": [], "skipped": []}
    for check in report["checks"]:
        by_status.setdefault(check["status"], []).append(check["name"])
    canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"))
    return {
        "schema_version": SCHEMA_VERSION,
        "id": connector_id,
        "package": {
            "name": package["name"],
            "version": package["version"],
            "requirement": f"{package['name']}=={package['version']}",
        },
        "repository": existing.get("repository") or _repository(package),
        "documentation": existing.get("documentation")
        or _project_url(package, ("documentation", "docs")),
        "description": existing.get("description") or info.get("description") or package["summary"],
        "categories": sorted(set(existing.get("categories", [])) | set(categories)),
        "maintainer": existing.get("maintainer") or package["author"] or "unknown",
        "metadata": {
            "title": info.get("title") or connector_id,
            "kind": info["kind"],
            "version": info["version"],
            "api_version": info["api_version"],
            "capabilities": info["capabilities"],
            "hosts": info["hosts"],
            "config_schema": info["config_schema"],
            "secret_settings": info["secret_fields"],
        },
        "evidence": {
            "status": "accepted",
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "suite_version": report["suite_version"],
            "hookline_version": report["hookline_version"],
            "python_version": probe["python"],
            "level": report["level"],
            "passed": by_status["passed"],
            "failed": by_status["failed"],
            "skipped": by_status["skipped"],
            "report_digest": "sha256:" + hashlib.sha256(canonical.encode()).hexdigest(),
            "report": report_location(connector_id),
            "hazards": [],
            "reasons": [],
            "seconds": round(sum(c["seconds"] for c in report["checks"]), 2),
            **_not_proven(report, info["kind"]),
        },
    }


def _not_proven(report: dict[str, Any], kind: str) -> dict[str, Any]:
    """What the level does not cover: checks not applicable, and the write modes proven."""
    listed = report.get("not_applicable")
    if not isinstance(listed, list):  # a report from before the list was written
        listed = [
            {"name": c["name"], "reason": c.get("message", "")}
            for c in report["checks"]
            if c["status"] == "skipped" and c.get("applicable") is False
        ]
    found: dict[str, Any] = {
        "not_applicable": [{"name": str(c["name"]), "reason": str(c["reason"])} for c in listed]
    }
    modes = report.get("write_modes_proven")
    if kind in ("destination", "both") and isinstance(modes, list):
        found["write_modes_proven"] = list(dict.fromkeys(str(mode) for mode in modes))
    return found


def _repository(package: dict[str, Any]) -> str | None:
    found = _project_url(package, ("repository", "source", "source code", "code"))
    home = package.get("home_page")
    return found or (str(home) if home else None)


def _project_url(package: dict[str, Any], labels: tuple[str, ...]) -> str | None:
    """The first of the package's project URLs (``Label, URL``) with one of ``labels``."""
    for url in package.get("urls", []):
        label, _, link = str(url).partition(",")
        if label.strip().lower() in labels:
            return link.strip()
    return None


def _known_ids(registry_dir: Path) -> dict[str, str]:
    known = {}
    for path in sorted(entries_dir(registry_dir).glob("*.json")):
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            known[entry["id"]] = entry["package"]["name"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return known


def _call(args: list[str], clock: _Clock) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            args, capture_output=True, text=True, timeout=clock.left(), check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise ValidationTimeout from exc


def _pip_install(python: str, requirement: str, pip: PipOptions, clock: _Clock) -> str | None:
    """Install ``requirement`` with the environment's pip; return pip's error, if any."""
    quiet = ["-q", "--disable-pip-version-check"]
    done = _call([python, "-m", "pip", "install", *quiet, requirement, *pip.args()], clock)
    return None if done.returncode == 0 else last_line(done)


def _json_call(args: list[str], clock: _Clock) -> Any:
    done = _call(args, clock)
    if done.returncode != 0:
        return None
    try:
        return json.loads(done.stdout)
    except ValueError:
        return None


def _probe(python: str, clock: _Clock) -> dict[str, Any]:
    done = _call([python, "-I", str(_PROBE)], clock)
    if done.returncode != 0:
        raise RuntimeError(f"probing the validation environment failed: {done.stderr.strip()}")
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def last_line(done: subprocess.CompletedProcess[str]) -> str:
    """The line of a command's output that says what went wrong (pip's last ERROR)."""
    lines = [line.strip() for line in (done.stderr + done.stdout).splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR")]
    return (errors or lines or [f"pip exited {done.returncode}"])[-1]
