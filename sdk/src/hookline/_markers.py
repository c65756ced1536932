"""The public hook-implementation marker (the specification marker stays in hookspecs)."""

from __future__ import annotations

import pluggy

from hookline.hookspecs import PROJECT_NAME

__all__ = ["hookimpl"]

#: Marks a function or method as an implementation of a hookline hook::
#:
#:     @hookimpl
#:     def hookline_describe():
#:         return ConnectorInfo(id="acme", version="1.0", kind="source")
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
