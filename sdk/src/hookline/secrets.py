"""Secret values: a masked type for config fields, and redaction of everything printed.

A config model marks a field secret by giving it the type :class:`Secret`. Its ``repr`` and
``str`` are masked, so a config object can be logged or shown in a traceback safely; the
connector calls :meth:`Secret.reveal` at the one place the real value is needed.

Every secret that hookline structures is also remembered by a process-wide redactor, and
everything the CLI prints (log lines, error messages, ``--debug`` output, records) passes
through :func:`redact` as a second line of defence: the plain value and its URL-encoded and
base64 forms are replaced by ``********``.
"""

from __future__ import annotations

__all__ = ["MASK", "Secret", "any_registered", "redact", "register_secret"]

import base64
import threading
import urllib.parse

#: What a secret is replaced with wherever it would be shown.
MASK = "********"

# Values shorter than this are not redacted in free text: masking every "a" or "42" in the
# output would garble it and protect nothing a three-character secret could.
_MIN_REDACTED_LENGTH = 4

_lock = threading.Lock()
_known: set[str] = set()
_ordered: tuple[str, ...] = ()


class Secret:
    """A string that must never be shown: a password, token or API key.

    >>> token = Secret("s3cr3t-value")
    >>> token
    Secret('********')
    >>> token.reveal()
    's3cr3t-value'
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("a Secret holds a string")
        self._value = value
        register_secret(value)

    def reveal(self) -> str:
        """Return the real value; call it only where the value is handed to the service."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __str__(self) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("hookline.Secret", self._value))

    def __bool__(self) -> bool:
        return bool(self._value)


def _forms(value: str) -> set[str]:
    raw = value.encode()
    forms = {
        value,
        urllib.parse.quote(value, safe=""),
        urllib.parse.quote_plus(value),
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode(),
    }
    # Base64 with its padding stripped, as tokens often travel.
    forms |= {f.rstrip("=") for f in list(forms)}
    return {f for f in forms if len(f) >= _MIN_REDACTED_LENGTH}


def register_secret(value: str) -> None:
    """Remember ``value`` (and its encoded forms) so :func:`redact` masks it from now on."""
    global _ordered
    if len(value) < _MIN_REDACTED_LENGTH:
        return
    with _lock:
        new = _forms(value) - _known
        if new:
            _known.update(new)
            # Longest first, so a value is masked whole before any shorter form inside it.
            _ordered = tuple(sorted(_known, key=len, reverse=True))


def redact(text: str) -> str:
    """Return ``text`` with every registered secret, in any known encoding, masked."""
    for value in _ordered:
        if value in text:
            text = text.replace(value, MASK)
    return text


def any_registered() -> bool:
    """Return whether any secret is registered (when not, :func:`redact` changes nothing)."""
    return bool(_ordered)


def _forget_all() -> None:
    """Forget every registered secret (for tests)."""
    global _ordered
    with _lock:
        _known.clear()
        _ordered = ()
