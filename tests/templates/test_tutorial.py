"""Every command of the tutorial "Your first connector" runs, in order, as written.

The commands are the ``$ `` lines of the page's ``console`` blocks, run in one shell in a
directory holding nothing but ``hookline/``, a copy of what this checkout's ``sdk/`` is
built from (the page's "checkout of the repository"). pip installs offline, from a
wheelhouse holding the tools and hookline's dependencies.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

from support.venvs import ROOT, run

TUTORIAL = ROOT / "docs" / "tutorial" / "your-first-connector.md"
MARK = "@@@ "


def commands(page: str) -> list[str]:
    """The ``$ `` lines of every console block, in order."""
    found = []
    for block in re.findall(r"```console\n(.*?)```", page, re.S):
        found += [line[2:] for line in block.splitlines() if line.startswith("$ ")]
    return found


def outputs(text: str) -> dict[str, str]:
    """Split the script's output into each command's output."""
    parts: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        if line.startswith(MARK):
            current = line[len(MARK) :]
            parts[current] = ""
        elif current is not None:
            parts[current] += line + "\n"
    return parts


def test_the_tutorial_runs_as_written(wheelhouse: Path, tmp_path: Path) -> None:
    steps = commands(TUTORIAL.read_text())
    assert steps[0].startswith("python3 -m venv") and "hookline new" in " ".join(steps)
    # What building sdk/ takes from the checkout: the SDK, the template and the index.
    checkout = tmp_path / "hookline"
    skip = shutil.ignore_patterns("build", "dist", "*.egg-info", "__pycache__")
    shutil.copytree(ROOT / "sdk", checkout / "sdk", ignore=skip)
    shutil.copytree(ROOT / "templates" / "connector", checkout / "templates" / "connector")
    (checkout / "registry").mkdir()
    shutil.copy2(ROOT / "registry" / "index.json", checkout / "registry" / "index.json")
    script = ["set -e"]
    for step in steps:
        script += [f"echo {shlex.quote(MARK + step)}", f"{step} 2>&1"]
    done = run(
        ["bash", "-c", "\n".join(script)],
        cwd=tmp_path,
        env={
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": str(wheelhouse),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "HOOKLINE_CACHE_DIR": str(tmp_path / "cache"),
            "VIRTUAL_ENV": "",
        },
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    seen = outputs(done.stdout)
    assert list(seen) == steps, "every command ran"

    assert re.search(r"^hookline, version \d", seen["hookline --version"], re.M)
    listing = seen["hookline connectors"]
    assert re.search(r"^acmecrm\s+source\s+ok\s+hookline-acmecrm\s", listing, re.M), listing
    assert "token" in seen["hookline info acmecrm"]
    tested = seen["hookline test acmecrm"]
    assert "Level: gold" in tested
    # The sample lines the tutorial shows are what the suite prints: number, status, check.
    text = TUTORIAL.read_text()
    shown = re.findall(r"^\[\s*(\d+)/(\d+)\] (ok|skip|FAIL)\s+(\S+)", text, re.M)
    assert len(shown) >= 3
    for number, total, status, check in shown:
        line = rf"^\[\s*{number}/{total}\] {status}\s+{re.escape(check)}\s"
        assert re.search(line, tested, re.M), f"{number}/{total} {status} {check}: {tested}"
    summary = re.search(r"^Level: .*$", text, re.M)
    assert summary and summary.group(0) in tested.splitlines(), tested
    named = re.search(r"runs (\d+) named checks", text)
    assert named and f"/{named.group(1)}] " in tested
    assert " failed" not in seen["python -m pytest -q"]
    assert "PASSED" in seen["python -m twine check dist/*"]
    validate = next(step for step in steps if step.startswith("hookline registry validate"))
    # No --hookline: the environment gets hookline from where pip installed it from.
    assert f"installing hookline ({tmp_path / 'hookline' / 'sdk'})" in seen[validate]
    assert "accepted: dist/hookline_acmecrm-0.1.0-py3-none-any.whl" in seen[validate]
    assert "acmecrm (hookline-acmecrm==0.1.0): level gold" in seen[validate]
    assert re.search(
        r"^acmecrm\s+gold\s+source\s", seen["hookline search crm --registry registry"], re.M
    )
    dist = tmp_path / "hookline-acmecrm" / "dist"
    assert {p.suffix for p in dist.iterdir()} == {".whl", ".gz"}
    license_text = (tmp_path / "hookline-acmecrm" / "LICENSE").read_text()
    assert "Ada Lovelace" in license_text
