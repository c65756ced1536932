"""Finding the fenced code blocks of the documentation, and the checks they share.

The pages are every Markdown file under ``docs/``, ``README.md`` and each connector's
``plugins/<id>/README.md``. A block is found wherever its fence starts (also indented, in a
list item); its text is dedented by the fence's indentation.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import re
import shlex
import symtable
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import yaml

ROOT = Path(__file__).resolve().parents[2]

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+-]*)")


@attrs.frozen
class Block:
    """One fenced code block: the page, the line of its opening fence, language, text."""

    file: str
    line: int
    lang: str
    text: str

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}"


def pages() -> list[Path]:
    """The Markdown files whose examples are checked."""
    return [
        *sorted((ROOT / "docs").rglob("*.md")),
        ROOT / "README.md",
        *sorted(ROOT.glob("plugins/*/README.md")),
    ]


def _dedent(line: str, indent: str) -> str:
    return line[len(indent) :] if line.startswith(indent) else line.lstrip(" \t")


def blocks_of(path: Path, name: str | None = None) -> list[Block]:
    """Every fenced block of one page (``name``: how ids call it; default: its path).

    Raises:
        ValueError: a fence is never closed (the rest of the page would be one block).
    """
    name = name or path.relative_to(ROOT).as_posix()
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if match is None:
            index += 1
            continue
        fence, indent = match["fence"], match["indent"]
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = index + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        if end == len(lines):
            raise ValueError(f"{name}:{index + 1}: the fence opened here is never closed")
        body = "\n".join(_dedent(line, indent) for line in lines[index + 1 : end])
        found.append(Block(name, index + 1, match["lang"].lower(), body + "\n"))
        index = end + 1
    return found


def all_blocks() -> list[Block]:
    """Every fenced block of every checked page, in page order."""
    return [block for page in pages() for block in blocks_of(page)]


# --- references -------------------------------------------------------------------------

_ENV_REFERENCE = re.compile(r"\$\{env:([^}]*)\}")


def env_references(text: str) -> list[str]:
    """The variable names of the ``${env:NAME}`` references in ``text``."""
    return sorted({name.strip() for name in _ENV_REFERENCE.findall(text)})


def is_missing_referenced_file(problem: Any) -> bool:
    """Whether a config problem says only that a ``${file:...}`` file is not there.

    The examples reference files such as ``/run/secrets/shop_pw`` that exist on the
    reader's machine, not on this one.
    """
    return bool(problem.reference) and problem.message.startswith("cannot read referenced file")


# --- YAML ---------------------------------------------------------------------------------


def yaml_alternatives(text: str) -> list[dict[str, Any]]:
    """The documents a YAML block shows: itself, or one per top-level key when keys repeat.

    A block such as ``auth: {kind: bearer, ...}`` followed by ``auth: {kind: basic, ...}``
    lists alternatives; ``yaml.safe_load`` would keep only the last, so each top-level
    entry is then a document of its own.

    Raises:
        yaml.YAMLError: the block is not valid YAML.
        TypeError: the block is not a mapping.
    """
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise TypeError(f"expected a mapping at the top, got {type(data).__name__}")
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    assert isinstance(node, yaml.MappingNode)
    keys = [key.value for key, _ in node.value]
    if len(keys) == len(set(keys)):
        return [data]
    alternatives = []
    for pair in node.value:
        single = yaml.MappingNode("tag:yaml.org,2002:map", [pair])
        document = yaml.constructor.SafeConstructor().construct_document(single)
        alternatives.append(document)
    return alternatives


def fits(value: Any, schema: dict[str, Any]) -> bool:
    """Whether every key in ``value`` has a place in ``schema`` (a config's JSON Schema).

    Only the shape of keys is compared, recursively; types and required keys are left to
    the config parser. Used to tell which connector a config example is for.
    """
    if "anyOf" in schema:
        return any(fits(value, option) for option in schema["anyOf"])
    if isinstance(value, dict):
        if schema.get("type") not in (None, "object"):
            return False
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                if not fits(item, properties[key]):
                    return False
            elif extra is False or (isinstance(extra, dict) and not fits(item, extra)):
                return False
        return True
    if isinstance(value, list):
        if schema.get("type") not in (None, "array"):
            return False
        items = schema.get("items", {})
        return all(fits(item, items) for item in value)
    return True


# --- shell ----------------------------------------------------------------------------------

_OPERATORS = {"|", "||", "&&", ";", "&"}
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def shell_lines(block: Block) -> list[str]:
    """The command lines of a console or shell block, continuation lines joined.

    In a block with ``$ `` prompts the commands are the prompted lines (the rest is
    output); a block without any prompt is a script, every line a command.
    """
    lines = block.text.splitlines()
    prompted = any(line.startswith("$ ") for line in lines)
    commands: list[str] = []
    continuing = False
    for line in lines:
        if continuing:
            commands[-1] = commands[-1][:-1] + " " + line.strip()
        elif prompted and line.startswith("$ "):
            commands.append(line[2:].strip())
        elif not prompted and line.strip() and not line.lstrip().startswith("#"):
            commands.append(line.strip())
        else:
            continue
        continuing = commands[-1].endswith("\\")
    return commands


def simple_commands(line: str) -> list[list[str]]:
    """Split a command line into its simple commands' words.

    Pipes, ``&&``, ``;`` split commands; redirections and their targets, comments and
    leading ``NAME=value`` assignments are dropped.

    Raises:
        ValueError: the line does not tokenise (an unbalanced quote).
    """
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    tokens = list(lexer)
    commands: list[list[str]] = [[]]
    skip_next = False
    for token in tokens:
        if skip_next:
            skip_next = False
        elif token in _OPERATORS:
            commands.append([])
        elif set(token) <= set("<>&"):
            skip_next = True
        else:
            commands[-1].append(token)
    words = []
    for command in commands:
        while command and _ASSIGNMENT.match(command[0]):
            command = command[1:]
        if command:
            words.append(command)
    return words


def hookline_arguments(words: list[str]) -> list[str] | None:
    """The arguments of a ``hookline`` (or ``python -m hookline``) command, else ``None``."""
    if words[0] == "hookline":
        return words[1:]
    if re.fullmatch(r"python3?(\.\d+)?", words[0]) and words[1:3] == ["-m", "hookline"]:
        return words[3:]
    return None


def nox_sessions_named(words: list[str]) -> list[str]:
    """The sessions a ``nox`` command names with ``-s``/``--session``/``--sessions``."""
    named: list[str] = []
    args = words[1 : words.index("--")] if "--" in words else words[1:]
    taking = False
    for arg in args:
        if arg in ("-s", "--session", "--sessions", "-e"):
            taking = True
        elif arg.startswith("-"):
            taking = False
        elif taking:
            named.append(arg)
    return named


def nox_sessions() -> set[str]:
    """The session names noxfile.py defines (``@nox.session``, ``name=`` honoured)."""
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call else decorator
            if ast.unparse(target) not in ("nox.session", "session"):
                continue
            name = node.name
            for keyword in call.keywords if call else []:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                    name = str(keyword.value.value)
            names.add(name)
    return names


# --- Python -------------------------------------------------------------------------------

#: Top-level packages of this repository whose imports are checked: the SDK, the connectors.
FIRST_PARTY = ("hookline", "hookline_files", "hookline_sqlite", "hookline_rest")


def imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement of a module, nested ones included."""
    return [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]


def imported_top_names(tree: ast.Module) -> set[str]:
    """The top-level packages a module imports."""
    found: set[str] = set()
    for node in imports(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        else:
            found.add(".")  # a relative import: not runnable on its own
    return found


def hookline_dependencies() -> set[str]:
    """The import names of hookline's declared runtime dependencies (attrs, httpx, ...)."""
    from importlib.metadata import packages_distributions, requires

    required = {
        re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower().replace("_", "-")
        for requirement in requires("hookline") or []
        if "extra ==" not in requirement
    }
    return {
        module
        for module, dists in packages_distributions().items()
        if any(d.lower().replace("_", "-") in required for d in dists)
    }


def free_names(text: str, filename: str) -> set[str]:
    """The global names a module reads but never binds (and that are not builtins)."""
    top = symtable.symtable(text, filename, "exec")
    bound = {
        s.get_name()
        for s in top.get_symbols()
        if s.is_assigned() or s.is_imported() or s.is_namespace()
    }
    known = bound | set(dir(builtins)) | {"__name__", "__file__", "__doc__"}
    free: set[str] = set()

    def visit(table: symtable.SymbolTable, module: bool) -> None:
        for symbol in table.get_symbols():
            if not symbol.is_referenced():
                continue
            unbound = (
                not (symbol.is_assigned() or symbol.is_imported() or symbol.is_parameter())
                if module
                else symbol.is_global()
            )
            if unbound and symbol.get_name() not in known:
                free.add(symbol.get_name())
        for child in table.get_children():
            visit(child, False)

    visit(top, True)
    return free


def first_party_names(tree: ast.Module) -> tuple[dict[str, Any], list[str]]:
    """Import what a module imports from this repository's packages.

    Returns:
        The objects bound by ``from <first-party> import X`` (by local name), and one
        line per name that does not exist.
    """
    bound: dict[str, Any] = {}
    missing: list[str] = []
    for node in imports(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in FIRST_PARTY:
                    try:
                        importlib.import_module(alias.name)
                    except ImportError as exc:
                        missing.append(f"line {node.lineno}: import {alias.name}: {exc}")
            continue
        module_name = node.module or ""
        if node.level or module_name.split(".")[0] not in FIRST_PARTY:
            continue
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            missing.append(f"line {node.lineno}: from {module_name}: {exc}")
            continue
        for alias in node.names:
            if alias.name == "*":
                continue
            if hasattr(module, alias.name):
                bound[alias.asname or alias.name] = getattr(module, alias.name)
                continue
            try:
                bound[alias.asname or alias.name] = importlib.import_module(
                    f"{module_name}.{alias.name}"
                )
            except ImportError:
                missing.append(f"line {node.lineno}: {module_name} has no {alias.name!r}")
    return bound, missing


def _has_attribute(cls: type, name: str) -> bool:
    """Whether instances of ``cls`` have ``name``: declared, or set as ``self.name`` in it."""
    if hasattr(cls, name):
        return True
    for klass in cls.__mro__:
        if attrs.has(klass) and name in {f.name for f in attrs.fields(klass)}:
            return True
        if name in getattr(klass, "__annotations__", {}):
            return True
        try:
            source = inspect.getsource(klass)
        except (OSError, TypeError):
            continue
        if re.search(rf"\bself\.{re.escape(name)}\s*(:[^=]*)?=", source):
            return True
    return False


def _returned_type(function: Any) -> type | None:
    if isinstance(function, type):
        return function
    try:
        returned = typing.get_type_hints(function).get("return")
    except Exception:
        return None
    return returned if isinstance(returned, type) else None


class _Calls:
    """Checks the calls and attributes of first-party values a Python example uses.

    A name bound by ``from <first-party> import X`` is known; so is a variable assigned
    the result of calling a known callable whose return type is a class, and the result
    of calling a method of such a value.
    """

    def __init__(self, bound: dict[str, Any]) -> None:
        self.bound = bound
        self.types: dict[str, type] = {}
        self.problems: list[str] = []

    def value_of(self, node: ast.expr) -> Any:
        """The first-party callable an expression names, or ``None``."""
        if isinstance(node, ast.Name):
            return self.bound.get(node.id)
        if isinstance(node, ast.Attribute):
            owner = self.type_of(node.value)
            if owner is not None and hasattr(owner, node.attr):
                return getattr(owner, node.attr)
        return None

    def type_of(self, node: ast.expr) -> type | None:
        """The class of a value an expression makes, where it is known."""
        if isinstance(node, ast.Name):
            return self.types.get(node.id)
        if isinstance(node, ast.Call):
            callee = self.value_of(node.func)
            return _returned_type(callee) if callee is not None else None
        return None

    def check_call(self, node: ast.Call) -> None:
        callee = self.value_of(node.func)
        if callee is None or not callable(callee):
            return
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
            k.arg is None for k in node.keywords
        ):
            return
        try:
            signature = inspect.signature(callee)
        except (TypeError, ValueError):
            return
        args: list[Any] = list(node.args)
        if isinstance(node.func, ast.Attribute) and inspect.isfunction(callee):
            args.insert(0, None)  # self: a method looked up on the class
        try:
            signature.bind(*args, **{k.arg: k.value for k in node.keywords if k.arg})
        except TypeError as exc:
            self.problems.append(f"line {node.lineno}: {ast.unparse(node.func)}(...): {exc}")

    def check_attribute(self, node: ast.Attribute) -> None:
        owner = self.type_of(node.value)
        if owner is not None and not _has_attribute(owner, node.attr):
            self.problems.append(
                f"line {node.lineno}: {ast.unparse(node)}: {owner.__qualname__} has no "
                f"attribute {node.attr!r}"
            )

    def run(self, tree: ast.Module) -> list[str]:
        nodes = sorted(
            (n for n in ast.walk(tree) if isinstance(n, (ast.stmt, ast.expr))),
            key=lambda n: (n.lineno, n.col_offset),
        )
        for node in nodes:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                known = self.type_of(node.value)
                if isinstance(target, ast.Name) and known is not None:
                    self.types[target.id] = known
            elif isinstance(node, ast.Call):
                self.check_call(node)
            elif isinstance(node, ast.Attribute):
                self.check_attribute(node)
        return self.problems


def call_mismatches(tree: ast.Module, bound: dict[str, Any]) -> list[str]:
    """Calls and attributes of first-party values that the code does not have or accept.

    Every call of an imported first-party callable, or of a method of a value one returns,
    must bind to its signature; every attribute read from such a value must exist.
    """
    return _Calls(bound).run(tree)


def iter_hookimpl_classes(module: Any) -> Iterator[type]:
    """The classes a module defines that carry hook implementations."""
    from hookline._markers import PROJECT_NAME

    for value in vars(module).values():
        if (
            isinstance(value, type)
            and value.__module__ == module.__name__
            and any(hasattr(v, PROJECT_NAME + "_impl") for v in vars(value).values())
        ):
            yield value
