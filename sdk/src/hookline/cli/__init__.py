"""The ``hookline`` command line: parse arguments, call the library, map errors.

No business logic lives here. Every command module imports the library lazily, inside
the command, so ``hookline --version`` and ``hookline --help`` start fast.
"""

from __future__ import annotations

__all__ = ["main"]

from hookline.cli._main import main
