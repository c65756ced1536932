"""A folder that looks like site-packages: real dist-info metadata, tiny modules.

Unit tests point entry-point discovery at it instead of the environment, so they never
load what happens to be installed.
"""

from __future__ import annotations

import textwrap
from pathlib import Path


def add_distribution(
    site: Path,
    package: str,
    version: str,
    entry_points: dict[str, str],
    *,
    group: str = "hookline.connectors",
    modules: dict[str, str] | None = None,
) -> Path:
    """Write ``package``'s dist-info (METADATA, RECORD, entry_points.txt) and modules."""
    dist = site / f"{package.replace('-', '_')}-{version}.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n\n"
    )
    (dist / "RECORD").write_text("")
    lines = [f"[{group}]"] + [f"{name} = {target}" for name, target in entry_points.items()]
    (dist / "entry_points.txt").write_text("\n".join(lines) + "\n")
    for name, source in (modules or {}).items():
        (site / f"{name}.py").write_text(textwrap.dedent(source))
    return dist
