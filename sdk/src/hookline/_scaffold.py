"""``hookline new``: a new connector project from the cookiecutter template.

The template lives in the repository's ``templates/connector/`` and ships inside the
``hookline`` wheel as ``hookline/_template/connector``. This module finds it, asks for its
variables (with each one's help text) or takes them from ``--set``, checks the connector
id before anything is written, and lets cookiecutter render the project.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs

from hookline.errors import UsageError
from hookline.models import valid_connector_id

#: The variable that holds the connector id.
ID_KEY = "id"


def template_dir() -> Path:
    """Return the connector template: the packaged copy, else the source checkout's."""
    here = Path(__file__).resolve().parent
    for candidate in (
        here / "_template" / "connector",
        here.parents[2] / "templates" / "connector",
    ):
        if (candidate / "cookiecutter.json").is_file():
            return candidate
    raise UsageError(
        "the connector template is missing from this installation of hookline; "
        "reinstall hookline, or pass --template DIR"
    )


@attrs.frozen
class Variable:
    """One template variable: its name, help text, default and choices (if a choice)."""

    name: str
    help: str
    default: Any
    choices: tuple[str, ...] = ()


def variables(template: Path) -> list[Variable]:
    """Return the template's variables, in prompt order (``_private`` ones left out)."""
    raw = _raw_context(template)
    prompts = raw.get("__prompts__", {})
    found = []
    for name, value in raw.items():
        if name.startswith("_"):
            continue
        text = prompts.get(name, name)
        if isinstance(text, dict):  # cookiecutter's per-choice form
            text = text.get("__prompt__", name)
        if isinstance(value, list):
            found.append(Variable(name, str(text), value[0], tuple(map(str, value))))
        else:
            found.append(Variable(name, str(text), value))
    return found


def answers(
    template: Path,
    given: Mapping[str, str],
    *,
    ask: Callable[[Variable, str], str] | None,
    installed: Callable[[str], str | None],
) -> dict[str, Any]:
    """Resolve every variable: ``given`` first, then ``ask`` (or the default without it).

    Defaults may refer to earlier answers (``hookline-{{ cookiecutter.id }}``); they are
    rendered as cookiecutter would. The connector id is checked as soon as it is known.

    Raises:
        UsageError: an unknown variable, a value not among a choice's options, or an
            invalid or already installed connector id.
    """
    from cookiecutter.environment import StrictEnvironment
    from cookiecutter.prompt import render_variable

    known = variables(template)
    unknown = sorted(set(given) - {v.name for v in known})
    if unknown:
        raise UsageError(
            f"unknown template variable {', '.join(map(repr, unknown))}; the template "
            f"takes: {', '.join(v.name for v in known)}"
        )
    environment = StrictEnvironment(context={"cookiecutter": _raw_context(template)})
    result: dict[str, Any] = {}
    for variable in known:
        default = variable.default
        if not variable.choices:
            default = render_variable(environment, default, result)
        if variable.name in given:
            value = given[variable.name]
            _check(variable, value, installed)
        elif ask is None:
            value = default
            _check(variable, value, installed)
        else:
            value = _ask_until_valid(variable, str(default), ask, installed)
        result[variable.name] = value
    return result


def _ask_until_valid(
    variable: Variable,
    default: str,
    ask: Callable[[Variable, str], str],
    installed: Callable[[str], str | None],
) -> str:
    import click

    while True:
        value = ask(variable, default)
        try:
            _check(variable, value, installed)
        except UsageError as exc:
            click.echo(f"  {exc}", err=True)
            continue
        return value


def _check(variable: Variable, value: str, installed: Callable[[str], str | None]) -> None:
    if variable.choices and value not in variable.choices:
        raise UsageError(
            f"{variable.name} must be one of {', '.join(variable.choices)}, not {value!r}"
        )
    if variable.name == ID_KEY:
        if not valid_connector_id(value):
            raise UsageError(
                f"invalid connector id {value!r}: use lowercase letters, digits, - and _, "
                "starting with a letter (such as acmecrm or acme-crm)"
            )
        owner = installed(value)
        if owner is not None:
            raise UsageError(
                f"a connector {value!r} is already installed ({owner}); choose another id"
            )


def template_hooks(template: Path) -> list[str]:
    """The hook scripts of a cookiecutter template (``hooks/pre_gen_project.py``, ...).

    Cookiecutter runs them as code on this machine while it renders the template.
    """
    hooks = template / "hooks"
    if not hooks.is_dir():
        return []
    names = ("pre_prompt", "pre_gen_project", "post_gen_project")
    return sorted(
        f"hooks/{path.name}"
        for path in hooks.iterdir()
        if path.is_file() and path.stem in names and not path.name.endswith("~")
    )


def generate(
    template: Path,
    values: Mapping[str, Any],
    output_dir: Path,
    *,
    force: bool = False,
    hooks: bool = True,
) -> Path:
    """Render the project into ``output_dir`` and return its directory.

    With ``hooks`` off, the template's hook scripts are not run.

    Raises:
        UsageError: the project directory exists (and ``force`` is off), or the template
            refused a value.
    """
    from cookiecutter.exceptions import CookiecutterException, FailedHookException
    from cookiecutter.main import cookiecutter

    target = output_dir / str(values["distribution"])
    if target.exists():
        if not force:
            raise UsageError(
                f"{target} already exists; choose another --output-dir, or pass --force "
                "to replace it"
            )
        shutil.rmtree(target)
    try:
        created = cookiecutter(
            str(template),
            no_input=True,
            extra_context=dict(values),
            output_dir=str(output_dir),
            default_config=True,
            accept_hooks=hooks,
        )
    except FailedHookException as exc:
        raise UsageError(f"the template refused the values: {exc}") from exc
    except CookiecutterException as exc:
        raise UsageError(f"cannot render the template: {exc}") from exc
    return Path(created)


def _raw_context(template: Path) -> dict[str, Any]:
    path = template / "cookiecutter.json"
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: cannot read the template's variables: {exc}") from exc
    return data
