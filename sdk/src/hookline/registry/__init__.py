"""The connector registry: entries with evidence, validation in isolation, the index.

- :func:`validate` installs a connector into a fresh virtual environment, runs the
  conformance suite there and writes its entry (``registry/entries/<id>.json``) with the
  evidence: ``hookline registry validate``.
- :func:`build` writes ``registry/index.json`` and the catalog page
  ``registry/catalog.html``: ``hookline registry build``.
- :func:`load_index` reads a published index from a path or an http(s) URL;
  :func:`install` and :func:`uninstall` are ``hookline install`` and ``uninstall``.

The entry and index formats are JSON Schemas shipped with hookline
(``entry.schema.json``, ``index.schema.json``; see ``docs/reference/registry.md``).
"""

from __future__ import annotations

__all__ = [
    "REGISTRY_ENV",
    "SCHEMA_VERSION",
    "Index",
    "InstallFailed",
    "InstallRefused",
    "Installed",
    "PipOptions",
    "RegistryUnavailable",
    "Validation",
    "build",
    "entry_problems",
    "index_problems",
    "install",
    "load_index",
    "uninstall",
    "validate",
]

from hookline.errors import InstallFailed, InstallRefused, RegistryUnavailable
from hookline.registry._build import build
from hookline.registry._entries import SCHEMA_VERSION, entry_problems, index_problems
from hookline.registry._index import REGISTRY_ENV, Index, load_index
from hookline.registry._install import (
    Installed,
    install,
    uninstall,
)
from hookline.registry._validate import PipOptions, Validation, validate
