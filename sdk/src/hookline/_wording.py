"""Small helpers for the wording of messages: counts with their nouns."""

from __future__ import annotations

__all__ = ["a_kind", "plural", "with_article"]


def plural(count: int, word: str) -> str:
    """Return ``"1 stream"`` or ``"3 streams"`` (``word`` takes an ``s`` for any other count)."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def with_article(word: str) -> str:
    """``"an integer"``, ``"a string"``: the word after its indefinite article."""
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def a_kind(kind: str) -> str:
    """A connector kind with its article: ``"a source"``, ``"a source and destination"``."""
    return "a source and destination" if kind == "both" else with_article(kind)
