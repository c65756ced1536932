"""``hookline registry build``: the index and the catalog page, from the entries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hookline.errors import ConfigError
from hookline.registry._entries import SCHEMA_VERSION, index_problems, read_entries, write_json

#: The files a build writes, relative to the registry directory.
INDEX_FILE = "index.json"
CATALOG_FILE = "catalog.html"


def index_data(registry_dir: Path) -> dict[str, Any]:
    """The index a build of ``registry_dir`` publishes (entries sorted by id).

    Raises:
        ConfigError: an entry, or the index made of them, breaks its schema.
    """
    index = {"schema_version": SCHEMA_VERSION, "connectors": read_entries(registry_dir)}
    problems = index_problems(index, str(registry_dir / INDEX_FILE))
    if problems:
        raise ConfigError(problems)
    return index


def build(registry_dir: Path) -> tuple[Path, Path, dict[str, Any]]:
    """Write ``index.json`` and ``catalog.html`` into ``registry_dir``.

    Returns:
        The two files written and the index.
    """
    from hookline.registry._catalog import render_catalog

    index = index_data(registry_dir)
    index_path = registry_dir / INDEX_FILE
    catalog_path = registry_dir / CATALOG_FILE
    write_json(index_path, index)
    catalog_path.write_text(render_catalog(index), encoding="utf-8")
    return index_path, catalog_path, index
