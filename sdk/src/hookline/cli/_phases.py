"""Commands that run one connector phase: ``check``, ``discover``, ``read``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from hookline.cli._output import echo_json

if TYPE_CHECKING:
    from hookline.host import Connector

_CONFIG = click.option(
    "--config",
    "-c",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The connector's config file (YAML or JSON).",
)


def _open(connector_id: str, config_path: Path | None) -> tuple[Connector, Any, Any]:
    """Load the connector and its config, and authenticate."""
    from hookline.host import open_connector
    from hookline.models import ConnectorContext

    connector = open_connector(connector_id)
    config = connector.load_config(config_path)
    base_dir = config_path.resolve().parent if config_path else Path.cwd()
    connection = connector.auth(config, ConnectorContext(base_dir=base_dir))
    return connector, config, connection


@click.command()
@click.argument("connector_id", metavar="ID")
@_CONFIG
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
def check(connector_id: str, config_path: Path | None, as_json: bool) -> None:
    """Check that a connector can connect with the given config (exit 1 if not)."""
    connector, config, connection = _open(connector_id, config_path)
    try:
        result = connector.check(config, connection)
    finally:
        connector.close(connection)
    if as_json:
        echo_json({"id": connector.id, "ok": result.ok, "message": result.message})
    else:
        click.echo(f"{'ok' if result.ok else 'failed'}: {result.message or connector.id}")
    if not result.ok:
        raise click.exceptions.Exit(1)


@click.command()
@click.argument("connector_id", metavar="ID")
@_CONFIG
def discover(connector_id: str, config_path: Path | None) -> None:
    """Print the streams a source offers (the catalog) as JSON."""
    connector, config, connection = _open(connector_id, config_path)
    try:
        catalog = connector.discover(config, connection)
    finally:
        connector.close(connection)
    echo_json(catalog.to_dict())


@click.command()
@click.argument("connector_id", metavar="ID")
@_CONFIG
@click.option(
    "--stream",
    "-s",
    "streams",
    multiple=True,
    metavar="NAME",
    help="Read only this stream (repeatable).",
)
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Continue from the states in this file (written by --state-out).",
)
@click.option(
    "--state-out",
    "state_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the final state of every stream read to this file.",
)
@click.option("--full", is_flag=True, help="Read everything, ignoring --state.")
def read(
    connector_id: str,
    config_path: Path | None,
    streams: tuple[str, ...],
    state_path: Path | None,
    state_out: Path | None,
    full: bool,
) -> None:
    """Read records from a source and print them as JSON Lines.

    Each line is one record. The state after the last record printed is written to
    --state-out, also when the read fails or is interrupted, so a later
    `--state` read continues right after it.
    """
    import orjson

    from hookline.secrets import any_registered, redact
    from hookline.selection import select_streams
    from hookline.state import read_state_file, write_state_file

    states = read_state_file(state_path) if state_path else {}
    connector, config, connection = _open(connector_id, config_path)
    out = sys.stdout.buffer
    counts: dict[str, int] = {}
    try:
        catalog = connector.discover(config, connection)
        for configured in select_streams(catalog, streams, full=full):
            counts[configured.name] = 0
            state = states.get(configured.name) if configured.sync_mode == "incremental" else None
            for batch in connector.read(config, connection, configured, state):
                if batch.records:
                    text = b"\n".join(map(orjson.dumps, batch.records)) + b"\n"
                    if any_registered():
                        text = redact(text.decode()).encode()
                    out.write(text)
                    out.flush()
                counts[configured.name] += len(batch.records)
                if batch.state is not None:
                    states[configured.name] = batch.state
    finally:
        connector.close(connection)
        if state_out is not None:
            write_state_file(state_out, states)
        if sys.stderr.isatty():
            summary = ", ".join(f"{name}: {n:,}" for name, n in counts.items())
            click.echo(f"read {sum(counts.values()):,} records ({summary})", err=True)
