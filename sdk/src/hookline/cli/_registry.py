"""The registry commands: ``registry validate|build``, ``search``, ``install``, ``uninstall``."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from hookline.cli._output import echo_json, echo_table

_REGISTRY_DIR = click.option(
    "--registry-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("registry"),
    show_default=True,
    help="The registry directory (its entries/ are read and written).",
)
_REGISTRY = click.option(
    "--registry",
    "location",
    metavar="PATH|URL",
    help="The registry index to read (default: $HOOKLINE_REGISTRY, else the bundled one).",
)
_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")


def _pip_options(f: Any) -> Any:
    for option in (
        click.option(
            "--no-index", is_flag=True, help="Do not use a package index (with --find-links)."
        ),
        click.option("--index-url", metavar="URL", help="The package index pip uses."),
        click.option(
            "--find-links",
            "-f",
            multiple=True,
            metavar="DIR|URL",
            help="Also look for packages here (repeatable), as pip --find-links.",
        ),
    ):
        f = option(f)
    return f


@click.group()
def registry() -> None:
    """Validate connectors into the registry, and publish its index and catalog page."""


@registry.command()
@click.argument("target", metavar="DIST[==VERSION]|PATH|WHEEL")
@_REGISTRY_DIR
@_pip_options
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=900.0,
    show_default=True,
    help="Give up after this many seconds.",
)
@click.option(
    "--hookline",
    "hookline_requirement",
    metavar="REQUIREMENT",
    help="What installs hookline in the environment (default: this hookline).",
)
@click.option("--category", "categories", multiple=True, help="A category for a new entry.")
@click.option(
    "--keep",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the environment and the conformance report in this directory.",
)
@_JSON
def validate(
    target: str,
    registry_dir: Path,
    find_links: tuple[str, ...],
    index_url: str | None,
    no_index: bool,
    timeout: float,
    hookline_requirement: str | None,
    categories: tuple[str, ...],
    keep: Path | None,
    as_json: bool,
) -> None:
    """Install a connector into a fresh environment, test it there, record the evidence.

    The connector's entry point and hook API are checked, the conformance suite runs
    against its fixture, and registry/entries/<id>.json is written with the outcome and
    the SHA-256 of the exact wheel tested (built from a project directory, downloaded for
    a requirement, or the wheel file given), which `hookline install` checks. A
    connector is rejected (exit 1) when a check fails, when it reaches no level, or when
    it installs a .pth file or shadows another connector's id.
    """
    from hookline.cli._steps import StepProgress
    from hookline.registry._validate import PipOptions
    from hookline.registry._validate import validate as run_validation

    started = time.monotonic()
    steps = StepProgress(0, what="validating")

    def progress(what: str, number: int, total: int) -> None:
        if number > 1:
            steps.finish()
        steps.begin(what, total=total)
        elapsed = time.monotonic() - started
        steps.echo(f"  [{elapsed:5.1f} s] step {number} of {total}: {what}", err=True)

    with steps:
        outcome = run_validation(
            target,
            registry_dir=registry_dir,
            pip=PipOptions(find_links, index_url, no_index),
            hookline_requirement=hookline_requirement,
            timeout=timeout,
            categories=categories,
            progress=progress,
            keep=keep,
        )
    if as_json:
        echo_json(outcome.to_dict())
    else:
        verdict = "accepted" if outcome.accepted else "rejected"
        click.echo(f"{verdict}: {target} ({outcome.seconds:.0f} s)")
        for entry in outcome.entries:
            evidence = entry["evidence"]
            click.echo(
                f"  {entry['id']} ({entry['package']['requirement']}): level "
                f"{evidence['level']}, {len(evidence['passed'])} passed, "
                f"{len(evidence['failed'])} failed, {len(evidence['skipped'])} skipped; "
                f"entry {registry_dir / 'entries' / (entry['id'] + '.json')}"
            )
            artifact = evidence.get("artifact")
            if artifact:
                click.echo(f"    wheel tested: {artifact['filename']} sha256 {artifact['sha256']}")
        for line in outcome.hazards:
            click.echo(f"  hazard: {line}")
        for line in outcome.reasons:
            click.echo(f"  reason: {line}")
    if not outcome.accepted:
        raise click.exceptions.Exit(1)


@registry.command()
@_REGISTRY_DIR
@_JSON
def build(registry_dir: Path, as_json: bool) -> None:
    """Write registry/index.json and the catalog page registry/catalog.html."""
    from hookline.registry._build import build as run_build

    index_path, catalog_path, index = run_build(registry_dir)
    if as_json:
        echo_json(
            {
                "index": str(index_path),
                "catalog": str(catalog_path),
                "connectors": [e["id"] for e in index["connectors"]],
            }
        )
        return
    count = len(index["connectors"])
    click.echo(f"wrote {index_path} and {catalog_path} ({count} connectors)")


@click.command()
@click.argument("term", nargs=-1)
@_REGISTRY
@click.option("--refresh", is_flag=True, help="Fetch a remote index again now.")
@_JSON
def search(term: tuple[str, ...], location: str | None, refresh: bool, as_json: bool) -> None:
    """Find connectors in the registry by name, category, capability or kind.

    With no TERM, list every connector in the registry.
    """
    from hookline.registry._index import load_index

    index = load_index(location, refresh=refresh)
    found = index.search(" ".join(term))
    if as_json:
        echo_json([_summary(entry) for entry in found])
        return
    if not found and term:
        click.echo(f"no connector matches {' '.join(term)!r} in {index.location}")
        return
    if not found:
        click.echo(f"no connector in {index.location}")
        return
    rows = [
        [
            e["id"],
            e["evidence"]["level"] if e["evidence"]["status"] == "accepted" else "unverified",
            e["metadata"]["kind"],
            e["package"]["requirement"],
            _short(e["description"]),
        ]
        for e in found
    ]
    echo_table(["id", "level", "kind", "package", "description"], rows)


def _summary(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": entry["id"],
        "title": entry["metadata"]["title"],
        "kind": entry["metadata"]["kind"],
        "level": entry["evidence"]["level"],
        "verified": entry["evidence"]["status"] == "accepted",
        "package": entry["package"]["requirement"],
        "categories": entry["categories"],
        "capabilities": entry["metadata"]["capabilities"],
        "description": entry["description"],
    }


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


@click.command()
@click.argument("connector_id", metavar="ID")
@click.option("--version", help="Install this version (refused unless it was validated).")
@click.option(
    "--allow-unverified",
    is_flag=True,
    help="Install even without a passing validation of this very wheel (warns).",
)
@_REGISTRY
@_pip_options
@_JSON
def install(
    connector_id: str,
    version: str | None,
    allow_unverified: bool,
    location: str | None,
    find_links: tuple[str, ...],
    index_url: str | None,
    no_index: bool,
    as_json: bool,
) -> None:
    """Install a connector from the registry with pip, and check that it loads.

    pip runs in the interpreter that runs hookline. The wheel pip resolves is downloaded
    first and its SHA-256 compared with the one the registry's validation recorded. A
    connector without a passing validation, without a recorded wheel digest, or whose wheel
    is not the one validated is refused unless --allow-unverified (which warns).
    """
    from hookline.registry._index import load_index
    from hookline.registry._install import install as run_install
    from hookline.registry._validate import PipOptions

    index = load_index(location)
    if not as_json:
        click.echo(f"installing {connector_id} into {sys.executable} ...", err=True)
    done = run_install(
        connector_id,
        index,
        version=version,
        allow_unverified=allow_unverified,
        pip=PipOptions(find_links, index_url, no_index),
        warn=lambda line: click.secho(f"WARNING: {line}", err=True, fg="red", bold=True),
    )
    if as_json:
        echo_json(
            {
                "id": done.id,
                "requirement": done.requirement,
                "verified": done.verified,
                "level": done.level,
                "warnings": list(done.warnings),
            }
        )
        return
    note = f"level {done.level}" if done.verified else "NOT verified by the registry"
    click.echo(f"installed {done.requirement}: connector {done.id!r} loads ({note})")


@click.command()
@click.argument("connector_id", metavar="ID")
@_JSON
def uninstall(connector_id: str, as_json: bool) -> None:
    """Uninstall the package that provides a connector."""
    from hookline.registry._install import uninstall as run_uninstall

    distribution = run_uninstall(connector_id)
    if as_json:
        echo_json({"id": connector_id, "uninstalled": distribution})
        return
    click.echo(f"uninstalled {distribution} (connector {connector_id!r})")
