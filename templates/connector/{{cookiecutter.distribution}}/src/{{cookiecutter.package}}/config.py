"""The connector's settings: what a user writes in a config file or a pipeline.

hookline structures the YAML into :class:`Config`, refuses
unknown keys and wrong types with one clear line per problem, and derives the JSON
Schema ``hookline info {{ cookiecutter.id }}`` shows from the fields and their
``description``. Type every password, token and key as :class:`hookline.Secret`: its value
is masked in every log line, error and report, and revealed only where it is sent.
"""

from __future__ import annotations

__all__ = ["Config"]

import attrs
{%- if cookiecutter.style == "rest" %}
import httpx
{%- endif %}
{%- if cookiecutter.style == "rest" and cookiecutter.auth != "none" %}
from hookline import Secret
{%- endif %}


def _describe(text: str) -> dict[str, str]:
    return {"description": text}
{%- if cookiecutter.style == "rest" %}


def _http_url(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"{attribute.name} {value!r} must be an http or https URL with a host")
{%- endif %}


@attrs.frozen
class Config:
    """Settings of the {{ cookiecutter.title }} connector."""
{% if cookiecutter.style == "rest" %}
    # Replace this with your API's root URL in the description (and add settings it needs).
    base_url: str = attrs.field(
        validator=_http_url,
        metadata=_describe("The API's root URL, such as https://api.example.com/v1."),
    )
{%- if cookiecutter.auth == "bearer" %}
    token: Secret = attrs.field(
        metadata=_describe("An API token, sent as Authorization: Bearer <token>.")
    )
{%- elif cookiecutter.auth == "api_key" %}
    api_key: Secret = attrs.field(metadata=_describe("An API key, sent in the X-API-Key header."))
{%- elif cookiecutter.auth == "basic" %}
    username: str = attrs.field(metadata=_describe("The user name to sign in with."))
    password: Secret = attrs.field(metadata=_describe("The user's password."))
{%- elif cookiecutter.auth == "oauth2" %}
    token_url: str = attrs.field(
        validator=_http_url,
        metadata=_describe("The OAuth2 token endpoint, such as https://auth.example.com/token."),
    )
    client_id: str = attrs.field(metadata=_describe("The OAuth2 client id."))
    client_secret: Secret = attrs.field(metadata=_describe("The OAuth2 client secret."))
    scope: str | None = attrs.field(
        default=None, metadata=_describe("Scopes to ask for, space separated (optional).")
    )
{%- endif %}
{%- if cookiecutter.kind != "destination" %}
    page_size: int = attrs.field(
        default=100,
        validator=[attrs.validators.ge(1), attrs.validators.le(1000)],
        metadata=_describe("Records per page (and per batch), 1 to 1000."),
    )
{%- endif %}
    timeout: float = attrs.field(
        default=30.0,
        validator=attrs.validators.gt(0),
        metadata=_describe("Seconds to wait for the API before an attempt counts as failed."),
    )

    @property
    def hosts(self) -> tuple[str, ...]:
        """The hosts the HTTP client may talk to; any other is refused."""
{%- if cookiecutter.auth == "oauth2" %}
        return tuple(dict.fromkeys([httpx.URL(self.base_url).host, httpx.URL(self.token_url).host]))
{%- else %}
        return (httpx.URL(self.base_url).host,)
{%- endif %}
{%- else %}
    # Replace these with what your system needs (a host, an account, credentials typed
    # hookline.Secret). The starting point keeps its data as JSON Lines files.
    directory: str = attrs.field(
        metadata=_describe(
            "The directory holding one <stream>.jsonl file per stream (relative paths start "
            "at the config file's directory)."
        )
    )
{%- if cookiecutter.kind != "destination" %}
    batch_size: int = attrs.field(
        default=500,
        validator=attrs.validators.ge(1),
        metadata=_describe("Records per batch when reading."),
    )
{%- endif %}
{%- endif %}
