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
    """Load the connector (with the installed plugins) and its config, and authenticate."""
    from hookline.host import load_plugins, open_connector
    from hookline.models import ConnectorContext

    connector = open_connector(connector_id, plugins=load_plugins())
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
    from hookline.errors import CheckError

    connector, config, connection = _open(connector_id, config_path)
    try:
        result = connector.check(config, connection)
    finally:
        connector.close(connection)
    if as_json:
        echo_json({"id": connector.id, "ok": result.ok, "message": result.message})
        if not result.ok:
            raise click.exceptions.Exit(1)
        return
    if not result.ok:
        raise CheckError(
            f"check failed: {result.message or 'no reason given'}", connector=connector.id
        )
    click.echo(f"ok: {result.message or connector.id}")


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
    from hookline.jsoncodec import dumps, loads
    from hookline.secrets import MASK, any_registered, redact
    from hookline.selection import select_streams
    from hookline.state import read_state_file, write_state_file

    states = read_state_file(state_path) if state_path else {}
    connector, config, connection = _open(connector_id, config_path)
    out = sys.stdout.buffer
    counts: dict[str, int] = {}
    # What is printed is for people: known secrets are masked in the records and the
    # --state-out file, and a note says so; `hookline run` delivers records unaltered.
    masked = 0  # records printed with a secret masked
    try:
        catalog = connector.discover(config, connection, streams or None)
        for configured in select_streams(catalog, streams, full=full):
            counts[configured.name] = 0
            state = states.get(configured.name) if configured.sync_mode == "incremental" else None
            for batch in connector.read(config, connection, configured, state):
                if batch.records:
                    lines = [dumps(record).decode() for record in batch.records]
                    text = "\n".join(lines) + "\n"
                    # One pass over the batch; line by line only when it holds a secret.
                    if any_registered() and redact(text) != text:
                        shown = [redact(line) for line in lines]
                        masked += sum(a != b for a, b in zip(lines, shown, strict=True))
                        text = "\n".join(shown) + "\n"
                    out.write(text.encode())
                    out.flush()
                counts[configured.name] += len(batch.records)
                if batch.state is not None:
                    states[configured.name] = batch.state
    finally:
        connector.close(connection)
        state_masked = False
        if state_out is not None:
            if any_registered():
                raw = dumps(states).decode()
                shown_state = redact(raw)
                if shown_state != raw:
                    state_masked = True
                    states = loads(shown_state)
            write_state_file(state_out, states)
        if sys.stderr.isatty():
            summary = ", ".join(f"{name}: {n:,}" for name, n in counts.items())
            click.echo(f"read {sum(counts.values()):,} records ({summary})", err=True)
        if masked:
            held = "1 record" if masked == 1 else f"{masked:,} records"
            click.echo(
                f"note: {held} held a secret value, shown as {MASK}; a pipeline delivers "
                "records to its destination unaltered",
                err=True,
            )
        if state_masked:
            click.echo(
                f"note: the state held a secret value, written to {state_out} as {MASK}",
                err=True,
            )
