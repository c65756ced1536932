"""The registry's catalog page: one self-contained HTML file for a registry index.

:func:`render_catalog` turns an index (a dict valid against ``index.schema.json``) into a
single HTML5 page with inline CSS and JavaScript and no external resource, so it works
from ``file://`` as well as from any static host. Every connector is rendered on the
server side as an ``<article class="connector">`` card, so the page reads without
JavaScript; the script only filters and sorts the cards and copies install commands.

Entries come from third parties: every piece of their text is escaped, only ``http`` and
``https`` repository URLs become links, and a Content-Security-Policy allows no script but
the page's own.

The filters are a search box, kind (a connector of kind ``both`` is a source and a
destination), lowest level, category and capability; the cards sort by name, level or
kind. Each card shows its settings with their nested sub-settings, its capabilities in
words, the checks it passed and skipped with a link to the published report, and a copy
button for its install command.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any
from urllib.parse import urlsplit

from hookline._wording import capability_in_words
from hookline.conformance._registry import LEVELS, PHASE_LEVELS
from hookline.registry._catalog_settings import settings_table
from hookline.registry._index import searchable_text

_LEVELS = ("gold", "silver", "bronze", "none")

#: What each phase of the conformance suite proves, in words (the levels' explanation).
_PHASE_WORDS = {
    "describe": "it describes itself truthfully",
    "config": "it refuses a bad config with a clear message",
    "check": "it tests its connection",
    "discover": "it lists its streams and schemas",
    "read": "it reads every record, and only valid ones",
    "incremental": "incremental reads resume exactly, also when data changes between runs",
    "secrets": "no secret leaks into logs, errors, state or reports",
    "write": "each write mode it declares is proven to deliver exactly",
    "faults": "it survives timeouts, errors and dropped connections, retrying safely",
}

#: The sort orders of the page, the first the default.
_SORTS = (("name", "Name (A to Z)"), ("level", "Level (best first)"), ("kind", "Kind"))

_CSS = """
:root{color-scheme:light;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#f6f8fa}
*{box-sizing:border-box}[hidden]{display:none!important}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--fg);background:var(--bg)}
header,main,footer{max-width:80rem;margin:0 auto;padding:1rem 1.25rem}
h1{margin:.5rem 0;font-size:1.6rem}
.filters{display:flex;flex-wrap:wrap;gap:.75rem 1.25rem;align-items:end}
.filters label{display:flex;flex-direction:column;font-size:.85rem;color:var(--muted)}
.filters input,.filters select{font:inherit;padding:.4rem .6rem;border:1px solid #8c959f;
border-radius:6px;background:#fff;color:var(--fg);min-width:12rem}
.filters input{min-width:min(20rem,80vw)}
#count{margin:.5rem 0 0;color:var(--muted)}#empty{font-weight:600}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(24rem,100%),1fr));gap:1rem}
.connector{background:#fff;border:1px solid var(--line);border-radius:10px;padding:1rem;
min-width:0;overflow-wrap:anywhere}
.connector h2{margin:0;font-size:1.2rem}.connector h2 .id{font-weight:400;color:var(--muted)}
.connector h3{margin:1rem 0 .25rem;font-size:.95rem}
.badges{display:flex;flex-wrap:wrap;gap:.35rem;margin:.4rem 0}
.badge{display:inline-block;padding:.05rem .55rem;border-radius:99px;font-size:.8rem;
font-weight:600;border:1px solid transparent}
.level-gold{background:#f7d154;color:#3d2e00;border-color:#c9a227}
.level-silver{background:#dde2e8;color:#24292f;border-color:#a8b1bb}
.level-bronze{background:#e7a977;color:#3b1d05;border-color:#b9773f}
.level-none{background:#fff;color:var(--muted);border:1px dashed #8c959f}
.kind{background:#ddf4ff;color:#0a3069}.rejected{background:#cf222e;color:#fff}
.secret{background:#fff1e5;color:#953800;border-color:#fb8f44;border-radius:6px}
.tags{display:flex;flex-wrap:wrap;gap:.3rem;padding:0;margin:.25rem 0;list-style:none}
.tags li{background:var(--bg);border:1px solid var(--line);border-radius:6px;
padding:0 .4rem;font-size:.8rem}
code{font:.85rem ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--bg);
padding:.1rem .3rem;border-radius:4px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem .75rem;margin:.25rem 0}
dt{color:var(--muted)}dd{margin:0;min-width:0}
table{width:100%;border-collapse:collapse;font-size:.85rem;overflow-wrap:normal}
th,td{text-align:left;vertical-align:top;border-top:1px solid var(--line);padding:.3rem .4rem}
th{background:var(--bg)}.settings{overflow-x:auto}
td small{display:block;color:var(--muted)}.reasons{color:#a40e26}
.not-proven{margin:0;padding-left:1.1rem}
.install{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}
button.copy{font:inherit;font-size:.8rem;padding:.15rem .6rem;border:1px solid #8c959f;
border-radius:6px;background:#fff;color:var(--fg);cursor:pointer}
button.copy:focus-visible,a:focus-visible,summary:focus-visible{outline:2px solid #0969da;
outline-offset:2px}
tr.depth-1 td:first-child{padding-left:1.4rem}tr.depth-2 td:first-child{padding-left:2.4rem}
tr.depth-3 td:first-child{padding-left:3.4rem}.parent{color:var(--muted)}
.capabilities li{list-style:disc;margin-left:1.1rem}.capabilities{padding:0;margin:.25rem 0}
details.levels{margin:.75rem 0 0;max-width:60rem}details.levels dl{margin:.5rem 0}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.checks ul{margin:.25rem 0;padding-left:1.1rem}.checks h4{margin:.4rem 0 0;font-size:.85rem}
a{color:#0550ae}footer{color:var(--muted);font-size:.85rem}
"""

_JS = """
(function () {
  var grid = document.querySelector(".grid");
  var cards = Array.prototype.slice.call(document.querySelectorAll("article.connector"));
  var search = document.getElementById("search");
  var kind = document.getElementById("kind");
  var level = document.getElementById("level");
  var category = document.getElementById("category");
  var capability = document.getElementById("capability");
  var sort = document.getElementById("sort");
  var count = document.getElementById("count");
  var empty = document.getElementById("empty");
  function has(card, name, value) {
    return !value || JSON.parse(card.getAttribute(name)).indexOf(value) !== -1;
  }
  function rank(card) { return Number(card.getAttribute("data-rank")); }
  function arrange() {
    var order = cards.slice().sort(function (a, b) {
      var byId = a.getAttribute("data-id") < b.getAttribute("data-id") ? -1 : 1;
      if (sort.value === "level" && rank(a) !== rank(b)) { return rank(b) - rank(a); }
      if (sort.value === "kind") {
        var ka = a.getAttribute("data-kind"), kb = b.getAttribute("data-kind");
        if (ka !== kb) { return ka < kb ? -1 : 1; }
      }
      return byId;
    });
    order.forEach(function (card) { grid.appendChild(card); });
  }
  function update() {
    var words = search.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var least = Number(level.value || 0);
    var shown = 0;
    cards.forEach(function (card) {
      var text = card.getAttribute("data-search");
      var ok = words.every(function (w) { return text.indexOf(w) !== -1; }) &&
        has(card, "data-kinds", kind.value) &&
        rank(card) >= least &&
        has(card, "data-categories", category.value) &&
        has(card, "data-capabilities", capability.value);
      card.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + " of " + cards.length + " connectors";
    var what = [];
    if (words.length) { what.push("\\u201c" + words.join(" ") + "\\u201d"); }
    if (kind.value) { what.push("kind " + kind.value); }
    if (level.value) { what.push("level " + level.options[level.selectedIndex].text); }
    if (category.value) { what.push("category " + category.value); }
    if (capability.value) { what.push("capability " + capability.value); }
    empty.textContent = "No connector matches " + (what.join(", ") || "the filters") + ".";
    empty.hidden = shown !== 0;
    if (!cards.length) { empty.textContent = "No connector in the index."; }
  }
  function copied(button, text) {
    button.textContent = text;
    document.getElementById("copied").textContent = text === "Copied" ?
      "Copied: " + button.getAttribute("data-copy") : text;
  }
  function copyByHand(button) {
    var field = document.createElement("textarea");
    field.value = button.getAttribute("data-copy");
    field.setAttribute("readonly", "");
    field.style.position = "fixed"; field.style.opacity = "0";
    document.body.appendChild(field);
    field.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(field);
    copied(button, ok ? "Copied" : "Press Ctrl+C to copy");
  }
  Array.prototype.forEach.call(document.querySelectorAll("button.copy"), function (button) {
    button.addEventListener("click", function () {
      var text = button.getAttribute("data-copy");
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { copied(button, "Copied"); },
          function () { copyByHand(button); });
      } else { copyByHand(button); }
    });
  });
  search.addEventListener("input", update);
  [kind, level, category, capability].forEach(function (el) {
    el.addEventListener("change", update);
  });
  sort.addEventListener("change", arrange);
  arrange();
  update();
})();
"""


def render_catalog(index: Mapping[str, Any]) -> str:
    """Return the catalog page of a registry index as one self-contained HTML5 document."""
    entries = sorted(index.get("connectors", []), key=lambda e: str(e["id"]))
    categories = sorted({c for e in entries for c in e.get("categories", [])})
    capabilities = sorted({c for e in entries for c in e["metadata"].get("capabilities", [])})
    total = len(entries)
    script_hash = base64.b64encode(hashlib.sha256(_JS.encode()).digest()).decode()
    csp = f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'"
    facts = []
    if "schema_version" in index:
        facts.append(f"index schema version {escape(str(index['schema_version']))}")
    facts.append(f"{total} connector{'' if total == 1 else 's'}")
    hidden = " hidden" if total else ""
    kinds = _select("kind", "All kinds", [("source", "Sources"), ("destination", "Destinations")])
    levels = _select(
        "level",
        "Any level",
        [(str(3 - i), f"{name} or better") for i, name in enumerate(_LEVELS[:3])],
    )
    capability_options = [(c, f"{c}: {capability_in_words(c)}") for c in capabilities]
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<title>hookline connector catalog</title>
<style>{_CSS}</style>
</head>
<body>
<header>
<h1>hookline connector catalog</h1>
<div class="filters" role="search">
<label for="search">Search connectors
<input id="search" type="search" placeholder="e.g. sql upsert" autocomplete="off"></label>
<label for="kind">Kind{kinds}</label>
<label for="level">Level{levels}</label>
<label for="category">Category{_select("category", "All categories", [(c, c) for c in categories])}
</label>
<label for="capability">Capability{_select("capability", "All capabilities", capability_options)}
</label>
<label for="sort">Sort by{_select("sort", None, list(_SORTS))}</label>
</div>
{_levels_explained()}
<p id="count" aria-live="polite">{total} of {total} connectors</p>
<p id="copied" class="visually-hidden" aria-live="polite"></p>
</header>
<main>
<p id="empty"{hidden}>{"" if total else "No connector in the index."}</p>
<div class="grid">
{"".join(_card(entry) for entry in entries)}</div>
</main>
<footer><p>{" · ".join(facts)}</p></footer>
<script>{_JS}</script>
</body>
</html>
"""


def _levels_explained() -> str:
    """What bronze, silver and gold prove, from the suite's own phases and levels."""
    rows = []
    for i, level in enumerate(LEVELS):
        phases = [p for p, at in PHASE_LEVELS.items() if at == level]
        proves = "; ".join(_PHASE_WORDS.get(p, p) for p in phases)
        below = f"everything {LEVELS[i - 1]} proves, and " if i else ""
        rows.append(
            f'<dt><span class="badge level-{level}">{level}</span></dt>'
            f"<dd>{below}{escape(proves)} (checks: {escape(', '.join(phases))}).</dd>"
        )
    rows.append(
        '<dt><span class="badge level-none">none</span></dt>'
        "<dd>not validated, or a bronze check failed.</dd>"
    )
    return (
        '<details class="levels" id="levels"><summary>What bronze, silver and gold mean</summary>'
        "<p>A level is earned by passing the conformance suite in a fresh environment, "
        "from the published wheel:</p>"
        f"<dl>{''.join(rows)}</dl></details>"
    )


def _select(name: str, everything: str | None, values: Iterable[tuple[str, str]]) -> str:
    """A ``<select>`` of ``(value, label)`` options, first an empty "everything" option."""
    first = f'<option value="">{escape(everything)}</option>' if everything else ""
    options = "".join(
        f'<option value="{escape(v)}">{escape(label)}</option>' for v, label in values
    )
    return f'<select id="{name}">{first}{options}</select>'


def _tags(values: Iterable[str]) -> str:
    items = "".join(f"<li>{escape(str(v))}</li>" for v in values)
    return f'<ul class="tags">{items}</ul>' if items else "<p>none</p>"


def _capabilities(values: Iterable[str]) -> str:
    """The capabilities in words, each with its name for search and filters."""
    items = "".join(
        f'<li data-capability="{escape(v)}">{escape(capability_in_words(v))} '
        f"<code>{escape(v)}</code></li>"
        for v in values
    )
    return f'<ul class="capabilities">{items}</ul>' if items else "<p>none</p>"


def _rank(evidence: Mapping[str, Any]) -> int:
    """3 for gold down to 0 for none; an entry that is not verified ranks 0."""
    if evidence.get("status") != "accepted":
        return 0
    level = evidence.get("level")
    return 3 - _LEVELS.index(level) if level in _LEVELS else 0


def _card(entry: Mapping[str, Any]) -> str:
    meta = entry["metadata"]
    evidence = entry["evidence"]
    ident = str(entry["id"])
    level = evidence.get("level") if evidence.get("level") in _LEVELS else "none"
    search = searchable_text(dict(entry))
    kind = str(meta.get("kind", ""))
    kinds = ["source", "destination"] if kind == "both" else [kind]
    badges = f'<span class="badge level-{level}" title="conformance level">{level}</span>'
    badges += f'<span class="badge kind">{escape(kind)}</span>'
    rejected = ""
    if evidence.get("status") == "rejected":
        badges += '<span class="badge rejected">not verified</span>'
        reasons = "".join(f"<li>{escape(str(r))}</li>" for r in evidence.get("reasons", []))
        rejected = f'<ul class="reasons" aria-label="why not verified">{reasons}</ul>'
    hosts = meta.get("hosts") or []
    hosts_html = f"<h3>Hosts</h3>{_tags(hosts)}" if hosts else ""
    install = f"hookline install {ident}"
    return f"""<article class="connector" data-id="{escape(ident)}" data-search="{escape(search)}"
 data-kind="{escape(kind)}" data-kinds="{escape(json.dumps(kinds))}" data-rank="{_rank(evidence)}"
 data-categories="{escape(json.dumps(list(entry.get("categories", []))))}"
 data-capabilities="{escape(json.dumps(list(meta.get("capabilities", []))))}">
<h2>{escape(str(meta.get("title") or ident))} <span class="id">{escape(ident)}</span></h2>
<div class="badges">{badges}</div>{rejected}
<p>{escape(str(entry.get("description", "")))}</p>
<h3>Install</h3><p class="install"><code>{escape(install)}</code>
<button type="button" class="copy" data-copy="{escape(install)}"
 aria-label="Copy the install command of {escape(ident)}">Copy</button></p>
<dl>{_package(entry)}</dl>
<h3>Categories</h3>{_tags(entry.get("categories", []))}
<h3>Capabilities</h3>{_capabilities(meta.get("capabilities", []))}{hosts_html}
<h3>Settings</h3>{settings_table(meta.get("config_schema", {}), meta.get("secret_settings", []))}
<h3>Evidence</h3><dl>{_evidence(evidence, kind)}</dl>
{_checks(evidence)}
</article>
"""


def _link(url: Any, *, relative: bool = False) -> str:
    """An ``http(s)`` URL (or, with ``relative``, a plain relative path) as a link; else text."""
    text = escape(str(url))
    parts = urlsplit(str(url))
    web = parts.scheme in ("http", "https") and parts.netloc
    local = (
        relative
        and not parts.scheme
        and not parts.netloc
        and not str(url).startswith("/")
        and ".." not in str(url).split("/")
    )
    return f'<a href="{text}" rel="noopener">{text}</a>' if web or local else text


def _checks(evidence: Mapping[str, Any]) -> str:
    """The checks passed, failed and skipped, folded away under their counts."""
    parts = []
    for status in ("passed", "failed", "skipped"):
        names = evidence.get(status) or []
        if names:
            items = "".join(f"<li><code>{escape(str(n))}</code></li>" for n in names)
            parts.append(f"<h4>{status.capitalize()} ({len(names)})</h4><ul>{items}</ul>")
    if not parts:
        return ""
    return (
        '<details class="checks"><summary>The checks, one by one</summary>'
        f"{''.join(parts)}</details>"
    )


def _package(entry: Mapping[str, Any]) -> str:
    package = entry.get("package", {})
    rows = [("Package", f"<code>{escape(str(package.get('requirement', '')))}</code>")]
    for key, label in (("repository", "Repository"), ("documentation", "Documentation")):
        if entry.get(key):
            rows.append((label, _link(entry[key])))
    rows.append(("Maintainer", escape(str(entry.get("maintainer", "")))))
    rows.append(("Version", escape(str(entry["metadata"].get("version", "")))))
    return "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)


def _evidence(evidence: Mapping[str, Any], kind: str) -> str:
    digest = evidence.get("report_digest")
    short = escape(f"{digest[:19]}…") if isinstance(digest, str) else "none"
    counts = (
        f"{len(evidence.get('passed', []))} passed, {len(evidence.get('failed', []))} failed, "
        f"{len(evidence.get('skipped', []))} skipped"
    )
    rows = [
        ("Status", escape(str(evidence.get("status", "")))),
        ("Level", escape(str(evidence.get("level", "none")))),
        ("Date", escape(str(evidence.get("date", "")))),
        ("Suite", escape(str(evidence.get("suite_version", "")))),
        ("hookline", escape(str(evidence.get("hookline_version", "")))),
        ("Checks", counts),
        ("Report", _report(evidence.get("report"), digest, short)),
    ]
    if evidence.get("python_version"):
        rows.insert(5, ("Python", escape(str(evidence["python_version"]))))
    rows.append(("Wheel", _artifact(evidence.get("artifact"))))
    rows.append(("Not proven (not applicable)", _not_applicable(evidence.get("not_applicable"))))
    if kind in ("destination", "both"):
        rows.append(("Write modes proven", _write_modes(evidence.get("write_modes_proven"))))
    if evidence.get("hazards"):
        rows.append(("Hazards", "; ".join(escape(str(h)) for h in evidence["hazards"])))
    return "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)


def _report(location: Any, digest: Any, short: str) -> str:
    """The published report's link (when there is one) and its digest."""
    code = f'<code title="{escape(str(digest))}">{short}</code>'
    if not location:
        return f"{code} (not published)"
    return f"{_link(location, relative=True)} {code}"


def _artifact(artifact: Any) -> str:
    """The wheel the evidence is for, or a warning that install cannot verify it."""
    if not isinstance(artifact, Mapping):
        return '<span class="reasons">not recorded: the installed wheel cannot be verified</span>'
    digest = escape(str(artifact.get("sha256", "")))
    name = escape(str(artifact.get("filename", "")))
    return f'<code>{name}</code> <code title="sha256:{digest}">sha256:{digest[:16]}…</code>'


def _not_applicable(checks: Any) -> str:
    """The checks that did not apply, with why: what the level does not prove."""
    if not isinstance(checks, list):
        return "not recorded"
    if not checks:
        return "nothing: every check applied"
    items = "".join(
        f"<li><code>{escape(str(c.get('name', '')))}</code>: {escape(str(c.get('reason', '')))}"
        "</li>"
        for c in checks
        if isinstance(c, Mapping)
    )
    return f'<ul class="not-proven">{items}</ul>'


def _write_modes(modes: Any) -> str:
    """The write modes a destination's evidence proves."""
    if not isinstance(modes, list):
        return "not recorded"
    if not modes:
        return "none"
    return ", ".join(f"<code>{escape(str(mode))}</code>" for mode in modes)
