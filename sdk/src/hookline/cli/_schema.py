"""`hookline schema`: the JSON Schemas of hookline's files, for editors and checks."""

from __future__ import annotations

import json
from pathlib import Path

import click

_OUTPUT = click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the schema to this file instead of printing it.",
)


@click.group()
def schema() -> None:
    """Print the JSON Schema of a pipeline file or of a connector's settings."""


@schema.command()
@_OUTPUT
def pipeline(output: Path | None) -> None:
    """The JSON Schema (draft 2020-12) of a pipeline file.

    Point an editor at it to complete and check pipeline files, for instance with a
    first line `# yaml-language-server: $schema=pipeline.schema.json`. `hookline
    validate PIPELINE` checks what a schema cannot (connectors, config files, mappings).
    """
    from hookline._pipeline_schema import pipeline_schema

    _emit(pipeline_schema(), output)


@schema.command()
@click.argument("connector_id", metavar="ID")
@_OUTPUT
def connector(connector_id: str, output: Path | None) -> None:
    """The JSON Schema of an installed connector's settings (its config or config_file)."""
    from hookline.host import open_connector

    _emit(open_connector(connector_id).config_schema(), output)


def _emit(data: dict[str, object], output: Path | None) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}", err=True)
