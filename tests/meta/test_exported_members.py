"""Each public module's ``__all__`` is exactly its public names, and all are documented."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import hookline

PUBLIC_MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(hookline.__path__, "hookline.")
    if not any(part.startswith("_") for part in m.name.split("."))
)


def test_package_all_matches_what_it_offers() -> None:
    for name in hookline.__all__:
        assert getattr(hookline, name) is not None
    assert "hookimpl" in hookline.__all__


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_module_all_is_its_public_names(module_name: str) -> None:
    module = importlib.import_module(module_name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{module_name} has no __all__"
    defined_here = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and value.__module__ == module_name
    }
    assert defined_here <= set(exported), f"public but not exported: {defined_here - set(exported)}"
    for name in exported:
        assert hasattr(module, name), f"{module_name}.__all__ names missing {name}"


@pytest.mark.parametrize("module_name", ["hookline", *PUBLIC_MODULES])
def test_public_names_have_docstrings(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert inspect.getdoc(module), f"{module_name} has no docstring"
    for name in getattr(module, "__all__", []):
        value = getattr(module, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), f"{module_name}.{name} has no docstring"
