"""Config and check phase: good settings connect, bad ones are refused clearly."""

from __future__ import annotations

from typing import Any

from hookline.conformance._context import SuiteContext
from hookline.conformance._fixture import merged
from hookline.conformance._registry import CheckFailed, CheckSkipped, check
from hookline.errors import ConfigError, HooklineError
from hookline.models import CheckResult

#: The key the suite adds to a working config to see it refused.
UNKNOWN_KEY = "hookline_conformance_unknown_setting"


@check("config.fixture_accepted")
def fixture_accepted(ctx: SuiteContext) -> str:
    """The config under test (the fixture's, or --config) structures and auth accepts it."""
    ctx.require_config()
    ctx.connection  # noqa: B018 - structures the config and calls auth, once
    return f"config from {ctx.config_origin} accepted"


@check("config.invalid_rejected")
def invalid_rejected(ctx: SuiteContext) -> str:
    """Invalid configs are refused with a clear hookline error, never a traceback."""
    data = ctx.require_config()
    problems = []
    refused = _refusal(ctx, {**data, UNKNOWN_KEY: 1}, "a config with an unknown key")
    if isinstance(refused, str):
        problems.append(refused)
    tried = 1
    if ctx.fixture is not None and ctx.fixture.invalid_config is not None:
        tried += 1
        refused = _refusal(ctx, ctx.fixture.invalid_config, "the fixture's invalid config")
        if isinstance(refused, str):
            problems.append(refused)
    if problems:
        raise CheckFailed("; ".join(problems))
    return f"{tried} invalid config{'s' if tried > 1 else ''} refused clearly"


def _refusal(ctx: SuiteContext, data: dict[str, Any], what: str) -> str | None:
    """Return ``None`` if ``data`` is refused clearly, else what went wrong instead."""
    phase = "structuring"
    try:
        config = ctx.parse(data, origin="<invalid config>")
        phase = "hookline_auth"
        connection = ctx.open(config)
        phase = "hookline_check"
        result = ctx.connector.check(config, connection)
    except HooklineError as exc:
        message = ctx.note_error(what, exc)
        if not message.strip():
            return f"{what} was refused by {phase} with an empty message"
        return None
    except Exception as exc:
        message = ctx.note_error(what, exc)
        return (
            f"{what} raised {message} in {phase} instead of a hookline error: users see a "
            "traceback; raise hookline.errors.ConfigError or AuthError saying what to fix"
        )
    ctx.capture.add(f"check message for {what}", result.message)
    if result.ok:
        return f"{what} was accepted: auth and check succeeded"
    if not result.message.strip():
        return f"{what} failed check without a message"
    return None


@check("check.passes")
def check_passes(ctx: SuiteContext) -> str:
    """Check succeeds with the fixture's config."""
    connection = ctx.connection
    try:
        result = ctx.connector.check(ctx.config, connection)
    except Exception as exc:
        raise CheckFailed(f"check raised {ctx.note_error('check', exc)}") from exc
    ctx.capture.add("check message", result.message)
    if not isinstance(result, CheckResult):
        raise CheckFailed(f"check returned {type(result).__name__}, not a CheckResult")
    if not result.ok:
        raise CheckFailed(f"check failed with the fixture config: {result.message}")
    return result.message or "ok"


@check("check.bad_credentials")
def bad_credentials(ctx: SuiteContext) -> str:
    """Bad credentials fail auth or check with a clear error."""
    data = ctx.require_config()
    overrides = ctx.fixture.bad_credentials if ctx.fixture is not None else None
    if overrides is None:
        if ctx.secret_values():
            raise CheckSkipped(
                "the config has secrets but the fixture gives no bad_credentials to try",
                applicable=True,
            )
        raise CheckSkipped("the connector takes no credentials")
    what = "bad credentials"
    try:
        config = ctx.parse(merged(data, overrides), origin="<bad credentials>")
    except ConfigError as exc:
        raise CheckFailed(
            f"the fixture's bad_credentials do not structure: {ctx.note_error(what, exc)}"
        ) from exc
    try:
        connection = ctx.open(config)
        result = ctx.connector.check(config, connection)
    except HooklineError as exc:
        return f"refused: {ctx.note_error(what, exc)}"
    except Exception as exc:
        raise CheckFailed(
            f"bad credentials raised {ctx.note_error(what, exc)} instead of "
            "hookline.errors.AuthError: users see a traceback"
        ) from exc
    ctx.capture.add("check message for bad credentials", result.message)
    if result.ok:
        raise CheckFailed("bad credentials were accepted: auth and check both succeeded")
    return f"check failed: {result.message}"
