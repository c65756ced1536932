"""The pluggy project name, and the public hook-implementation marker.

The specification marker stays in :mod:`hookline.hookspecs`; both markers share
:data:`PROJECT_NAME`, which ties specifications and implementations together.
"""

from __future__ import annotations

import pluggy

__all__ = ["PROJECT_NAME", "hookimpl"]

#: The pluggy project name that ties specifications and implementations together.
PROJECT_NAME = "hookline"

#: Marks a function or method as an implementation of a hookline hook::
#:
#:     @hookimpl
#:     def hookline_describe():
#:         return ConnectorInfo(id="acme", version="1.0", kind="source")
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
