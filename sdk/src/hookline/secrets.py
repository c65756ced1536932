"""Secret values: a masked type for config fields, and redaction of everything printed.

A config model marks a field secret by giving it the type :class:`Secret`. Its ``repr`` and
``str`` are masked, so a config object can be logged or shown in a traceback safely; the
connector calls :meth:`Secret.reveal` at the one place the real value is needed.

Every secret that hookline structures is also remembered by a process-wide redactor, and
everything hookline prints or stores for people (log lines, error messages, ``--debug``
output, records shown by ``hookline read``, dead letters, reports) passes through
:func:`redact` as a second line of defence: every known form of a secret is replaced by
``********``. Records a pipeline delivers to a destination are data and are not redacted.

Registering
-----------

:func:`register_secret` (called by every :class:`Secret`)
    remembers a value and the forms it travels in:

    * plain;
    * URL-encoded: ``quote`` (with and without ``/`` kept) and ``quote_plus``, with upper-
      and lower-case hex digits;
    * base64 of its UTF-8 (and Latin-1) bytes: standard and URL-safe, padded and not;
    * JSON-escaped, as ``json.dumps`` and orjson print a string holding ``"``, ``\\``,
      control characters or non-ASCII: raw non-ASCII, ``\\uXXXX`` escapes in lower and
      upper case, and ``/`` escaped as ``\\/`` (as PHP prints it); of the plain value and of
      each form above;
    * Python-escaped, as a ``repr`` in a ``--debug`` trace shows it.

:func:`register_basic_credentials`
    remembers what HTTP Basic authentication sends: base64 of the ``user:password`` pair
    (which holds no base64 of the password alone), and the password itself. The user name
    stays readable. :class:`hookline.http.BasicAuth` and the OAuth2 flows' Basic client
    authentication call it when they build the header.

:func:`register_credential_header`
    remembers the value of an HTTP header that carries a credential (its name looks like
    ``Authorization``, ``X-Api-Token``, ``Cookie``..., or its value starts with an auth
    scheme such as ``Bearer``): the credential after the scheme (or else the whole value),
    the pair inside a ``Basic`` value, and each cookie's value. Connectors call it for the
    headers a user configures.

Values shorter than four characters are not remembered (masking every ``"42"`` would garble
output and protect nothing). Registering is idempotent and cheap for a value already known.

Redacting
---------

:func:`redact` replaces every remembered form, longest first, in one pass over the known
forms with a substring test each; text that holds none is returned as it is. It runs on
every printed line, so it does nothing else.

>>> token = Secret("s3cr3t-value")
>>> redact("GET /x?key=s3cr3t-value")
'GET /x?key=********'
"""

from __future__ import annotations

__all__ = [
    "MASK",
    "Secret",
    "any_registered",
    "looks_like_credential",
    "redact",
    "register_basic_credentials",
    "register_credential_header",
    "register_secret",
]

import base64
import binascii
import json
import re
import threading
import urllib.parse
from collections.abc import Iterable

#: What a secret is replaced with wherever it would be shown.
MASK = "********"

# Values shorter than this are not redacted in free text: masking every "a" or "42" in the
# output would garble it and protect nothing a three-character secret could.
_MIN_REDACTED_LENGTH = 4

_lock = threading.Lock()
# What was registered (values and ("basic", user, password) pairs), to skip known ones.
_inputs: set[object] = set()
# Every form to mask, and the same longest first (what redact walks).
_known: set[str] = set()
_ordered: tuple[str, ...] = ()

_CREDENTIAL_NAME = re.compile(
    r"auth|token|key|secret|passw|pwd|cookie|session|credential|signature|^sig$|bearer|jwt",
    re.IGNORECASE,
)
# A header value that is an auth scheme and its credentials, such as "Bearer <token>".
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9._~+-]*)\s+(\S.*)$", re.DOTALL)
_KNOWN_SCHEMES = frozenset({"basic", "bearer", "token", "apikey", "api-key", "key", "jwt"})
_PERCENT = re.compile(r"%[0-9A-F]{2}")
_UNICODE_ESCAPE = re.compile(r"\\u[0-9a-f]{4}")


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


# -- the forms of a value -----------------------------------------------------------------


def _url_forms(value: str) -> set[str]:
    encoded = {
        urllib.parse.quote(value, safe=""),
        urllib.parse.quote(value),
        urllib.parse.quote_plus(value),
        urllib.parse.quote_plus(value, safe="/"),
    }
    # Some clients and servers write the hex digits in lower case.
    return encoded | {_PERCENT.sub(lambda m: m.group().lower(), e) for e in encoded}


def _base64_forms(value: str) -> set[str]:
    encodings = [value.encode()]
    try:
        latin = value.encode("latin-1")
    except UnicodeEncodeError:
        pass
    else:
        encodings.append(latin)
    forms: set[str] = set()
    for raw in encodings:
        for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
            text = encoded.decode("ascii")
            # Padding stripped, as tokens often travel.
            forms |= {text, text.rstrip("=")}
    return forms


def _json_forms(value: str) -> set[str]:
    """The value as it stands inside a JSON string, as the common encoders write it."""
    ascii_escaped = json.dumps(value)[1:-1]
    forms = {
        ascii_escaped,
        json.dumps(value, ensure_ascii=False)[1:-1],  # what orjson writes too
        _UNICODE_ESCAPE.sub(lambda m: "\\u" + m.group()[2:].upper(), ascii_escaped),
    }
    return forms | {f.replace("/", "\\/") for f in forms}


def _python_forms(value: str) -> set[str]:
    """The value as a ``repr`` shows it, in either quote."""
    shown = repr(value)[1:-1]
    return {shown, shown.replace('"', '\\"'), shown.replace("'", "\\'")}


def _forms(value: str) -> set[str]:
    encoded = _url_forms(value) | _base64_forms(value)
    forms = {value} | encoded | _json_forms(value) | _python_forms(value)
    for form in encoded:
        forms |= _json_forms(form)
    return {f for f in forms if len(f) >= _MIN_REDACTED_LENGTH}


def _pair_forms(username: str, password: str) -> set[str]:
    forms: set[str] = set()
    for form in _base64_forms(f"{username}:{password}"):
        forms |= {form} | _json_forms(form)
    return forms


def _remember(key: object, forms: Iterable[str]) -> None:
    global _ordered
    with _lock:
        _inputs.add(key)
        new = set(forms) - _known
        if new:
            _known.update(new)
            # Longest first, so a value is masked whole before any shorter form inside it.
            _ordered = tuple(sorted(_known, key=len, reverse=True))


# -- registering ----------------------------------------------------------------------------


def register_secret(value: str) -> None:
    """Remember ``value`` and its encoded forms, so :func:`redact` masks them from now on.

    The forms are listed in the module's documentation. A value shorter than four
    characters is not remembered.
    """
    if value in _inputs or len(value) < _MIN_REDACTED_LENGTH:
        return
    _remember(value, _forms(value))


def register_basic_credentials(username: str, password: str) -> None:
    """Remember what HTTP Basic authentication with ``username`` and ``password`` sends.

    That is base64 of ``username:password`` (standard and URL-safe, padded or not, of its
    UTF-8 and Latin-1 bytes, JSON-escaped too) and every form of ``password``. Nothing is
    remembered for an empty password: the pair then holds no secret.
    """
    if not password:
        return
    register_secret(password)
    key = ("basic", username, password)
    if key not in _inputs:
        _remember(key, _pair_forms(username, password))


def looks_like_credential(name: str) -> bool:
    """Return whether a header or parameter called ``name`` probably carries a credential.

    Such as ``Authorization``, ``X-Api-Token``, ``X-API-Key``, ``Cookie`` or ``session_id``.
    """
    return bool(_CREDENTIAL_NAME.search(name))


def register_credential_header(name: str, value: str) -> bool:
    """Remember the value of header ``name`` if it carries a credential; return whether it does.

    A header carries one when :func:`looks_like_credential` says so of its name, or when
    its value starts with a common auth scheme (``Bearer``, ``Basic``, ``Token``...).
    Remembered are the credential after a known scheme (``Bearer <token>`` shows as
    ``Bearer ********``) or else the whole value, the user name and password pair in a
    ``Basic`` value (see :func:`register_basic_credentials`), and the value of each cookie
    in a ``Cookie``.
    """
    value = value.strip()
    scheme = _SCHEME.match(value)
    known_scheme = scheme is not None and scheme.group(1).lower() in _KNOWN_SCHEMES
    if not (looks_like_credential(name) or known_scheme):
        return False
    if scheme is None or not known_scheme:
        register_secret(value)
    else:
        # Shown as "Bearer ********": the scheme is no secret, what follows it is.
        credentials = scheme.group(2).strip()
        register_secret(credentials)
        if scheme.group(1).lower() == "basic":
            _register_basic_value(credentials)
    if name.strip().lower() in ("cookie", "set-cookie"):
        for part in value.split(";"):
            _, equals, cookie = part.strip().partition("=")
            if equals:
                register_secret(cookie.strip().strip('"'))
    return True


def _register_basic_value(credentials: str) -> None:
    try:
        raw = base64.b64decode(credentials, validate=True)
    except (binascii.Error, ValueError):
        return
    try:
        pair = raw.decode()
    except UnicodeDecodeError:
        pair = raw.decode("latin-1")
    username, colon, password = pair.partition(":")
    if colon:
        register_basic_credentials(username, password)


# -- redacting ------------------------------------------------------------------------------


def redact(text: str) -> str:
    """Return ``text`` with every registered secret, in any known form, masked."""
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
        _inputs.clear()
        _known.clear()
        _ordered = ()
