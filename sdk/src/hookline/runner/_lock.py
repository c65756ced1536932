"""One run of a pipeline at a time: an advisory lock file beside its state."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from hookline.errors import PipelineBusy
from hookline.pipeline import Pipeline


@contextmanager
def pipeline_lock(pipeline: Pipeline) -> Iterator[None]:
    """Hold the pipeline's lock for the duration; the OS releases it if the process dies."""
    pipeline.state_dir.mkdir(parents=True, exist_ok=True)
    path = pipeline.state_dir / f"{pipeline.name}.lock"
    handle = open(path, "a+")  # noqa: SIM115 - held for the whole run
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise PipelineBusy(
                f"pipeline {pipeline.name!r} is already running (pid {holder}); wait for it "
                "to finish"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()
