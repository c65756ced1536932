"""Unit tests of the config model, through the same facade the hookline CLI uses."""

from __future__ import annotations

from typing import Any

import pytest
from hookline.errors import ConfigError
from hookline.host import connector_from_plugin

import {{ cookiecutter.package }}.connector

{%- if cookiecutter.style == "rest" %}

SETTINGS: dict[str, Any] = {
    "base_url": "https://api.example.com/v1",
{%- if cookiecutter.auth == "bearer" %}
    "token": "a-secret-token-value",
{%- elif cookiecutter.auth == "api_key" %}
    "api_key": "a-secret-api-key-value",
{%- elif cookiecutter.auth == "basic" %}
    "username": "reports",
    "password": "a-secret-password-value",
{%- elif cookiecutter.auth == "oauth2" %}
    "token_url": "https://auth.example.com/oauth/token",
    "client_id": "hookline",
    "client_secret": "a-secret-client-secret",
{%- endif %}
}
{%- else %}

SETTINGS: dict[str, Any] = {"directory": "."}
{%- endif %}


def parse(settings: dict[str, Any]) -> Any:
    connector = connector_from_plugin({{ cookiecutter.package }}.connector)
    return connector.parse_config(settings, source="test.yaml")


def test_settings_are_accepted() -> None:
    config = parse(SETTINGS)
{%- if cookiecutter.style == "rest" %}
    assert config.base_url == "https://api.example.com/v1"
{%- else %}
    assert config.directory == "."
{%- endif %}


def test_an_unknown_key_is_refused() -> None:
    with pytest.raises(ConfigError, match="no_such_setting"):
        parse({**SETTINGS, "no_such_setting": 1})
{%- if cookiecutter.style == "rest" %}


def test_a_base_url_without_scheme_is_refused() -> None:
    with pytest.raises(ConfigError, match="base_url"):
        parse({**SETTINGS, "base_url": "api.example.com/v1"})
{%- endif %}
{%- if cookiecutter.style == "rest" and cookiecutter.auth != "none" %}
{%- set secret = {"bearer": "token", "api_key": "api_key", "basic": "password", "oauth2": "client_secret"}[cookiecutter.auth] %}


def test_the_secret_is_masked() -> None:
    config = parse(SETTINGS)
    assert SETTINGS["{{ secret }}"] not in repr(config)
    assert config.{{ secret }}.reveal() == SETTINGS["{{ secret }}"]
{%- endif %}
