"""Small helpers for the wording of messages: counts with their nouns."""

from __future__ import annotations

__all__ = ["a_kind", "plural"]


def plural(count: int, word: str) -> str:
    """Return ``"1 stream"`` or ``"3 streams"`` (``word`` takes an ``s`` for any other count)."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def a_kind(kind: str) -> str:
    """A connector kind with its article: ``"a source"``, ``"a source and destination"``."""
    if kind == "both":
        return "a source and destination"
    return f"an {kind}" if kind[:1] in "aeiou" else f"a {kind}"
