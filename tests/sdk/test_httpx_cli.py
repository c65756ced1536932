"""``import hookline`` keeps httpx from importing its command-line tool (rich, pygments)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

HAS_CLI_EXTRAS = all(importlib.util.find_spec(name) for name in ("rich", "pygments", "click"))


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.skipif(not HAS_CLI_EXTRAS, reason="httpx imports its tool only with rich and pygments")
def test_httpx_alone_imports_its_tool_but_not_after_hookline() -> None:
    # The cost exists (a plain import pulls rich in) ...
    alone = _python("import sys, httpx; print('rich' in sys.modules)")
    assert alone.stdout.strip() == "True", alone.stderr
    # ... and importing hookline first avoids it, with httpx fully usable.
    first = _python(
        "import sys, hookline, httpx\n"
        "assert httpx.Client and httpx.MockTransport\n"
        "print('rich' in sys.modules, 'pygments' in sys.modules)"
    )
    assert first.stdout.strip() == "False False", first.stderr


def test_httpx_main_still_runs_the_real_tool() -> None:
    proc = _python("import hookline, httpx; httpx.main(['--help'])")
    if not HAS_CLI_EXTRAS:
        # Without its extras httpx's own stand-in explains what to install.
        assert proc.returncode != 0
        return
    assert proc.returncode == 0, proc.stderr
    assert "Usage" in proc.stdout
    assert "--method" in proc.stdout


def test_nothing_is_registered_when_httpx_is_already_imported() -> None:
    proc = _python(
        "import sys, httpx\n"
        "real = sys.modules.get('httpx._main')\n"
        "import hookline\n"
        "assert sys.modules.get('httpx._main') is real\n"
        "print('ok')"
    )
    assert proc.stdout.strip() == "ok", proc.stderr
