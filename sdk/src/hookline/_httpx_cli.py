"""Keep ``import httpx`` from importing httpx's own command-line tool.

httpx's package imports the module of its ``httpx`` command whenever click, rich and
pygments are installed, and cookiecutter (a hookline dependency) brings rich and
pygments. That costs every command that talks HTTP about 70 ms on the project's machine,
for a tool hookline never runs. :func:`defer_httpx_cli`, called when ``hookline`` is first
imported, registers a stand-in under that module's name before httpx is imported; the
stand-in's ``main`` imports the real module and runs it, so ``httpx.main`` still works.
"""

from __future__ import annotations

__all__ = ["defer_httpx_cli"]

import importlib
import sys
import types
from typing import Any

_CLI = "httpx._main"


def _main(*args: Any, **kwargs: Any) -> Any:
    """Import httpx's real command module in place of the stand-in and run its ``main``."""
    if getattr(sys.modules.get(_CLI), "__hookline_stand_in__", False):
        del sys.modules[_CLI]
    return importlib.import_module(_CLI).main(*args, **kwargs)


def defer_httpx_cli() -> None:
    """Register the stand-in, unless httpx (or its command module) is already imported."""
    if "httpx" in sys.modules or _CLI in sys.modules:
        return
    stand_in = types.ModuleType(_CLI, "Stands in for httpx's command module until it is run.")
    stand_in.main = _main  # type: ignore[attr-defined]
    stand_in.__hookline_stand_in__ = True  # type: ignore[attr-defined]
    sys.modules[_CLI] = stand_in
