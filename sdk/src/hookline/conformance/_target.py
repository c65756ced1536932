"""What ``hookline test`` and the pytest plugin can be pointed at: an id, a project, a file."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

from hookline._loading import CONNECTORS_GROUP, describe_exception
from hookline.errors import PluginLoadError, UsageError
from hookline.host import Connector, connector_from_plugin, open_connector
from hookline.models import valid_connector_id


def load_target(target: Any) -> Connector:
    """Return the connector ``target`` names.

    ``target`` is a :class:`Connector`, a plugin object, an installed connector's id, a
    connector project's directory (its ``pyproject.toml`` names the entry point; the code
    is imported from the source tree, not installed), or a Python file holding the hooks.

    Raises:
        UsageError: the target is none of these.
        PluginLoadError: it is, but it cannot be loaded.
    """
    if isinstance(target, Connector):
        return target
    if not isinstance(target, (str, Path)):
        return connector_from_plugin(target)
    path = Path(target)
    if path.is_dir():
        return _from_project(path)
    if path.is_file() and path.suffix == ".py":
        return connector_from_plugin(_import_file(path), package=path.stem)
    text = str(target)
    if valid_connector_id(text):
        return open_connector(text)
    raise UsageError(
        f"{text!r} is neither an installed connector's id nor a connector project "
        "directory or Python file"
    )


def _from_project(directory: Path) -> Connector:
    pyproject = directory / "pyproject.toml"
    if not pyproject.is_file():
        raise UsageError(f"{directory} has no pyproject.toml: give a connector project's directory")
    data = read_toml(pyproject)
    project = data.get("project", {})
    entries = project.get("entry-points", {}).get(CONNECTORS_GROUP, {})
    if not entries:
        raise UsageError(
            f"{pyproject} declares no entry point in group {CONNECTORS_GROUP!r}: add "
            f'[project.entry-points."{CONNECTORS_GROUP}"] with the connector\'s id'
        )
    if len(entries) > 1:
        raise UsageError(
            f"{pyproject} declares several connectors ({', '.join(sorted(entries))}); "
            "install the project and test each by id"
        )
    ((connector_id, value),) = entries.items()
    source = directory / "src"
    root = str((source if source.is_dir() else directory).resolve())
    if root not in sys.path:
        sys.path.insert(0, root)
    module_name, _, attribute = str(value).partition(":")
    try:
        module = importlib.import_module(module_name.strip())
        plugin = _attribute(module, attribute.strip())
    except Exception as exc:
        raise PluginLoadError(f"{value}: import failed: {describe_exception(exc)}") from exc
    connector = connector_from_plugin(plugin, package=str(project.get("name", "")))
    if connector.id != connector_id:
        raise PluginLoadError(
            f"describes itself as {connector.id!r} but the entry point is named "
            f"{connector_id!r}; make them the same"
        )
    return connector


def _attribute(module: Any, dotted: str) -> Any:
    value = module
    for part in filter(None, dotted.split(".")):
        value = getattr(value, part)
    return value


def _import_file(path: Path) -> Any:
    name = f"hookline_conformance_target_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise UsageError(f"{path} cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise PluginLoadError(f"{path}: import failed: {describe_exception(exc)}") from exc
    return module


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file (``tomllib``, or ``tomli`` on Python 3.10).

    Raises:
        UsageError: it is not valid TOML.
    """
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        with path.open("rb") as stream:
            data: dict[str, Any] = tomllib.load(stream)
            return data
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from exc
