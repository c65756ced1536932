"""The secrets check: the fixture's secret values never show, in any form, anywhere."""

from __future__ import annotations

import base64
import urllib.parse

from hookline.conformance._context import SuiteContext
from hookline.conformance._registry import CheckFailed, CheckSkipped, check, listed, plural

# Shorter values could match ordinary text by chance; the fixture should use canary().
_MIN_LENGTH = 8


def secret_forms(value: str) -> dict[str, str]:
    """Return the forms a secret travels in, by name: plain, URL-encoded and base64."""
    raw = value.encode()
    forms = {
        "plain": value,
        "URL-encoded": urllib.parse.quote(value, safe=""),
        "form-encoded": urllib.parse.quote_plus(value),
        "base64": base64.b64encode(raw).decode().rstrip("="),
        "URL-safe base64": base64.urlsafe_b64encode(raw).decode().rstrip("="),
    }
    unique: dict[str, str] = {}
    for label, form in forms.items():
        if form not in unique.values():
            unique[label] = form
    return unique


@check("secrets.no_leak")
def no_leak(ctx: SuiteContext) -> str:
    """No log line, output, record, state, error or report shows a secret, in any form."""
    ctx.require_config()
    secrets = ctx.secret_values()
    if not secrets:
        raise CheckSkipped("the config has no secret settings")
    short = [path for path, value in secrets.items() if len(value) < _MIN_LENGTH]
    if short:
        raise CheckSkipped(
            f"secret values at {', '.join(short)} are shorter than {_MIN_LENGTH} characters "
            "and cannot be searched for; use hookline.conformance.canary() in the fixture",
            applicable=True,
        )
    for outcome in ctx.outcomes:
        ctx.capture.add(f"the report (check {outcome.name})", outcome.message)
    needles = {
        f"{path} ({label})": form
        for path, value in secrets.items()
        for label, form in secret_forms(value).items()
    }
    found = ctx.capture.find(needles)
    if found:
        places = sorted({f"{label} in {where}" for where, label in found})
        raise CheckFailed(f"a secret leaked: {listed(places)}")
    return f"{plural(len(secrets), 'secret')} in {plural(len(needles), 'form')}: found nowhere"
