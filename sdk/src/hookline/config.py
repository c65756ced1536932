"""Reading configuration files: YAML or JSON, ``${env:NAME}`` references, typed models.

A config file is a YAML (or JSON) mapping. Any string may reference the environment or a
file, whole or in part::

    token: ${env:ACME_TOKEN}
    password: ${file:/run/secrets/acme_password}
    url: https://${env:ACME_HOST}/api

References are resolved before the document is structured into the connector's config
model. A missing variable or unreadable file is a :class:`~hookline.errors.ConfigError`
that names it and its key path. All problems of a document are reported at once.
"""

from __future__ import annotations

__all__ = ["load_document", "parse_config", "resolve_references"]

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from hookline._converter import structure
from hookline.errors import ConfigError, ConfigProblem

T = TypeVar("T")

_REFERENCE = re.compile(r"\$\{(?P<scheme>[a-z]+):(?P<name>[^}]*)\}")


def load_document(path: str | os.PathLike[str]) -> Any:
    """Read a YAML or JSON file and return its data.

    Raises:
        ConfigError: the file is missing, unreadable, or not valid YAML/JSON; the message
            names the file and, for syntax errors, the line.
    """
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([ConfigProblem(source, "file not found: check the path")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError([ConfigProblem(source, f"cannot read the file: {reason}")]) from None
    if source.endswith(".json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            problem = f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            raise ConfigError([ConfigProblem(source, problem)]) from None
    import yaml  # YAML is only loaded by the commands that read files.

    # libyaml's parser when PyYAML was built with it (same documents, a fraction of the time).
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ConfigError([ConfigProblem(source, f"not valid YAML: {problem}{where}")]) from None


def resolve_references(
    data: Any,
    *,
    source: str,
    base_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Any:
    """Return ``data`` with every ``${env:NAME}`` and ``${file:PATH}`` replaced.

    Args:
        data: a parsed document.
        source: the file it came from, named in problems.
        base_dir: where relative ``${file:...}`` paths start (default: the current directory).
        environ: the environment to read (default: ``os.environ``).

    Raises:
        ConfigError: one problem per missing variable, unreadable file or unknown scheme.
    """
    env = os.environ if environ is None else environ
    problems: list[ConfigProblem] = []

    def resolve_string(text: str, path: str) -> str:
        def replace(match: re.Match[str]) -> str:
            scheme, name = match["scheme"], match["name"].strip()
            if scheme == "env":
                if name not in env:
                    problems.append(
                        ConfigProblem(
                            source,
                            f"environment variable {name} is not set: export it or "
                            "change the reference",
                            path,
                            reference=True,
                        )
                    )
                    return ""
                return env[name]
            if scheme == "file":
                file = Path(name).expanduser()
                if not file.is_absolute() and base_dir is not None:
                    file = base_dir / file
                try:
                    return file.read_text(encoding="utf-8").rstrip("\r\n")
                except OSError as exc:
                    reason = exc.strerror or "unreadable"
                    problems.append(
                        ConfigProblem(
                            source,
                            f"cannot read referenced file {file}: {reason}",
                            path,
                            reference=True,
                        )
                    )
                    return ""
            problems.append(
                ConfigProblem(
                    source,
                    f"unknown reference ${{{scheme}:...}}: use ${{env:NAME}} or ${{file:PATH}}",
                    path,
                    reference=True,
                )
            )
            return ""

        return _REFERENCE.sub(replace, text)

    def walk(value: Any, path: str) -> Any:
        if isinstance(value, str):
            return resolve_string(value, path) if "${" in value else value
        if isinstance(value, dict):
            return {k: walk(v, f"{path}.{k}") for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, f"{path}[{i}]") for i, v in enumerate(value)]
        return value

    resolved = walk(data, "$")
    if problems:
        raise ConfigError(problems)
    return resolved


def parse_config(
    data: Any,
    model: type[T] | None,
    *,
    source: str,
    base_dir: Path | None = None,
    path: str = "$",
    environ: Mapping[str, str] | None = None,
) -> T | None:
    """Resolve references in ``data`` and structure it into ``model``.

    Every problem (missing variables, unknown keys, wrong types, missing settings) is
    collected into one :class:`~hookline.errors.ConfigError`.

    Returns:
        The model instance; ``None`` when ``model`` is ``None`` (the connector takes no
        configuration, and ``data`` must then be empty).
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([ConfigProblem(source, "expected a mapping of settings", path)])
    problems: list[ConfigProblem] = []
    try:
        data = resolve_references(data, source=source, base_dir=base_dir, environ=environ)
    except ConfigError as exc:
        problems += exc.problems
        data = _blank_failed_references(data)
    if model is None:
        if data:
            keys = ", ".join(sorted(map(str, data)))
            problems.append(
                ConfigProblem(source, f"this connector takes no settings; remove {keys}", path)
            )
            raise ConfigError(problems)
        if problems:
            raise ConfigError(problems)
        return None
    try:
        result = structure(data, model, source=source, path=path)
    except ConfigError as exc:
        problems += [p for p in exc.problems if p not in problems]
    if problems:
        raise ConfigError(_without_shadowed(problems))
    return result


def _blank_failed_references(data: Any) -> Any:
    """Replace references by empty strings so structuring can still report other problems."""
    if isinstance(data, str):
        return _REFERENCE.sub("", data) if "${" in data else data
    if isinstance(data, dict):
        return {k: _blank_failed_references(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_blank_failed_references(v) for v in data]
    return data


def _without_shadowed(problems: list[ConfigProblem]) -> list[ConfigProblem]:
    """Drop type complaints about a value whose reference already failed (one line each)."""
    referenced = {p.path for p in problems if p.reference}
    return [p for p in problems if p.reference or p.path not in referenced]
