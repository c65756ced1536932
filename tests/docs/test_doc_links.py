"""Every relative link in the project's Markdown files leads to a file that exists.

The pages are every Markdown file git tracks (docs/, the READMEs of the project, of each
connector, of the examples and stories, of the template). A link is ``[text](target)``
outside fenced code and inline code; ``http(s)://`` and ``mailto:`` links are left to the
reader, and so are links inside a template's ``{{ ... }}`` placeholders. A ``#fragment`` of a
link to a Markdown file must name one of that file's headings, as GitHub spells anchors.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

_LINK = re.compile(r"(?<!!)\[[^\]\n]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_IMAGE = re.compile(r"!\[[^\]\n]*\]\(([^)\s]+)\)")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_INLINE_CODE = re.compile(r"`[^`\n]*`")


def _markdown_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.md"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if listed.returncode != 0:  # not a git checkout: every Markdown file there is
        return sorted(p for p in ROOT.rglob("*.md") if ".nox" not in p.parts)
    return [ROOT / line for line in listed.stdout.splitlines() if line]


def _prose(text: str, *, blank_code: bool = True) -> list[tuple[int, str]]:
    """The lines outside fenced code (inline code blanked, unless not), numbered from 1."""
    lines, fence = [], None
    for number, line in enumerate(text.splitlines(), 1):
        opened = _FENCE.match(line)
        if fence is None and opened:
            fence = opened.group(1)[0]
            continue
        if fence is not None:
            if opened and opened.group(1)[0] == fence:
                fence = None
            continue
        lines.append((number, _INLINE_CODE.sub("", line) if blank_code else line))
    return lines


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    found: set[str] = set()
    for _, line in _prose(path.read_text(encoding="utf-8"), blank_code=False):
        if line.startswith("#"):
            found.add(anchor(line.lstrip("#")))
    return found


def _targets(path: Path) -> list[tuple[int, str]]:
    found = []
    for number, line in _prose(path.read_text(encoding="utf-8")):
        for pattern in (_LINK, _IMAGE):
            found += [(number, m.group(1)) for m in pattern.finditer(line)]
    return found


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _problem(page: Path, target: str) -> str | None:
    if re.match(r"^[a-z][a-z0-9+.-]*:", target) or "{{" in target:
        return None  # a URL (https:, mailto:) or a template placeholder
    path_part, _, fragment = target.partition("#")
    destination = (page.parent / path_part).resolve() if path_part else page
    if not destination.exists():
        return f"{target}: no such file ({_shown(destination)})"
    if fragment and destination.suffix == ".md" and fragment not in _anchors(destination):
        return f"{target}: no heading #{fragment} in {_shown(destination)}"
    return None


PAGES = _markdown_files()


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_relative_link_resolves(page: Path) -> None:
    problems = [
        f"{page.relative_to(ROOT)}:{number}: {problem}"
        for number, target in _targets(page)
        if (problem := _problem(page, target)) is not None
    ]
    assert not problems, "\n".join(problems)


def test_the_checker_finds_a_broken_link_and_a_missing_heading(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    (tmp_path / "other.md").write_text("# A heading, with `code`\n", encoding="utf-8")
    page.write_text(
        "[ok](other.md#a-heading-with-code) [gone](missing.md) [bad](other.md#nope)\n"
        "`[code](missing.md)` [web](https://example.com)\n"
        "```\n[fenced](missing.md)\n```\n",
        encoding="utf-8",
    )
    found = [t for _, t in _targets(page)]
    assert found == [
        "other.md#a-heading-with-code",
        "missing.md",
        "other.md#nope",
        "https://example.com",
    ]
    problems = [p for t in found if (p := _problem(page, t)) is not None]
    assert problems == [
        f"missing.md: no such file ({tmp_path / 'missing.md'})",
        f"other.md#nope: no heading #nope in {tmp_path / 'other.md'}",
    ]
