"""What is installed, and whether it works: the rows of ``hookline connectors``/``plugins``.

Knowing whether a connector is broken means importing it and checking its hooks, which
costs a few milliseconds each. So each verdict is remembered in a small cache, keyed by
the exact installation (distribution, version, entry point and a fingerprint that every
reinstall changes, plus hookline's own version): a listing imports only the connectors
installed or changed since the last one, and otherwise reads metadata and the cache.
Editable installs are never cached, since their code changes under the same metadata.
``refresh=True`` (``hookline connectors --refresh``) verifies everything again.

Like ``_loading``, this module uses the standard library only; the SDK proper is imported
on a cache miss.
"""

from __future__ import annotations

__all__ = [
    "CACHE_ENV",
    "ConnectorStatus",
    "PluginStatus",
    "cache_dir",
    "list_connectors",
    "list_plugins",
]

import os
import sys
import zlib
from typing import Any, NamedTuple

from hookline._loading import CONNECTORS_GROUP, PLUGINS_GROUP, Entry, find_entries
from hookline._version import API_VERSION, __version__

#: Where the verdict cache lives, when set (default: $XDG_CACHE_HOME/hookline).
CACHE_ENV = "HOOKLINE_CACHE_DIR"
_CACHE_FORMAT = 1


class ConnectorStatus(NamedTuple):
    """One installed connector as ``hookline connectors`` shows it.

    Attributes:
        id: the connector id.
        package: the distribution that provides it.
        version: that distribution's version.
        status: ``"ok"`` or ``"broken"``.
        error: the one-line reason when broken, else ``None``.
        kind: ``"source"``, ``"destination"`` or ``"both"`` when it loaded.
        title: its human name when it loaded.
    """

    id: str
    package: str
    version: str
    status: str
    error: str | None = None
    kind: str | None = None
    title: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the row as JSON-compatible data."""
        return {
            "id": self.id,
            "package": self.package,
            "version": self.version,
            "kind": self.kind,
            "title": self.title,
            "status": self.status,
            "error": self.error,
        }


class PluginStatus(NamedTuple):
    """One installed cross-cutting plugin (group ``hookline.plugins``).

    Attributes:
        id: the plugin's entry-point name.
        package: the distribution that provides it.
        version: that distribution's version.
        status: ``"ok"`` or ``"broken"``.
        error: the one-line reason when broken, else ``None``.
        hooks: the hooks it implements or wraps.
    """

    id: str
    package: str
    version: str
    status: str
    error: str | None = None
    hooks: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the row as JSON-compatible data."""
        return {
            "id": self.id,
            "package": self.package,
            "version": self.version,
            "status": self.status,
            "error": self.error,
            "hooks": list(self.hooks),
        }


def list_connectors(*, refresh: bool = False) -> list[ConnectorStatus]:
    """Return the status of every installed connector, verifying only what is new."""
    cache = _Cache(CONNECTORS_GROUP)
    rows = []
    for entry in find_entries(CONNECTORS_GROUP):
        known = None if refresh else cache.get(entry)
        if known is None:
            known = _verify_connector(entry)
            cache.put(entry, known)
        rows.append(ConnectorStatus(entry.id, entry.package, entry.version, **known))
    cache.save()
    return rows


def list_plugins(*, refresh: bool = False) -> list[PluginStatus]:
    """Return the status of every installed cross-cutting plugin."""
    cache = _Cache(PLUGINS_GROUP)
    rows = []
    for entry in find_entries(PLUGINS_GROUP):
        known = None if refresh else cache.get(entry)
        if known is None:
            known = _verify_plugin(entry)
            cache.put(entry, known)
        known = {**known, "hooks": tuple(known.get("hooks", ()))}
        rows.append(PluginStatus(entry.id, entry.package, entry.version, **known))
    cache.save()
    return rows


def _verify_connector(entry: Entry) -> dict[str, Any]:
    from hookline.errors import PluginLoadError
    from hookline.host import load_entry

    try:
        connector = load_entry(entry)
    except PluginLoadError as exc:
        return {"status": "broken", "error": str(exc)}
    return {"status": "ok", "kind": connector.info.kind, "title": connector.info.title}


def _verify_plugin(entry: Entry) -> dict[str, Any]:
    from hookline.errors import PluginLoadError
    from hookline.host import load_plugin

    try:
        hooks = load_plugin(entry)[1]
    except PluginLoadError as exc:
        return {"status": "broken", "error": str(exc)}
    return {"status": "ok", "hooks": list(hooks)}


def cache_dir() -> str:
    """Return the folder of the verdict cache."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return configured
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "hookline")


class _Cache:
    """Verdicts of one group for this environment (one file per ``sys.prefix``)."""

    def __init__(self, group: str) -> None:
        prefix = os.path.realpath(sys.prefix).encode()
        name = f"{group.rsplit('.', 1)[-1]}-{zlib.crc32(prefix):08x}.json"
        self.path = os.path.join(cache_dir(), name)
        self.stamp = f"{__version__}/{API_VERSION}"
        self.old: dict[str, dict[str, Any]] = {}
        self.new: dict[str, dict[str, Any]] = {}
        try:
            import orjson  # the listing prints with it anyway; cheaper than json

            with open(self.path, "rb") as handle:
                data = orjson.loads(handle.read())
            if data.get("format") == _CACHE_FORMAT and data.get("hookline") == self.stamp:
                self.old = data["entries"]
        except (
            OSError,
            ValueError,
            KeyError,
            TypeError,
            AttributeError,
        ):  # orjson's is a ValueError
            self.old = {}

    @staticmethod
    def _key(entry: Entry) -> str | None:
        if not entry.fingerprint or entry.conflict:
            return None
        return "|".join((entry.id, entry.package, entry.version, entry.target, entry.fingerprint))

    def get(self, entry: Entry) -> dict[str, Any] | None:
        if entry.conflict:
            return {"status": "broken", "error": entry.conflict}
        key = self._key(entry)
        return self.old.get(key) if key else None

    def put(self, entry: Entry, verdict: dict[str, Any]) -> None:
        key = self._key(entry)
        if key:
            self.new[key] = verdict

    def save(self) -> None:
        """Add the new verdicts; forget older installations of the same distributions.

        Verdicts of connectors not listed this time (disabled ones, say) are kept.
        """
        if not self.new:
            return
        replaced = {key.split("|", 2)[1] for key in self.new}
        kept = {k: v for k, v in self.old.items() if k.split("|", 2)[1] not in replaced}
        entries = {**kept, **self.new}
        payload = {"format": _CACHE_FORMAT, "hookline": self.stamp, "entries": entries}
        import tempfile

        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(self.path), suffix=".tmp")
            import orjson

            with os.fdopen(fd, "wb") as handle:
                handle.write(orjson.dumps(payload))
            os.replace(tmp, self.path)
        except OSError:
            pass  # A cache that cannot be written only costs time.
