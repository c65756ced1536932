"""Slow and silent servers end a ``hookline read rest`` at the configured deadline.

Real loopback servers (:mod:`support.slow_http`): one trickles its headers a byte at a
time and never finishes them, one has a token endpoint that accepts the connection and
never answers. Either way the command ends near ``deadline`` with exit code 1 and one
line naming the URL and the setting.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import yaml

from support.slow_http import Answer, RawRequest, Silent, SlowServer, Trickle

#: Generous: a subprocess starts in well under a second, even on a loaded machine.
SLACK = 5.0


def errors(stderr: str) -> list[str]:
    """The error lines (the attempts are logged as WARNING lines too), no traceback."""
    assert "Traceback" not in stderr
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


def _config(folder: Path, url: str, **settings: Any) -> Path:
    config = {
        "base_url": url,
        "deadline": 1.5,
        "streams": [{"name": "orders", "path": "/orders", "records": "data"}],
        **settings,
    }
    path = folder / "rest.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_headers_that_never_end_stop_the_read_at_the_deadline(tmp_path: Path, cli: Any) -> None:
    with SlowServer(lambda _: Trickle(endless=True, every=0.2)) as server:
        start = time.monotonic()
        result = cli("read", "rest", "-c", _config(tmp_path, server.url), cwd=tmp_path)
        elapsed = time.monotonic() - start
    assert result.returncode == 1
    [line] = errors(result.stderr)
    assert f"GET {server.url}/orders did not complete within the deadline of 1.5 s" in line
    assert "deadline setting" in line
    assert elapsed < 1.5 + SLACK


def test_a_token_endpoint_that_never_answers_stops_the_read_at_the_deadline(
    tmp_path: Path, cli: Any
) -> None:
    def behave(request: RawRequest) -> Silent | Answer:
        return Silent() if request.path == "/oauth/token" else Answer(200, {"data": []})

    with SlowServer(behave) as server:
        auth = {
            "kind": "oauth2_client_credentials",
            "token_url": f"{server.url}/oauth/token",
            "client_id": "cid",
            "client_secret": "cs-never-shown-2291",
        }
        config = _config(tmp_path, server.url, timeout=30, auth=auth)
        start = time.monotonic()
        result = cli("check", "rest", "-c", config, cwd=tmp_path)
        elapsed = time.monotonic() - start
    assert result.returncode == 1
    [line] = errors(result.stderr)
    assert "did not complete within the deadline of 1.5 s" in line
    assert f"waiting for POST {server.url}/oauth/token" in line
    assert "cs-never-shown-2291" not in result.stderr + result.stdout
    assert elapsed < 1.5 + SLACK
