"""Every example in the documentation is true to the code: each fenced block is one case.

The blocks are those of every Markdown file under ``docs/``, ``README.md`` and
``plugins/*/README.md``; a case is named by the page and the line of its opening fence
(``docs/reference/mapping.md:48``). By the block's language:

- ``yaml``: parses with ``yaml.safe_load``. A block whose top-level keys repeat lists
  alternatives (``auth: ...`` once per kind); each top-level entry is then checked on its
  own. Each document is then checked by what it is:

  - a pipeline (``source`` and ``destination``): written to a file and read with
    :func:`hookline.pipeline.check_pipeline`; each side's inline ``config`` goes through
    its connector's config parser (``open_connector(id).parse_config``), and the connector
    must be able to play that side. A block starting with a ``# pipeline.yaml`` comment is
    an excerpt of a pipeline: it is checked the same way, with two stub sides;
  - a mapping (``map`` alone at the top): :func:`hookline.mapping.parse_mapping`;
  - a connector config (anything else): the first-party connector whose settings have a
    place for every key of the block (compared with its config's JSON Schema) is the one
    it is for; the block must fit exactly one. A block that fits no connector's top level
    but one connector's stream (``pagination:``) is checked as that stream. Settings the
    model requires and a fragment leaves out get a placeholder, then the connector's
    config parser must accept it;
  - the reference examples listed in ``REFERENCES`` are for no connector in particular:
    every ``${...}`` in them must resolve.

  Every ``${env:NAME}`` a block references is set. The only problems tolerated are those
  of the reader's machine: a ``${file:...}`` file that is not here, and a pipeline's
  ``config_file`` (which the page does not show) not being next to it.
- ``json``: parses as one document; a block of several objects, one a line, as JSON
  Lines. A block with ``...`` in it must be listed in ``ELIDED`` with the reason; its bare
  ``...`` elisions are cut out before it is parsed.
- ``python``: compiles; every name imported from ``hookline`` or a first-party connector
  exists, and every call of such a name binds to its signature. A block that binds every
  name it reads and imports only the standard library, hookline and hookline's own
  runtime dependencies is also run, in an empty folder with network connections refused;
  a connector module it defines must then load (``connector_from_plugin``), and a plugin
  class it defines must register its hooks.
- ``console``, ``shell``, ``bash``: the commands (the ``$ `` lines, or every line of a
  block without prompts) tokenise as shell words; every ``hookline`` or
  ``python -m hookline`` command resolves to a real subcommand of the click CLI with
  real options and a valid number of arguments (parsed, not run); ``nox -s NAME`` names a
  session of noxfile.py. Other programs are not checked.
- ``toml``: parses; entry-point groups under ``hookline.`` are ones hookline reads.
- ``text`` and blocks without a language are output: the ones showing ``error: `` lines
  must show nothing else, each problem on one line in the CLI's format
  ``error: SOURCE: MESSAGE @ JSON-PATH``. Other output blocks are not checked.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import inspect
import json
import re
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import jsonschema
import pytest
import yaml
from docs._examples import (
    FIRST_PARTY,
    Block,
    all_blocks,
    blocks_of,
    call_mismatches,
    env_references,
    first_party_names,
    fits,
    free_names,
    hookline_arguments,
    hookline_dependencies,
    imported_top_names,
    is_missing_referenced_file,
    iter_hookimpl_classes,
    nox_sessions,
    nox_sessions_named,
    shell_lines,
    simple_commands,
    yaml_alternatives,
)

from hookline import secrets
from hookline._loading import CONNECTORS_GROUP, PLUGINS_GROUP
from hookline._pipeline_schema import pipeline_schema
from hookline.config import resolve_references
from hookline.errors import ConfigError, ConfigProblem
from hookline.host import Connector, Plugin, Plugins, connector_from_plugin, open_connector
from hookline.mapping import parse_mapping
from hookline.pipeline import check_pipeline

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

BLOCKS = all_blocks()

#: The fence languages there are rules for (see the module docstring).
KINDS = {"yaml", "json", "python", "console", "shell", "bash", "toml", "text", ""}

#: JSON blocks that leave parts out with ``...``, by page and a text the block holds.
ELIDED = {
    ("docs/how-to/story-crm-to-quoting.md", '"display_name": "Finn Dubois"'): (
        "a dead-letter line: the record's other fields are left out"
    ),
    ("docs/how-to/story-shop-to-inventory.md", '"order_id": 97'): (
        "a dead-letter line: the API's other messages and the record's other fields are left out"
    ),
    ("docs/reference/config-files.md", '"streams": {"orders"'): (
        "the state of a stream is the connector's own"
    ),
    ("docs/reference/pipelines.md", '"dead_letter_dir"'): (
        "the dead-letter folder is an absolute path under the reader's own folders"
    ),
    ("docs/reference/registry.md", '"schema_version": 1'): (
        "an entry's fields are described in the sections before"
    ),
    ("plugins/files/README.md", '"head_size": 1024'): "the file-head hashes are shortened",
}

#: YAML blocks that show ``${...}`` references as any connector's settings may hold them.
REFERENCES = {
    ("docs/how-to/configure-connectors.md", "token: ${env:ACME_TOKEN}"): (
        "a connector's settings in general: no first-party connector has these keys"
    ),
}

#: The first-party connectors a config example can be for.
CONNECTORS = ("files", "sqlite", "rest")

#: Values for the settings a connector requires, put into fragments that leave them out.
PLACEHOLDERS: dict[str, dict[str, Any]] = {
    "files": {"directory": "data"},
    "sqlite": {"path": "doc-example.db"},
    "rest": {"base_url": "https://api.example.com"},
}

#: The same for one of the connector's streams.
STREAM_PLACEHOLDERS: dict[str, dict[str, Any]] = {
    "files": {"name": "doc_example", "path": "doc-example.jsonl"},
    "rest": {"name": "doc_example", "path": "/doc-example"},
}

_PIPELINE_EXCERPT = re.compile(r"\A\s*#\s*\S*pipeline\S*\.ya?ml\s*$", re.M)
_PIPELINE_SCHEMA = jsonschema.Draft202012Validator(pipeline_schema())
_STUB_SIDES = "source: {connector: doc-example}\ndestination: {connector: doc-example}\n"
_BARE_ELISION = re.compile(r",\s*\.\.\.(?=\s*[}\]])")
_ERROR_LINE = re.compile(
    r"^error: (?P<source>[^\s:]+): (?P<message>\S.*\S) @ (?P<path>\$(?:\.[^.\[\]\s]+|\[\d+\])*)$"
)


def _of(*kinds: str) -> list[Block]:
    return [b for b in BLOCKS if b.lang in kinds]


def _ids(blocks: list[Block]) -> list[str]:
    return [b.id for b in blocks]


def _listed(table: dict[tuple[str, str], str], block: Block) -> str | None:
    for (file, text), reason in table.items():
        if block.file == file and text in block.text:
            return reason
    return None


@pytest.fixture(autouse=True)
def _clean_secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Connectors are found as installed; the examples' secrets are forgotten after."""
    monkeypatch.delenv("HOOKLINE_DISABLE_PLUGINS", raising=False)
    yield
    secrets._forget_all()


@functools.cache
def _connector(connector_id: str) -> Connector:
    return open_connector(connector_id)


def _config_problems(
    connector_id: str, data: Any, *, source: str, base_dir: Path, path: str = "$"
) -> list[str]:
    try:
        _connector(connector_id).parse_config(data, source=source, base_dir=base_dir, path=path)
    except ConfigError as exc:
        return [f"{connector_id}: {p}" for p in exc.problems if not is_missing_referenced_file(p)]
    return []


# --- YAML -----------------------------------------------------------------------------------


def _pipeline_problems(
    text: str, document: dict[str, Any], folder: Path, *, stub: bool
) -> list[str]:
    file = folder / "pipeline.yaml"
    file.write_text(_STUB_SIDES + text if stub else text, encoding="utf-8")
    missing_files = set()
    for side in ("source", "destination"):
        ref = document.get(side)
        if isinstance(ref, dict) and isinstance(ref.get("config_file"), str):
            missing_files.add(str(folder / ref["config_file"]))
    _, found = check_pipeline(file)

    def tolerated(problem: ConfigProblem) -> bool:
        shown_elsewhere = (
            problem.message == "file not found: check the path" and problem.source in missing_files
        )
        return shown_elsewhere or is_missing_referenced_file(problem)

    problems = [f"pipeline: {p}" for p in found if not tolerated(p)]
    written = yaml.safe_load(file.read_text(encoding="utf-8"))
    problems += [
        f"pipeline schema: {error.message} @ {error.json_path}"
        for error in _PIPELINE_SCHEMA.iter_errors(written)
    ]
    if stub:
        return problems
    for side in ("source", "destination"):
        ref = document[side]
        connector_id = ref.get("connector") if isinstance(ref, dict) else None
        if not isinstance(connector_id, str):
            continue  # check_pipeline reported it
        try:
            info = _connector(connector_id).info
        except Exception as exc:
            problems.append(f"{side}: {exc}")
            continue
        if not (info.is_source if side == "source" else info.is_destination):
            problems.append(f"{side}: connector {connector_id!r} is a {info.kind} connector")
        if isinstance(ref.get("config"), dict):
            problems += _config_problems(
                connector_id,
                ref["config"],
                source=str(file),
                base_dir=folder,
                path=f"$.{side}.config",
            )
    return problems


def _settings_schema(connector_id: str, level: str) -> dict[str, Any] | None:
    schema: dict[str, Any] = _connector(connector_id).config_schema()
    if level == "stream":
        streams = schema["properties"].get("streams")
        return streams["items"] if streams else None
    return schema


def _connector_for(document: dict[str, Any]) -> tuple[str, str] | str:
    """Which connector, at which level (top or stream), a config example is for; or why not.

    The connectors whose settings (at that level) have every top-level key of the example
    are the candidates; of several, those with a place for every nested key too.
    """
    for level in ("top", "stream"):
        schemas = {c: _settings_schema(c, level) for c in CONNECTORS}
        shallow = [
            c
            for c, schema in schemas.items()
            if schema and set(document) <= set(schema["properties"])
        ]
        deep = [c for c in shallow if fits(document, schemas[c] or {})]
        chosen = deep or shallow
        if len(chosen) == 1:
            return chosen[0], level
        if chosen:
            return (
                f"keys {sorted(document)} fit the settings of {', '.join(chosen)}: make the "
                "example say which"
            )
    return (
        f"keys {sorted(document)} are settings of no connector ({', '.join(CONNECTORS)}), "
        "nor of one of their streams"
    )


def _connector_config_problems(document: dict[str, Any], folder: Path, source: str) -> list[str]:
    found = _connector_for(document)
    if isinstance(found, str):
        return [found]
    connector_id, level = found
    schema = _settings_schema(connector_id, "top") or {}
    if level == "top":
        required = schema.get("required", [])
        data = {k: v for k, v in PLACEHOLDERS[connector_id].items() if k in required}
        data.update(document)
    else:
        stream = dict(STREAM_PLACEHOLDERS[connector_id])
        stream.update(document)
        data = {**PLACEHOLDERS[connector_id], "streams": [stream]}
    return _config_problems(connector_id, data, source=source, base_dir=folder)


def _reference_problems(document: dict[str, Any], folder: Path, source: str) -> list[str]:
    try:
        resolve_references(document, source=source, base_dir=folder)
    except ConfigError as exc:
        return [f"references: {p}" for p in exc.problems if not is_missing_referenced_file(p)]
    return []


@pytest.mark.parametrize("block", _of("yaml"), ids=_ids(_of("yaml")))
def test_yaml_example(block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in env_references(block.text):
        monkeypatch.setenv(name, f"doc-example-{name.lower()}")
    documents = yaml_alternatives(block.text)
    excerpt = bool(_PIPELINE_EXCERPT.match(block.text))
    problems: list[str] = []
    for document in documents:
        alone = block.text if len(documents) == 1 else json.dumps(document)
        if "source" in document and "destination" in document:
            problems += _pipeline_problems(alone, document, tmp_path, stub=False)
        elif excerpt:
            problems += _pipeline_problems(alone, document, tmp_path, stub=True)
        elif set(document) == {"map"}:
            try:
                parse_mapping(document["map"], source=block.id, path="$.map")
            except ConfigError as exc:
                problems += [f"mapping: {p}" for p in exc.problems]
        elif _listed(REFERENCES, block):
            problems += _reference_problems(document, tmp_path, block.id)
        else:
            problems += _connector_config_problems(document, tmp_path, block.id)
    assert not problems, "\n".join(problems)


# --- JSON -----------------------------------------------------------------------------------


@pytest.mark.parametrize("block", _of("json"), ids=_ids(_of("json")))
def test_json_example(block: Block) -> None:
    text = block.text
    if "..." in text:
        assert _listed(ELIDED, block), (
            "the block leaves something out with '...': make it whole, or list it in ELIDED "
            "with the reason"
        )
        text = _BARE_ELISION.sub("", text)
    try:
        json.loads(text)
    except json.JSONDecodeError as whole:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) < 2 or whole.msg != "Extra data":
            raise
        for number, line in enumerate(lines, 1):
            value = json.loads(line)  # JSON Lines: each line one object
            assert isinstance(value, dict), f"line {number} of the JSON Lines is not an object"


@pytest.mark.parametrize("table", [ELIDED, REFERENCES], ids=["ELIDED", "REFERENCES"])
def test_every_listed_block_exists(table: dict[tuple[str, str], str]) -> None:
    for (file, text), reason in table.items():
        matches = [b for b in BLOCKS if b.file == file and text in b.text]
        assert len(matches) == 1, f"{file}: {len(matches)} blocks hold {text!r} ({reason})"
        if table is ELIDED:
            assert "..." in matches[0].text, f"{matches[0].id} elides nothing any more"


# --- Python ---------------------------------------------------------------------------------


def _runnable(block: Block) -> bool:
    try:
        tree = ast.parse(block.text)
    except SyntaxError:
        return False  # test_python_example reports it
    allowed = set(sys.stdlib_module_names) | set(FIRST_PARTY) | _dependencies()
    return imported_top_names(tree) <= allowed and not free_names(block.text, block.id)


@functools.cache
def _dependencies() -> frozenset[str]:
    return frozenset(hookline_dependencies())


@pytest.mark.parametrize("block", _of("python"), ids=_ids(_of("python")))
def test_python_example(block: Block) -> None:
    tree = ast.parse(block.text, filename=block.id)
    compile(tree, block.id, "exec")
    bound, problems = first_party_names(tree)
    problems += call_mismatches(tree, bound)
    assert not problems, "\n".join(problems)


RUNNABLE = [b for b in _of("python") if _runnable(b)]


def _refuse(*args: object, **kwargs: object) -> None:
    raise OSError("a documentation example may not open network connections")


@pytest.mark.parametrize("block", RUNNABLE, ids=_ids(RUNNABLE))
def test_self_contained_python_example_runs(
    block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(socket.socket, "connect", _refuse)
    monkeypatch.setattr(socket, "create_connection", _refuse)
    file = tmp_path / "doc_example.py"
    file.write_text(block.text, encoding="utf-8")
    name = "doc_example_" + re.sub(r"\W", "_", block.id)
    spec = importlib.util.spec_from_file_location(name, file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    if hasattr(module, "hookline_describe"):
        connector = connector_from_plugin(module)
        assert connector.info.kind in ("source", "destination", "both")
    for cls in iter_hookimpl_classes(module):
        required = [p for p in inspect.signature(cls).parameters.values() if p.default is p.empty]
        if required:
            continue
        host = connector_from_plugin(
            importlib.import_module("hookline_files.connector"),
            plugins=Plugins([Plugin("doc-example", cls())]),
        )
        assert host.id == "files"


# --- shell ----------------------------------------------------------------------------------


def _cli_problem(args: list[str]) -> str | None:
    from hookline.cli._main import cli

    if "--debug" in args:  # accepted anywhere, as hookline's main() does
        args = ["--debug", *[a for a in args if a != "--debug"]]
    shown = "hookline " + " ".join(args)
    try:
        ctx = cli.make_context("hookline", list(args))
        command: click.Command = cli
        while isinstance(command, click.Group):
            rest = [*ctx._protected_args, *ctx.args]
            if not rest:
                return f"{shown}: names no subcommand of {ctx.command_path!r}"
            name, sub, remaining = command.resolve_command(ctx, rest)
            assert name is not None and sub is not None
            if isinstance(sub, click.Group) and not remaining:
                return f"{shown}: names no subcommand of '{ctx.command_path} {name}'"
            ctx = sub.make_context(name, remaining, parent=ctx)
            command = sub
    except click.exceptions.Exit as exc:
        return None if exc.exit_code == 0 else f"{shown}: exits {exc.exit_code}"
    except click.BadParameter as exc:
        kind = exc.param.type if exc.param is not None else None
        if isinstance(kind, click.Path) and kind.exists and "does not exist" in exc.message:
            return None  # a file on the reader's machine
        return f"{shown}: {exc.format_message()}"
    except click.ClickException as exc:
        return f"{shown}: {exc.format_message()}"
    return None


@functools.cache
def _sessions() -> frozenset[str]:
    return frozenset(nox_sessions())


CONSOLE = _of("console", "shell", "bash")


@pytest.mark.parametrize("block", CONSOLE, ids=_ids(CONSOLE))
def test_console_example(
    block: Block,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    lines = shell_lines(block)
    assert lines, "a console block without a command"
    problems: list[str] = []
    for line in lines:
        try:
            commands = simple_commands(line)
        except ValueError as exc:
            problems.append(f"{line}: {exc}")
            continue
        for words in commands:
            args = hookline_arguments(words)
            if args is not None:
                problem = _cli_problem(args)
                problems += [problem] if problem else []
            elif words[0] == "nox":
                unknown = [s for s in nox_sessions_named(words) if s not in _sessions()]
                problems += [f"{line}: noxfile.py has no session {s!r}" for s in unknown]
    capsys.readouterr()  # what --version printed
    assert not problems, "\n".join(problems)


# --- TOML -----------------------------------------------------------------------------------


@pytest.mark.parametrize("block", _of("toml"), ids=_ids(_of("toml")))
def test_toml_example(block: Block) -> None:
    data = tomllib.loads(block.text)
    groups = data.get("project", {}).get("entry-points", {})
    for group, entries in groups.items():
        if group.startswith("hookline."):
            assert group in (CONNECTORS_GROUP, PLUGINS_GROUP), f"hookline reads no {group!r}"
        for target in entries.values():
            assert re.fullmatch(r"[\w.]+(:[\w.]+)?", target), f"not module[:attr]: {target!r}"


# --- output ---------------------------------------------------------------------------------

ERRORS = [
    b for b in _of("text", "") if any(line.startswith("error: ") for line in b.text.splitlines())
]


@pytest.mark.parametrize("block", ERRORS, ids=_ids(ERRORS))
def test_error_output_example(block: Block) -> None:
    wrong = [
        line for line in block.text.splitlines() if line.strip() and not _ERROR_LINE.match(line)
    ]
    assert not wrong, "not 'error: SOURCE: MESSAGE @ JSON-PATH', one problem a line:\n" + "\n".join(
        wrong
    )


# --- the blocks themselves --------------------------------------------------------------------


def test_every_block_has_a_language_with_a_rule() -> None:
    unknown = [f"{b.id}: {b.lang!r}" for b in BLOCKS if b.lang not in KINDS]
    assert not unknown, "no rule checks these blocks' language: add one\n" + "\n".join(unknown)


def test_blocks_are_found_in_indented_and_tilde_fences(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        'text\n\n```yaml\na: 1\n```\n\n* item:\n\n  ```json\n  {"b": 2}\n  ```\n\n'
        "~~~~\nplain\n```\n~~~~\n",
        encoding="utf-8",
    )
    found = blocks_of(page, "page.md")
    assert [(b.id, b.lang, b.text) for b in found] == [
        ("page.md:3", "yaml", "a: 1\n"),
        ("page.md:9", "json", '{"b": 2}\n'),
        ("page.md:13", "", "plain\n```\n"),
    ]
    page.write_text("```python\nx = 1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="never closed"):
        blocks_of(page, "page.md")
