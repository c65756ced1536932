"""The refresh token store: one file per configured credential, written whole, kept private."""

from __future__ import annotations

import json
import logging
import os
import stat
import urllib.parse
from pathlib import Path

import httpx
import pytest

from hookline._credentials import RefreshTokenStore, credentials_folder
from hookline.errors import AuthError
from hookline.http import OAuth2RefreshToken
from hookline.secrets import MASK, Secret, _forget_all, redact

TOKEN_URL = "https://auth.test/oauth/token"


@pytest.fixture(autouse=True)
def _no_registered_secrets() -> None:
    _forget_all()


def store(
    folder: Path, configured: str = "rt-conf-1234", client: str | None = "cid"
) -> RefreshTokenStore:
    return RefreshTokenStore(folder, token_url=TOKEN_URL, client_id=client, configured=configured)


def test_a_saved_token_is_loaded_back_and_kept_private(tmp_path: Path) -> None:
    folder = credentials_folder(tmp_path)
    assert folder == tmp_path / ".hookline" / "credentials"
    kept = store(folder)
    assert kept.load() is None
    kept.save("rt-next-5678")
    assert store(folder).load() == "rt-next-5678"
    assert stat.S_IMODE(kept.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    # No temporary file left; a .gitignore keeps the folder out of version control.
    assert sorted(p.name for p in folder.iterdir()) == [".gitignore", kept.path.name]
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"
    data = json.loads(kept.path.read_text())
    assert (data["token_url"], data["client_id"]) == (TOKEN_URL, "cid")
    assert "rt-conf-1234" not in kept.path.read_text()  # the configured token only keys it


def test_each_configured_credential_has_its_own_file(tmp_path: Path) -> None:
    paths = {
        store(tmp_path).path,
        store(tmp_path, configured="rt-other-9999").path,
        store(tmp_path, client="another-client").path,
        RefreshTokenStore(
            tmp_path, token_url="https://b.test/t", client_id="cid", configured="rt-conf-1234"
        ).path,
    }
    assert len(paths) == 4


def test_a_loaded_token_is_masked_everywhere(tmp_path: Path) -> None:
    store(tmp_path).save("rt-loaded-4321")
    _forget_all()  # a new process: it knows the token only from the file
    token = store(tmp_path).load()
    assert token is not None and redact(f"refresh={token}") == f"refresh={MASK}"


def test_a_failed_write_leaves_the_stored_token_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = store(tmp_path)
    kept.save("rt-first-1111")

    def crash(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(AuthError, match="cannot be written \\(No space left"):
        kept.save("rt-second-2222")
    monkeypatch.undo()
    assert kept.load() == "rt-first-1111"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".gitignore", kept.path.name]


def _token_reply(access: str, refresh: str) -> httpx.Response:
    return httpx.Response(200, json={"access_token": access, "refresh_token": refresh})


def _offered(request: httpx.Request) -> str:
    return urllib.parse.parse_qs(request.read().decode())["refresh_token"][0]


def test_a_rotated_token_is_stored_before_it_is_used(tmp_path: Path) -> None:
    kept = store(tmp_path)
    auth = OAuth2RefreshToken(TOKEN_URL, Secret("rt-conf-1234"), client_id="cid", store=kept)
    flow = auth.auth_flow(httpx.Request("GET", "https://api.test/x"))
    assert _offered(next(flow)) == "rt-conf-1234"
    api_request = flow.send(_token_reply("at-1", "rt-rotated-1"))
    assert api_request.headers["Authorization"] == "Bearer at-1"
    assert kept.load() == "rt-rotated-1"  # on disk before the next refresh can happen


def test_a_flow_starts_from_the_stored_token_and_follows_another_process(
    tmp_path: Path,
) -> None:
    kept = store(tmp_path)
    kept.save("rt-from-last-run")
    auth = OAuth2RefreshToken(TOKEN_URL, Secret("rt-conf-1234"), client_id="cid", store=kept)
    flow = auth.auth_flow(httpx.Request("GET", "https://api.test/x"))
    assert _offered(next(flow)) == "rt-from-last-run"
    flow.send(_token_reply("at-1", "rt-rotated-2"))
    store(tmp_path).save("rt-rotated-by-another-process")
    # The access token is refused: the next refresh presents what the store holds now.
    assert _offered(flow.send(httpx.Response(401))) == "rt-rotated-by-another-process"


def test_a_store_that_cannot_be_written_is_a_warning_and_the_run_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    kept = store(blocker / "credentials")
    auth = OAuth2RefreshToken(TOKEN_URL, Secret("rt-conf-1234"), store=kept)
    flow = auth.auth_flow(httpx.Request("GET", "https://api.test/x"))
    next(flow)
    with caplog.at_level(logging.WARNING, logger="hookline.http"):
        api_request = flow.send(_token_reply("at-1", "rt-unsaved-3"))
    assert api_request.headers["Authorization"] == "Bearer at-1"
    assert auth.refresh_token == Secret("rt-unsaved-3")  # this process goes on with it
    [warning] = caplog.messages
    assert f"the stored refresh token {kept.path} cannot be written" in warning
    assert "the next run would present the spent one" in warning
    assert "rt-unsaved-3" not in warning
