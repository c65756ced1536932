"""The hook implementations of the {{ cookiecutter.title }} connector (id ``{{ cookiecutter.id }}``).

hookline calls them in this order:

* ``hookline_describe`` once, when the connector is loaded;
* ``hookline_auth`` to open the connection, then ``hookline_check`` on demand;
{%- if cookiecutter.kind != "destination" %}
* ``hookline_discover``, then ``hookline_read`` for each selected stream;
{%- endif %}
{%- if cookiecutter.kind != "source" %}
* ``hookline_write`` for each batch of a stream;
{%- endif %}
* ``hookline_conformance_fixture`` when ``hookline test`` runs.

Argument names must match the hook specifications (``hookline.hookspecs``); a hook may
leave out arguments it does not use.
"""

from __future__ import annotations

{%- set hooks = ["hookline_auth", "hookline_check", "hookline_conformance_fixture", "hookline_describe"] %}
{%- if cookiecutter.kind != "destination" %}
{%- set hooks = hooks + ["hookline_discover", "hookline_read"] %}
{%- endif %}
{%- if cookiecutter.kind != "source" %}
{%- set hooks = hooks + ["hookline_write"] %}
{%- endif %}

__all__ = [
    "CAPABILITIES",
{%- for hook in hooks %}
    "{{ hook }}",
{%- endfor %}
]
{% if cookiecutter.kind != "destination" %}
from collections.abc import Iterator
{%- endif %}
from pathlib import Path
from typing import TYPE_CHECKING

from hookline import hookimpl
{%- if cookiecutter.style == "rest" %}
from hookline.errors import HooklineError
from hookline.http import HttpClient
{%- else %}
from hookline.errors import AuthError
{%- endif %}
{%- set models = ["CheckResult", "ConnectorContext", "ConnectorInfo"] %}
{%- if cookiecutter.kind != "destination" %}
{%- set models = models + ["Batch", "Catalog", "ConfiguredStream", "State"] %}
{%- endif %}
{%- if cookiecutter.kind != "source" %}
{%- set models = models + ["Batch", "ConfiguredStream", "WriteResult"] %}
{%- endif %}
from hookline.models import (
{%- for name in models|unique|sort(case_sensitive=true) %}
    {{ name }},
{%- endfor %}
)

from {{ cookiecutter.package }} import __version__
{%- if cookiecutter.style == "rest" %}
from {{ cookiecutter.package }}._client import build_client, request
{%- endif %}
{%- if cookiecutter.kind != "destination" %}
from {{ cookiecutter.package }}._reading import STREAMS, read_stream
{%- endif %}
{%- if cookiecutter.kind != "source" %}
from {{ cookiecutter.package }}._writing import write_batch
{%- endif %}
from {{ cookiecutter.package }}.config import Config

if TYPE_CHECKING:
    from hookline.conformance import ConformanceFixture
{%- set capabilities = ["check"] %}
{%- if cookiecutter.kind != "destination" %}
{%- set capabilities = capabilities + ["discover", "read", "incremental"] %}
{%- endif %}
{%- if cookiecutter.kind != "source" %}
{%- set capabilities = capabilities + ["write", "upsert"] %}
{%- endif %}
{%- if cookiecutter.style == "rest" %}
{%- set connection = "HttpClient" %}
{%- else %}
{%- set connection = "Path" %}
{%- endif %}

#: What the connector can do; each capability needs its hooks (``hookline test`` checks).
CAPABILITIES = ({{ capabilities|map("tojson")|join(", ") }})


@hookimpl
def hookline_describe() -> ConnectorInfo:
    """Say who the connector is: id, version, kind, settings and capabilities."""
    return ConnectorInfo(
        id="{{ cookiecutter.id }}",
        version=__version__,
        kind="{{ cookiecutter.kind }}",
        title="{{ cookiecutter.title }}",
        description="{{ cookiecutter.description }}",
        config_model=Config,
        capabilities=CAPABILITIES,
{%- if cookiecutter.style == "rest" %}
        # Replace this with the hosts of your API (for users and the registry to see).
        hosts=("api.example.com",),
{%- endif %}
    )
{%- if cookiecutter.style == "rest" %}


@hookimpl
def hookline_auth(config: Config, context: ConnectorContext) -> HttpClient:
    """Build the HTTP client with its auth flow; nothing is sent yet.

    Bad credentials show at the first request: a 401 raises
    :class:`~hookline.errors.AuthError` naming the setting to fix. hookline closes the
    client when the run ends.
    """
    return build_client(config)


@hookimpl
def hookline_check(config: Config, connection: HttpClient) -> CheckResult:
    """Probe the API with one cheap authenticated request.

    Replace ``/status`` with the cheapest request your API offers that needs the
    credentials (``GET /me``, the first page of a small list).
    """
    try:
        response = request(connection, "GET", "/status")
    except HooklineError as exc:
        return CheckResult(ok=False, message=str(exc))
    return CheckResult(ok=True, message=f"GET /status: {response.status_code}")
{%- else %}


@hookimpl
def hookline_auth(config: Config, context: ConnectorContext) -> Path:
    """Open the connection: here, find the data directory.

    Replace this with your system's connection or session (log in with the credentials
    from ``config``); raise :class:`~hookline.errors.AuthError` when it refuses them.
    """
    directory = context.base_dir / config.directory
    if not directory.is_dir():
        raise AuthError(
            f"the directory {str(directory)!r} does not exist; create it or fix the "
            "setting 'directory'"
        )
    return directory


@hookimpl
def hookline_check(config: Config, connection: Path) -> CheckResult:
    """Probe cheaply that the connection works: here, that the directory is readable.

    Replace this with the cheapest call to your system that proves access.
    """
    files = sorted(path.name for path in connection.glob("*.jsonl"))
    return CheckResult(ok=True, message=f"{connection}: {len(files)} stream file(s)")
{%- endif %}
{%- if cookiecutter.kind != "destination" %}


@hookimpl
def hookline_discover(config: Config, connection: {{ connection }}) -> Catalog:
    """List the streams, each with its schema, primary key and cursor field."""
    return Catalog(STREAMS)


@hookimpl
def hookline_read(
    config: Config, connection: {{ connection }}, stream: ConfiguredStream, state: State | None
) -> Iterator[Batch]:
    """Read one stream in batches; an incremental read continues after ``state``.

    Each batch carries the state that holds once its records are delivered; see
    :mod:`{{ cookiecutter.package }}._reading`.
    """
    return read_stream(connection, config, stream, state)
{%- endif %}
{%- if cookiecutter.kind != "source" %}


@hookimpl
def hookline_write(
    config: Config, connection: {{ connection }}, stream: ConfiguredStream, batch: Batch
) -> WriteResult:
    """Store one batch durably, upserting on the primary key; report what was rejected.

    See :mod:`{{ cookiecutter.package }}._writing`.
    """
    return write_batch(connection, stream, batch.records)
{%- endif %}


@hookimpl
def hookline_conformance_fixture(workdir: Path) -> ConformanceFixture:
    """Give ``hookline test`` a working config and {% if cookiecutter.style == "rest" %}a local fake of the API{% else %}sample data{% endif %}.

    Imported here, on use, so that loading the connector stays cheap.
    """
    from {{ cookiecutter.package }}.conformance import conformance_fixture

    return conformance_fixture(workdir)
