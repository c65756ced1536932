"""JSON text in SQLite columns, integers of any size exact (see :mod:`hookline.jsoncodec`).

Columns of JSON text (objects, arrays, ``json`` columns) are written with :func:`dumps`.
Reading, :func:`may_hold_big_integer` checks a whole column of a batch at once for runs of
digits orjson could turn into floats (one join, one scan); a column that has one is
parsed value by value with :func:`loads`, exact for integers of any size.
"""

from __future__ import annotations

__all__ = ["INT64_MAX", "INT64_MIN", "dumps", "loads", "may_hold_big_integer"]

from collections.abc import Sequence
from typing import Any

from hookline import jsoncodec
from hookline.jsoncodec import dumps, loads

#: The range of SQLite's INTEGER storage class (a signed 64-bit integer).
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def may_hold_big_integer(texts: Sequence[Any]) -> bool:
    """Whether any text among ``texts`` has a run of digits orjson might read as a float.

    Values that are not ``str`` (``None``, numbers) are left out. ``False`` means orjson
    parses every integer in them exactly.
    """
    try:
        joined = "\n".join(texts)
    except TypeError:
        joined = "\n".join([t for t in texts if type(t) is str])
    return jsoncodec.may_hold_big_integer(joined.encode("utf-8", "surrogatepass"))
