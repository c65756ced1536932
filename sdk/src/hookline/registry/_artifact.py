"""The wheel a registry entry speaks for: getting it with pip, and its SHA-256.

Validation records the digest of the exact wheel it installed and tested (built from a
project directory, given as a file, or downloaded for a requirement); ``hookline install``
downloads the wheel it is about to install and compares. Both get the wheel the same way,
with :func:`wheel_command`, so what is compared is what pip would install.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

#: How much of a file is hashed at a time.
_CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes, as 64 lowercase hex digits."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def artifact_record(wheel: Path) -> dict[str, Any]:
    """The evidence's ``artifact``: the wheel's file name and SHA-256."""
    return {"filename": wheel.name, "sha256": sha256_of(wheel)}


def wheel_command(requirement: str, destination: Path) -> list[str]:
    """The pip arguments that put the wheel of ``requirement``, and only it, in ``destination``.

    A project directory is built (``pip wheel``); anything else is downloaded as a wheel
    (``pip download --only-binary``: an sdist would be built into other bytes than the ones
    tested).
    """
    if Path(requirement).is_dir():
        return ["wheel", "--no-deps", "-w", str(destination), requirement]
    return [
        "download",
        "--no-deps",
        "--only-binary",
        ":all:",
        "-d",
        str(destination),
        requirement,
    ]


def the_wheel(destination: Path) -> Path | None:
    """The one wheel pip put in ``destination``, or ``None`` when there is not exactly one."""
    wheels = sorted(destination.glob("*.whl"))
    return wheels[0] if len(wheels) == 1 else None
