"""Commands that show what is installed: ``connectors``, ``plugins``, ``info``."""

from __future__ import annotations

from typing import Any

import click

from hookline.cli._output import echo_json, echo_table

_REFRESH = click.option(
    "--refresh", is_flag=True, help="Verify every installed one again, ignoring the cache."
)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array for machines.")
@_REFRESH
def connectors(as_json: bool, refresh: bool) -> None:
    """List the installed connectors, and why any of them is broken.

    Each connector is loaded on its own, once per installation (the verdict is cached
    until it is reinstalled); a broken one is listed with a one-line reason and never
    stops the others. HOOKLINE_DISABLE_PLUGINS (comma-separated ids) skips some.
    """
    from hookline.inventory import list_connectors

    rows = list_connectors(refresh=refresh)
    if as_json:
        echo_json([row.to_dict() for row in rows])
        return
    if not rows:
        click.echo(
            "No connectors installed. Install one with pip, e.g. `pip install hookline-files`."
        )
        return
    echo_table(
        ["id", "kind", "status", "package", "version"],
        [[r.id, r.kind or "?", r.status, r.package, r.version] for r in rows],
    )
    for row in rows:
        if row.error:
            click.echo(f"{row.id}: {row.error}", err=True)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array for machines.")
@_REFRESH
def plugins(as_json: bool, refresh: bool) -> None:
    """List the installed cross-cutting plugins (transforms, observers)."""
    from hookline.inventory import list_plugins

    rows = list_plugins(refresh=refresh)
    if as_json:
        echo_json([row.to_dict() for row in rows])
        return
    if not rows:
        click.echo("No cross-cutting plugins installed.")
        return
    echo_table(
        ["id", "status", "package", "version", "hooks"],
        [[r.id, r.status, r.package, r.version, ", ".join(r.hooks)] for r in rows],
    )
    for row in rows:
        if row.error:
            click.echo(f"{row.id}: {row.error}", err=True)


@click.command()
@click.argument("connector_id", metavar="ID")
@click.option(
    "--registry",
    "location",
    metavar="PATH|URL",
    help="The registry to look in when the connector is not installed.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
def info(connector_id: str, location: str | None, as_json: bool) -> None:
    """Describe a connector: kind, capabilities and its settings.

    An installed connector describes itself; one that is not installed is described
    from the registry, with its level and how to install it.
    """
    from hookline._schema import secret_fields
    from hookline.errors import ConnectorNotFound
    from hookline.host import open_connector

    try:
        connector = open_connector(connector_id)
    except ConnectorNotFound as exc:
        _registry_info(connector_id, location, as_json, exc)
        return
    described = connector.info
    schema = connector.config_schema()
    data: dict[str, Any] = {
        "id": described.id,
        "title": described.title,
        "description": described.description,
        "kind": described.kind,
        "version": described.version,
        "package": connector.package,
        "api_version": described.api_version,
        "capabilities": list(described.capabilities),
        "hosts": list(described.hosts),
        "hooks": connector.implemented_hooks(),
        "config_schema": schema,
        "secret_fields": secret_fields(schema),
        "source": "installed",
    }
    if as_json:
        echo_json(data)
        return
    click.echo(f"{described.id} {described.version}  ({connector.package})")
    _describe_lines(
        described.title,
        described.description,
        described.kind,
        described.capabilities,
        described.hosts,
    )
    click.echo("settings:")
    for line in _settings_lines(schema):
        click.echo(f"  {line}")


def _describe_lines(title: str, description: str, kind: str, capabilities: Any, hosts: Any) -> None:
    if title:
        click.echo(title)
    if description:
        click.echo(description)
    click.echo(f"kind: {kind}")
    click.echo(f"capabilities: {', '.join(capabilities) or '-'}")
    click.echo(f"hosts: {', '.join(hosts) or '-'}")


def _registry_info(
    connector_id: str, location: str | None, as_json: bool, not_installed: Exception
) -> None:
    from hookline.errors import RegistryUnavailable
    from hookline.registry._index import load_index

    try:
        entry = load_index(location).get(connector_id)
    except RegistryUnavailable as exc:
        raise not_installed from exc
    if entry is None:
        raise not_installed
    metadata, evidence, package = entry["metadata"], entry["evidence"], entry["package"]
    verified = evidence["status"] == "accepted"
    data: dict[str, Any] = {
        "id": entry["id"],
        "title": metadata["title"],
        "description": entry["description"],
        "kind": metadata["kind"],
        "version": package["version"],
        "package": package["name"],
        "api_version": metadata["api_version"],
        "capabilities": metadata["capabilities"],
        "hosts": metadata["hosts"],
        "config_schema": metadata["config_schema"],
        "secret_fields": metadata["secret_settings"],
        "source": "registry",
        "installed": False,
        "level": evidence["level"] if verified else "none",
        "verified": verified,
        "categories": entry["categories"],
        "repository": entry.get("repository"),
        "install": f"hookline install {entry['id']}",
    }
    if as_json:
        echo_json(data)
        return
    state = f"level {evidence['level']}" if verified else "NOT verified"
    click.echo(f"{entry['id']} {package['version']}  ({package['name']}; not installed, {state})")
    _describe_lines(
        metadata["title"],
        entry["description"],
        metadata["kind"],
        metadata["capabilities"],
        metadata["hosts"],
    )
    click.echo(f"categories: {', '.join(entry['categories']) or '-'}")
    click.echo(f"install: hookline install {entry['id']}")
    click.echo("settings:")
    for line in _settings_lines(metadata["config_schema"]):
        click.echo(f"  {line}")


def _settings_lines(schema: dict[str, Any], prefix: str = "") -> list[str]:
    lines = []
    required = set(schema.get("required", []))
    for name, sub in schema.get("properties", {}).items():
        options = sub.get("anyOf", [sub])
        shown = [o for o in options if o.get("type") != "null"] or options
        kinds = [_kind(o) for o in shown]
        marks = []
        if name in required:
            marks.append("required")
        if any(o.get("secret") for o in options):
            marks.append("secret")
        if len(shown) < len(options):
            marks.append("optional")
        if "default" in sub and sub["default"] is not None:
            marks.append(f"default {sub['default']!r}")
        text = f"{prefix}{name} ({' or '.join(kinds)}{'; ' + '; '.join(marks) if marks else ''})"
        if sub.get("description"):
            text += f": {sub['description']}"
        lines.append(text)
        nested: dict[str, Any] = next((o for o in shown if o.get("properties")), {})
        if not nested:
            nested = next((o["items"] for o in shown if isinstance(o.get("items"), dict)), {})
        if nested.get("properties"):
            lines += _settings_lines(nested, prefix + "  ")
    return lines


def _kind(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return "one of " + ", ".join(map(str, schema["enum"]))
    kind = schema.get("type")
    if isinstance(kind, list):
        return " or ".join(kind)
    return str(kind) if kind else "any"
