"""hookline-sqlite: SQLite database files as a hookline source and destination.

The connector's hooks live in :mod:`hookline_sqlite.connector` (entry point ``sqlite`` in
the group ``hookline.connectors``); its configuration model is
:class:`~hookline_sqlite.config.SqliteConfig`.
"""

from __future__ import annotations

from hookline_sqlite.config import SqliteConfig

__all__ = ["SqliteConfig", "__version__"]

#: The version of the hookline-sqlite distribution.
__version__ = "0.1.0"
