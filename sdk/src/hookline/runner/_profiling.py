"""Profiling a run thread by thread: ``hookline run --profile DIR``.

``python -m cProfile -m hookline run`` profiles only the main thread, which waits while the
streams' worker threads (and their reader threads, with ``queue_size`` above 0) do the
work. With a profile directory, each of those threads runs under its own
:class:`cProfile.Profile`, written when the thread ends as ``DIR/<thread>.prof``
(``main``, ``stream-<name>``, ``reader-<name>``), ready for ``python -m pstats`` or any
viewer of cProfile files.
"""

from __future__ import annotations

import cProfile
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def profile_path(directory: Path, thread: str) -> Path:
    """The file the profile of ``thread`` is written to (a name safe on every system)."""
    return directory / f"{_UNSAFE.sub('_', thread)}.prof"


@contextmanager
def profiled(directory: Path | None, thread: str) -> Iterator[None]:
    """Profile the calling thread while the block runs; write it under ``directory``.

    Does nothing when ``directory`` is ``None``.
    """
    if directory is None:
        yield
        return
    directory.mkdir(parents=True, exist_ok=True)
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        profile.dump_stats(profile_path(directory, thread))
