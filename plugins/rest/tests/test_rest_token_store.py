"""A rotated OAuth2 refresh token outlives the process: the next run goes on with it.

The token endpoint here is strict, as single-use refresh tokens are: each refresh issues
a new refresh token and refuses every earlier one, the configured one included once used.
Separate ``hookline`` processes (read, check, run) then each present the latest, kept in
``.hookline/credentials/`` next to the configuration, and no output shows a token.
"""

from __future__ import annotations

import json
import logging
import stat
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from hookline.errors import AuthError
from hookline.secrets import MASK
from support.http_server import HttpServer, Received, Reply

if TYPE_CHECKING:
    from conftest import Rest

CONFIGURED = "rt-configured-5b1f0e"
STREAMS = [{"name": "orders", "path": "/orders", "records": "data"}]
_JSON = {"Content-Type": "application/json"}


class RotatingEndpoint:
    """A token endpoint with single-use refresh tokens, and an API that wants its tokens."""

    def __init__(self, refresh_token: str = CONFIGURED) -> None:
        self.valid_refresh: str | None = refresh_token
        self.presented: list[str] = []  # every refresh token offered, in order
        self.issued: list[str] = []  # every token handed out (refresh and access)
        self.access: set[str] = set()
        self._count = 0
        self._lock = threading.Lock()
        self.server = HttpServer(self._handle)

    def _handle(self, request: Received) -> Reply:
        if request.path == "/oauth/token":
            form = urllib.parse.parse_qs(request.body.decode())
            offered = form.get("refresh_token", [""])[0]
            with self._lock:
                self.presented.append(offered)
                if offered != self.valid_refresh:
                    body = {"error": "invalid_grant", "error_description": "token was used"}
                    return Reply(400, _JSON, json.dumps(body))
                self._count += 1
                access, rotated = f"at-{self._count}-9d2c71", f"rt-{self._count}-e4a803"
                self.valid_refresh = rotated
                self.access.add(access)
                self.issued += [access, rotated]
            body = {"access_token": access, "refresh_token": rotated, "expires_in": 3600}
            return Reply(200, _JSON, json.dumps(body))
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.access:
            return Reply(401, _JSON, '{"error": "unauthorized"}')
        return Reply(200, _JSON, json.dumps({"data": [{"id": 1}, {"id": 2}]}))

    def secrets(self) -> list[str]:
        """Every token that must never be shown."""
        return [CONFIGURED, *self.issued]


@pytest.fixture
def endpoint() -> Iterator[RotatingEndpoint]:
    api = RotatingEndpoint()
    with api.server:
        yield api


def write_config(folder: Path, url: str, refresh_token: str = CONFIGURED) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = {
        "base_url": url,
        "retry": {"max_attempts": 1},
        "auth": {
            "kind": "oauth2_refresh_token",
            "token_url": f"{url}/oauth/token",
            "refresh_token": "${env:HL_TEST_REFRESH}",
            "client_id": "shop-client",
            "client_auth": "body",
        },
        "streams": [{"name": "orders", "path": "/orders", "records": "data"}],
    }
    path = folder / "rest.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def stored(folder: Path) -> list[Path]:
    return sorted((folder / ".hookline" / "credentials").glob("oauth2-refresh-*.json"))


def assert_nothing_shown(outputs: list[str], secrets: list[str]) -> None:
    for output in outputs:
        for secret in secrets:
            assert secret not in output, f"{secret} was printed"


def test_two_reads_in_separate_processes_both_succeed(
    endpoint: RotatingEndpoint, tmp_path: Path, cli: Any
) -> None:
    config = write_config(tmp_path / "conf", endpoint.server.url)
    env = {"HL_TEST_REFRESH": CONFIGURED}
    first = cli("read", "rest", "-c", config, cwd=tmp_path, env=env)
    second = cli("--debug", "read", "rest", "-c", config, cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert len(first.stdout.splitlines()) == len(second.stdout.splitlines()) == 2
    # The second process presented the token the first one received, not the spent one.
    assert endpoint.presented == [CONFIGURED, "rt-1-e4a803"]
    [path] = stored(tmp_path / "conf")
    assert json.loads(path.read_text())["refresh_token"] == "rt-2-e4a803"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    outputs = [first.stdout, first.stderr, second.stdout, second.stderr]
    assert "hookline.http" in second.stderr  # --debug logged the requests, masked
    assert_nothing_shown(outputs, endpoint.secrets())


def test_check_and_a_pipeline_run_share_the_stored_token(
    endpoint: RotatingEndpoint, tmp_path: Path, cli: Any
) -> None:
    config = write_config(tmp_path / "conf", endpoint.server.url)
    pipeline = tmp_path / "run" / "pipeline.yaml"
    pipeline.parent.mkdir()
    pipeline.write_text(
        yaml.safe_dump(
            {
                "source": {"connector": "rest", "config_file": str(config)},
                "destination": {"connector": "files", "config": {"directory": "out"}},
            }
        )
    )
    env = {"HL_TEST_REFRESH": CONFIGURED}
    check = cli("check", "rest", "-c", config, cwd=tmp_path, env=env)
    run = cli("--debug", "run", pipeline, "--json", cwd=tmp_path, env=env)
    assert check.returncode == 0, check.stderr
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["streams"]["orders"]["written"] == 2
    assert endpoint.presented == [CONFIGURED, "rt-1-e4a803"]
    assert len(stored(tmp_path / "conf")) == 1  # next to the config file, for both
    assert_nothing_shown([check.stdout, check.stderr, run.stdout, run.stderr], endpoint.secrets())


def test_a_new_configured_token_starts_afresh(
    endpoint: RotatingEndpoint, tmp_path: Path, rest: Rest
) -> None:
    url = endpoint.server.url
    settings = {
        "kind": "oauth2_refresh_token",
        "token_url": f"{url}/oauth/token",
        "refresh_token": CONFIGURED,
    }
    assert len(rest.records(rest.config(url, auth=settings, streams=STREAMS), "orders")) == 2
    # The account is authorized anew: the endpoint hands out a new refresh token, which
    # goes into the configuration. The stored one (for the old token) is not used.
    endpoint.valid_refresh = "rt-reissued-c07d55"
    fresh = {**settings, "refresh_token": "rt-reissued-c07d55"}
    assert len(rest.records(rest.config(url, auth=fresh, streams=STREAMS), "orders")) == 2
    assert endpoint.presented == [CONFIGURED, "rt-reissued-c07d55"]
    assert len(stored(rest.base_dir)) == 2


def test_a_refused_stored_token_names_the_file_and_how_to_start_over(
    endpoint: RotatingEndpoint, rest: Rest, caplog: pytest.LogCaptureFixture
) -> None:
    url = endpoint.server.url
    settings = {
        "kind": "oauth2_refresh_token",
        "token_url": f"{url}/oauth/token",
        "refresh_token": CONFIGURED,
    }
    config = rest.config(url, auth=settings, streams=STREAMS)
    rest.read(config, "orders")
    endpoint.valid_refresh = None  # the grant is revoked: every token is refused now
    with caplog.at_level(logging.DEBUG), pytest.raises(AuthError) as caught:
        rest.read(config, "orders")
    message = str(caught.value)
    [path] = stored(rest.base_dir)
    assert "refused the refresh token with HTTP 400 (invalid_grant: token was used)" in message
    assert f"the token was the one stored in {path}" in message
    assert "delete that file to start again from the configured one" in message
    assert "'auth.refresh_token'" in message
    assert_nothing_shown([message, caplog.text], endpoint.secrets())


def test_a_damaged_store_file_is_an_auth_error_naming_it(
    endpoint: RotatingEndpoint, rest: Rest
) -> None:
    url = endpoint.server.url
    settings = {
        "kind": "oauth2_refresh_token",
        "token_url": f"{url}/oauth/token",
        "refresh_token": CONFIGURED,
    }
    config = rest.config(url, auth=settings, streams=STREAMS)
    rest.read(config, "orders")
    [path] = stored(rest.base_dir)
    path.write_text('{"refresh_token": ')  # as if edited by hand, badly
    with pytest.raises(AuthError) as caught:
        rest.read(config, "orders")
    assert str(caught.value).endswith(
        f": the stored refresh token {path} is damaged (not JSON); delete it to "
        "start again from the configured refresh token (if the endpoint spent that one, put "
        "a new one in the configuration)"
    )
    assert MASK not in str(caught.value)
