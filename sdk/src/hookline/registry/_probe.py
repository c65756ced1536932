"""Run inside the validation environment: what is installed there, as JSON on stdout.

Standard library only, so it runs under any interpreter the environment has. It lists
every distribution that declares hookline connectors (with its metadata) and every
``.pth`` file in site-packages with the distribution that installed it.
"""

from __future__ import annotations

import json
import site
import sys
from importlib import metadata
from pathlib import Path
from typing import Any


def _first(meta: Any, field: str) -> str:
    values = meta.get_all(field) or []
    return str(values[0]) if values else ""


def _owners() -> dict[str, str]:
    owners = {}
    for dist in metadata.distributions():
        for file in dist.files or ():
            if str(file).endswith(".pth"):
                owners[Path(str(file)).name] = dist.metadata["Name"]
    return owners


def main() -> None:
    """Print the probe's findings."""
    connectors = []
    for dist in metadata.distributions():
        points = [ep for ep in dist.entry_points if ep.group == "hookline.connectors"]
        if not points:
            continue
        meta = dist.metadata
        urls = meta.get_all("Project-URL") or []
        summary = _first(meta, "Summary")
        author = _first(meta, "Author") or _first(meta, "Author-email")
        connectors.append(
            {
                "name": meta["Name"],
                "version": meta["Version"],
                "summary": summary or "",
                "author": author or "",
                "urls": urls,
                "home_page": _first(meta, "Home-page"),
                "ids": sorted(ep.name for ep in points),
            }
        )
    owners = _owners()
    pth = []
    for directory in {*site.getsitepackages()}:
        for path in sorted(Path(directory).glob("*.pth")):
            pth.append({"file": path.name, "owner": owners.get(path.name, "")})
    json.dump({"python": sys.version.split()[0], "connectors": connectors, "pth": pth}, sys.stdout)


if __name__ == "__main__":
    main()
