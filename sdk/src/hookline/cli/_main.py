"""The entry point: the command group, ``--debug`` and ``--log-format``, and error mapping."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Sequence

import click

from hookline._version import __version__

DEBUG_ENV = "HOOKLINE_DEBUG"
LOG_FORMAT_ENV = "HOOKLINE_LOG_FORMAT"
_LOG_FORMATS = ("text", "json")  # hookline._logging.configure's log_format values

#: The log format of this invocation (``--log-format``), for the lines the CLI writes itself.
log_format = "text"


class _LazyGroup(click.Group):
    """A group whose subcommands are imported only when they are run or listed."""

    _commands = {
        "connectors": ("hookline.cli._listing", "connectors"),
        "plugins": ("hookline.cli._listing", "plugins"),
        "info": ("hookline.cli._listing", "info"),
        "check": ("hookline.cli._phases", "check"),
        "discover": ("hookline.cli._phases", "discover"),
        "read": ("hookline.cli._phases", "read"),
        "run": ("hookline.cli._run", "run"),
        "validate": ("hookline.cli._run", "validate"),
        "runs": ("hookline.cli._run", "runs"),
        "state": ("hookline.cli._run", "state"),
        "test": ("hookline.cli._test", "test"),
        "new": ("hookline.cli._new", "new"),
        "search": ("hookline.cli._registry", "search"),
        "install": ("hookline.cli._registry", "install"),
        "uninstall": ("hookline.cli._registry", "uninstall"),
        "registry": ("hookline.cli._registry", "registry"),
        "schema": ("hookline.cli._schema", "schema"),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self._commands)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self._commands.get(cmd_name)
        if target is None:
            return None
        import importlib

        module = importlib.import_module(target[0])
        command: click.Command = getattr(module, target[1])
        return command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="hookline")
@click.option(
    "--debug",
    is_flag=True,
    help="Show tracebacks, debug logs and every hook call (secrets stay masked).",
)
@click.option(
    "--log-format",
    type=click.Choice(_LOG_FORMATS),
    default="text",
    show_default=True,
    help="How log lines, progress and errors are written to stderr: text, or one JSON "
    f"object a line (time, level, logger, pipeline, stream, message, ...). Also "
    f"{LOG_FORMAT_ENV}.",
)
def cli(debug: bool, log_format: str) -> None:
    """hookline: install connectors, inspect them, read and sync data.

    Connectors are pip-installable packages; `hookline connectors` lists the installed
    ones. Config files are YAML or JSON; write secrets as ${env:NAME} or ${file:PATH}.
    """


def _debug_requested(argv: Sequence[str]) -> bool:
    return "--debug" in argv or os.environ.get(DEBUG_ENV, "") not in ("", "0")


def _log_format_requested(argv: list[str]) -> tuple[list[str], str]:
    """``argv`` without ``--log-format X`` (accepted anywhere), and the format asked for."""
    chosen = os.environ.get(LOG_FORMAT_ENV, "") or "text"
    rest: list[str] = []
    items = iter(argv)
    for arg in items:
        if arg == "--log-format":
            chosen = next(items, "")
        elif arg.startswith("--log-format="):
            chosen = arg.split("=", 1)[1]
        else:
            rest.append(arg)
    return rest, chosen


def _setup_logging(debug: bool) -> None:
    from hookline._logging import configure

    configure(debug=debug, log_format=log_format)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``) and return the exit code.

    ``--debug`` is accepted anywhere on the command line.
    """
    global log_format
    args = list(sys.argv[1:] if argv is None else argv)
    debug = _debug_requested(args)
    if debug:
        args = [a for a in args if a != "--debug"]
        args.insert(0, "--debug")
    args, chosen = _log_format_requested(args)
    if chosen != "text":
        args[int(debug) : int(debug)] = ["--log-format", chosen]  # click checks the value
    log_format = chosen if chosen in _LOG_FORMATS else "text"
    if args and args[0] not in ("--version", "-V", "--help", "-h"):
        _setup_logging(debug)
    code = _run(args, debug)
    if argv is None:
        sys.exit(code)
    return code


def _run(args: list[str], debug: bool) -> int:
    try:
        # Without standalone mode, click returns the code of an Exit raised in a command.
        returned = cli.main(args=args, prog_name="hookline", standalone_mode=False)
        if isinstance(returned, int):
            return returned
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.Abort:
        _err("aborted")
        return 130
    except click.ClickException as exc:
        _err(exc.format_message(), usage=_usage(exc))
        return 2
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except Exception as exc:
        return _report(exc, debug)
    return 0


def _usage(exc: click.ClickException) -> str | None:
    ctx = getattr(exc, "ctx", None)
    if ctx is None:
        return None
    return f"Try '{ctx.command_path} --help' for help."


def _report(exc: Exception, debug: bool) -> int:
    from hookline.cli._output import redact
    from hookline.errors import ConfigError, HooklineError

    if isinstance(exc, HooklineError):
        if debug:
            click.echo(redact(traceback.format_exc()), err=True)
        if isinstance(exc, ConfigError):
            for problem in exc.problems:
                _err(str(problem), fields={"file": problem.source, "path": problem.path})
        else:
            _err(str(exc))
        return exc.exit_code
    # An unexpected exception is a bug: keep its traceback, masked.
    click.echo(redact(traceback.format_exc()), err=True)
    _err(
        f"unexpected {type(exc).__name__}: this is a bug in hookline or in a connector; "
        "run again with --debug and report it"
    )
    return 1


def _err(message: str, usage: str | None = None, fields: dict[str, str] | None = None) -> None:
    """Write an error, one line each: ``error: ...`` (text) or a JSON object with ``fields``."""
    from hookline.cli._output import redact

    if log_format == "json":
        from hookline._logging import json_line

        for line in message.splitlines() or [""]:
            click.echo(json_line("error", "hookline.cli", line, **(fields or {})), err=True)
        if usage:
            click.echo(json_line("info", "hookline.cli", usage), err=True)
        return
    for line in message.splitlines() or [""]:
        click.echo(redact(f"error: {line}"), err=True)
    if usage:
        click.echo(usage, err=True)


def _silence_stdout() -> None:
    # The reader of our output went away (`| head`): stop quietly, without the
    # "Exception ignored ... BrokenPipeError" noise at interpreter exit.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass


logging.getLogger("hookline").addHandler(logging.NullHandler())
