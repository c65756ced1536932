"""What a connector hands the conformance suite: a config, and how to test it offline."""

from __future__ import annotations

import secrets as _random
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from hookline.models import ConfiguredStream, Record


def _dict(value: Mapping[str, Any]) -> dict[str, Any]:
    return dict(value)


def _optional_dict(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if value is None else dict(value)


@attrs.frozen
class ConformanceFixture:
    """A connector's conformance fixture; returned by ``hookline_conformance_fixture``.

    Attributes:
        config: a working configuration, as it would be written in a config file
            (relative paths are relative to the fixture's ``workdir``). Its secret values
            are the canaries: no output of any phase may contain them. Make them
            distinctive with :func:`canary`.
        bad_credentials: settings merged over ``config`` (nested mappings merge key by
            key) that the service refuses; auth or check must then fail with a clear
            error. ``None`` when the connector takes no credentials.
        invalid_config: a config that passes type checks but that the connector must
            refuse with a clear error (a missing directory, a URL without a scheme).
        url_setting: the dotted key path of the setting that holds the service's base URL
            (``"base_url"``, ``"api.url"``). Setting it enables the HTTP fault checks: the
            suite routes the connector through a loopback proxy that injects 429, 503 and
            401 responses.
        read_back: for a destination that cannot read its own output: given a written
            stream, return the records stored for it. ``None`` reads back through the
            connector's own discover and read (connectors of kind ``both``).
        cleanup: called once when the suite is done (stop the fake service).
    """

    config: dict[str, Any] = attrs.field(converter=_dict)
    bad_credentials: dict[str, Any] | None = attrs.field(default=None, converter=_optional_dict)
    invalid_config: dict[str, Any] | None = attrs.field(default=None, converter=_optional_dict)
    url_setting: str | None = None
    read_back: Callable[[ConfiguredStream], list[Record]] | None = None
    cleanup: Callable[[], None] | None = None


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
