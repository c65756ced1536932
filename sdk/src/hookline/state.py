"""Stream state kept in a JSON file (``hookline read --state/--state-out``).

The file holds one state per stream::

    {"version": 1, "streams": {"orders": {...}, "customers": {...}}}

It is written atomically (a temporary file, fsync, rename), so a crash leaves either the
old or the new state, never half of one.
"""

from __future__ import annotations

__all__ = ["read_state_file", "write_state_file"]

import os
from pathlib import Path
from typing import Any

from hookline._files import write_atomically
from hookline.errors import ConfigError, ConfigProblem
from hookline.models import State

_FORMAT_VERSION = 1


def read_state_file(path: str | os.PathLike[str]) -> dict[str, State]:
    """Return the per-stream states in ``path`` (an empty mapping if the file is empty).

    Raises:
        ConfigError: the file is missing, not JSON, or not shaped like a state file.
    """
    from hookline import jsoncodec

    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError([ConfigProblem(source, "state file not found: check the path")]) from None
    except OSError as exc:
        raise ConfigError([ConfigProblem(source, f"cannot read: {exc.strerror}")]) from None
    if not raw.strip():
        return {}
    try:
        data: Any = jsoncodec.loads(raw)
    except ValueError as exc:
        raise ConfigError([ConfigProblem(source, f"not valid JSON: {exc}")]) from None
    streams = data.get("streams") if isinstance(data, dict) else None
    if not isinstance(streams, dict) or not all(isinstance(v, dict) for v in streams.values()):
        raise ConfigError(
            [
                ConfigProblem(
                    source,
                    'expected {"streams": {"<stream>": {...}}}, as written by --state-out',
                    "$.streams",
                )
            ]
        )
    return streams


def write_state_file(path: str | os.PathLike[str], states: dict[str, State]) -> None:
    """Write the per-stream states to ``path`` atomically."""
    import orjson

    from hookline import jsoncodec

    target = Path(path)
    payload = jsoncodec.dumps(
        {"version": _FORMAT_VERSION, "streams": states}, option=orjson.OPT_INDENT_2
    )
    write_atomically(target, payload)
