"""Two installable projects for the test of a plugin that takes part in every phase.

``hookline-phase-recorder`` is a cross-cutting plugin (group ``hookline.plugins``, entry
point ``phase-recorder``): it wraps ``hookline_read``, ``hookline_write``,
``hookline_write_start``, ``hookline_write_finish``, ``hookline_check`` and
``hookline_discover``, and implements ``hookline_transform``. Each call appends one JSON
line ``{"hook", "connector", "stream"}`` to the file named by ``PHASE_LOG`` (nothing is
written when it is not set); ``connector`` comes from the module of the config it was
given (``hookline_files.config`` is ``files``), ``None`` for the transform, which gets no
config. Its transform appends ``"plugin"`` to each record's ``_seen_by``.

``hookline-stamp`` is a destination connector (id ``stamp``) writing each stream to
``<directory>/<stream>.jsonl``, with its own ``hookline_transform`` appending
``"destination"`` to ``_seen_by``, and a conformance fixture.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from support.venvs import write_package

#: The environment variable naming the file the plugin logs its calls to.
LOG_ENV = "PHASE_LOG"
#: The plugin's entry-point name (what ``HOOKLINE_DISABLE_PLUGINS`` names).
PLUGIN_ID = "phase-recorder"
#: The hooks the plugin wraps or implements.
PLUGIN_HOOKS = (
    "hookline_check",
    "hookline_discover",
    "hookline_read",
    "hookline_transform",
    "hookline_write",
    "hookline_write_finish",
    "hookline_write_start",
)

PLUGIN = '''
"""Logs every phase it takes part in; stamps records in flight."""

import json
import os
import threading

from hookline import hookimpl

_lock = threading.Lock()


def _connector(config):
    module = type(config).__module__
    top = module.split(".")[0]
    return top[len("hookline_"):] if top.startswith("hookline_") else module


def _log(hook, config=None, stream=None):
    path = os.environ.get("PHASE_LOG")
    if not path:
        return
    entry = {
        "hook": hook,
        "connector": None if config is None else _connector(config),
        "stream": None if stream is None else stream.name,
    }
    with _lock, open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\\n")


@hookimpl(wrapper=True)
def hookline_check(config):
    _log("check", config)
    return (yield)


@hookimpl(wrapper=True)
def hookline_discover(config):
    _log("discover", config)
    return (yield)


@hookimpl(wrapper=True)
def hookline_read(config, stream):
    _log("read", config, stream)
    return (yield)


@hookimpl(wrapper=True)
def hookline_write_start(config, stream):
    _log("write_start", config, stream)
    return (yield)


@hookimpl(wrapper=True)
def hookline_write(config, stream):
    _log("write", config, stream)
    return (yield)


@hookimpl(wrapper=True)
def hookline_write_finish(config, stream):
    _log("write_finish", config, stream)
    return (yield)


@hookimpl
def hookline_transform(stream, batch):
    _log("transform", None, stream)
    for record in batch.records:
        record.setdefault("_seen_by", []).append("plugin")
'''

STAMP = '''
"""A destination writing JSON Lines, with a transform of its own."""

import json
import os
from pathlib import Path

import attrs
from hookline import CheckResult, ConnectorInfo, WriteResult, hookimpl


@attrs.frozen
class StampConfig:
    """Where the stamp connector writes."""

    directory: Path


def read_stored(path):
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@hookimpl
def hookline_describe():
    return ConnectorInfo(
        id="stamp",
        version="1.0.0",
        kind="destination",
        title="Stamp",
        config_model=StampConfig,
        capabilities=("check", "write", "append", "upsert", "transform"),
    )


@hookimpl
def hookline_auth(config, context):
    directory = config.directory
    return directory if directory.is_absolute() else Path(context.base_dir) / directory


@hookimpl
def hookline_check(config, connection):
    return CheckResult(ok=True, message=f"writes to {connection}")


@hookimpl
def hookline_transform(stream, batch):
    for record in batch.records:
        record.setdefault("_seen_by", []).append("destination")


@hookimpl
def hookline_write_start(config, connection, stream):
    connection.mkdir(parents=True, exist_ok=True)


@hookimpl
def hookline_write(config, connection, stream, batch):
    path = connection / f"{stream.name}.jsonl"
    stored = read_stored(path)
    key = stream.stream.primary_key
    if stream.write_mode == "upsert" and key:
        def identity(record):
            return json.dumps([record.get(field) for field in key])

        incoming = {identity(record) for record in batch.records}
        stored = [record for record in stored if identity(record) not in incoming]
    stored += batch.records
    partial = path.with_suffix(".partial")
    partial.write_text("".join(json.dumps(r) + "\\n" for r in stored), encoding="utf-8")
    os.replace(partial, path)
    return WriteResult(written=len(batch.records))


@hookimpl
def hookline_write_finish(config, connection, stream):
    return None


@hookimpl
def hookline_conformance_fixture(workdir):
    from hookline.conformance import ConformanceFixture

    out = Path(workdir) / "out"

    def read_back(stream):
        return read_stored(out / f"{stream.name}.jsonl")

    return ConformanceFixture(config={"directory": "out"}, read_back=read_back)
'''


def write_projects(root: Path) -> list[Path]:
    """Write the plugin's and the stamp connector's projects under ``root``."""
    return [
        write_package(
            root,
            "hookline-phase-recorder",
            {PLUGIN_ID: "hookline_phase_recorder.plugin"},
            {"__init__.py": "", "plugin.py": PLUGIN},
            group="hookline.plugins",
        ),
        write_package(
            root,
            "hookline-stamp",
            {"stamp": "hookline_stamp.plugin"},
            {"__init__.py": "", "plugin.py": STAMP},
        ),
    ]


def read_log(path: Path) -> list[dict[str, Any]]:
    """The calls the plugin logged to ``path`` (none when it was never written)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
