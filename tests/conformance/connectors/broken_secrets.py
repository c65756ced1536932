"""Variants of the reference connector that let a secret out in a form the eye misses.

Each subclasses :class:`~conformance.connectors.reference.Reference` and has one defect: a
secret shown in a derived form (inside an ``Authorization: Basic`` header, masked but for
its last characters, JSON-escaped), or a credential setting not typed ``Secret`` because
its name is not one the author thought of. ``__all__`` lists them
(``tests/conformance/test_broken_secrets.py`` names the check that must catch each).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import attrs
from conformance.connectors.reference import TOKEN_FILE, Reference, Store

from hookline import hookimpl
from hookline.conformance import ConformanceFixture, canary
from hookline.models import ConnectorContext
from hookline.secrets import Secret

# -- derived forms ----------------------------------------------------------------------


class LogsBasicHeader(Reference):
    """Logs the header it would send a service: ``Authorization: Basic`` of user and token."""

    @hookimpl
    def hookline_auth(self, config: Any, context: ConnectorContext) -> Store:
        store = super().hookline_auth(config, context)
        pair = base64.b64encode(f"reader:{config.token.reveal()}".encode()).decode()
        context.logger.debug("upstream headers: {'Authorization': 'Basic %s'}", pair)
        return store


class LogsMaskedToken(Reference):
    """Logs the token "masked": every character but the last six is shown."""

    @hookimpl
    def hookline_auth(self, config: Any, context: ConnectorContext) -> Store:
        store = super().hookline_auth(config, context)
        token = config.token.reveal()
        context.logger.info("opened %s with token %s", store.root, token[:-6] + "******")
        return store


class LogsJsonBody(Reference):
    """Logs a JSON body holding the token; its fixture's token has ``"``, ``\\`` and ``é``.

    JSON escapes those characters, so the logged text does not hold the plain token.
    """

    @hookimpl
    def hookline_auth(self, config: Any, context: ConnectorContext) -> Store:
        store = super().hookline_auth(config, context)
        context.logger.debug("session request: %s", json.dumps({"token": config.token.reveal()}))
        return store

    def make_fixture(self, workdir: Path) -> ConformanceFixture:
        fixture = super().make_fixture(workdir)
        token = canary("token") + '"\\é/'
        (Path(workdir) / "data" / TOKEN_FILE).write_text(token, encoding="utf-8")
        return attrs.evolve(
            fixture,
            config={**fixture.config, "token": token},
            invalid_config={**(fixture.invalid_config or {}), "token": token},
        )


# -- credential settings not typed Secret ------------------------------------------------


@attrs.frozen
class BearerConfig:
    """The reference settings, with the token in a setting called ``bearer`` typed ``str``."""

    directory: str
    bearer: str
    batch_size: int = attrs.field(default=5, validator=attrs.validators.ge(1))

    @property
    def token(self) -> Secret:
        """The bearer token, wrapped only where it is used."""
        return Secret(self.bearer)


class UntypedBearer(Reference):
    """Takes its token in a setting ``bearer`` typed ``str``: not a name the word list knows."""

    config_model = BearerConfig

    def make_fixture(self, workdir: Path) -> ConformanceFixture:
        fixture = super().make_fixture(workdir)
        token = fixture.config["token"]

        def renamed(data: dict[str, Any] | None) -> dict[str, Any]:
            data = dict(data or {})
            data["bearer"] = data.pop("token", token)
            return data

        return attrs.evolve(
            fixture,
            config=renamed(fixture.config),
            bad_credentials=renamed(fixture.bad_credentials),
            invalid_config=renamed(fixture.invalid_config),
        )


@attrs.frozen
class SignatureConfig:
    """The reference settings, plus a webhook signing secret typed ``str``."""

    directory: str
    token: Secret
    batch_size: int = attrs.field(default=5, validator=attrs.validators.ge(1))
    webhook_signature: str = ""


class UntypedSignature(Reference):
    """Has a setting ``webhook_signature`` (a signing secret) typed ``str``."""

    config_model = SignatureConfig

    def make_fixture(self, workdir: Path) -> ConformanceFixture:
        fixture = super().make_fixture(workdir)
        config = {**fixture.config, "webhook_signature": "whsec-7Rq2xKp9Lm4TzW8v"}
        return attrs.evolve(fixture, config=config)


__all__ = [
    "LogsBasicHeader",
    "LogsJsonBody",
    "LogsMaskedToken",
    "UntypedBearer",
    "UntypedSignature",
]
