"""Secrets never leak: canary credentials in every secret setting, every output scanned.

Each case puts canary values (:func:`hookline.conformance.canary`, with characters that
JSON, URLs and base64 each encode differently) into one way the REST connector
authenticates, against :class:`support.echo_api.EchoApi` on loopback: it checks the
credentials, echoes each request's headers and query into the records it returns (so the
records hold the credentials), and links its pages with a next URL that repeats the query
(so the URL holds an API key sent in the query).

Real CLI subprocesses then read, check, run a pipeline (rest to sqlite, with records
rejected to the dead-letter store by a failing ``cast``), list the runs and show the
state, with and without ``--debug``, and again while the API refuses every request
(``401``) or fails from the second page on (``500`` until the retries run out). Every
stdout and stderr, the ``--state-out`` file, the state directory (``state.db``, its WAL,
the dead letters) and the ``hookline test --report`` file are searched for each canary:
plain, base64 (alone and as ``user:secret``), URL-encoded and JSON-escaped.

The destination database is data and is not searched: a pipeline delivers records
unaltered (docs/explanation/delivery-guarantees.md), which a test here asserts too, as it
asserts that ``hookline read`` masks the records it prints and says so.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import subprocess
import sys
import urllib.parse
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

import attrs
import pytest
import yaml

from hookline.conformance import canary
from hookline.secrets import MASK
from support.echo_api import EchoApi, Expect

USER = "hl-user"
CLIENT_ID = "hl-client"

#: The canaries, by the environment variable that carries each into a config.
CANARIES = {
    "HL_API_KEY_HEADER": canary("apikey-header") + '"\\/',
    "HL_API_KEY_QUERY": canary("apikey-query") + '/"ü+ &',
    "HL_BEARER": canary("bearer") + '/\\"',
    "HL_PASSWORD": canary("password") + ' ü/"\\',
    "HL_CLIENT_SECRET": canary("client-secret") + '/ü"+',
    "HL_REFRESH_TOKEN": canary("refresh") + "/+=",
    "HL_HEADER_TOKEN": canary("header-token") + '"/',
    "HL_SESSION": canary("session"),
}
C = CANARIES


@attrs.frozen
class Case:
    """One way of authenticating: the config's sections, and what the API demands."""

    auth: dict[str, Any]
    expect: Expect
    headers: dict[str, str] = attrs.field(factory=dict)
    pagination: Literal["next_url", "link"] = "next_url"
    #: (user, secret name) pairs sent as HTTP Basic, whose base64 is searched for too.
    pairs: tuple[tuple[str, str], ...] = ()


def _oauth(grant: str, client_auth: str, **more: Any) -> dict[str, Any]:
    return {
        "kind": f"oauth2_{grant}",
        "token_url": "{url}/oauth/token",
        "client_id": CLIENT_ID,
        "client_secret": "${env:HL_CLIENT_SECRET}",
        "client_auth": client_auth,
        **more,
    }


CASES = {
    "api_key_header": Case(
        auth={"kind": "api_key", "api_key": "${env:HL_API_KEY_HEADER}", "name": "X-Api-Key"},
        expect=Expect(headers={"x-api-key": C["HL_API_KEY_HEADER"]}),
    ),
    "api_key_query": Case(
        auth={
            "kind": "api_key",
            "api_key": "${env:HL_API_KEY_QUERY}",
            "name": "api_key",
            "location": "query",
        },
        expect=Expect(query={"api_key": C["HL_API_KEY_QUERY"]}),
    ),
    "bearer": Case(
        auth={"kind": "bearer", "token": "${env:HL_BEARER}"},
        expect=Expect(headers={"authorization": f"Bearer {C['HL_BEARER']}"}),
        pagination="link",
    ),
    "basic": Case(
        auth={"kind": "basic", "username": USER, "password": "${env:HL_PASSWORD}"},
        expect=Expect(basic=(USER, C["HL_PASSWORD"])),
        pairs=((USER, "HL_PASSWORD"),),
    ),
    "oauth2_client_credentials_basic": Case(
        auth=_oauth("client_credentials", "basic"),
        expect=Expect(oauth=True, client=(CLIENT_ID, C["HL_CLIENT_SECRET"])),
        pairs=((CLIENT_ID, "HL_CLIENT_SECRET"),),
    ),
    "oauth2_client_credentials_body": Case(
        auth=_oauth("client_credentials", "body"),
        expect=Expect(oauth=True, client=(CLIENT_ID, C["HL_CLIENT_SECRET"]), client_auth="body"),
        pagination="link",
    ),
    "oauth2_refresh_token_rotating": Case(
        auth=_oauth("refresh_token", "body", refresh_token="${env:HL_REFRESH_TOKEN}"),
        expect=Expect(
            oauth=True,
            client=(CLIENT_ID, C["HL_CLIENT_SECRET"]),
            client_auth="body",
            refresh_token=C["HL_REFRESH_TOKEN"],
            rotate=True,
        ),
    ),
    "custom_headers": Case(
        auth={"kind": "none"},
        headers={
            "X-Api-Token": "${env:HL_HEADER_TOKEN}",
            "Cookie": "session=${env:HL_SESSION}; theme=light",
        },
        expect=Expect(
            headers={
                "x-api-token": C["HL_HEADER_TOKEN"],
                "cookie": f"session={C['HL_SESSION']}; theme=light",
            }
        ),
    ),
}


# -- what is searched for -------------------------------------------------------------------


def forms(value: str) -> dict[str, str]:
    """The forms of ``value`` searched for, by name (computed here, not by hookline)."""
    raw = value.encode()
    found = {
        "plain": value,
        "url-encoded": urllib.parse.quote(value, safe=""),
        "url-encoded (quote_plus)": urllib.parse.quote_plus(value),
        "url-encoded (/ kept)": urllib.parse.quote(value),
        "base64": base64.b64encode(raw).decode(),
        "base64 unpadded": base64.b64encode(raw).decode().rstrip("="),
        "base64 urlsafe": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "json-escaped": json.dumps(value)[1:-1],
        "json-escaped (unicode)": json.dumps(value, ensure_ascii=False)[1:-1],
    }
    return found


def needles(case: Case, issued: Iterable[str]) -> list[tuple[str, bytes]]:
    """Every (description, bytes) to search for in the outputs of ``case``."""
    result: dict[bytes, str] = {}
    for name, value in [*CANARIES.items(), *((f"issued token {t}", t) for t in issued)]:
        for form, text in forms(value).items():
            result.setdefault(text.encode(), f"{name} ({form})")
    for user, name in case.pairs:
        pair = base64.b64encode(f"{user}:{CANARIES[name]}".encode()).decode()
        result.setdefault(pair.encode(), f"{name} (base64 of {user}:secret)")
        result.setdefault(pair.rstrip("=").encode(), f"{name} (base64 of {user}:secret)")
    return [(what, needle) for needle, what in result.items()]


# -- running the CLI ------------------------------------------------------------------------


class Outputs:
    """Runs hookline commands, keeping every output for the scan."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.seen: list[tuple[str, bytes]] = []

    def cli(self, *args: str | Path) -> subprocess.CompletedProcess[bytes]:
        """Run ``python -m hookline ARGS`` with the canaries in the environment."""
        command = [sys.executable, "-m", "hookline", *map(str, args)]
        result = subprocess.run(
            command,
            cwd=self.cwd,
            capture_output=True,
            env={**os.environ, **CANARIES},
            timeout=120,
        )
        shown = " ".join(map(str, args)).replace(str(self.cwd), ".")
        self.seen.append((f"stdout of `hookline {shown}`", result.stdout))
        self.seen.append((f"stderr of `hookline {shown}`", result.stderr))
        return result

    def file(self, path: Path) -> None:
        """Keep a file's bytes, if it exists."""
        if path.is_file():
            self.seen.append((str(path.relative_to(self.cwd)), path.read_bytes()))

    def tree(self, folder: Path) -> list[Path]:
        """Keep every file under ``folder`` (a state directory); return their paths."""
        paths = sorted(p for p in folder.rglob("*") if p.is_file())
        for path in paths:
            self.file(path)
        return paths

    def leaks(self, wanted: list[tuple[str, bytes]]) -> list[str]:
        """One line for each canary form found in an output."""
        return [
            f"{where}: {what}"
            for where, data in self.seen
            for what, needle in wanted
            if needle in data
        ]


def write_config(case: Case, url: str, path: Path, *, retries: int = 2) -> Path:
    """The REST config of ``case`` against the API at ``url``."""
    auth = {k: v.format(url=url) if k == "token_url" else v for k, v in case.auth.items()}
    # Stable links: a stopped walk resumes at the stored next URL, so the state holds it.
    pagination: dict[str, Any] = {"kind": case.pagination, "stable_links": True}
    if case.pagination == "next_url":
        pagination["next_path"] = "next"
    config = {
        "base_url": url,
        "allowed_hosts": ["127.0.0.1"],
        "headers": case.headers,
        "retry": {"max_attempts": retries, "base_delay": 0.01, "max_delay": 0.02},
        "auth": auth,
        "streams": [
            {
                "name": "echo",
                "path": "/records",
                "records": "data",
                "primary_key": ["id"],
                "cursor": {"field": "updated_at"},
                "pagination": pagination,
            }
        ],
    }
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def write_pipeline(folder: Path, config: Path) -> Path:
    """A pipeline rest -> sqlite in ``folder``; a cast rejects every third record."""
    folder.mkdir(parents=True)
    pipeline = folder / "pipeline.yaml"
    pipeline.write_text(
        yaml.safe_dump(
            {
                "name": "canaries",
                "source": {"connector": "rest", "config_file": str(config)},
                "destination": {"connector": "sqlite", "config": {"path": "warehouse.db"}},
                "state_dir": ".hookline",
                "max_failed_records": 100,
                "streams": {"echo": {"write": "upsert", "map": {"cast": {"amount": "integer"}}}},
            }
        )
    )
    return pipeline


@pytest.fixture
def serve() -> Iterator[Any]:
    """Start echo APIs for a test; each stops when the test ends."""
    started: list[EchoApi] = []

    def start(case: Case, **options: Any) -> EchoApi:
        api = EchoApi(case.expect, pagination=case.pagination, **options)
        started.append(api.__enter__())
        return api

    yield start
    for api in started:
        api.__exit__(None, None, None)


# -- the scan -------------------------------------------------------------------------------


def _explore(case: Case, api: EchoApi, tmp_path: Path, out: Outputs) -> list[str]:
    """Run every command over ``case``; return the problems that make the scan vacuous."""
    problems: list[str] = []
    config = write_config(case, api.url, tmp_path / "source.yaml")
    dead_letters: list[Path] = []
    for debug in ((), ("--debug",)):
        tag = "debug" if debug else "plain"
        state_out = tmp_path / f"state-{tag}.json"
        read = out.cli(*debug, "read", "rest", "-c", config, "--state-out", state_out)
        out.file(state_out)
        if read.returncode != 0 or MASK.encode() not in read.stdout:
            problems.append(
                f"read ({tag}) exit {read.returncode}, nothing masked: the scan is moot"
            )
        out.cli(*debug, "check", "rest", "-c", config)
        pipeline = write_pipeline(tmp_path / f"run-{tag}", config)
        run = out.cli(*debug, "run", pipeline, "--json")
        if run.returncode != 0:
            tail = run.stderr.decode(errors="replace").strip().splitlines()[-1:]
            problems.append(f"run ({tag}) exit {run.returncode}: {tail}")
        out.cli(*debug, "runs", pipeline, "--json")
        out.cli(*debug, "state", "show", pipeline)
        out.cli(*debug, "state", "show", pipeline, "--json")
        dead_letters += [p for p in out.tree(pipeline.parent / ".hookline") if p.suffix == ".jsonl"]
    if not dead_letters:
        problems.append("no record reached the dead-letter store: that part of the scan is moot")
    report = tmp_path / "report.json"
    out.cli("test", "rest", "-c", config, "--report", report)
    out.file(report)
    if not report.is_file():
        problems.append("hookline test wrote no report")
    out.cli("info", "rest")

    # Refused: every request is a 401.
    api.fail_with, api.fail_from = 401, 1
    refused = tmp_path / "state-refused.json"
    if out.cli("read", "rest", "-c", config).returncode == 0:
        problems.append("a read the API refused succeeded: the 401 path went untested")
    out.cli("--debug", "read", "rest", "-c", config, "--state-out", refused)
    out.file(refused)
    out.cli("--debug", "check", "rest", "-c", config)
    pipeline = write_pipeline(tmp_path / "run-refused", config)
    out.cli("--debug", "run", pipeline, "--json")
    out.cli("runs", pipeline, "--json")
    out.tree(pipeline.parent / ".hookline")

    # Failing: the first page comes, then 500s until the retries run out, so the state
    # that was committed stands in the middle of a walk (at the next page's URL).
    api.fail_with, api.fail_from = 500, 2
    failing = tmp_path / "state-failing.json"
    out.cli("--debug", "read", "rest", "-c", config, "--state-out", failing)
    out.file(failing)
    pipeline = write_pipeline(tmp_path / "run-failing", config)
    out.cli("--debug", "run", pipeline, "--json")
    out.cli("runs", pipeline, "--json")
    out.cli("state", "show", pipeline)
    if b'"url"' not in out.cli("state", "show", pipeline, "--json").stdout:
        problems.append("the failed run's state holds no next-page URL: that path went untested")
    out.tree(pipeline.parent / ".hookline")
    return problems


@pytest.mark.parametrize("name", list(CASES))
def test_no_canary_leaks_from_any_output(name: str, tmp_path: Path, serve: Any) -> None:
    case = CASES[name]
    api = serve(case, token_uses=2)  # OAuth2 tokens die mid-read: refreshes happen
    out = Outputs(tmp_path)
    problems = _explore(case, api, tmp_path, out)
    if case.expect.oauth:
        assert api.issued, "no token was issued: the OAuth2 flow did not run"
    if case.expect.rotate:
        assert any("rotated" in token for token in api.issued), "no refresh token rotated"
    leaks = out.leaks(needles(case, api.issued))
    assert not leaks and not problems, "\n".join(
        [f"{len(leaks)} leak(s):", *leaks, *(["other problems:", *problems] if problems else [])]
    )


# -- the rule for records -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pages", "per_page", "note"),
    [
        (3, 2, "note: 6 records held a secret value"),
        (1, 1, "note: 1 record held a secret value"),
    ],
)
def test_read_masks_secrets_in_records_and_says_so(
    pages: int, per_page: int, note: str, tmp_path: Path, serve: Any
) -> None:
    case = CASES["bearer"]
    api = serve(case, pages=pages, per_page=per_page)
    config = write_config(case, api.url, tmp_path / "source.yaml")
    result = Outputs(tmp_path).cli("read", "rest", "-c", config)
    assert result.returncode == 0, result.stderr.decode()
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == pages * per_page
    assert {r["headers"]["authorization"] for r in records} == {f"Bearer {MASK}"}
    notes = [line for line in result.stderr.decode().splitlines() if line.startswith("note:")]
    assert notes == [
        f"{note}, shown as {MASK}; a pipeline delivers records to its destination unaltered"
    ]


def test_read_says_nothing_when_no_record_held_a_secret(tmp_path: Path, serve: Any) -> None:
    case = attrs.evolve(CASES["bearer"], auth={"kind": "none"}, expect=Expect())
    api = serve(case)
    config = write_config(case, api.url, tmp_path / "source.yaml")
    result = Outputs(tmp_path).cli("read", "rest", "-c", config)
    assert result.returncode == 0, result.stderr.decode()
    assert len(result.stdout.splitlines()) == 6
    assert b"note:" not in result.stderr


def test_a_pipeline_delivers_records_unaltered(tmp_path: Path, serve: Any) -> None:
    """The rule, asserted so that it does not change silently: data is not redacted."""
    case = CASES["bearer"]
    api = serve(case)
    config = write_config(case, api.url, tmp_path / "source.yaml")
    pipeline = write_pipeline(tmp_path / "run", config)
    result = Outputs(tmp_path).cli("run", pipeline, "--json")
    assert result.returncode == 0, result.stderr.decode()
    assert CANARIES["HL_BEARER"].encode() not in result.stdout + result.stderr
    with sqlite3.connect(pipeline.parent / "warehouse.db") as db:
        rows = db.execute("SELECT id, headers FROM echo ORDER BY id").fetchall()
    # Records 3 and 6 were rejected by the cast; the others arrived as the API sent them.
    assert [row[0] for row in rows] == [1, 2, 4, 5]
    for _, headers in rows:
        assert json.loads(headers)["authorization"] == f"Bearer {CANARIES['HL_BEARER']}"
