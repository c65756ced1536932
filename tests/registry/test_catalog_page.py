"""The registry's catalog page: its HTML, and its search and filters in headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema
import pytest
from referencing import Registry, Resource

from hookline.registry._catalog import render_catalog

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

SCHEMAS = Path(__file__).parents[2] / "sdk" / "src" / "hookline" / "registry"
EVIL = "<script>alert(1)</script>"
DIGEST = "sha256:" + "ab" * 32


def entry(ident: str, **changes: Any) -> dict[str, Any]:
    """Return a registry entry for `ident`, with top-level, metadata and evidence changes."""
    metadata = {
        "title": ident.title(),
        "kind": "source",
        "version": "1.0.0",
        "api_version": 1,
        "capabilities": ["discover", "read", "check"],
        "hosts": [],
        "config_schema": {"type": "object", "properties": {}},
        "secret_settings": [],
        **changes.pop("metadata", {}),
    }
    evidence = {
        "status": "accepted",
        "date": "2025-01-15T10:00:00Z",
        "suite_version": "2",
        "hookline_version": "0.1.0",
        "level": "bronze",
        "passed": ["describe.identity", "check.passes"],
        "failed": [],
        "skipped": ["write.round_trip"],
        "report_digest": DIGEST,
        "hazards": [],
        "reasons": [],
        **changes.pop("evidence", {}),
    }
    return {
        "schema_version": 1,
        "id": ident,
        "package": {
            "name": f"hookline-{ident}",
            "version": "1.0.0",
            "requirement": f"hookline-{ident}==1.0.0",
        },
        "repository": f"https://example.org/{ident}",
        "description": f"The {ident} connector.",
        "categories": [],
        "maintainer": "Example Maintainers",
        "metadata": metadata,
        "evidence": evidence,
        **changes,
    }


def sample_index() -> dict[str, Any]:
    crm_settings = {
        "type": "object",
        "required": ["base_url", "auth"],
        "properties": {
            "base_url": {"type": "string", "description": "Where the CRM answers."},
            "token": {"type": "string", "secret": True, "writeOnly": True},
            "auth": {
                "type": "object",
                "properties": {"user": {"type": "string"}, "api_key": {"type": "string"}},
            },
            "page_size": {"type": "integer", "default": 100},
            "region": {"anyOf": [{"enum": ["eu", "us"]}, {"type": "null"}]},
        },
    }
    return {
        "schema_version": 1,
        "connectors": [
            entry(
                "sqlite",
                description="Reads and writes the tables of an SQLite database file.",
                categories=["database"],
                metadata={
                    "kind": "both",
                    "capabilities": ["discover", "read", "incremental", "write", "upsert"],
                    "config_schema": {
                        "type": "object",
                        "required": ["path"],
                        "properties": {"path": {"type": "string", "format": "path"}},
                    },
                },
                evidence={
                    "level": "gold",
                    "artifact": {
                        "filename": "hookline_sqlite-1.0.0-py3-none-any.whl",
                        "sha256": "cd" * 32,
                    },
                    "not_applicable": [
                        {"name": "faults.timeout", "reason": "talks to no network service"},
                        {"name": "secrets.no_leak", "reason": f"no secret settings {EVIL}"},
                    ],
                    "write_modes_proven": ["append", "upsert"],
                },
            ),
            entry(
                "crm-rest",
                description="Contacts and deals from a CRM's REST API.",
                categories=["crm", "saas"],
                metadata={
                    "title": "CRM (REST)",
                    "kind": "both",
                    "capabilities": ["discover", "read", "write", "upsert"],
                    "hosts": ["api.crm.example"],
                    "config_schema": crm_settings,
                    "secret_settings": ["$.token", "$.auth.api_key"],
                },
                evidence={"level": "silver", "not_applicable": [], "write_modes_proven": []},
            ),
            entry("files", description="CSV and JSON Lines files.", categories=["files"]),
            entry(
                "evil-shop",
                description=f"A web shop {EVIL} connector.",
                categories=["ecommerce"],
                repository="javascript:alert(2)",
                evidence={
                    "status": "rejected",
                    "level": "none",
                    "failed": ["check.passes"],
                    "reasons": ["check.passes failed: <b>connection refused</b>"],
                    "report_digest": None,
                },
            ),
        ],
    }


def test_sample_index_is_valid() -> None:
    entry_schema = json.loads((SCHEMAS / "entry.schema.json").read_text())
    index_schema = json.loads((SCHEMAS / "index.schema.json").read_text())
    registry: Registry[Any] = Registry().with_resource(
        entry_schema["$id"], Resource.from_contents(entry_schema)
    )
    validator = jsonschema.Draft202012Validator(index_schema, registry=registry)
    validator.validate(sample_index())
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({"schema_version": 1, "connectors": [{"id": "x"}]})


def card(page: str, ident: str) -> str:
    found = re.search(rf'<article class="connector" data-id="{ident}".*?</article>', page, re.S)
    assert found, f"no card for {ident}"
    return found.group(0)


def test_html_escapes_and_marks() -> None:
    page = render_catalog(sample_index())
    assert page.startswith("<!DOCTYPE html>")
    assert re.findall(r'data-id="([^"]+)"', page) == ["crm-rest", "evil-shop", "files", "sqlite"]
    assert "<script>alert" not in page
    evil = card(page, "evil-shop")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in evil
    assert "&lt;b&gt;connection refused&lt;/b&gt;" in evil
    assert "not verified" in evil and "not verified" not in card(page, "sqlite")
    assert 'href="javascript:' not in page and "javascript:alert(2)" in evil
    assert 'class="badge level-none"' in evil
    sqlite = card(page, "sqlite")
    assert 'class="badge level-gold"' in sqlite
    assert "<code>hookline install sqlite</code>" in sqlite
    assert "<code>hookline-sqlite==1.0.0</code>" in sqlite
    assert '<a href="https://example.org/sqlite"' in sqlite
    assert "1 passed" not in sqlite and "2 passed, 0 failed, 1 skipped" in sqlite
    assert "sha256:abababababab…" in sqlite and DIGEST not in sqlite.replace(f'"{DIGEST}"', "")
    crm = card(page, "crm-rest")
    assert re.search(r'data-setting="token">.*?secret</span>', crm)
    assert re.search(r'data-setting="auth">.*?contains secrets: auth\.api_key', crm)
    assert re.search(r'data-setting="page_size">.*?default <code>100</code>', crm)
    assert re.search(r'data-setting="region">.*?one of: eu \| us, optional', crm)
    assert re.search(r'data-setting="base_url">.*?required', crm)
    assert "api.crm.example" in crm
    assert "index schema version 1 · 4 connectors" in page


def test_a_card_says_what_its_level_does_not_prove() -> None:
    page = render_catalog(sample_index())
    sqlite = card(page, "sqlite")
    assert (
        '<dt>Not proven (not applicable)</dt><dd><ul class="not-proven">'
        "<li><code>faults.timeout</code>: talks to no network service</li>"
        "<li><code>secrets.no_leak</code>: no secret settings "
        "&lt;script&gt;alert(1)&lt;/script&gt;</li></ul></dd>"
    ) in sqlite
    assert "<dt>Write modes proven</dt><dd><code>append</code>, <code>upsert</code></dd>" in sqlite
    assert "<code>hookline_sqlite-1.0.0-py3-none-any.whl</code>" in sqlite
    assert f'title="sha256:{"cd" * 32}">sha256:{"cd" * 8}…' in sqlite
    crm = card(page, "crm-rest")
    assert "<dt>Not proven (not applicable)</dt><dd>nothing: every check applied</dd>" in crm
    assert "<dt>Write modes proven</dt><dd>none</dd>" in crm
    files = card(page, "files")  # a source from before these were recorded
    assert "<dt>Not proven (not applicable)</dt><dd>not recorded</dd>" in files
    assert "Write modes proven" not in files, "a source writes nothing"
    assert "not recorded: the installed wheel cannot be verified" in files


# --- in the browser ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not chromedriver:
        pytest.fail(
            "chromium/chromedriver not found: run `apt-get install -y chromium chromium-driver`"
            " (as root) and `python3 -m pip install selenium`",
            pytrace=False,
        )
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail("selenium is missing: run `python3 -m pip install selenium`", pytrace=False)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument("--window-size=1280,1000")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def page_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("catalog") / "catalog.html"
    path.write_text(render_catalog(sample_index()), encoding="utf-8")
    return path.as_uri()


@pytest.fixture
def driver(browser: WebDriver, page_url: str) -> WebDriver:
    browser.get(page_url)
    return browser


def visible(driver: WebDriver) -> list[str]:
    from selenium.webdriver.common.by import By

    cards = driver.find_elements(By.CSS_SELECTOR, "article.connector")
    return [c.get_attribute("data-id") or "" for c in cards if c.is_displayed()]


def text_of(driver: WebDriver, element_id: str) -> str:
    from selenium.webdriver.common.by import By

    element = driver.find_element(By.ID, element_id)
    return element.text if element.is_displayed() else ""


def type_search(driver: WebDriver, words: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    search = driver.find_element(By.ID, "search")
    search.send_keys(Keys.CONTROL, "a")
    search.send_keys(Keys.BACKSPACE)
    if words:
        search.send_keys(words)


def choose(driver: WebDriver, element_id: str, value: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element(By.ID, element_id)).select_by_value(value)


ALL = ["crm-rest", "evil-shop", "files", "sqlite"]


def test_search_and_filters(driver: WebDriver) -> None:
    assert visible(driver) == ALL
    assert text_of(driver, "count") == "4 of 4 connectors"
    assert text_of(driver, "empty") == ""

    type_search(driver, "sql")
    assert visible(driver) == ["sqlite"]
    assert text_of(driver, "count") == "1 of 4 connectors"

    type_search(driver, "UPSERT")
    assert visible(driver) == ["crm-rest", "sqlite"]
    type_search(driver, "  upsert   both crm ")
    assert visible(driver) == ["crm-rest"]

    type_search(driver, "upsert")
    choose(driver, "category", "database")
    assert visible(driver) == ["sqlite"]
    type_search(driver, "")
    assert visible(driver) == ["sqlite"]
    choose(driver, "category", "")
    choose(driver, "capability", "upsert")
    assert visible(driver) == ["crm-rest", "sqlite"]
    choose(driver, "capability", "")

    type_search(driver, "mainframe")
    assert visible(driver) == []
    assert text_of(driver, "count") == "0 of 4 connectors"
    assert text_of(driver, "empty") == "No connector matches “mainframe”."

    type_search(driver, "")
    assert visible(driver) == ALL
    assert text_of(driver, "count") == "4 of 4 connectors"
    assert text_of(driver, "empty") == ""


def test_secrets_and_hostile_text(driver: WebDriver) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.accept()
    evil = driver.find_element(By.CSS_SELECTOR, 'article[data-id="evil-shop"]')
    assert f"A web shop {EVIL} connector." in evil.text
    assert "not verified" in evil.text
    assert evil.find_elements(By.TAG_NAME, "script") == []
    assert evil.find_elements(By.TAG_NAME, "a") == []

    crm = driver.find_element(By.CSS_SELECTOR, 'article[data-id="crm-rest"]')
    assert "secret" in crm.find_element(By.CSS_SELECTOR, 'tr[data-setting="token"]').text
    auth = crm.find_element(By.CSS_SELECTOR, 'tr[data-setting="auth"]').text
    assert "contains secrets: auth.api_key" in auth
    assert "secret" not in crm.find_element(By.CSS_SELECTOR, 'tr[data-setting="base_url"]').text
