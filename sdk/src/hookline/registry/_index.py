"""Reading the registry's index from where it is published: a path or an http(s) URL.

The location is, in order: the ``--registry`` option, the ``HOOKLINE_REGISTRY``
environment variable, or the index bundled with hookline. A URL is fetched with httpx and
kept in hookline's cache directory for an hour; when it cannot be reached, a cached copy is
used (with a warning) and without one the error says what to do.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import attrs

from hookline.errors import RegistryUnavailable

log = logging.getLogger("hookline.registry")

#: The environment variable that points at another registry (a path or a URL).
REGISTRY_ENV = "HOOKLINE_REGISTRY"
#: How long a fetched index is used before it is fetched again, in seconds.
CACHE_SECONDS = 3600


def bundled_index() -> Path:
    """The index shipped with hookline (or, in a source checkout, ``registry/index.json``)."""
    here = Path(__file__).resolve().parent
    packaged = here.parent / "_registry" / "index.json"
    if packaged.is_file():
        return packaged
    return here.parents[3] / "registry" / "index.json"


@attrs.frozen
class Index:
    """A registry index: every connector entry, and where it was read from."""

    connectors: tuple[dict[str, Any], ...]
    location: str

    def get(self, connector_id: str) -> dict[str, Any] | None:
        """Return the entry of ``connector_id``, or ``None``."""
        for entry in self.connectors:
            if entry["id"] == connector_id:
                return entry
        return None

    def search(self, term: str) -> list[dict[str, Any]]:
        """Entries matching every word of ``term`` (id, title, description, categories,
        capabilities, kind, package), best first: an id match before a text match.

        An empty ``term`` matches every entry. A connector of kind ``both`` matches
        "source" and "destination" as well as "both".
        """
        words = term.lower().split()
        found = []
        for entry in self.connectors:
            text = searchable_text(entry)
            if all(word in text for word in words):
                exact = any(word in entry["id"] for word in words)
                found.append((0 if exact else 1, entry["id"], entry))
        return [entry for _, _, entry in sorted(found, key=lambda item: item[:2])]


_KIND_WORDS = {"both": ("both", "source", "destination")}


def searchable_text(entry: dict[str, Any]) -> str:
    """The lower-cased text a search matches an entry against."""
    metadata = entry.get("metadata", {})
    parts = [
        entry["id"],
        metadata.get("title", ""),
        entry.get("description", ""),
        *_KIND_WORDS.get(metadata.get("kind", ""), (metadata.get("kind", ""),)),
        entry.get("package", {}).get("name", ""),
        *entry.get("categories", []),
        *metadata.get("capabilities", []),
    ]
    return " ".join(parts).lower()


def load_index(location: str | None = None, *, refresh: bool = False) -> Index:
    """Read and check the registry's index.

    Raises:
        RegistryUnavailable: it cannot be fetched or read, or it is not a valid index.
    """
    where = location or os.environ.get(REGISTRY_ENV) or str(bundled_index())
    if where.startswith(("http://", "https://")):
        data = _fetch(where, refresh=refresh)
    else:
        path = Path(where).expanduser()
        if path.is_dir():
            path = path / "index.json"
        if not path.is_file():
            raise RegistryUnavailable(
                f"no registry index at {path}: build one with `hookline registry build`, or "
                f"point --registry (or {REGISTRY_ENV}) at an index file, its folder or a URL"
            )
        data = _parse(path.read_bytes(), str(path))
        where = str(path)
    from hookline.registry._entries import index_problems

    problems = index_problems(data, where)
    if problems:
        shown = "; ".join(f"{p.message} @ {p.path}" for p in problems[:3])
        raise RegistryUnavailable(f"the registry index at {where} is not valid: {shown}")
    return Index(tuple(data["connectors"]), where)


def _parse(raw: bytes, where: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise RegistryUnavailable(f"the registry index at {where} is not JSON: {exc}") from exc


def _cache_file(url: str) -> Path:
    from hookline.inventory import cache_dir

    digest = hashlib.sha256(url.encode()).hexdigest()[:24]
    return Path(cache_dir()) / "registry" / f"{digest}.json"


def _fetch(url: str, *, refresh: bool) -> Any:
    import httpx

    cached = _cache_file(url)
    fresh = cached.is_file() and time.time() - cached.stat().st_mtime < CACHE_SECONDS
    if fresh and not refresh:
        return _parse(cached.read_bytes(), url)
    try:
        response = httpx.get(url, timeout=15.0, follow_redirects=True)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        reason = _reason(exc)
        if cached.is_file():
            log.warning("cannot reach the registry at %s (%s); using the cached copy", url, reason)
            return _parse(cached.read_bytes(), url)
        raise RegistryUnavailable(
            f"cannot reach the registry at {url} ({reason}); check the address and the "
            f"network, or point --registry (or {REGISTRY_ENV}) at a local index"
        ) from exc
    data = _parse(response.content, url)
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(response.content)
    return data


def _reason(exc: Exception) -> str:
    import httpx

    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    return type(exc).__name__ + (f": {exc}" if str(exc) else "")
