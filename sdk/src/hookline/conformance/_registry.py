"""The checks: how one is declared, what it yields, and the levels evidence earns."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from hookline.conformance._context import SuiteContext

#: The quality levels, lowest first.
LEVELS = ("bronze", "silver", "gold")

#: The phases, in the order the suite runs them, and the level each belongs to.
PHASE_LEVELS = {
    "describe": "bronze",
    "config": "bronze",
    "check": "bronze",
    "discover": "bronze",
    "read": "bronze",
    "incremental": "silver",
    "write": "gold",
    "faults": "gold",
    "secrets": "silver",
}


class CheckFailed(Exception):
    """Raised by a check: the connector does not behave as the check requires."""


class CheckSkipped(Exception):
    """Raised by a check that could not run.

    ``applicable=False`` means the check does not apply to this connector (a write check
    for a source); it does not stand in the way of a level, and the report lists it as
    not proven. ``applicable=True`` means it applies but the fixture did not give what it
    needs; the level it belongs to is then not reached, or the level ``holds_back`` names
    when that is higher (a declaration only gold requires).
    """

    def __init__(
        self, message: str, *, applicable: bool = False, holds_back: str | None = None
    ) -> None:
        super().__init__(message)
        self.applicable = applicable
        if holds_back is not None and holds_back not in LEVELS:
            raise ValueError(f"unknown level {holds_back!r}")
        self.holds_back = holds_back


CheckFunction = Callable[["SuiteContext"], "str | None"]


@attrs.frozen
class Check:
    """One named check: what it proves (``doc``), its phase and level, and its code."""

    name: str
    phase: str
    doc: str
    function: CheckFunction = attrs.field(repr=False)

    @property
    def level(self) -> str:
        """The level this check counts towards."""
        return PHASE_LEVELS[self.phase]


_CHECKS: dict[str, Check] = {}


def check(name: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check function under ``name`` (``"<phase>.<what>"``).

    The function's first docstring line is what the check proves. It returns a short
    message (or ``None``) when the check passes and raises :class:`CheckFailed` or
    :class:`CheckSkipped` otherwise.
    """
    phase = name.split(".", 1)[0]
    if phase not in PHASE_LEVELS:
        raise ValueError(f"unknown phase {phase!r} in check name {name!r}")

    def register(function: CheckFunction) -> CheckFunction:
        doc = (function.__doc__ or "").strip().splitlines()
        _CHECKS[name] = Check(name, phase, doc[0] if doc else "", function)
        return function

    return register


def listed(problems: list[str], shown: int = 3) -> str:
    """Join the first ``shown`` problems into one line, saying how many more there are."""
    more = len(problems) - shown
    text = "; ".join(problems[:shown])
    return f"{text}; and {more} more" if more > 0 else text


def all_checks() -> list[Check]:
    """Every registered check, in the order the suite runs them (phase by phase)."""
    _load_checks()
    order = list(PHASE_LEVELS)
    return sorted(_CHECKS.values(), key=lambda c: order.index(c.phase))


def _load_checks() -> None:
    import importlib

    for module in _CHECK_MODULES:
        importlib.import_module(f"hookline.conformance.{module}")


_CHECK_MODULES = (
    "_checks_describe",
    "_checks_config",
    "_checks_config_values",
    "_checks_read",
    "_checks_read_complete",
    "_checks_state_bad",
    "_checks_state_changes",
    "_checks_write",
    "_checks_write_fidelity",
    "_checks_write_modes",
    "_checks_write_counts",
    "_checks_write_fields",
    "_checks_faults",
    "_checks_secrets",
)


def level_of(results: dict[str, Any]) -> str:
    """Return the highest level every check up to which passed (or did not apply).

    ``results`` maps a check name to an object with ``status`` and ``applicable``; a check
    missing from it (not run) counts as not passed.
    """
    reached = "none"
    for level in LEVELS:
        for item in all_checks():
            result = results.get(item.name)
            if LEVELS.index(blocked_level(item.level, result)) > LEVELS.index(level):
                continue
            if result is None:
                return reached
            if result.status == "failed":
                return reached
            if result.status == "skipped" and result.applicable:
                return reached
        reached = level
    return reached


def blocked_level(level: str, result: Any) -> str:
    """The level a check's ``result`` stands in the way of (its own ``level`` at least).

    An applicable skip that names a higher level in ``holds_back`` holds back that level
    only: the evidence missing is one only that level requires.
    """
    if result is not None and result.status == "skipped" and result.applicable:
        higher = getattr(result, "holds_back", None)
        if higher in LEVELS and LEVELS.index(higher) > LEVELS.index(level):
            return str(higher)
    return level
