"""Helpers for conformance fixtures: distinctive canary secrets, and merging settings.

The fixture model itself, :class:`~hookline.models.ConformanceFixture`, is part of the
host/connector contract and lives in :mod:`hookline.models`.
"""

from __future__ import annotations

import secrets as _random
from collections.abc import Mapping
from typing import Any

from hookline.models import ConformanceFixture

__all__ = ["ConformanceFixture", "canary", "merged"]


def canary(name: str = "secret") -> str:
    """Return a distinctive secret value for a fixture, such as ``hl-canary-token-3f9a...``.

    The secrets check searches every output for the fixture's secret values (and their
    URL-encoded and base64 forms); a random, recognisable value cannot appear by chance.
    """
    return f"hl-canary-{name}-{_random.token_hex(8)}"


def merged(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``base`` with ``overrides`` merged over it (nested mappings key by key)."""
    result = dict(base)
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result
