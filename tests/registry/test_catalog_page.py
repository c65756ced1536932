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
            "streams": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string", "description": "The stream's name."},
                        "cursor": {
                            "anyOf": [
                                {"type": "object", "properties": {"field": {"type": "string"}}},
                                {"type": "null"},
                            ]
                        },
                    },
                },
            },
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
                    "report": "reports/sqlite.json",
                },
                documentation="https://docs.example.org/sqlite",
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
                    "report": "javascript:alert(3)",
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
    assert re.search(r'data-setting="token"[^>]*>.*?secret</span>', crm)
    assert re.search(r'data-setting="auth"[^>]*>.*?contains secrets: auth\.api_key', crm)
    assert re.search(r'data-setting="page_size"[^>]*>.*?default <code>100</code>', crm)
    assert re.search(r'data-setting="region"[^>]*>.*?one of: eu \| us, optional', crm)
    assert re.search(r'data-setting="base_url"[^>]*>.*?required', crm)
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


def test_a_card_lists_nested_settings_capabilities_in_words_and_its_checks() -> None:
    page = render_catalog(sample_index())
    crm = card(page, "crm-rest")
    rows = re.findall(r'<tr data-setting="([^"]+)" class="depth-(\d)"', crm)
    assert rows == [
        ("base_url", "0"),
        ("token", "0"),
        ("auth", "0"),
        ("auth.user", "1"),
        ("auth.api_key", "1"),
        ("page_size", "0"),
        ("streams", "0"),
        ("streams[].name", "1"),
        ("streams[].cursor", "1"),
        ("streams[].cursor.field", "2"),
        ("region", "0"),
    ]
    assert re.search(r'data-setting="auth.api_key"[^>]*>.*?secret</span>.*?</tr>', crm)
    user = re.search(r'data-setting="auth.user".*?</tr>', crm)
    assert user and "secret" not in user.group(0)
    assert re.search(
        r'data-setting="streams\[\].name"[^>]*>.*?</td><td>string</td><td>required', crm
    )
    assert re.search(r'data-setting="streams\[\].cursor"[^>]*>.*?object, optional', crm)
    sqlite = card(page, "sqlite")
    assert 'data-capability="incremental">reads only what changed since the last run' in sqlite
    assert "updates records by key (upsert) <code>upsert</code>" in sqlite
    assert "<h4>Passed (2)</h4><ul><li><code>describe.identity</code></li>" in sqlite
    assert "<h4>Skipped (1)</h4><ul><li><code>write.round_trip</code></li>" in sqlite
    assert "<h4>Failed" not in sqlite
    assert '<a href="reports/sqlite.json" rel="noopener">reports/sqlite.json</a>' in sqlite
    assert '<dt>Documentation</dt><dd><a href="https://docs.example.org/sqlite"' in sqlite
    assert "(not published)" in crm
    evil = card(page, "evil-shop")
    assert 'href="javascript:alert(3)"' not in evil and "javascript:alert(3)" in evil
    assert "<h4>Failed (1)</h4><ul><li><code>check.passes</code></li>" in evil
    assert 'data-rank="0"' in evil and 'data-rank="3"' in sqlite and 'data-rank="2"' in crm
    assert 'data-kinds="[&quot;source&quot;, &quot;destination&quot;]"' in crm
    assert '<button type="button" class="copy" data-copy="hookline install sqlite"' in sqlite


def test_the_page_says_what_each_level_proves() -> None:
    page = render_catalog(sample_index())
    levels = re.search(r'<details class="levels".*?</details>', page, re.S)
    assert levels, "no explanation of the levels"
    text = re.sub(r"<[^>]+>", " ", levels.group(0))
    text = " ".join(text.split())
    assert "bronze it describes itself truthfully;" in text
    assert "(checks: describe, config, check, discover, read)" in text
    assert "silver everything bronze proves, and incremental reads resume exactly" in text
    assert "gold everything silver proves, and each write mode it declares is proven" in text
    assert "(checks: write, faults)" in text


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


SHOTS = Path(__file__).parents[2] / "build" / "catalog"


def screenshot(driver: WebDriver, state: str) -> None:
    """Keep a picture of the page in this state under build/catalog/ for review."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{state}.png"))


def test_kind_level_and_sort(driver: WebDriver) -> None:
    screenshot(driver, "all")
    choose(driver, "kind", "source")
    assert visible(driver) == ALL, "a connector of kind both is a source too"
    choose(driver, "kind", "destination")
    assert visible(driver) == ["crm-rest", "sqlite"]
    assert text_of(driver, "count") == "2 of 4 connectors"
    screenshot(driver, "kind-destination")
    choose(driver, "kind", "")
    choose(driver, "level", "2")
    assert visible(driver) == ["crm-rest", "sqlite"]
    choose(driver, "level", "3")
    assert visible(driver) == ["sqlite"]
    choose(driver, "kind", "source")
    type_search(driver, "crm")
    assert visible(driver) == []
    assert (
        text_of(driver, "empty") == "No connector matches “crm”, kind source, level gold or better."
    )
    screenshot(driver, "no-match")
    type_search(driver, "")
    choose(driver, "kind", "")
    choose(driver, "level", "1")
    assert visible(driver) == ["crm-rest", "files", "sqlite"], "not verified ranks below bronze"
    choose(driver, "level", "")
    choose(driver, "sort", "level")
    assert visible(driver) == ["sqlite", "crm-rest", "files", "evil-shop"]
    screenshot(driver, "sorted-by-level")
    choose(driver, "sort", "kind")
    assert visible(driver) == ["crm-rest", "sqlite", "evil-shop", "files"]
    choose(driver, "sort", "name")
    assert visible(driver) == ALL


def test_copy_button_and_folded_details(driver: WebDriver) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    sqlite = driver.find_element(By.CSS_SELECTOR, 'article[data-id="sqlite"]')
    button = sqlite.find_element(By.CSS_SELECTOR, "button.copy")
    assert button.text == "Copy"
    button.click()
    WebDriverWait(driver, 5).until(lambda d: button.text != "Copy")
    assert button.text == "Copied"
    assert driver.find_element(By.ID, "copied").get_attribute("textContent") == (
        "Copied: hookline install sqlite"
    )
    checks = sqlite.find_element(By.CSS_SELECTOR, "details.checks")
    assert not checks.find_element(By.TAG_NAME, "ul").is_displayed()
    checks.find_element(By.TAG_NAME, "summary").click()
    assert "describe.identity" in checks.text
    levels = driver.find_element(By.ID, "levels")
    levels.find_element(By.TAG_NAME, "summary").click()
    assert "everything silver proves" in levels.text
    report = sqlite.find_element(By.LINK_TEXT, "reports/sqlite.json")
    assert report.get_attribute(
        "href",
    ).endswith("/reports/sqlite.json")
    driver.execute_script("arguments[0].scrollIntoView()", checks)
    screenshot(driver, "details-open")


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
