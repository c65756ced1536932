"""What a log line is about: the pipeline and the stream the current thread works on.

The runner sets them around each stream's work (:func:`about`); ``--log-format json``
writes them as the ``pipeline`` and ``stream`` fields of every line logged meanwhile
(see :mod:`hookline._logging`). Threads a stream starts inherit them through
:func:`in_this_context`.
"""

from __future__ import annotations

__all__ = ["about", "current", "in_this_context"]

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

_PIPELINE: contextvars.ContextVar[str | None] = contextvars.ContextVar("pipeline", default=None)
_STREAM: contextvars.ContextVar[str | None] = contextvars.ContextVar("stream", default=None)


@contextmanager
def about(*, pipeline: str | None = None, stream: str | None = None) -> Iterator[None]:
    """Mark what the current thread works on until the block ends."""
    tokens = [
        (var, var.set(value))
        for var, value in ((_PIPELINE, pipeline), (_STREAM, stream))
        if value is not None
    ]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def current() -> dict[str, str]:
    """The pipeline and stream the current thread works on, those that are known."""
    found = {"pipeline": _PIPELINE.get(), "stream": _STREAM.get()}
    return {key: value for key, value in found.items() if value is not None}


def in_this_context(target: Callable[[], Any]) -> Callable[[], Any]:
    """``target``, to run in another thread with what this one works on."""
    context = contextvars.copy_context()
    return lambda: context.run(target)
