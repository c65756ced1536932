"""The secrets checks: a secret never shows, in any form or in part, and is typed Secret.

``secrets.no_leak`` searches everything the suite saw (log lines captured before
hookline's redaction, printed output, records, states, catalogs, errors and the report)
for each secret setting's value in every form of :mod:`hookline.conformance._canaries`:
plain, URL-encoded, JSON-escaped, Python-escaped, hex, base64 at any alignment (so an
``Authorization: Basic`` header is found whatever the user name) and any part of at least
half of it (a value "masked" but for its first characters).

``secrets.settings_typed`` looks at the fixture's config: a setting whose value is a
canary, or whose name says it holds a credential (``bearer``, ``signature``,
``passphrase``, ``private_key``...), must be typed :class:`hookline.Secret` (or be masked
as soon as the config is read, as a ``headers`` map that registers its credentials is).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

from hookline._wording import plural
from hookline.conformance._canaries import (
    LABELS,
    MIN_LENGTH,
    exact_forms,
    lookalike,
    part_length,
    parts,
    text_forms,
)
from hookline.conformance._capture import Capture
from hookline.conformance._context import SuiteContext
from hookline.conformance._registry import CheckFailed, CheckSkipped, check, listed
from hookline.secrets import redact

# A canary anywhere inside a value (a header value "Bearer hl-canary-token-...").
_EMBEDDED_CANARY = re.compile(r"hl-canary-[A-Za-z0-9_.-]*?-[0-9a-f]{8,}")
# A setting whose name ends in one of these words holds a credential.
_CREDENTIAL_NAME = re.compile(
    r"(^|_)(password|passwd|passphrase|pwd|secret|token|api_?key|apikey|private_?key"
    r"|access_?key|secret_?key|signing_?key|credentials?|bearer|signature|sig|hmac|jwt"
    r"|cookie|otp)$"
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def secret_forms(value: str) -> dict[str, str]:
    """Return the whole forms a secret travels in, by label (the first form of each)."""
    forms: dict[str, str] = {}
    for label, form in exact_forms(value):
        forms.setdefault(label, form)
    return forms


def find_leaks(capture: Capture, secrets: dict[str, str]) -> list[str]:
    """Return where each secret (by setting path) shows, as ``"<path> (<form>) in <where>"``.

    A place where a whole form shows is named by its most telling form; a place where
    only a part shows says how many characters of the secret it shows.
    """
    needles: dict[str, str] = {}
    for path, value in secrets.items():
        for index, (label, form) in enumerate(exact_forms(value)):
            needles[f"{path}\0{label}\0{index}"] = form
        for index, part in enumerate(p for form in text_forms(value) for p in parts(form)):
            needles[f"{path}\0part\0{index}"] = part
    whole: dict[tuple[str, str], str] = {}
    partial: set[tuple[str, str]] = set()
    for where, needle in capture.find(needles):
        path, label, _ = needle.split("\0")
        if label == "part":
            partial.add((where, path))
        elif (where, path) not in whole or LABELS.index(label) < LABELS.index(whole[(where, path)]):
            whole[(where, path)] = label
    places = {f"{path} ({label}) in {where}" for (where, path), label in whole.items()}
    partial -= set(whole)
    if partial:
        for (where, path), shown in _longest_parts(capture, secrets, partial).items():
            places.add(f"{path} ({shown}) in {where}")
    return sorted(places)


def _longest_parts(
    capture: Capture, secrets: dict[str, str], places: set[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """For each place where a part of a secret shows: how much of it, in words."""
    paths = {path for _, path in places}
    needles: dict[str, str] = {}
    for path in paths:
        for number, form in enumerate(text_forms(secrets[path])):
            for size in range(part_length(form), len(form)):
                for index, part in enumerate(parts(form, size)):
                    needles[f"{path}\0{number}\0{size}\0{index}"] = part
    longest: dict[tuple[str, str], tuple[int, int]] = {}
    for where, needle in capture.find(needles):
        path, form_number, shown, _ = needle.split("\0")
        if (where, path) not in places:
            continue
        total = len(text_forms(secrets[path])[int(form_number)])
        if int(shown) > longest.get((where, path), (0, 0))[0]:
            longest[(where, path)] = (int(shown), total)
    return {place: f"{size} of its {total} characters" for place, (size, total) in longest.items()}


@check("secrets.no_leak")
def no_leak(ctx: SuiteContext) -> str:
    """No output, record, state, error or report shows a secret, in any form or in part."""
    ctx.require_config()
    secrets = ctx.secret_values()
    if not secrets:
        raise CheckSkipped("the config has no secret settings")
    short = [path for path, value in secrets.items() if len(value) < MIN_LENGTH]
    if short:
        raise CheckSkipped(
            f"secret values at {', '.join(short)} are shorter than {MIN_LENGTH} characters "
            "and cannot be searched for; use hookline.conformance.canary() in the fixture",
            applicable=True,
        )
    for outcome in ctx.outcomes:
        ctx.capture.add(f"the report (check {outcome.name})", outcome.message)
    found = find_leaks(ctx.capture, secrets)
    if found:
        raise CheckFailed(f"a secret leaked: {listed(found)}")
    forms = sum(len(exact_forms(value)) for value in secrets.values())
    pieces = sum(len(parts(form)) for value in secrets.values() for form in text_forms(value))
    return (
        f"{plural(len(secrets), 'secret')} in {plural(forms, 'form')} and "
        f"{plural(pieces, 'long part')}: found nowhere"
    )


# -- settings typed Secret ---------------------------------------------------------------


def _credential_name(name: str) -> bool:
    normal = _CAMEL.sub("_", name).lower().replace("-", "_")
    return bool(_CREDENTIAL_NAME.search(normal))


def _leaves(value: Any, trail: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, str):
        yield trail, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*trail, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*trail, index))


def _shown(trail: tuple[Any, ...]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in trail)


def _replaced(data: dict[str, Any], trail: tuple[Any, ...], value: str) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    target: Any = changed
    for part in trail[:-1]:
        target = target[part]
    target[trail[-1]] = value
    return changed


def _masked_once_read(ctx: SuiteContext, data: dict[str, Any], trail: tuple[Any, ...]) -> bool:
    """Whether a fresh value at ``trail`` is masked as soon as the config is structured."""
    value = _leaves_value(data, trail)
    inner = _EMBEDDED_CANARY.search(value)
    secret = inner.group() if inner else value
    fresh = lookalike(secret)
    try:
        ctx.parse(_replaced(data, trail, value.replace(secret, fresh)), origin="<probe>")
    except Exception:
        return False
    return redact(fresh) != fresh


def _leaves_value(data: Any, trail: tuple[Any, ...]) -> str:
    for part in trail:
        data = data[part]
    return str(data)


@check("secrets.settings_typed")
def settings_typed(ctx: SuiteContext) -> str:
    """A setting holding a canary, or named like a credential, is typed Secret."""
    data = ctx.require_config()
    typed = set(ctx.secret_values().values())
    problems = []
    looked_at = 0
    for trail, value in _leaves(data, ()):
        if value in typed or not trail:
            continue
        name = trail[-1] if isinstance(trail[-1], str) else ""
        if _EMBEDDED_CANARY.search(value):
            reason = "its fixture value is a canary"
        elif _credential_name(name) and len(value) >= MIN_LENGTH:
            reason = f"its name {name!r} says it holds a credential"
        else:
            continue
        looked_at += 1
        if not _masked_once_read(ctx, data, trail):
            problems.append(f"{_shown(trail)} is not typed hookline.Secret, yet {reason}")
    if problems:
        raise CheckFailed(
            f"{listed(problems)}: its value would show in logs, errors and reports; type "
            "the setting hookline.Secret"
        )
    said = [f"{plural(len(typed), 'secret setting')} typed Secret"] if typed else []
    if looked_at:
        said.append(f"{plural(looked_at, 'other credential setting')} masked once read")
    said.append("no other setting holds a canary or is named like a credential")
    return "; ".join(said)
