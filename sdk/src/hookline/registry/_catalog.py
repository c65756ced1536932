"""The registry's catalog page: one self-contained HTML file for a registry index.

:func:`render_catalog` turns an index (a dict valid against ``index.schema.json``) into a
single HTML5 page with inline CSS and JavaScript and no external resource, so it works
from ``file://`` as well as from any static host. Every connector is rendered on the
server side as an ``<article class="connector">`` card, so the page reads without
JavaScript; the script only filters the cards (search words, category, capability).

Entries come from third parties: every piece of their text is escaped, only ``http`` and
``https`` repository URLs become links, and a Content-Security-Policy allows no script but
the page's own.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any
from urllib.parse import urlsplit

from hookline.registry._index import searchable_text

_LEVELS = ("gold", "silver", "bronze", "none")

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
a{color:#0550ae}footer{color:var(--muted);font-size:.85rem}
"""

_JS = """
(function () {
  var cards = Array.prototype.slice.call(document.querySelectorAll("article.connector"));
  var search = document.getElementById("search");
  var category = document.getElementById("category");
  var capability = document.getElementById("capability");
  var count = document.getElementById("count");
  var empty = document.getElementById("empty");
  function has(card, name, value) {
    return !value || JSON.parse(card.getAttribute(name)).indexOf(value) !== -1;
  }
  function update() {
    var words = search.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var shown = 0;
    cards.forEach(function (card) {
      var text = card.getAttribute("data-search");
      var ok = words.every(function (w) { return text.indexOf(w) !== -1; }) &&
        has(card, "data-categories", category.value) &&
        has(card, "data-capabilities", capability.value);
      card.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + " of " + cards.length + " connectors";
    var what = [];
    if (words.length) { what.push("\\u201c" + words.join(" ") + "\\u201d"); }
    if (category.value) { what.push("category " + category.value); }
    if (capability.value) { what.push("capability " + capability.value); }
    empty.textContent = "No connector matches " + (what.join(", ") || "the filters") + ".";
    empty.hidden = shown !== 0;
    if (!cards.length) { empty.textContent = "No connector in the index."; }
  }
  search.addEventListener("input", update);
  category.addEventListener("change", update);
  capability.addEventListener("change", update);
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
<label for="category">Category{_select("category", "All categories", categories)}</label>
<label for="capability">Capability{_select("capability", "All capabilities", capabilities)}
</label>
</div>
<p id="count" aria-live="polite">{total} of {total} connectors</p>
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


def _select(name: str, everything: str, values: Iterable[str]) -> str:
    options = "".join(f'<option value="{escape(v)}">{escape(v)}</option>' for v in values)
    return f'<select id="{name}"><option value="">{everything}</option>{options}</select>'


def _tags(values: Iterable[str]) -> str:
    items = "".join(f"<li>{escape(str(v))}</li>" for v in values)
    return f'<ul class="tags">{items}</ul>' if items else "<p>none</p>"


def _card(entry: Mapping[str, Any]) -> str:
    meta = entry["metadata"]
    evidence = entry["evidence"]
    ident = str(entry["id"])
    level = evidence.get("level") if evidence.get("level") in _LEVELS else "none"
    search = searchable_text(dict(entry))
    badges = f'<span class="badge level-{level}" title="conformance level">{level}</span>'
    badges += f'<span class="badge kind">{escape(str(meta.get("kind", "")))}</span>'
    rejected = ""
    if evidence.get("status") == "rejected":
        badges += '<span class="badge rejected">not verified</span>'
        reasons = "".join(f"<li>{escape(str(r))}</li>" for r in evidence.get("reasons", []))
        rejected = f'<ul class="reasons" aria-label="why not verified">{reasons}</ul>'
    hosts = meta.get("hosts") or []
    hosts_html = f"<h3>Hosts</h3>{_tags(hosts)}" if hosts else ""
    return f"""<article class="connector" data-id="{escape(ident)}" data-search="{escape(search)}"
 data-categories="{escape(json.dumps(list(entry.get("categories", []))))}"
 data-capabilities="{escape(json.dumps(list(meta.get("capabilities", []))))}">
<h2>{escape(str(meta.get("title") or ident))} <span class="id">{escape(ident)}</span></h2>
<div class="badges">{badges}</div>{rejected}
<p>{escape(str(entry.get("description", "")))}</p>
<h3>Install</h3><p><code>hookline install {escape(ident)}</code></p>
<dl>{_package(entry)}</dl>
<h3>Categories</h3>{_tags(entry.get("categories", []))}
<h3>Capabilities</h3>{_tags(meta.get("capabilities", []))}{hosts_html}
<h3>Settings</h3>{_settings(meta.get("config_schema", {}), meta.get("secret_settings", []))}
<h3>Evidence</h3><dl>{_evidence(evidence, str(meta.get("kind", "")))}</dl>
</article>
"""


def _package(entry: Mapping[str, Any]) -> str:
    package = entry.get("package", {})
    rows = [("Package", f"<code>{escape(str(package.get('requirement', '')))}</code>")]
    url = entry.get("repository")
    if url:
        parts = urlsplit(str(url))
        text = escape(str(url))
        link = parts.scheme in ("http", "https") and parts.netloc
        rows.append(("Repository", f'<a href="{text}" rel="noopener">{text}</a>' if link else text))
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
        ("Report", f'<code title="{escape(str(digest))}">{short}</code>'),
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


def _settings(schema: Mapping[str, Any], secret_paths: Iterable[str]) -> str:
    properties = schema.get("properties") or {}
    if not properties:
        return "<p>No settings.</p>"
    required = set(schema.get("required", []))
    secret: dict[str, list[str]] = {}  # top-level setting -> paths of secrets within it
    for path in secret_paths:
        rest = str(path).removeprefix("$").removeprefix(".")
        name = rest.split(".", 1)[0].split("[", 1)[0]
        secret.setdefault(name, []).append("" if rest == name else rest)
    rows = []
    for name, prop in properties.items():
        prop = prop if isinstance(prop, Mapping) else {}
        marks = ""
        if "" in secret.get(name, []) or prop.get("secret"):
            marks += ' <span class="badge secret">secret</span>'
        nested = ", ".join(escape(p) for p in secret.get(name, []) if p)
        if nested:
            marks += f' <span class="badge secret">contains secrets: {nested}</span>'
        kind, nullable = _type(prop)
        if name in required:
            need = "required"
        elif "default" in prop:
            need = f"default <code>{escape(json.dumps(prop['default']))}</code>"
        else:
            need = "optional"
        kind += ", optional" if nullable and name not in required else ""
        desc = f"<small>{escape(str(prop['description']))}</small>" if "description" in prop else ""
        rows.append(
            f'<tr data-setting="{escape(str(name))}"><td><code>{escape(str(name))}</code>{marks}'
            f"{desc}</td><td>{escape(kind)}</td><td>{need}</td></tr>"
        )
    head = "<tr><th>Setting</th><th>Type</th><th>Required</th></tr>"
    body = "".join(rows)
    return f'<div class="settings"><table><thead>{head}</thead><tbody>{body}</tbody></table></div>'


def _type(prop: Mapping[str, Any]) -> tuple[str, bool]:
    """Return a setting's type in words and whether it may be null."""
    if "enum" in prop:
        values = [v for v in prop["enum"] if v is not None]
        label = " | ".join(v if isinstance(v, str) else json.dumps(v) for v in values)
        return f"one of: {label}", None in prop["enum"]
    if "const" in prop:
        return f"always {json.dumps(prop['const'])}", False
    options = prop.get("anyOf") or prop.get("oneOf")
    if isinstance(options, list):
        null = [o for o in options if isinstance(o, Mapping) and o.get("type") == "null"]
        labels = [_type(o)[0] for o in options if isinstance(o, Mapping) and o not in null]
        return " or ".join(labels) or "any", bool(null)
    kind = prop.get("type")
    kinds = [kind] if isinstance(kind, str) else list(kind) if isinstance(kind, list) else []
    nullable = "null" in kinds
    kinds = [k for k in kinds if k != "null"]
    if kinds == ["array"] and isinstance(prop.get("items"), Mapping):
        return f"array of {_type(prop['items'])[0]}", nullable
    return " or ".join(str(k) for k in kinds) or "any", nullable
