"""Small helpers for the wording of messages: counts with their nouns."""

from __future__ import annotations

__all__ = ["plural"]


def plural(count: int, word: str) -> str:
    """Return ``"1 stream"`` or ``"3 streams"`` (``word`` takes an ``s`` for any other count)."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"
