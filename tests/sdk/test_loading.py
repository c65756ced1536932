"""Entry-point discovery: nothing imported to list, conflicts, disabling, the cache."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from hookline._loading import find_entries, search_path
from hookline.errors import ConnectorNotFound, PluginLoadError
from hookline.host import open_connector
from hookline.inventory import list_connectors
from support.fake_site import add_distribution


def _imports(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []


def test_finding_imports_nothing(installed: Path) -> None:
    found = find_entries()
    assert [e.id for e in found] == ["broken", "memory", "twin", "twin"]
    assert _imports(installed) == []
    memory = found[1]
    assert (memory.package, memory.version, memory.target) == (
        "hookline-memory",
        "1.0",
        "memory_pkg:plugin",
    )
    assert memory.fingerprint


def test_two_distributions_claiming_one_id_are_both_reported(installed: Path) -> None:
    twins = [e for e in find_entries() if e.id == "twin"]
    assert len(twins) == 2
    for twin in twins:
        assert twin.conflict == (
            "id 'twin' is claimed by hookline-twin-a 1.0 and hookline-twin-b 1.0; "
            "uninstall all but one of them"
        )
    with pytest.raises(PluginLoadError, match="claimed by"):
        open_connector("twin")


def test_a_broken_connector_never_stops_the_others(installed: Path) -> None:
    rows = {(r.id, r.package): r for r in list_connectors()}
    assert rows[("memory", "hookline-memory")].status == "ok"
    assert rows[("memory", "hookline-memory")].kind == "both"
    broken = rows[("broken", "hookline-broken")]
    assert broken.status == "broken"
    assert broken.error == "import failed: ModuleNotFoundError: No module named 'no_such_module_x'"
    assert rows[("twin", "hookline-twin-a")].status == "broken"
    assert open_connector("memory").id == "memory"


def test_verdicts_are_cached_until_reinstalled(installed: Path, tmp_path: Path) -> None:
    first = list_connectors()
    assert sorted(_imports(installed)) == ["broken_pkg", "memory_pkg"]
    installed.unlink()
    assert list_connectors() == first
    assert _imports(installed) == [], "a second listing imports nothing"
    # Reinstalling rewrites RECORD: that one connector is verified again.
    record = tmp_path / "site" / "hookline_broken-1.0.dist-info" / "RECORD"
    record.write_text("broken_pkg.py,,\n")
    assert list_connectors() == first
    assert _imports(installed) == ["broken_pkg"]
    installed.unlink()
    sys.modules.pop("memory_pkg")
    list_connectors(refresh=True)
    assert sorted(_imports(installed)) == ["broken_pkg", "memory_pkg"]


def test_editable_installs_are_verified_every_time(installed: Path, tmp_path: Path) -> None:
    dist = tmp_path / "site" / "hookline_memory-1.0.dist-info"
    (dist / "direct_url.json").write_text('{"url": "file:///src", "dir_info": {"editable": true}}')
    list_connectors()
    list_connectors()
    assert _imports(installed).count("memory_pkg") == 1  # imported once per process...
    assert [e.fingerprint for e in find_entries() if e.id == "memory"] == [""]  # ...never cached


def test_disabled_connectors_are_skipped(installed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOKLINE_DISABLE_PLUGINS", "broken, twin")
    assert [e.id for e in find_entries()] == ["memory"]
    assert [r.id for r in list_connectors()] == ["memory"]
    assert "broken_pkg" not in _imports(installed)
    with pytest.raises(ConnectorNotFound, match="disabled by HOOKLINE_DISABLE_PLUGINS"):
        open_connector("broken")


def test_unknown_id_suggests_close_ones(installed: Path) -> None:
    with pytest.raises(ConnectorNotFound, match="did you mean memory"):
        open_connector("memroy")


def test_first_distribution_on_the_path_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    early, late = tmp_path / "early", tmp_path / "late"
    add_distribution(early, "hookline-x", "2.0", {"x": "x_new:plugin"})
    add_distribution(late, "hookline-x", "1.0", {"x": "x_old:plugin"})
    add_distribution(late, "unrelated", "1.0", {"tool": "t:main"}, group="console_scripts")
    monkeypatch.setattr("hookline._loading.search_path", lambda: [str(early), str(late)])
    assert [(e.id, e.version, e.target) for e in find_entries()] == [("x", "2.0", "x_new:plugin")]


def test_search_path_is_sys_path() -> None:
    assert search_path()[-1] == (os.sys.path[-1] or ".")  # type: ignore[attr-defined]


def test_listing_with_some_disabled_keeps_their_verdicts(
    installed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    list_connectors()
    monkeypatch.setenv("HOOKLINE_DISABLE_PLUGINS", "broken")
    list_connectors()
    monkeypatch.delenv("HOOKLINE_DISABLE_PLUGINS")
    installed.unlink()
    list_connectors()
    assert _imports(installed) == []


@pytest.mark.parametrize(
    ("direct_url", "editable"),
    [
        pytest.param('{"url": "file:///src", "dir_info": {"editable": true}}', True, id="pip"),
        pytest.param('{"dir_info":{"editable":true}}', True, id="no-spaces"),
        pytest.param('{\n  "dir_info": {\n    "editable" :  true\n  }\n}', True, id="indented"),
        pytest.param('{"dir_info":{"editable":false}}', False, id="not-editable"),
        pytest.param('{"url": "file:///src", "dir_info": {}}', False, id="local-copy"),
        pytest.param(
            '{"url": "https://x/p.whl", "archive_info": {"hashes": {"sha256": "ab"}}}',
            False,
            id="archive",
        ),
        # '"editable": true' outside dir_info does not make an install editable.
        pytest.param('{"url": "file:///x", "note": "\\"editable\\": true"}', False, id="in-text"),
        # A file that exists but is not what PEP 610 describes: verified every time.
        pytest.param('{"dir_info": {"editable": tru', True, id="truncated"),
        pytest.param("\x00\xff garbage", True, id="garbage"),
        pytest.param("", True, id="empty"),
        pytest.param('["dir_info"]', True, id="not-an-object"),
        pytest.param('{"dir_info": null}', True, id="dir-info-null"),
        pytest.param('{"dir_info": {"editable": "yes"}}', True, id="editable-not-a-boolean"),
    ],
)
def test_editable_is_read_from_direct_url_json(
    installed: Path, tmp_path: Path, direct_url: str, editable: bool
) -> None:
    dist = tmp_path / "site" / "hookline_memory-1.0.dist-info"
    (dist / "direct_url.json").write_bytes(direct_url.encode("utf-8", "surrogateescape"))
    [memory] = [e for e in find_entries() if e.id == "memory"]
    assert (memory.fingerprint == "") is editable
    list_connectors()
    sys.modules.pop("memory_pkg")
    list_connectors()
    # A verdict is cached (the connector imported once) unless the install is editable.
    assert _imports(installed).count("memory_pkg") == (2 if editable else 1)


def test_an_unreadable_direct_url_json_counts_as_editable(installed: Path, tmp_path: Path) -> None:
    dist = tmp_path / "site" / "hookline_memory-1.0.dist-info"
    (dist / "direct_url.json").mkdir()  # exists, cannot be read as a file
    assert [e.fingerprint for e in find_entries() if e.id == "memory"] == [""]


def test_without_direct_url_json_an_install_is_fingerprinted(installed: Path) -> None:
    [memory] = [e for e in find_entries() if e.id == "memory"]
    assert memory.fingerprint.count(":") == 1
