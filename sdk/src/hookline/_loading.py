"""Finding installed connectors and plugins through entry points, without importing them.

Entry points are read straight from the ``*.dist-info`` (and ``*.egg-info``) folders on
``sys.path``: their ``entry_points.txt`` and the ``Name``/``Version`` of their METADATA.
This module uses the standard library only, because it runs on every listing and the
listing must cost about what starting the command costs (``importlib.metadata`` alone
would add more than twenty installed connectors do).

Loading, by contrast, imports one plugin and is guarded by the caller: any failure
becomes a one-line reason, so one broken connector never stops the others (pluggy's own
``load_setuptools_entrypoints`` stops at the first).
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from collections.abc import Iterator
from typing import Any, NamedTuple

#: Entry-point group of connectors; the entry-point name is the connector id.
CONNECTORS_GROUP = "hookline.connectors"
#: Entry-point group of cross-cutting plugins (transforms, observers).
PLUGINS_GROUP = "hookline.plugins"
#: Comma-separated ids of connectors and plugins to skip.
DISABLE_ENV = "HOOKLINE_DISABLE_PLUGINS"


class Entry(NamedTuple):
    """One entry point of a hookline group, as installed (nothing imported yet).

    Attributes:
        id: the entry-point name (the connector id for connectors).
        package: the distribution that declares it.
        version: that distribution's version.
        target: the entry-point value, ``module:attribute``.
        group: the entry-point group.
        fingerprint: changes whenever the distribution is reinstalled; empty for editable
            installs, whose code can change under the same metadata.
        conflict: when several distributions claim the same id, why none of them is used.
    """

    id: str
    package: str
    version: str
    target: str
    group: str
    fingerprint: str = ""
    conflict: str | None = None

    def load_object(self) -> Any:
        """Import and return the plugin object the entry point names."""
        module_name, _, attribute = self.target.partition(":")
        value: Any = importlib.import_module(module_name.strip())
        for part in filter(None, attribute.strip().split(".")):
            value = getattr(value, part)
        return value


def disabled_ids() -> frozenset[str]:
    """Return the ids listed in ``HOOKLINE_DISABLE_PLUGINS``."""
    raw = os.environ.get(DISABLE_ENV, "")
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


def search_path() -> list[str]:
    """Return the folders searched for installed distributions (``sys.path``)."""
    return [p or "." for p in sys.path]


def find_entries(group: str = CONNECTORS_GROUP) -> list[Entry]:
    """Return every installed entry of ``group`` sorted by id, without importing any.

    Disabled ids are left out. When two distributions declare the same id, each of their
    entries carries a ``conflict`` reason and neither may be loaded.
    """
    disabled = disabled_ids()
    by_id: dict[str, list[Entry]] = {}
    for entry in _scan(group):
        if entry.id in disabled:
            continue
        same = by_id.setdefault(entry.id, [])
        if all(e.package != entry.package for e in same):
            same.append(entry)
    entries: list[Entry] = []
    for entry_id, claims in sorted(by_id.items()):
        if len(claims) == 1:
            entries.append(claims[0])
            continue
        claims.sort(key=_package)
        owners = " and ".join(f"{c.package} {c.version}" for c in claims)
        reason = f"id {entry_id!r} is claimed by {owners}; uninstall all but one of them"
        entries.extend(c._replace(conflict=reason) for c in claims)
    return entries


def _package(entry: Entry) -> str:
    return entry.package


def _scan(group: str) -> Iterator[Entry]:
    """Yield the group's entries of every distribution, the first one on the path winning."""
    seen: set[str] = set()
    for folder in search_path():
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in sorted(names):
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            key = _dist_key(name)
            if key in seen:
                continue
            seen.add(key)
            dist_dir = os.path.join(folder, name)
            entries_file = os.path.join(dist_dir, "entry_points.txt")
            if not os.path.isfile(entries_file):
                continue
            points = _entry_points(entries_file, group)
            if not points:
                continue
            package, version = _name_and_version(dist_dir)
            fingerprint = _fingerprint(dist_dir)
            for point_name, target in points:
                yield Entry(point_name, package, version, target, group, fingerprint)


def _dist_key(folder_name: str) -> str:
    """The normalized distribution name of a ``name-version.dist-info`` folder."""
    stem = folder_name.rsplit(".", 1)[0]
    return stem.split("-")[0].replace("_", "-").replace(".", "-").lower()


def _entry_points(path: str, group: str) -> list[tuple[str, str]]:
    """Parse the ``[group]`` section of an ``entry_points.txt`` (an INI file)."""
    found: list[tuple[str, str]] = []
    current = None
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return found
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
            continue
        if current == group and "=" in line:
            name, _, value = line.partition("=")
            found.append((name.strip(), value.strip()))
    return found


def _name_and_version(dist_dir: str) -> tuple[str, str]:
    """Read ``Name`` and ``Version`` from the head of METADATA (or PKG-INFO)."""
    name = version = ""
    for file_name in ("METADATA", "PKG-INFO"):
        path = os.path.join(dist_dir, file_name)
        try:
            with open(path, encoding="utf-8") as handle:
                for line in handle:
                    if not line.strip():
                        break
                    if line.startswith("Name:"):
                        name = line[5:].strip()
                    elif line.startswith("Version:"):
                        version = line[8:].strip()
                    if name and version:
                        break
        except OSError:
            continue
        break
    if not name:
        stem = os.path.basename(dist_dir).rsplit(".", 1)[0]
        name, _, version = stem.partition("-")
    return name, version or "?"


def _fingerprint(dist_dir: str) -> str:
    """Identify this installation of a distribution; empty when it is editable.

    Every install rewrites RECORD, so its time and size change with each one. Editable
    installs (a ``direct_url.json`` saying so, or a legacy ``.egg-info``) get no
    fingerprint: their code changes without their metadata changing, so their verdict is
    never cached.

    ``direct_url.json`` (PEP 610) is parsed as JSON: an install is editable when its
    ``dir_info.editable`` is ``true``; without the file (an install from an index) or
    without ``dir_info`` (from an archive or a VCS checkout) it is a copy. A file that
    exists but cannot be read, or is not what PEP 610 describes, counts as editable: a
    wrong "editable" costs one import per listing, while a wrong "not editable" would let
    a cached verdict outlive the code it was made from (a connector fixed in place still
    listed as broken, or a broken one as ok).
    """
    import json  # the standard library's (orjson imports it too, so it is already loaded)

    if dist_dir.endswith(".egg-info"):
        return ""
    try:
        with open(os.path.join(dist_dir, "direct_url.json"), "rb") as handle:
            direct_url = json.loads(handle.read())
    except FileNotFoundError:
        direct_url = {}
    except (OSError, ValueError, RecursionError):  # unreadable, not UTF-8, not JSON
        return ""
    dir_info = direct_url.get("dir_info", {}) if isinstance(direct_url, dict) else None
    editable = dir_info.get("editable", False) if isinstance(dir_info, dict) else None
    if editable is not False:  # true, or a file not as PEP 610 describes it
        return ""
    try:
        stat = os.stat(os.path.join(dist_dir, "RECORD"))
    except OSError:
        return ""
    return f"{stat.st_mtime_ns}:{stat.st_size}"


def describe_exception(exc: BaseException) -> str:
    """Return a one-line reason for a failed import or registration."""
    lines = traceback.format_exception_only(type(exc), exc)
    text = " ".join(line.strip() for line in lines if line.strip())
    return " ".join(text.split())
