"""Which files a stream's glob matches, and where symbolic links may lead.

:func:`match_files` lists the files a glob matches under the directory, in sorted order.
A match that leads out of the directory through a symbolic link (a link to a file, or a
linked folder on its path) is refused unless the configuration allows it; links that stay
inside are followed, and a file reached by several names is listed once.
"""

from __future__ import annotations

__all__ = ["UnsafePath", "match_files"]

import os
from pathlib import Path


class UnsafePath(Exception):
    """A matched file leads out of the directory through a symbolic link (or cannot be
    resolved); the message names it, where it leads and what to do."""


def _link_in(directory: Path, name: str) -> str:
    """Return the first symbolic link on the way to ``name``, as ``'link' (-> target)``."""
    path = directory
    for part in name.split("/"):
        path = path / part
        if path.is_symlink():
            relative = path.relative_to(directory).as_posix()
            return f"{relative!r} (-> {os.readlink(path)})"
    return repr(name)  # pragma: no cover - only a link can lead out


def _real_path(path: Path, parents: dict[Path, Path]) -> Path:
    """Return where ``path`` really is: one ``lstat``, and a resolve per directory."""
    parent = parents.get(path.parent)
    if parent is None:
        parent = parents[path.parent] = path.parent.resolve()
    return path.resolve() if path.is_symlink() else parent / path.name


def match_files(
    directory: Path, pattern: str, *, follow_symlinks: bool = False
) -> list[tuple[str, Path]]:
    """Return the files under ``directory`` that ``pattern`` matches, sorted by path.

    Each item is ``(relative POSIX path, path)``. Hidden files (whose name starts with a
    dot, as the destination's temporary files do) are left out. Symbolic links that stay
    inside ``directory`` are followed. Every file is read once: of several names that
    lead to it (a link and its target), the file's own name is kept when it matches, else
    the first in sorted order.

    Raises:
        UnsafePath: a match leads out of ``directory`` through a symbolic link (unless
            ``follow_symlinks``), or cannot be resolved (a loop of links).
    """
    base = directory.resolve()
    parents: dict[Path, Path] = {}
    found = []
    for path in directory.glob(pattern):
        if path.name.startswith(".") or not path.is_file():
            continue
        name = path.relative_to(directory).as_posix()
        try:
            real = _real_path(path, parents)
        except (OSError, RuntimeError) as exc:
            raise UnsafePath(
                f"file {name!r} in {directory} cannot be resolved ({exc}); fix or remove "
                "the symbolic links on its path"
            ) from None
        found.append((name, path, real))
    found.sort(key=lambda item: item[0])
    kept: dict[Path, tuple[str, Path]] = {}
    for name, path, real in found:
        inside = real.is_relative_to(base)
        if not inside and not follow_symlinks:
            raise UnsafePath(
                f"file {name!r} in {directory} leads to {real}, outside that directory, "
                f"through the symbolic link {_link_in(directory, name)}: move the file into "
                "the directory or remove the link, or set follow_symlinks: true to read "
                "through links that lead out of it"
            )
        if real not in kept or (inside and name == real.relative_to(base).as_posix()):
            kept[real] = (name, path)
    return sorted(kept.values(), key=lambda item: item[0])
