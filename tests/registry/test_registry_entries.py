"""The registry in this repository: valid entries with evidence, and a current index."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from hookline.conformance._registry import all_checks
from hookline.host import open_connector
from hookline.registry import entry_problems, index_problems
from hookline.registry._build import CATALOG_FILE, INDEX_FILE, index_data
from hookline.registry._catalog import render_catalog
from hookline.registry._entries import read_entries
from hookline.registry._index import bundled_index, load_index

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = ROOT / "registry"


def _first_party() -> dict[str, str]:
    """Connector id -> distribution, for every plugin project in plugins/."""
    found = {}
    for pyproject in sorted((ROOT / "plugins").glob("*/pyproject.toml")):
        text = pyproject.read_text()
        name = text.split('name = "', 1)[1].split('"', 1)[0]
        section = text.split('[project.entry-points."hookline.connectors"]', 1)[1]
        for line in section.split("\n[", 1)[0].splitlines():
            if "=" in line:
                found[line.split("=", 1)[0].strip()] = name
    return found


@pytest.fixture(scope="module")
def entries() -> dict[str, dict[str, Any]]:
    return {entry["id"]: entry for entry in read_entries(REGISTRY)}


def test_every_first_party_connector_has_an_accepted_gold_entry(
    entries: dict[str, dict[str, Any]],
) -> None:
    first_party = _first_party()
    assert set(first_party) == {"files", "sqlite", "rest"}
    for connector_id, distribution in first_party.items():
        entry = entries[connector_id]
        assert entry["package"]["name"] == distribution
        evidence = entry["evidence"]
        assert evidence["status"] == "accepted"
        assert evidence["level"] == "gold"
        assert evidence["failed"] == [] and evidence["reasons"] == [] and evidence["hazards"] == []
        assert evidence["report_digest"].startswith("sha256:")
        assert len(evidence["passed"]) + len(evidence["skipped"]) == len(all_checks())
        wheel = evidence["artifact"]["filename"]
        assert wheel.startswith(f"{distribution.replace('-', '_')}-{entry['package']['version']}-")
        assert {c["name"] for c in evidence["not_applicable"]} <= set(evidence["skipped"])
        assert evidence["report"] == f"reports/{connector_id}.json"


@pytest.mark.parametrize("connector_id", sorted(_first_party()))
def test_the_published_report_is_the_one_the_digest_names(
    connector_id: str, entries: dict[str, dict[str, Any]]
) -> None:
    evidence = entries[connector_id]["evidence"]
    raw = (REGISTRY / evidence["report"]).read_bytes()
    canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"))
    assert evidence["report_digest"] == "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
    report = json.loads(raw)
    assert report["level"] == evidence["level"]
    assert sorted(c["name"] for c in report["checks"] if c["status"] == "passed") == sorted(
        evidence["passed"]
    )


@pytest.mark.parametrize("connector_id", sorted(_first_party()))
def test_entry_metadata_is_what_the_connector_says_now(
    connector_id: str, entries: dict[str, dict[str, Any]]
) -> None:
    connector = open_connector(connector_id)
    metadata = entries[connector_id]["metadata"]
    assert metadata["kind"] == connector.info.kind
    assert metadata["version"] == connector.version
    assert metadata["capabilities"] == list(connector.info.capabilities), (
        "the connector changed: run `hookline registry validate` again"
    )
    assert metadata["config_schema"] == connector.config_schema()
    assert entries[connector_id]["package"]["version"] == connector.version


def test_index_and_catalog_are_current() -> None:
    index = index_data(REGISTRY)
    assert json.loads((REGISTRY / INDEX_FILE).read_text()) == index, (
        "registry/index.json is stale: run `hookline registry build`"
    )
    assert (REGISTRY / CATALOG_FILE).read_text() == render_catalog(index), (
        "registry/catalog.html is stale: run `hookline registry build`"
    )
    assert index_problems(index) == []


def test_the_bundled_index_is_the_registry_index() -> None:
    assert bundled_index().resolve() == (REGISTRY / INDEX_FILE).resolve() or (
        json.loads(bundled_index().read_text()) == json.loads((REGISTRY / INDEX_FILE).read_text())
    )
    assert {e["id"] for e in load_index().connectors} == set(_first_party())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e.pop("evidence"), "'evidence' is a required property"),
        (lambda e: e["evidence"].update(level="platinum"), "'platinum' is not one of"),
        (lambda e: e.update(id="Not An Id"), "does not match"),
        (lambda e: e["evidence"].update(report_digest="md5:00"), "does not match"),
        (lambda e: e.update(extra=1), "Additional properties are not allowed"),
        (lambda e: e["metadata"].update(kind="sink"), "'sink' is not one of"),
        (lambda e: e["evidence"]["artifact"].update(sha256="sha256:00"), "does not match"),
        (lambda e: e["evidence"]["artifact"].update(filename="x.tar.gz"), "does not match"),
        (lambda e: e["evidence"]["artifact"].pop("sha256"), "'sha256' is a required property"),
        (lambda e: e["evidence"]["not_applicable"].append({"name": "x"}), "'reason' is a required"),
        (lambda e: e["evidence"].update(write_modes_proven=["upsert"] * 2), "non-unique"),
    ],
)
def test_the_schema_refuses_a_broken_entry(
    change: Any, message: str, entries: dict[str, dict[str, Any]]
) -> None:
    entry = copy.deepcopy(entries["files"])
    assert entry_problems(entry) == []
    change(entry)
    problems = entry_problems(entry, "files.json")
    assert problems
    assert any(message in p.message for p in problems), [str(p) for p in problems]


def test_the_reference_page_names_every_field() -> None:
    from hookline.registry._entries import entry_schema

    page = (ROOT / "docs" / "reference" / "registry.md").read_text()
    schema = entry_schema()
    names = set(schema["properties"]) | set(schema["properties"]["evidence"]["properties"])
    names |= set(schema["properties"]["metadata"]["properties"])
    missing = sorted(name for name in names if f"`{name}`" not in page)
    assert missing == []
