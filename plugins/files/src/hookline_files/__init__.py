"""hookline-files: local JSON Lines and CSV files as a hookline source and destination.

The connector's hooks live in :mod:`hookline_files.connector` (entry point ``files`` in
the group ``hookline.connectors``); its configuration model is
:class:`~hookline_files.config.FilesConfig`.
"""

from __future__ import annotations

from hookline_files.config import FilesConfig, StreamConfig

__all__ = ["FilesConfig", "StreamConfig", "__version__"]

#: The version of the hookline-files distribution.
__version__ = "0.1.0"
