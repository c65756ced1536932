"""Registry entries and the index: their JSON Schemas, validation, reading and writing."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from hookline._files import write_atomically
from hookline.errors import ConfigError, ConfigProblem

#: The version of the entry and index layouts (their schemas' ``schema_version``).
SCHEMA_VERSION = 1

_HERE = Path(__file__).resolve().parent


@cache
def entry_schema() -> dict[str, Any]:
    """The JSON Schema of one registry entry."""
    data: dict[str, Any] = json.loads((_HERE / "entry.schema.json").read_text(encoding="utf-8"))
    return data


@cache
def index_schema() -> dict[str, Any]:
    """The JSON Schema of the index (``registry/index.json``)."""
    data: dict[str, Any] = json.loads((_HERE / "index.schema.json").read_text(encoding="utf-8"))
    return data


def _validator(schema: dict[str, Any]) -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    entry = entry_schema()
    registry: Registry[Any] = Registry().with_resource(entry["$id"], Resource.from_contents(entry))
    return Draft202012Validator(schema, registry=registry)


def _problems(data: Any, schema: dict[str, Any], source: str) -> list[ConfigProblem]:
    found = []
    for error in sorted(_validator(schema).iter_errors(data), key=lambda e: list(e.path)):
        path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path)
        found.append(ConfigProblem(source, error.message, path))
    return found


def entry_problems(data: Any, source: str = "<entry>") -> list[ConfigProblem]:
    """Return every way ``data`` breaks the entry schema (empty when it is valid)."""
    return _problems(data, entry_schema(), source)


def index_problems(data: Any, source: str = "<index>") -> list[ConfigProblem]:
    """Return every way ``data`` breaks the index schema (empty when it is valid)."""
    return _problems(data, index_schema(), source)


def entries_dir(registry_dir: Path) -> Path:
    """Where a registry directory keeps its entries: ``<dir>/entries``."""
    return registry_dir / "entries"


def read_entry(path: Path) -> dict[str, Any]:
    """Read and check one entry file.

    Raises:
        ConfigError: it is not JSON, or it breaks the entry schema.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError([ConfigProblem(str(path), f"cannot read the entry: {exc}")]) from exc
    problems = entry_problems(data, str(path))
    if data.get("id") is not None and path.stem != data.get("id"):
        problems.append(ConfigProblem(str(path), "the file name must be the entry's id", "$.id"))
    if problems:
        raise ConfigError(problems)
    return dict(data)


def read_entries(registry_dir: Path) -> list[dict[str, Any]]:
    """Read every entry of a registry directory, sorted by id; all problems at once."""
    entries: list[dict[str, Any]] = []
    problems: list[ConfigProblem] = []
    for path in sorted(entries_dir(registry_dir).glob("*.json")):
        try:
            entries.append(read_entry(path))
        except ConfigError as exc:
            problems += exc.problems
    if problems:
        raise ConfigError(problems)
    return entries


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON, atomically (a reader sees the old file or the new)."""
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    write_atomically(path, text.encode("utf-8"), shared=True)


def write_entry(registry_dir: Path, entry: dict[str, Any]) -> Path:
    """Check ``entry`` against the schema and write it as ``entries/<id>.json``.

    Raises:
        ConfigError: the entry breaks the schema (nothing is written).
    """
    path = entries_dir(registry_dir) / f"{entry['id']}.json"
    problems = entry_problems(entry, str(path))
    if problems:
        raise ConfigError(problems)
    write_json(path, entry)
    return path


def report_location(connector_id: str) -> str:
    """Where a connector's published conformance report is, relative to the registry."""
    return f"reports/{connector_id}.json"


def write_report(registry_dir: Path, connector_id: str, report: bytes) -> Path:
    """Publish a connector's conformance report beside the index, atomically."""
    path = registry_dir / report_location(connector_id)
    write_atomically(path, report, shared=True)
    return path
