"""docs/reference/environment.md lists every environment variable hookline reads."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "reference" / "environment.md"

# How the source names a variable it reads: a constant ending in _ENV, or the name passed
# to os.environ / os.getenv directly.
_NAME_IN_SOURCE = re.compile(
    r"(?:\b[A-Z_]*_ENV\s*=\s*|environ(?:\.get)?[(\[]\s*|getenv\(\s*)"
    r"[\"'](HOOKLINE_[A-Z][A-Z0-9_]*)[\"']"
)
# A row of the page's table: | `HOOKLINE_X` | ...
_NAME_ON_PAGE = re.compile(r"^\| `(HOOKLINE_[A-Z0-9_]+)` \|", re.M)


def _read_by_the_source() -> set[str]:
    found: set[str] = set()
    for folder in [ROOT / "sdk" / "src", *sorted((ROOT / "plugins").glob("*/src"))]:
        for path in folder.rglob("*.py"):
            found |= set(_NAME_IN_SOURCE.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_variable_the_source_reads_is_on_the_page() -> None:
    documented = set(_NAME_ON_PAGE.findall(PAGE.read_text(encoding="utf-8")))
    read = _read_by_the_source()
    assert read, "the source names no HOOKLINE_ variable: the pattern is wrong"
    assert read - documented == set(), f"undocumented: {sorted(read - documented)}"
    assert documented - read == set(), f"documented but never read: {sorted(documented - read)}"


def test_the_five_known_variables_are_found() -> None:
    # The scan itself must see them (a change of how the source names them would hide them).
    assert {
        "HOOKLINE_DEBUG",
        "HOOKLINE_LOG_FORMAT",
        "HOOKLINE_DISABLE_PLUGINS",
        "HOOKLINE_REGISTRY",
        "HOOKLINE_CACHE_DIR",
    } <= _read_by_the_source()
