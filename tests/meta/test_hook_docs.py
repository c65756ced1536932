"""Every hook is documented and tested, and the generated reference pages are current."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from hookline import _docgen, hookspecs

ROOT = Path(__file__).resolve().parents[2]
HOOKS = _docgen.hook_functions()


def test_every_declared_hook_is_listed() -> None:
    declared = sorted(n for n in dir(hookspecs) if n.startswith("hookline_"))
    assert sorted(f.__name__ for f in HOOKS) == declared
    phases = {"describe", "auth", "check", "discover", "read", "transform", "write"}
    extra = {"write_start", "write_finish", "validate_streams", "conformance_fixture"}
    assert phases | extra == {f.__name__.removeprefix("hookline_") for f in HOOKS}


@pytest.mark.parametrize("hook", HOOKS, ids=lambda f: f.__name__)
def test_hook_is_documented(hook: object) -> None:
    doc = inspect.getdoc(hook) or ""
    summary = doc.splitlines()[0] if doc else ""
    assert summary.endswith("."), "a one-line summary ending in a period"
    assert "Called " in doc, "when and how often it is called"
    assert "Calling convention:" in doc, "first result or all results"
    assert "Wrappers" in doc, "whether wrappers are supported"
    assert "Since " in doc, "since which version"
    assert "Returns:" in doc
    params = list(inspect.signature(hook).parameters)  # type: ignore[arg-type]
    for name in params:
        assert re.search(rf"^\s+{name}: ", doc, re.M), f"argument {name} is documented"
    assert inspect.signature(hook).return_annotation is not inspect.Signature.empty  # type: ignore[arg-type]


@pytest.mark.parametrize("hook", HOOKS, ids=lambda f: f.__name__)
def test_hook_has_a_test(hook: object) -> None:
    name = hook.__name__.removeprefix("hookline_")  # type: ignore[attr-defined]
    pattern = re.compile(rf"^def test_hook_{name}\b", re.M)
    sources = [p.read_text() for p in ROOT.glob("tests/**/test_*.py")]
    assert any(pattern.search(text) for text in sources), f"no test_hook_{name} test"


def test_generated_reference_pages_are_current() -> None:
    for path, text in _docgen.pages(ROOT).items():
        assert path.exists(), f"{path} is missing: run `nox -s docs`"
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: run `nox -s docs`"


def test_reference_headings_are_exact_signatures() -> None:
    page = (ROOT / "docs" / "reference" / "hooks.md").read_text()
    for hook in HOOKS:
        assert f"## `{_docgen.hook_signature(hook)}`" in page
