"""The string formats ``read.records_conform`` holds records to, checked without extras.

jsonschema checks ``date-time`` and ``uri`` only when optional packages are installed,
and passes every value silently when they are not; a suite that proves conformance must
not depend on what else happens to be installed. So the formats a connector's schemas
commonly declare are checked here, by the standard they name:

* ``date-time``: RFC 3339 (a date, ``T``, a time, and a zone: ``Z`` or ``±hh:mm``);
* ``date``: RFC 3339 full-date; ``time``: RFC 3339 full-time (with its zone);
* ``email``: one ``@`` between a local part and a domain, no spaces;
* ``uri``: RFC 3986 absolute URI (a scheme, then no spaces or control characters);
* ``uuid``: RFC 4122 text form.

A format not listed is not checked (JSON Schema makes ``format`` an annotation unless a
checker knows it).
"""

from __future__ import annotations

import datetime as _dt
import re
import uuid

from jsonschema import FormatChecker

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TIME = re.compile(r"^(\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.][^@\s]*$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s\x00-\x1f\x7f]*$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def is_date(value: object) -> bool:
    """Whether ``value`` is an RFC 3339 full-date (``2024-02-29``); non-strings pass."""
    if not isinstance(value, str):
        return True
    match = _DATE.match(value)
    if match is None:
        return False
    try:
        _dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return False
    return True


def is_time(value: object) -> bool:
    """Whether ``value`` is an RFC 3339 full-time (``10:00:00Z``); non-strings pass."""
    if not isinstance(value, str):
        return True
    match = _TIME.match(value)
    if match is None:
        return False
    hour, minute, second = (int(part) for part in match.groups()[:3])
    zone = match.group(5)
    if zone not in ("Z", "z") and (int(zone[1:3]) > 23 or int(zone[4:6]) > 59):
        return False
    # 60 is a leap second, which RFC 3339 allows.
    return hour <= 23 and minute <= 59 and second <= 60


def is_date_time(value: object) -> bool:
    """Whether ``value`` is an RFC 3339 date-time with a zone; non-strings pass."""
    if not isinstance(value, str):
        return True
    date, separator, time = value.partition("T") if "T" in value else value.partition("t")
    return bool(separator) and is_date(date) and is_time(time)


def is_email(value: object) -> bool:
    """Whether ``value`` looks like an address: ``local@domain``, no spaces."""
    return not isinstance(value, str) or _EMAIL.match(value) is not None


def is_uri(value: object) -> bool:
    """Whether ``value`` is an absolute URI (a scheme, then no spaces); non-strings pass."""
    return not isinstance(value, str) or _URI.match(value) is not None


def is_uuid(value: object) -> bool:
    """Whether ``value`` is a UUID in its text form; non-strings pass."""
    if not isinstance(value, str):
        return True
    if _UUID.match(value) is None:
        return False
    uuid.UUID(value)
    return True


def format_checker() -> FormatChecker:
    """A checker of exactly the formats above, whatever optional packages are installed."""
    checker = FormatChecker(formats=())
    for name, test in (
        ("date-time", is_date_time),
        ("date", is_date),
        ("time", is_time),
        ("email", is_email),
        ("uri", is_uri),
        ("uuid", is_uuid),
    ):
        checker.checks(name)(test)
    return checker
