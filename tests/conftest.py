"""Settings for every test: no test reads or writes the user's own hookline cache."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hookline import _loading
from support.fake_site import add_distribution


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    cache = tmp_path_factory.mktemp("hookline-cache")
    monkeypatch.setenv("HOOKLINE_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Make only the connectors a test names discoverable (entry points in a fake site).

    Call it as ``site("files", "hookline_files.connector")``; the target may be any
    importable ``module:attribute``. Nothing else installed is found.
    """
    folder = tmp_path / "fake-site"
    folder.mkdir()
    monkeypatch.setattr(_loading, "search_path", lambda: [str(folder)])
    monkeypatch.delenv("HOOKLINE_DISABLE_PLUGINS", raising=False)

    def install(entry_id: str, target: str, group: str = "hookline.connectors") -> None:
        add_distribution(folder, f"hookline-{entry_id}", "1.0", {entry_id: target}, group=group)

    return install
