"""Fixtures for the host's unit tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hookline import _loading
from support.fake_site import add_distribution
from support.memory import MemoryConnector


@pytest.fixture
def memory() -> MemoryConnector:
    """A fresh in-memory connector plugin object."""
    return MemoryConnector()


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Pretend four connectors are installed: memory (good), broken, and two twins.

    Each module appends its name to ``imports.log`` when imported, so tests can tell
    what was imported.
    """
    site = tmp_path / "site"
    site.mkdir()
    log = f"open({str(tmp_path / 'imports.log')!r}, 'a').write(__name__ + '\\n')\n"
    add_distribution(
        site,
        "hookline-memory",
        "1.0",
        {"memory": "memory_pkg:plugin"},
        modules={
            "memory_pkg": log
            + "from support.memory import MemoryConnector\nplugin = MemoryConnector()\n"
        },
    )
    add_distribution(
        site,
        "hookline-broken",
        "1.0",
        {"broken": "broken_pkg"},
        modules={"broken_pkg": log + "import no_such_module_x\n"},
    )
    add_distribution(site, "hookline-twin-a", "1.0", {"twin": "twin_a:plugin"})
    add_distribution(site, "hookline-twin-b", "1.0", {"twin": "twin_b:plugin"})
    monkeypatch.setattr(_loading, "search_path", lambda: [str(site)])
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delenv("HOOKLINE_DISABLE_PLUGINS", raising=False)
    for name in ("memory_pkg", "broken_pkg"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    return tmp_path / "imports.log"
