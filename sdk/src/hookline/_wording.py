"""Small helpers for the wording of messages: counts with their nouns."""

from __future__ import annotations

__all__ = ["CAPABILITY_WORDS", "a_kind", "capability_in_words", "plural", "with_article"]


def plural(count: int, word: str) -> str:
    """Return ``"1 stream"`` or ``"3 streams"`` (``word`` takes an ``s`` for any other count)."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def with_article(word: str) -> str:
    """``"an integer"``, ``"a string"``: the word after its indefinite article."""
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def a_kind(kind: str) -> str:
    """A connector kind with its article: ``"a source"``, ``"a source and destination"``."""
    return "a source and destination" if kind == "both" else with_article(kind)


#: Each capability a connector may declare, in words a chooser understands.
CAPABILITY_WORDS = {
    "discover": "lists its streams and their schemas",
    "read": "reads records",
    "incremental": "reads only what changed since the last run",
    "check": "tests the connection",
    "write": "writes records",
    "append": "appends records",
    "upsert": "updates records by key (upsert)",
    "replace": "replaces a stream's data in one step",
    "freeze": "can refuse schema changes (schema_policy: freeze)",
    "transform": "transforms records",
}


def capability_in_words(name: str) -> str:
    """What a capability means, in words; a custom ``x-`` capability in its own words."""
    if name in CAPABILITY_WORDS:
        return CAPABILITY_WORDS[name]
    return name.removeprefix("x-").replace("-", " ").replace("_", " ")
