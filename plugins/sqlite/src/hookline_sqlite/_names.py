"""Table and column names: which ones can be used, and how they appear in SQL.

Every name is written into SQL as a quoted identifier (``"..."`` with inner quotes
doubled), so spaces, quotes, keywords and any other Unicode text are safe. What cannot be
quoted is refused: a NUL character (SQLite ends the statement there), a lone surrogate (not
UTF-8), the empty name. Table names starting with ``sqlite_`` are SQLite's own, and those
starting with ``_hookline_`` are this connector's own (metadata, staging tables).

SQLite compares identifiers ignoring the case of ASCII letters: ``Id`` and ``id`` name the
same column. :func:`fold` gives the form SQLite compares.
"""

from __future__ import annotations

__all__ = [
    "RESERVED_PREFIX",
    "column_problem",
    "fold",
    "quote",
    "table_problem",
]

import string

#: Tables whose names start with this are the connector's own (never offered as streams).
RESERVED_PREFIX = "_hookline_"

_ASCII_FOLD = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def quote(name: str) -> str:
    """Return ``name`` as an SQL identifier: in double quotes, inner quotes doubled.

    The name must have passed :func:`column_problem` (or :func:`table_problem`).
    """
    return '"' + name.replace('"', '""') + '"'


def fold(name: str) -> str:
    """Return ``name`` as SQLite compares identifiers (ASCII letters in lower case)."""
    return name.translate(_ASCII_FOLD)


def column_problem(name: object) -> str | None:
    """Return why ``name`` cannot be a column name, or ``None`` when it can."""
    if not isinstance(name, str):
        return f"it is not text but {type(name).__name__}"
    if not name:
        return "it is empty"
    if "\x00" in name:
        return "it contains a NUL character"
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "it is not valid Unicode text (it holds a lone surrogate)"
    return None


def table_problem(name: object) -> str | None:
    """Return why ``name`` cannot be a table name, or ``None`` when it can."""
    problem = column_problem(name)
    if problem is not None or not isinstance(name, str):
        return problem
    folded = fold(name)
    if folded.startswith("sqlite_"):
        return "names starting with 'sqlite_' are reserved by SQLite"
    if folded.startswith(RESERVED_PREFIX):
        return f"names starting with {RESERVED_PREFIX!r} are reserved for hookline's own tables"
    return None
