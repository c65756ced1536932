"""The forms a secret travels in, and how the suite finds one (or a long part of one).

A secret rarely leaks as itself. It leaks URL-encoded in a logged URL, JSON-escaped in a
logged body, base64-encoded inside an ``Authorization: Basic`` header next to a user name
the suite does not know, as hex, or "masked" with only its last characters starred out.
:func:`exact_forms` lists the forms of one value; base64 is searched for at each of the
three byte alignments it can start at inside a longer encoded text (so base64 of
``anyone:<secret>`` is found whatever the user name), and :func:`parts` lists the long
substrings of a value (at least half of it) whose showing is a leak too.

Values made by :func:`hookline.conformance.canary` start with a fixed, public prefix
(``hl-canary-token-``); a part that lies within that prefix says nothing and is not
searched for.
"""

from __future__ import annotations

import base64
import json
import math
import re
import secrets as _random
import string
import urllib.parse

#: Secrets shorter than this cannot be searched for without matching ordinary text.
MIN_LENGTH = 8

#: The labels of the forms, most telling first: a place is reported by its first label.
LABELS = (
    "plain",
    "HTTP Basic credential",
    "base64",
    "JSON-escaped",
    "URL-encoded",
    "form-encoded",
    "Python-escaped",
    "hex",
)

_CANARY = re.compile(r"^(hl-canary-[A-Za-z0-9_.-]*?-)[0-9a-f]{8,}$")
_PERCENT = re.compile(r"%[0-9A-F]{2}")
_UNICODE_ESCAPE = re.compile(r"\\u[0-9a-f]{4}")
# A part must hold this many distinct characters: "aaaaaaaa" is no evidence of anything.
_DISTINCT = 5
# A part of a canary must show this many characters of its random tail.
_PAST_PREFIX = 4


def is_canary(value: str) -> bool:
    """Return whether ``value`` was made by :func:`hookline.conformance.canary`."""
    return bool(_CANARY.match(value))


def public_prefix(value: str) -> int:
    """The length of a canary's fixed prefix (``hl-canary-token-``); 0 for other values."""
    match = _CANARY.match(value)
    return len(match.group(1)) if match else 0


def lookalike(value: str) -> str:
    """Return a fresh random value shaped like ``value`` (same length and character kinds).

    Letters stay letters of the same case, digits digits; other characters are kept. A
    canary keeps its prefix and gets a new random tail.
    """
    prefix = public_prefix(value)
    if prefix:
        tail = len(value) - prefix
        return value[:prefix] + _random.token_hex((tail + 1) // 2)[:tail]
    pools = (string.ascii_lowercase, string.ascii_uppercase, string.digits)
    fresh = []
    for char in value:
        pool = next((p for p in pools if char in p), None)
        fresh.append(_random.choice(pool) if pool else char)
    return "".join(fresh)


def _url_forms(value: str) -> set[str]:
    encoded = {urllib.parse.quote(value, safe=""), urllib.parse.quote(value)}
    encoded |= {urllib.parse.quote(e, safe="") for e in set(encoded)}  # encoded twice
    return encoded | {_PERCENT.sub(lambda m: m.group().lower(), e) for e in encoded}


def _json_forms(value: str) -> set[str]:
    ascii_escaped = json.dumps(value)[1:-1]
    forms = {
        ascii_escaped,
        json.dumps(value, ensure_ascii=False)[1:-1],
        _UNICODE_ESCAPE.sub(lambda m: "\\u" + m.group()[2:].upper(), ascii_escaped),
    }
    forms |= {f.replace("/", "\\/") for f in forms}
    return forms | {json.dumps(f)[1:-1] for f in forms}  # a JSON document inside a string


def _python_forms(value: str) -> set[str]:
    shown = repr(value)[1:-1]
    return {shown, shown.replace('"', '\\"'), shown.replace("'", "\\'")}


def _encodings(value: str) -> list[bytes]:
    raws = [value.encode()]
    try:
        latin = value.encode("latin-1")
    except UnicodeEncodeError:
        return raws
    return raws if latin == raws[0] else [*raws, latin]


def base64_cores(raw: bytes) -> set[str]:
    """The base64 text ``raw`` becomes inside any longer base64 text, at each alignment.

    Encoded after 0, 1 or 2 other bytes (mod 3), ``raw`` shows as different characters;
    the characters that mix its bits with its neighbours' are left out. Standard and
    URL-safe alphabets both.
    """
    cores: set[str] = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode("ascii").rstrip("=")
        full, rest = divmod(offset + len(raw), 3)
        core = encoded[(0, 2, 3)[offset] : 4 * full + rest]
        cores |= {core, core.translate(str.maketrans("+/", "-_"))}
    return {c for c in cores if len(c) >= MIN_LENGTH}


def exact_forms(value: str) -> list[tuple[str, str]]:
    """Every form ``value`` travels in, as ``(label, form)``, each form once.

    The labels are those of :data:`LABELS`. ``HTTP Basic credential`` is base64 of
    ``<user>:<value>`` for any user name.
    """
    forms: list[tuple[str, str]] = [("plain", value)]
    for raw in _encodings(value):
        forms += [("HTTP Basic credential", c) for c in sorted(base64_cores(b":" + raw))]
        forms += [("base64", c) for c in sorted(base64_cores(raw))]
    forms += [("JSON-escaped", f) for f in sorted(_json_forms(value))]
    forms += [("URL-encoded", f) for f in sorted(_url_forms(value))]
    forms += [("form-encoded", urllib.parse.quote_plus(value))]
    forms += [("Python-escaped", f) for f in sorted(_python_forms(value))]
    raw = value.encode()
    forms += [("hex", raw.hex()), ("hex", raw.hex().upper())]
    unique: list[tuple[str, str]] = []
    known: set[str] = set()
    for label, form in forms:
        if form not in known and len(form) >= MIN_LENGTH:
            known.add(form)
            unique.append((label, form))
    return unique


def part_length(value: str) -> int:
    """The shortest part of ``value`` whose showing counts as a leak: half, at least 8."""
    return max(MIN_LENGTH, math.ceil(len(value) / 2))


def parts(value: str, length: int | None = None) -> list[str]:
    """The substrings of ``value`` of ``length`` characters (default :func:`part_length`).

    Left out: the value itself, parts of a canary that show fewer than four characters of
    its random tail (its prefix is public), and parts of fewer than five distinct
    characters (they match ordinary text).
    """
    size = part_length(value) if length is None else length
    if size >= len(value):
        return []
    prefix = public_prefix(value)
    found: list[str] = []
    for start in range(len(value) - size + 1):
        part = value[start : start + size]
        if start + size < prefix + _PAST_PREFIX or len(set(part)) < _DISTINCT or part in found:
            continue
        found.append(part)
    return found


def text_forms(value: str) -> list[str]:
    """The forms of ``value`` that stay text (plain, escaped, encoded): where parts show."""
    return [form for label, form in exact_forms(value) if label not in _BINARY_LABELS]


_BINARY_LABELS = frozenset({"HTTP Basic credential", "base64", "hex"})
