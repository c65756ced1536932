"""`nox -s docs` builds docs/ into a site with MkDocs; a broken link fails the build."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from hookline._docsite import stage

ROOT = Path(__file__).resolve().parents[2]


def _build(root: Path, tmp: Path) -> tuple[int, str]:
    config = stage(root, tmp / "staging")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-f",
            str(config),
            "-d",
            str(tmp / "site"),
        ],
        capture_output=True,
        text=True,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def test_the_site_builds_with_every_link_resolved(tmp_path: Path) -> None:
    code, said = _build(ROOT, tmp_path)
    assert code == 0, said
    site = tmp_path / "site"
    for page in (
        "index.html",
        "reference/cli.html",
        "reference/environment.html",
        "connectors/rest.html",
        "tutorial/your-first-connector.html",
    ):
        assert (site / page).is_file(), page
    assert (site / "search" / "search_index.json").is_file(), "the site has search"
    cli = (site / "reference" / "cli.html").read_text()
    assert "hookline state show" in cli and "hookline registry validate" in cli
    # A page's link to a connector's source reaches a copy of it inside the site.
    how_to = (site / "how-to" / "test-a-connector.html").read_text()
    assert 'href="../source/plugins/rest/src/hookline_rest/_fake_api.py"' in how_to
    assert (site / "source/plugins/rest/src/hookline_rest/_fake_api.py").is_file()
    # The connectors' READMEs link back to the pages they name.
    rest = (site / "connectors" / "rest.html").read_text()
    assert "../reference/" in rest or "../how-to/" in rest


def _copy_of_the_docs(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "docs", root / "docs")
    shutil.copytree(ROOT / "examples", root / "examples", ignore=shutil.ignore_patterns("data"))
    for readme in ROOT.glob("plugins/*/README.md"):
        (root / readme.parent.relative_to(ROOT)).mkdir(parents=True)
        shutil.copy2(readme, root / readme.relative_to(ROOT))
        shutil.copytree(readme.parent / "src", root / readme.parent.relative_to(ROOT) / "src")
    return root


def test_a_broken_link_or_anchor_fails_the_build(tmp_path: Path) -> None:
    root = _copy_of_the_docs(tmp_path)
    page = root / "docs" / "how-to" / "profile-a-run.md"
    page.write_text(page.read_text() + "\nSee [the gone page](../reference/gone.md).\n")
    code, said = _build(root, tmp_path / "one")
    assert code != 0
    assert "how-to/profile-a-run.md" in said and "gone.md" in said
    page.write_text(
        page.read_text().replace("../reference/gone.md", "../reference/cli.md#no-such-part")
    )
    code, said = _build(root, tmp_path / "two")
    assert code != 0 and "no-such-part" in said
