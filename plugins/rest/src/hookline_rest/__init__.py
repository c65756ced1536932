"""hookline-rest: any REST/JSON API as a hookline source and destination, in YAML.

The connector's hooks live in :mod:`hookline_rest.connector` (entry point ``rest`` in the
group ``hookline.connectors``); its configuration model is
:class:`~hookline_rest.config.RestConfig`.
"""

from __future__ import annotations

from hookline_rest.config import (
    AuthConfig,
    CursorConfig,
    PaginationConfig,
    RateLimitConfig,
    RestConfig,
    RetryConfig,
    StreamConfig,
    WriteConfig,
)

__all__ = [
    "AuthConfig",
    "CursorConfig",
    "PaginationConfig",
    "RateLimitConfig",
    "RestConfig",
    "RetryConfig",
    "StreamConfig",
    "WriteConfig",
    "__version__",
]

#: The version of the hookline-rest distribution.
__version__ = "0.1.0"
