"""hookline: a connector SDK, runtime and plugin registry for data integration.

The public API, for connector authors::

    from hookline import hookimpl, ConnectorInfo, Stream, Catalog, Batch, Secret

Names are imported on first use, so ``import hookline`` (and ``hookline --version``) stays
fast however much of the SDK a command ends up needing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hookline._httpx_cli import defer_httpx_cli
from hookline._version import API_VERSION, __version__

defer_httpx_cli()

if TYPE_CHECKING:
    from hookline._markers import hookimpl
    from hookline.errors import (
        AuthError,
        ConfigError,
        ConnectorError,
        HooklineError,
        ReadError,
        WriteError,
    )
    from hookline.models import (
        Batch,
        Catalog,
        CheckResult,
        ConfiguredStream,
        ConnectorContext,
        ConnectorInfo,
        ReadProgress,
        RejectedRecord,
        Stream,
        TransformBatch,
        WriteResult,
    )
    from hookline.secrets import Secret

__all__ = [
    "API_VERSION",
    "AuthError",
    "Batch",
    "Catalog",
    "CheckResult",
    "ConfigError",
    "ConfiguredStream",
    "ConnectorContext",
    "ConnectorError",
    "ConnectorInfo",
    "HooklineError",
    "ReadError",
    "ReadProgress",
    "RejectedRecord",
    "Secret",
    "Stream",
    "TransformBatch",
    "WriteError",
    "WriteResult",
    "__version__",
    "hookimpl",
]

_LAZY = {
    "hookimpl": "hookline._markers",
    "AuthError": "hookline.errors",
    "ConfigError": "hookline.errors",
    "ConnectorError": "hookline.errors",
    "HooklineError": "hookline.errors",
    "ReadError": "hookline.errors",
    "WriteError": "hookline.errors",
    "Batch": "hookline.models",
    "Catalog": "hookline.models",
    "CheckResult": "hookline.models",
    "ConfiguredStream": "hookline.models",
    "ConnectorContext": "hookline.models",
    "ConnectorInfo": "hookline.models",
    "ReadProgress": "hookline.models",
    "RejectedRecord": "hookline.models",
    "Stream": "hookline.models",
    "TransformBatch": "hookline.models",
    "WriteResult": "hookline.models",
    "Secret": "hookline.secrets",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hookline' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
