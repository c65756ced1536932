"""The REST connector's identity and configuration: describe, the model, clear errors."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any

import pytest

from hookline.errors import ConfigError
from hookline.host import Connector
from hookline.secrets import Secret
from hookline_rest import RestConfig

BASE = "http://127.0.0.1:8765/shop"


def parse(connector: Connector, data: dict[str, Any]) -> Any:
    return connector.parse_config({"base_url": BASE, **data}, source="rest.yaml")


def problems(connector: Connector, data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as caught:
        parse(connector, data)
    return [(p.path, p.message) for p in caught.value.problems]


def test_describe(connector: Connector) -> None:
    info = connector.info
    assert (info.id, info.kind, info.config_model) == ("rest", "both", RestConfig)
    assert set(connector.implemented_hooks()) == {
        "hookline_describe",
        "hookline_auth",
        "hookline_check",
        "hookline_conformance_fixture",
        "hookline_discover",
        "hookline_read",
        "hookline_validate_streams",
        "hookline_write",
    }


def test_full_config_is_structured(connector: Connector) -> None:
    config = parse(
        connector,
        {
            "allowed_hosts": ["127.0.0.1"],
            "headers": {"Accept": "application/json"},
            "timeout": 10,
            "deadline": "300",
            "retry": {"max_attempts": 5, "base_delay": 0.5, "max_delay": 30, "max_elapsed": 120},
            "rate_limit": {"per_second": 50},
            "auth": {"kind": "bearer", "token": "tok-123456"},
            "streams": [
                {
                    "name": "orders",
                    "path": "/orders",
                    "params": {"status": "paid", "limit": 5},
                    "records": "data",
                    "primary_key": ["id"],
                    "cursor": {"field": "updated_at", "param": "updated_since"},
                    "pagination": {"kind": "page", "size_param": "per_page", "size": 100},
                }
            ],
            "writes": {
                "reservations": {
                    "method": "POST",
                    "path": "/reservations/{id}",
                    "idempotency_key": "{stream}-{id}",
                }
            },
        },
    )
    assert config.auth.token == Secret("tok-123456")
    assert "tok-123456" not in repr(config)
    assert config.streams[0].pagination.max_pages == 10000
    assert config.writes["reservations"].mode == "record"
    assert config.deadline == 300.0
    assert config.hosts == ("127.0.0.1",)
    assert parse(connector, {}).hosts == ("127.0.0.1",)  # default: base_url's host


def test_config_schema_marks_secrets(connector: Connector) -> None:
    auth = connector.config_schema()["properties"]["auth"]["properties"]
    for name in ("token", "api_key", "password", "client_secret", "refresh_token"):
        assert "secret" in str(auth[name]), name
    assert auth["kind"]["default"] == "none"


def test_bad_auth_kind_names_the_path(connector: Connector) -> None:
    [(path, message)] = problems(connector, {"auth": {"kind": "kerberos"}})
    assert path == "$.auth.kind"
    assert "'bearer'" in message


def test_missing_token_names_the_setting(connector: Connector) -> None:
    [(path, message)] = problems(connector, {"auth": {"kind": "bearer"}})
    assert path == "$.auth"
    assert "auth.token" in message


def test_setting_of_another_auth_kind_is_refused(connector: Connector) -> None:
    [(path, message)] = problems(
        connector, {"auth": {"kind": "basic", "username": "u", "password": "p", "token": "t"}}
    )
    assert path == "$.auth"
    assert "auth.token does not apply" in message


def test_bad_pagination_kind_names_the_path(connector: Connector) -> None:
    stream = {"name": "s", "path": "/s", "pagination": {"kind": "pages"}}
    [(path, message)] = problems(connector, {"streams": [stream]})
    assert path == "$.streams[0].pagination.kind"
    assert "'offset'" in message


def test_pagination_needs_its_settings(connector: Connector) -> None:
    stream = {"name": "s", "path": "/s", "pagination": {"kind": "cursor"}}
    [(path, message)] = problems(connector, {"streams": [stream]})
    assert path == "$.streams[0].pagination"
    assert "pagination.cursor_path" in message


@pytest.mark.parametrize(
    ("data", "where", "words"),
    [
        ({"base_url": "ftp://host/x"}, "$", "base_url 'ftp://host/x' must be an http"),
        ({"writes": {"s": {"path": "/s/{id}", "mode": "batch"}}}, "$.writes['s']", "batch mode"),
        ({"writes": {"s": {"path": "/s/{0.x}"}}}, "$.writes['s']", "not a field name"),
        ({"streams": [{"name": "a", "path": "/a"}] * 2}, "$", "used twice"),
        ({"streams": [{"name": "a", "path": "/a", "params": {"x": [1]}}]}, "$.streams[0]", "x"),
        ({"timeout": 0}, "$", "'timeout' must be > 0"),
        ({"colour": "red"}, "$", "unknown setting"),
    ],
)
def test_other_config_errors(
    connector: Connector, data: dict[str, Any], where: str, words: str
) -> None:
    found = problems(connector, data)
    assert [p for p, _ in found] == [where]
    assert words in found[0][1]


def stream(cursor: dict[str, Any] | None = None, **pagination: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {"name": "s", "path": "/s", "pagination": pagination or {}}
    if cursor is not None:
        settings["cursor"] = {"field": "updated_at", **cursor}
    return {"streams": [settings]}


@pytest.mark.parametrize(
    ("data", "where", "words"),
    [
        (stream({"sorted": True}), "$.streams[0].cursor", "cursor.sorted needs cursor.param"),
        (stream({"exclusive": True}), "$.streams[0].cursor", "cursor.exclusive needs cursor.param"),
        (
            stream({"param": "since", "sorted": True, "exclusive": True}),
            "$.streams[0].cursor",
            "cursor.sorted does not go with cursor.exclusive",
        ),
        (
            stream({"max_boundary_keys": -1}),
            "$.streams[0].cursor",
            "'max_boundary_keys' must be >= 0",
        ),
        (
            stream(kind="page", stable_links=True),
            "$.streams[0].pagination",
            "pagination.stable_links does not apply to pagination kind 'page'",
        ),
    ],
)
def test_resumption_settings_are_checked(
    connector: Connector, data: dict[str, Any], where: str, words: str
) -> None:
    [(path, message)] = problems(connector, data)
    assert path == where
    assert words in message


def test_resumption_settings_are_structured_with_safe_defaults(connector: Connector) -> None:
    default = parse(connector, stream({"param": "since"}, kind="offset", limit=10)).streams[0]
    assert default.cursor is not None
    assert (default.cursor.sorted, default.cursor.exclusive) == (False, False)
    assert default.cursor.max_boundary_keys == 1000
    assert (default.pagination.immutable, default.pagination.stable_links) == (False, None)
    declared = parse(
        connector,
        stream(
            {"param": "since", "sorted": True, "max_boundary_keys": 10},
            kind="link",
            stable_links=True,
            immutable=True,
        ),
    ).streams[0]
    assert declared.cursor.sorted and declared.cursor.max_boundary_keys == 10
    assert declared.pagination.stable_links and declared.pagination.immutable


def test_resumption_settings_are_described(connector: Connector) -> None:
    text = str(connector.config_schema())  # what hookline info rest shows
    for words in (
        "ascending order of the cursor field",
        "strictly after the value",
        "records past it come again",
        "does not change while it is read",
        "carry a server cursor",
    ):
        assert words in text, words


# -- allowed_hosts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hosts", "path", "words"),
    [
        (["*"], "$.allowed_hosts[0]", "would allow every host"),
        (["api.example.com", "*."], "$.allowed_hosts[1]", "would allow every host"),
        (["*.com"], "$.allowed_hosts[0]", "top-level domain"),
        (["api.*.example.com"], "$.allowed_hosts[0]", "only stand as the whole first label"),
        (["https://api.example.com"], "$.allowed_hosts[0]", "without scheme, port, path"),
        (["api.example.com:8443"], "$.allowed_hosts[0]", "without scheme, port, path"),
        ([""], "$.allowed_hosts[0]", "not empty"),
    ],
)
def test_allowed_hosts_that_are_not_hosts_are_refused_at_their_key_path(
    connector: Connector, hosts: list[str], path: str, words: str
) -> None:
    [(where, message)] = problems(connector, {"allowed_hosts": hosts})
    assert where == path
    assert words in message
    assert "*.example.com" in message or "api.example.com" in message  # what to write


def test_two_bad_allowed_hosts_are_two_problems(connector: Connector) -> None:
    found = problems(connector, {"allowed_hosts": ["*", "127.0.0.1", "x/y"]})
    assert [where for where, _ in found] == ["$.allowed_hosts[0]", "$.allowed_hosts[2]"]


def test_allowed_hosts_patterns_that_are_hosts_are_kept(connector: Connector) -> None:
    hosts = ["api.example.com", "*.shop.example.com", "127.0.0.1", "::1", "[::1]", "localhost"]
    assert parse(connector, {"allowed_hosts": hosts}).hosts == tuple(hosts)


def test_check_with_a_bare_star_in_allowed_hosts_exits_2_in_one_line(
    tmp_path: Path, cli: Any
) -> None:
    config = tmp_path / "rest.yaml"
    config.write_text('base_url: http://127.0.0.1:9\nallowed_hosts: ["*"]\n')
    result = cli("check", "rest", "-c", config, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: rest.yaml: "), "named relative to the working directory"
    assert line.endswith("@ $.allowed_hosts[0]")
    assert "'*' would allow every host" in line and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "module_name",
    [
        "hookline_rest",
        "hookline_rest.config",
        "hookline_rest.connector",
        "hookline_rest._boundary",
        "hookline_rest._client",
        "hookline_rest._cursor",
        "hookline_rest._reading",
        "hookline_rest._validation",
        "hookline_rest._writing",
    ],
)
def test_public_names_are_exported_and_documented(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert inspect.getdoc(module)
    defined = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and value.__module__ == module_name
    }
    assert defined <= set(module.__all__)
    for name in module.__all__:
        value = getattr(module, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), f"{module_name}.{name} has no docstring"
