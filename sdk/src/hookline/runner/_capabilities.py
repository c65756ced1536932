"""What a stream asks of its two connectors, checked against what they declare.

Every setting that needs a capability (``sync: incremental``, ``write: append``/``upsert``/
``replace``, ``schema_policy: freeze``) is refused before anything is read when the
connector on that side does not declare it, with a problem naming the setting and what
to do. Settings left out get the best default both connectors can serve.
"""

from __future__ import annotations

from hookline.errors import ConfigProblem
from hookline.models import Stream
from hookline.pipeline import StreamSettings
from hookline.runner._sides import Side

#: The write modes in the order a default is chosen from.
_WRITE_PREFERENCE = ("upsert", "append", "replace")


def choose_sync(
    stream: Stream, settings: StreamSettings, source: Side, where: str, file: str
) -> tuple[str, list[ConfigProblem]]:
    """The stream's sync mode, and a problem when the one asked for cannot be served."""
    offered = "incremental" in stream.sync_modes and source.can("incremental")
    if settings.sync != "incremental":
        return settings.sync or ("incremental" if offered else "full"), []
    if offered:
        return "incremental", []
    if not source.can("incremental"):
        why = (
            f"the source connector {source.connector.id!r} does not declare the capability "
            "'incremental'"
        )
    else:
        why = f"the source offers stream {stream.name!r} for full reads only"
    message = f"sync: incremental cannot be served: {why}; use sync: full"
    return "full", [ConfigProblem(file, message, f"{where}.sync")]


def choose_write(
    stream: Stream, settings: StreamSettings, destination: Side, where: str, file: str
) -> tuple[str, list[ConfigProblem]]:
    """The stream's write mode, and a problem when the one asked for cannot be served."""
    declared = [m for m in _WRITE_PREFERENCE if destination.can(m)]
    name = destination.connector.id
    if settings.write is not None:
        if settings.write in declared:
            return settings.write, []
        others = f"use write: {' or '.join(declared)}" if declared else "pick another destination"
        message = (
            f"write: {settings.write} cannot be served: the destination connector {name!r} "
            f"does not declare the capability {settings.write!r} (it can: "
            f"{', '.join(declared) or 'no write mode'}); {others}"
        )
        return settings.write, [ConfigProblem(file, message, f"{where}.write")]
    for mode in declared:
        if mode == "upsert" and not stream.primary_key:
            continue
        if mode == "replace" and settings.sync == "incremental":
            continue
        return mode, []
    message = (
        f"the destination connector {name!r} declares no write mode this stream can use "
        f"(it can: {', '.join(declared) or 'none'}); set write, or primary_key for upsert"
    )
    return "append", [ConfigProblem(file, message, f"{where}.write")]


def check_policy(
    settings: StreamSettings, destination: Side, where: str, file: str
) -> list[ConfigProblem]:
    """A problem when ``schema_policy: freeze`` is asked of a destination that cannot keep it."""
    if settings.schema_policy != "freeze" or destination.can("freeze"):
        return []
    message = (
        f"schema_policy: freeze cannot be kept: the destination connector "
        f"{destination.connector.id!r} does not declare the capability 'freeze' (it would "
        "store new fields anyway); remove the setting or pick a destination that can freeze"
    )
    return [ConfigProblem(file, message, f"{where}.schema_policy")]
