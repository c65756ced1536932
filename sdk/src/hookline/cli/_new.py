"""``hookline new``: scaffold a connector project from the template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from hookline._wording import a_kind
from hookline.cli._output import echo_json


def _pairs(values: tuple[str, ...]) -> dict[str, str]:
    pairs = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint="--set")
        pairs[key.strip()] = value
    return pairs


def _installed(connector_id: str) -> str | None:
    from hookline._loading import CONNECTORS_GROUP, find_entries

    for entry in find_entries(CONNECTORS_GROUP):
        if entry.id == connector_id:
            return f"{entry.package} {entry.version}"
    return None


def _ask(variable: Any, default: str) -> str:
    if variable.choices:
        kind: Any = click.Choice(variable.choices)
        text = f"{variable.help} ({', '.join(variable.choices)})"
        answer: str = click.prompt(text, default=default, type=kind, show_choices=False)
    else:
        answer = click.prompt(variable.help, default=default)
    return answer


@click.command()
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="KEY=VALUE",
    help="Answer one template variable (repeatable), such as --set id=acmecrm.",
)
@click.option("--no-input", is_flag=True, help="Do not prompt: --set values, else the defaults.")
@click.option(
    "--output-dir",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Where to create the project directory.",
)
@click.option("--force", is_flag=True, help="Replace the project directory if it exists.")
@click.option(
    "--template",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Use this cookiecutter template instead of hookline's.",
)
@click.option(
    "--trust",
    is_flag=True,
    help="Run the --template's hook scripts (Python code, run on this machine).",
)
@click.option("--no-hooks", is_flag=True, help="Render the template without running its hooks.")
@click.option("--list", "list_variables", is_flag=True, help="List the variables and exit.")
@click.option("--json", "as_json", is_flag=True, help="Print what was created as JSON.")
def new(
    settings: tuple[str, ...],
    no_input: bool,
    output_dir: Path,
    force: bool,
    template: Path | None,
    trust: bool,
    no_hooks: bool,
    list_variables: bool,
    as_json: bool,
) -> None:
    """Create a new connector project: installable, discovered, conformance-tested.

    Prompts for each template variable with its help text (kind, style, auth,
    pagination, author, license ...). With --no-input it takes the --set values and the
    defaults, so `hookline new --no-input --set id=acmecrm` makes a working connector.

    A --template other than hookline's may have hook scripts, which cookiecutter runs as
    Python code: they are refused unless --trust (run them) or --no-hooks (skip them).
    """
    from hookline import _scaffold

    source = template or _scaffold.template_dir()
    if trust and no_hooks:
        raise click.UsageError(
            "--trust runs the template's hooks and --no-hooks skips them: pick one"
        )
    if template is not None and not list_variables and not no_hooks:
        _confirm_hooks(template, trust)
    if list_variables:
        for variable in _scaffold.variables(source):
            options = f" [{' | '.join(variable.choices)}]" if variable.choices else ""
            click.echo(f"{variable.name.ljust(14)} {variable.help}{options}")
        return
    values = _scaffold.answers(
        source,
        _pairs(settings),
        ask=None if no_input else _ask,
        installed=_installed,
    )
    created = _scaffold.generate(source, values, output_dir, force=force, hooks=not no_hooks)
    if as_json:
        echo_json({"path": str(created), "variables": values})
        return
    click.echo(f"Created {created} (connector {values['id']!r}, {_summary(values)})")
    click.echo("Next:")
    click.echo(f"  pip install -e '{created}[test]'")
    click.echo(f"  hookline test {values['id']}")
    click.echo(f"  cd {created} && pytest")


def _confirm_hooks(template: Path, trust: bool) -> None:
    """Refuse a template's hook scripts unless trusted; say so when running them."""
    from hookline import _scaffold

    scripts = _scaffold.template_hooks(template)
    if not scripts:
        return
    listed = ", ".join(scripts)
    if not trust:
        raise click.UsageError(
            f"the template {template} has hook scripts ({listed}), which would run as Python "
            "code on this machine: pass --trust to run them if you trust the template's "
            "author, or --no-hooks to render it without them"
        )
    click.echo(f"running the template's hook scripts: {listed}", err=True)


def _summary(values: dict[str, Any]) -> str:
    kind, style = values.get("kind", "?"), values.get("style", "?")
    if style != "rest":
        return f"{a_kind(kind)} in custom Python"
    parts = [f"{a_kind(kind)} over a REST API", f"auth {values.get('auth')}"]
    if kind != "destination":
        parts.append(f"{values.get('pagination')} pagination")
    return ", ".join(parts)
