"""Running a command on a real pseudo-terminal, as a user sees it."""

from __future__ import annotations

import os
import pty
import re
import subprocess
from pathlib import Path

_ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def on_a_terminal(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run ``args`` with stdin, stdout and stderr on a pseudo-terminal; return its exit code
    and everything it showed, without the terminal's control sequences."""
    main, side = pty.openpty()
    env = {**os.environ, "COLUMNS": "200", "LINES": "40", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(args, stdin=side, stdout=side, stderr=side, cwd=cwd, env=env)
    os.close(side)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    code = process.wait(timeout=300)
    return code, _ANSI.sub(b"", b"".join(chunks)).decode("utf-8", "replace")
