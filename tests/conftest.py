"""Settings for every test: no test reads or writes the user's own hookline cache."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    cache = tmp_path_factory.mktemp("hookline-cache")
    monkeypatch.setenv("HOOKLINE_CACHE_DIR", str(cache))
    return cache
