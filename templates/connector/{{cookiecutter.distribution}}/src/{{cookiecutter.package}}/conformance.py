"""The conformance fixture: what ``hookline test {{ cookiecutter.id }}`` runs the connector against.
{% if cookiecutter.style == "rest" %}
It starts :class:`~{{ cookiecutter.package }}._fake_api.FakeApi` on ``127.0.0.1`` (a free
port){% if cookiecutter.kind != "destination" %} with sample customers and orders{% endif %}
{%- if cookiecutter.auth != "none" %}, behind credentials made with
:func:`hookline.conformance.canary` (the suite searches every output for them){% endif %}, and
returns a config that points the connector at it. The suite also routes the API through a
proxy that answers 429, 503 and 401 (``url_setting``), to see the client retry and fail
cleanly.
{%- else %}
It writes sample data to a directory under the suite's ``workdir`` and returns a config
that points the connector at it. When you replace the files with your own system, make
this start a local fake of that system instead, so the suite keeps running offline.
{%- endif %}
{%- if cookiecutter.kind != "destination" %}

Sources: every incremental stream must span at least two batches (the suite resumes after
the first), so the fixture makes the batches small.
``record_counts`` says how many records each stream holds (a read that stops early
fails), and ``change_data`` changes the data between two reads (records updated and
added) and returns the changed ones: an incremental read after it must return exactly
those. Keep both true when you change the sample data.
{%- endif %}
{%- if cookiecutter.kind != "source" %}

Destinations: the suite writes the streams ``hookline.conformance.WRITE_STREAMS`` and
reads them back through ``read_back``.
{%- endif %}
"""

from __future__ import annotations
{% if cookiecutter.kind != "destination" %}
__all__ = ["conformance_fixture", "sample_customers", "sample_orders"]
{%- else %}
__all__ = ["conformance_fixture"]
{%- endif %}
{% if cookiecutter.style == "python" %}
import json
{%- endif %}
{%- if cookiecutter.kind != "destination" %}
from collections.abc import Callable
{%- endif %}
from pathlib import Path
from typing import Any
{% if cookiecutter.style == "rest" %}
from hookline.conformance import ConformanceFixture{% if cookiecutter.auth != "none" %}, canary{% endif %}
{%- else %}
from hookline.conformance import ConformanceFixture
{%- endif %}
{%- if cookiecutter.kind != "source" %}
from hookline.models import ConfiguredStream, Record
{%- else %}
from hookline.models import Record
{%- endif %}
{%- if cookiecutter.style == "rest" %}

from {{ cookiecutter.package }}._fake_api import FakeApi
{%- endif %}

{%- if cookiecutter.kind != "destination" %}

#: Records per batch in the fixture: small, so that reads span several batches.
BATCH_SIZE = 5
#: How many customers and orders the sample data holds.
CUSTOMERS, ORDERS = 13, 17


def sample_customers(count: int = CUSTOMERS) -> list[Record]:
    """Return ``count`` customers with distinct ids and increasing ``updated_at``."""
    return [
        {
            "id": n,
            "name": f"Customer {n}",
            "email": None if n % 5 == 0 else f"customer{n}@example.com",
            "updated_at": f"2024-03-{1 + n:02d}T{8 + n % 10:02d}:00:00Z",
        }
        for n in range(1, count + 1)
    ]


def sample_orders(count: int = ORDERS) -> list[Record]:
    """Return ``count`` orders; two orders share each ``updated_at`` (ids break the tie)."""
    return [
        {
            "id": n,
            "customer_id": 1 + n % 13,
            "total": round(9.5 * n + 0.25, 2),
            "status": "paid" if n % 3 else "open",
            "updated_at": f"2024-03-{1 + (n + 1) // 2:02d}T12:00:00Z",
        }
        for n in range(1, count + 1)
    ]


def _apply(change: Callable[[str, list[Record]], None]) -> dict[str, list[Record]]:
    """Update two customers and an order, add one of each; return the changed records."""
    customers = [
        {**c, "name": f"{c['name']} (renamed)", "updated_at": f"2024-04-0{n}T10:00:00Z"}
        for n, c in enumerate(sample_customers()[2:8:5], start=1)
    ]
    added = sample_customers(CUSTOMERS + 1)[-1]
    customers.append({**added, "updated_at": "2024-04-03T10:00:00Z"})
    orders = [
        {**sample_orders()[3], "status": "refunded", "updated_at": "2024-04-01T12:00:00Z"},
        {**sample_orders(ORDERS + 1)[-1], "updated_at": "2024-04-02T12:00:00Z"},
    ]
    change("customers", customers)
    change("orders", orders)
    return {"customers": customers, "orders": orders}
{%- endif %}
{%- if cookiecutter.style == "rest" %}


def conformance_fixture(workdir: Path) -> ConformanceFixture:
    """Start the fake API and return the fixture; its ``cleanup`` stops the fake."""
{%- if cookiecutter.auth == "bearer" %}
    token = canary("token")
    api = FakeApi(
{%- if cookiecutter.kind != "destination" %}
        _resources(),
{%- endif %}
        token=token,
    ).start()
    credentials: dict[str, Any] = {"token": token}
    bad_credentials: dict[str, Any] | None = {"token": "hl-wrong-token"}
{%- elif cookiecutter.auth == "api_key" %}
    api_key = canary("api-key")
    api = FakeApi(
{%- if cookiecutter.kind != "destination" %}
        _resources(),
{%- endif %}
        api_key=api_key,
    ).start()
    credentials: dict[str, Any] = {"api_key": api_key}
    bad_credentials: dict[str, Any] | None = {"api_key": "hl-wrong-key"}
{%- elif cookiecutter.auth == "basic" %}
    password = canary("password")
    api = FakeApi(
{%- if cookiecutter.kind != "destination" %}
        _resources(),
{%- endif %}
        username="hookline-test",
        password=password,
    ).start()
    credentials: dict[str, Any] = {"username": "hookline-test", "password": password}
    bad_credentials: dict[str, Any] | None = {"password": "hl-wrong-password"}
{%- elif cookiecutter.auth == "oauth2" %}
    client_secret = canary("client-secret")
    api = FakeApi(
{%- if cookiecutter.kind != "destination" %}
        _resources(),
{%- endif %}
        client_id="hookline-test",
        client_secret=client_secret,
    ).start()
    credentials: dict[str, Any] = {
        "token_url": f"{api.url}/oauth/token",
        "client_id": "hookline-test",
        "client_secret": client_secret,
    }
    bad_credentials: dict[str, Any] | None = {"client_secret": "hl-wrong-secret"}
{%- else %}
    api = FakeApi({% if cookiecutter.kind != "destination" %}_resources(){% endif %}).start()
    credentials: dict[str, Any] = {}
    bad_credentials: dict[str, Any] | None = None  # the API takes no credentials
{%- endif %}
    config: dict[str, Any] = {
        "base_url": api.url,
        **credentials,
{%- if cookiecutter.kind != "destination" %}
        "page_size": BATCH_SIZE,
{%- endif %}
        "timeout": 10,
    }
{%- if cookiecutter.kind != "source" %}

    def read_back(stream: ConfiguredStream) -> list[Record]:
        """Return what the fake API stored for the written stream."""
        return api.stored(stream.name)
{%- endif %}

    return ConformanceFixture(
        config=config,
        bad_credentials=bad_credentials,
        # A base URL without a scheme: the config model refuses it.
        invalid_config={**config, "base_url": "api.example.com/v1"},
        url_setting="base_url",
{%- if cookiecutter.kind != "source" %}
        read_back=read_back,
{%- endif %}
        cleanup=api.stop,
{%- if cookiecutter.kind != "destination" %}
        record_counts={"customers": CUSTOMERS, "orders": ORDERS},
        change_data=lambda: _apply(api.change),
{%- endif %}
    )
{%- if cookiecutter.kind != "destination" %}


def _resources() -> dict[str, list[Record]]:
    return {"customers": sample_customers(), "orders": sample_orders()}
{%- endif %}
{%- else %}


def conformance_fixture(workdir: Path) -> ConformanceFixture:
    """Write the sample data under ``workdir`` and return the fixture."""
    directory = workdir / "data"
    directory.mkdir(parents=True, exist_ok=True)
{%- if cookiecutter.kind != "destination" %}
    _write_lines(directory / "customers.jsonl", sample_customers())
    _write_lines(directory / "orders.jsonl", sample_orders())
{%- endif %}
{%- if cookiecutter.kind != "destination" %}
    config: dict[str, Any] = {"directory": "data", "batch_size": BATCH_SIZE}
{%- else %}
    config: dict[str, Any] = {"directory": "data"}
{%- endif %}
{%- if cookiecutter.kind != "source" %}

    def read_back(stream: ConfiguredStream) -> list[Record]:
        """Return what was written to the stream's file."""
        path = directory / f"{stream.name}.jsonl"
        if not path.exists():
            return []
        with path.open(encoding="utf-8") as lines:
            return [json.loads(line) for line in lines if line.strip()]
{%- endif %}

    return ConformanceFixture(
        config=config,
        # A directory that does not exist: auth refuses it.
        invalid_config={**config, "directory": "no-such-directory"},
{%- if cookiecutter.kind != "source" %}
        read_back=read_back,
{%- endif %}
{%- if cookiecutter.kind != "destination" %}
        record_counts={"customers": CUSTOMERS, "orders": ORDERS},
        change_data=lambda: _apply(lambda name, records: _merge(directory, name, records)),
{%- endif %}
    )
{%- if cookiecutter.kind != "destination" %}


def _merge(directory: Path, name: str, records: list[Record]) -> None:
    """Add or replace (by ``id``) records in ``<directory>/<name>.jsonl``."""
    path = directory / f"{name}.jsonl"
    with path.open(encoding="utf-8") as lines:
        by_id = {r["id"]: r for r in (json.loads(line) for line in lines if line.strip())}
    by_id.update((r["id"], r) for r in records)
    _write_lines(path, list(by_id.values()))


def _write_lines(path: Path, records: list[Record]) -> None:
    with path.open("w", encoding="utf-8") as file:
        for record in records:
            file.write(json.dumps(record) + "\n")
{%- endif %}
{%- endif %}
