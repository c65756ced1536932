"""Printing helpers shared by the commands: JSON, aligned tables, redaction."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click


def redact(text: str) -> str:
    """Mask registered secrets in ``text``.

    Secrets are registered by :mod:`hookline.secrets` as they are structured; when that
    module was never imported no secret can be known, and nothing needs importing.
    """
    module = sys.modules.get("hookline.secrets")
    return str(module.redact(text)) if module is not None else text


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON, with secrets masked."""
    import orjson

    from hookline.jsoncodec import dumps

    text = dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()
    click.echo(redact(text))


def echo_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print rows as left-aligned columns under upper-case headers."""
    cells = [[str(h).upper() for h in headers]] + [
        ["" if c is None else str(c) for c in r] for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        click.echo("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
