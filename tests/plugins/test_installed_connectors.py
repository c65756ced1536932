"""Discovery for real: wheels pip-installed into a fresh virtual environment.

One environment holds the SDK, a good connector and several broken ones (each broken in
another way); its own ``hookline`` command must report each broken one with a one-line
reason and keep working for the good one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.venvs import ROOT, Venv, build_wheel, build_wheelhouse, write_package

pytestmark = pytest.mark.slow

CANARY = "canary-8fQ2+x/Zt"

GOOD = '''
import logging
from typing import Any

import attrs
from hookline import Batch, Catalog, ConnectorInfo, Secret, Stream, hookimpl

log = logging.getLogger(__name__)


@attrs.frozen
class Config:
    """Settings of the good connector."""

    token: Secret
    count: int = 3


@hookimpl
def hookline_describe():
    return ConnectorInfo(id="good", version="1.0.0", kind="source", title="Good",
                         config_model=Config, capabilities=("incremental",))


@hookimpl
def hookline_auth(config, context):
    header = "Bearer " + config.token.reveal()
    log.debug("using header %s", header)
    return {"Authorization": header}


@hookimpl
def hookline_discover(config, connection):
    schema = {"type": "object", "properties": {"id": {"type": "integer"}}}
    return Catalog([Stream("items", schema, primary_key="id",
                           sync_modes=("full", "incremental"))])


@hookimpl
def hookline_read(config, connection, stream, state):
    start = (state or {}).get("next", 0) if stream.sync_mode == "incremental" else 0
    for i in range(start, config.count):
        yield Batch([{"id": i}], {"next": i + 1})
'''

BROKEN = """
raise RuntimeError("the broken connector fails on import")
"""

BAD_HOOKS = """
from hookline import ConnectorInfo, hookimpl

@hookimpl
def hookline_describe():
    return ConnectorInfo(id="badhooks", version="1.0.0", kind="source")

@hookimpl
def hookline_read(cfg, stream):
    return []
"""

FUTURE = """
from hookline import Catalog, ConnectorInfo, hookimpl

@hookimpl
def hookline_describe():
    return ConnectorInfo(id="future", version="2.0.0", kind="source", api_version=2)

@hookimpl
def hookline_discover():
    return Catalog([])

@hookimpl
def hookline_read():
    return []
"""

TWIN = """
from hookline import ConnectorInfo, hookimpl

@hookimpl
def hookline_describe():
    return ConnectorInfo(id="twin", version="1.0.0", kind="destination")

@hookimpl
def hookline_write():
    return None
"""

UPPER = """
from hookline import hookimpl

@hookimpl
def hookline_transform(batch):
    batch.records = [{k: v.upper() if isinstance(v, str) else v for k, v in r.items()}
                     for r in batch.records]
"""

HIJACK = """
from hookline import hookimpl

@hookimpl
def hookline_read():
    return []
"""


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    work = tmp_path_factory.mktemp("discovery")
    wheelhouse = build_wheelhouse(work / "wheelhouse")
    sources = work / "src"
    packages = [
        write_package(
            sources,
            "hookline-good",
            {"good": "hookline_good.plugin"},
            {"__init__.py": "", "plugin.py": GOOD},
        ),
        write_package(
            sources,
            "hookline-broken",
            {"broken": "hookline_broken.plugin"},
            {"__init__.py": "", "plugin.py": BROKEN},
        ),
        write_package(
            sources,
            "hookline-badhooks",
            {"badhooks": "hookline_badhooks.plugin"},
            {"__init__.py": "", "plugin.py": BAD_HOOKS},
        ),
        write_package(
            sources,
            "hookline-future",
            {"future": "hookline_future.plugin"},
            {"__init__.py": "", "plugin.py": FUTURE},
        ),
        write_package(
            sources, "twin-a", {"twin": "twin_a.plugin"}, {"__init__.py": "", "plugin.py": TWIN}
        ),
        write_package(
            sources, "twin-b", {"twin": "twin_b.plugin"}, {"__init__.py": "", "plugin.py": TWIN}
        ),
    ]
    packages += [
        write_package(
            sources,
            "hookline-upper",
            {"upper": "hookline_upper.plugin"},
            {"__init__.py": "", "plugin.py": UPPER},
            group="hookline.plugins",
        ),
        write_package(
            sources,
            "hookline-hijack",
            {"hijack": "hookline_hijack.plugin"},
            {"__init__.py": "", "plugin.py": HIJACK},
            group="hookline.plugins",
        ),
        ROOT / "plugins" / "files",
    ]
    wheels = [str(build_wheel(p, wheelhouse)) for p in packages]
    venv = Venv(work / "venv")
    venv.install("hookline", *wheels, wheelhouse=wheelhouse)
    return venv


def _rows(env: Venv, **extra_env: str) -> dict[tuple[str, str], dict[str, object]]:
    result = env.hookline("connectors", "--json", env=extra_env)
    assert result.returncode == 0, result.stderr
    return {(row["id"], row["package"]): row for row in json.loads(result.stdout)}


def test_good_is_ok_and_each_broken_one_says_why(env: Venv) -> None:
    rows = _rows(env)
    assert rows[("good", "hookline-good")]["status"] == "ok"
    assert rows[("good", "hookline-good")]["kind"] == "source"
    assert rows[("good", "hookline-good")]["error"] is None
    expected = {
        ("broken", "hookline-broken"): "import failed: RuntimeError: the broken connector fails "
        "on import",
        ("badhooks", "hookline-badhooks"): "hooks rejected: Plugin 'badhooks' for hook "
        "'hookline_read'",
        ("future", "hookline-future"): "written for hookline API version 2",
        ("twin", "twin-a"): "id 'twin' is claimed by twin-a 1.0.0 and twin-b 1.0.0",
        ("twin", "twin-b"): "id 'twin' is claimed by twin-a 1.0.0 and twin-b 1.0.0",
    }
    for key, reason in expected.items():
        assert rows[key]["status"] == "broken", key
        error = str(rows[key]["error"])
        assert error.startswith(reason), (key, error)
        assert "\n" not in error
    assert "hookline-files" in {package for _, package in rows}


def test_good_connector_still_reads(env: Venv, tmp_path: Path) -> None:
    config = tmp_path / "good.yaml"
    config.write_text("token: ${env:GOOD_TOKEN}\ncount: 4\n")
    state = tmp_path / "state.json"
    result = env.hookline(
        "read",
        "good",
        "--config",
        str(config),
        "--state-out",
        str(state),
        env={"GOOD_TOKEN": CANARY},
    )
    assert result.returncode == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        {"id": i} for i in range(4)
    ]
    assert json.loads(state.read_text())["streams"] == {"items": {"next": 4}}


def test_broken_connector_used_directly_fails_in_one_line(env: Venv) -> None:
    result = env.hookline("info", "broken")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: connector 'broken' (hookline-broken 1.0.0) is broken: import failed: "
        "RuntimeError: the broken connector fails on import"
    )


def test_disabled_connectors_are_skipped(env: Venv) -> None:
    rows = _rows(env, HOOKLINE_DISABLE_PLUGINS="broken,twin")
    assert {key[0] for key in rows} >= {"good", "badhooks", "future"}
    assert not {"broken", "twin"} & {key[0] for key in rows}
    result = env.hookline("info", "broken", env={"HOOKLINE_DISABLE_PLUGINS": "broken"})
    assert result.returncode == 2
    assert "disabled by HOOKLINE_DISABLE_PLUGINS" in result.stderr


def test_secret_never_appears_in_any_output(env: Venv, tmp_path: Path) -> None:
    config = tmp_path / "good.yaml"
    config.write_text("token: ${env:GOOD_TOKEN}\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("token: ${env:GOOD_TOKEN}\ncount: lots\n")
    commands = [
        ["connectors"],
        ["connectors", "--json"],
        ["info", "good", "--json"],
        ["check", "good", "--config", str(config)],
        ["discover", "good", "--config", str(config)],
        ["read", "good", "--config", str(config), "--state-out", str(tmp_path / "s.json")],
        ["read", "good", "--config", str(bad)],
        ["read", "good", "--config", str(config), "--stream", "nope"],
    ]
    debug_seen = False
    for command in commands:
        for debug in ([], ["--debug"]):
            result = env.hookline(*debug, *command, env={"GOOD_TOKEN": CANARY})
            text = result.stdout + result.stderr
            assert CANARY not in text, (command, debug)
            debug_seen |= "using header Bearer ********" in text
    assert debug_seen, "the debug log line was shown, masked"
    assert CANARY not in (tmp_path / "s.json").read_text()


def test_info_shows_the_secret_as_secret(env: Venv) -> None:
    result = env.hookline("info", "good", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["secret_fields"] == ["$.token"]
    assert data["config_schema"]["properties"]["token"]["writeOnly"] is True


def test_cross_cutting_plugins_are_listed_with_their_hooks(env: Venv) -> None:
    result = env.hookline("plugins", "--json")
    assert result.returncode == 0, result.stderr
    rows = {row["id"]: row for row in json.loads(result.stdout)}
    assert rows["upper"]["status"] == "ok"
    assert rows["upper"]["hooks"] == ["hookline_transform"]
    assert rows["hijack"]["status"] == "broken"
    assert "may only wrap hookline_read" in str(rows["hijack"]["error"])
    assert "hijack" not in [
        r["id"] for r in json.loads(env.hookline("connectors", "--json").stdout)
    ]
