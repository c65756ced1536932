"""Build docs/ into a static site with MkDocs (material theme), links checked.

The pages link to files beside docs/ as well (the connectors' READMEs, the stories'
folders, a connector's source), which a site cannot reach outside its own folder. So the
site is built from a staged copy: docs/ as it is; each ``plugins/<id>/README.md`` as
``connectors/<id>.md``; every other repository file a page links to under
``source/<its path>``; and the links rewritten to match. Then ``mkdocs build --strict``
fails on a link to a page or anchor that is not there.

Run ``python -m hookline._docsite --root . --out build/site`` (``nox -s docs`` does).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

#: A Markdown link or image target: ``](target)`` with an optional ``#anchor``.
_LINK = re.compile(r"\]\((?P<target>[^)\s#]+)(?P<anchor>#[^)\s]*)?\)")
_SECTIONS = (
    ("Tutorials", "tutorial"),
    ("How-to guides", "how-to"),
    ("Reference", "reference"),
    ("Explanation", "explanation"),
)


def stage(root: Path, staging: Path) -> Path:
    """Copy the pages into ``staging/src`` with links rewritten; write ``mkdocs.yml``.

    Returns the path of the written ``mkdocs.yml``.
    """
    if staging.exists():
        shutil.rmtree(staging)
    src = staging / "src"
    shutil.copytree(root / "docs", src)
    pages = {(root / "docs" / p.relative_to(src)).resolve(): p for p in sorted(src.rglob("*.md"))}
    connectors = {}
    for readme in sorted(root.glob("plugins/*/README.md")):
        target = src / "connectors" / f"{readme.parent.name}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(readme, target)
        connectors[readme.resolve()] = target
    pages.update(connectors)
    for original, copy in list(pages.items()):
        copy.write_text(
            _rewrite(copy.read_text(encoding="utf-8"), original, copy, root, src, pages),
            encoding="utf-8",
        )
    config = staging / "mkdocs.yml"
    config.write_text(_config(src, connectors.values()), encoding="utf-8")
    return config


def _rewrite(
    text: str, original: Path, copy: Path, root: Path, src: Path, pages: dict[Path, Path]
) -> str:
    """Point each relative link of ``original`` (now at ``copy``) at its staged target."""

    def replace(match: re.Match[str]) -> str:
        target, anchor = match["target"], match["anchor"] or ""
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("/"):
            return match.group(0)  # a URL, or a mail address
        resolved = (original.parent / target).resolve()
        staged = pages.get(resolved)
        if staged is None and resolved.is_dir() and (resolved / "README.md").is_file():
            staged = pages.get((resolved / "README.md").resolve())
            resolved = resolved / "README.md"
        if staged is None:
            try:
                inside = resolved.relative_to(root.resolve())
            except ValueError:
                return match.group(0)  # outside the repository: left for mkdocs to report
            if inside.parts[:1] == ("docs",):
                return match.group(0)  # a file of docs/ itself: copied as it is
            staged = src / "source" / inside
            if resolved.is_file():
                staged.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(resolved, staged)
                if staged.suffix == ".md":
                    pages[resolved] = staged
                    staged.write_text(
                        _rewrite(resolved.read_text("utf-8"), resolved, staged, root, src, pages),
                        encoding="utf-8",
                    )
        relative = os.path.relpath(staged, copy.parent).replace(os.sep, "/")
        return f"]({relative}{anchor})"

    return _LINK.sub(replace, text)


def _title(page: Path) -> str:
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip().strip("`")
    return page.stem.replace("-", " ").capitalize()


#: Markdown extensions; the table of contents makes anchors as GitHub does, so the links
#: that work on GitHub (tests/docs checks them there) work on the site too. A YAML tag
#: (which a plain mapping cannot hold) names the slug function.
_EXTENSIONS = """markdown_extensions:
  - tables
  - admonition
  - pymdownx.superfences
  - toc:
      permalink: true
      slugify: !!python/object/apply:pymdownx.slugs.slugify {kwds: {case: lower}}
"""


def _config(src: Path, connectors: Any) -> str:
    """The MkDocs configuration: the sections of docs/ in order, then the connectors."""
    import yaml

    nav: list[Any] = [{"Home": "index.md"}]
    for label, folder in _SECTIONS:
        entries = [
            {_title(p): p.relative_to(src).as_posix()} for p in sorted((src / folder).glob("*.md"))
        ]
        nav.append({label: entries})
    nav.append({"Connectors": [{_title(p): p.relative_to(src).as_posix()} for p in connectors]})
    config = {
        "site_name": "hookline",
        "site_description": "A connector SDK, runtime and plugin registry for data integration.",
        "docs_dir": "src",
        "use_directory_urls": False,
        "theme": {"name": "material", "features": ["search.highlight", "content.code.copy"]},
        "plugins": ["search"],
        "validation": {
            "nav": {"omitted_files": "info", "not_found": "warn", "absolute_links": "warn"},
            "links": {
                "not_found": "warn",
                "anchors": "warn",
                "absolute_links": "warn",
                "unrecognized_links": "warn",
            },
        },
        "nav": nav,
    }
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True) + _EXTENSIONS


def build(root: Path, out: Path, staging: Path) -> int:
    """Stage the pages and run ``mkdocs build --strict``; return its exit code."""
    config = stage(root, staging)
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(out)],
        check=False,
    )
    return done.returncode


def main(argv: list[str] | None = None) -> int:
    """Build the site: ``--out`` for the HTML, ``--staging`` for the staged pages."""
    parser = argparse.ArgumentParser(prog="python -m hookline._docsite")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="repository root")
    parser.add_argument("--out", type=Path, default=Path("build/site"), help="the site")
    parser.add_argument("--staging", type=Path, default=Path("build/site-src"))
    args = parser.parse_args(argv)
    return build(args.root.resolve(), args.out.resolve(), args.staging.resolve())


if __name__ == "__main__":
    raise SystemExit(main())
