"""The one facade over pluggy: load connectors and plugins, and call their hooks.

Nothing else in hookline calls ``pm.hook``. A :class:`Connector` holds a plugin manager
with exactly one connector and the cross-cutting plugins, and exposes each hook as a
typed method::

    connector = open_connector("files")
    config = connector.load_config("source.yaml")
    connection = connector.auth(config, ConnectorContext(base_dir="."))
    for batch in connector.read(config, connection, ConfiguredStream(stream), state=None):
        ...
"""

from __future__ import annotations

__all__ = [
    "Connector",
    "Plugin",
    "Plugins",
    "connector_from_plugin",
    "load_entry",
    "load_plugin",
    "load_plugins",
    "open_connector",
]

import logging
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import pluggy

from hookline import hookspecs
from hookline._loading import (
    CONNECTORS_GROUP,
    DISABLE_ENV,
    PLUGINS_GROUP,
    Entry,
    describe_exception,
    disabled_ids,
    find_entries,
)
from hookline._markers import PROJECT_NAME
from hookline._schema import config_schema
from hookline._version import API_VERSION, __version__
from hookline.errors import (
    ConnectorError,
    ConnectorNotFound,
    PluginLoadError,
)
from hookline.models import (
    Batch,
    Catalog,
    CheckResult,
    ConfiguredStream,
    ConnectorContext,
    ConnectorInfo,
    SettingProblem,
    State,
    TransformBatch,
    WriteResult,
)

log = logging.getLogger("hookline.host")

_HOOK_NAMES = tuple(name for name in hookspecs.__all__ if name.startswith("hookline_"))
# Hooks whose result comes from the connector alone: a cross-cutting plugin may wrap them
# but not answer them.
_CONNECTOR_ONLY = frozenset(_HOOK_NAMES) - {"hookline_transform"}
# What each kind must implement to be usable.
_REQUIRED = {
    "source": ("hookline_discover", "hookline_read"),
    "destination": ("hookline_write",),
    "both": ("hookline_discover", "hookline_read", "hookline_write"),
}


class Connector:
    """One loaded connector and the plugins that take part in its runs.

    Each method calls one hook; see :mod:`hookline.hookspecs` for the contract.
    """

    def __init__(self, manager: pluggy.PluginManager, info: ConnectorInfo, package: str) -> None:
        self._pm = manager
        self.info = info
        self.package = package

    @property
    def id(self) -> str:
        """The connector id."""
        return self.info.id

    @property
    def version(self) -> str:
        """The connector's version."""
        return self.info.version

    @property
    def plugin(self) -> Any:
        """The connector's own plugin object (its module or instance holding the hooks)."""
        return self._pm.get_plugin(self.id)

    def implemented_hooks(self) -> list[str]:
        """Return the names of the hooks the connector itself implements (not wrappers)."""
        plugin = self._pm.get_plugin(self.id)
        found = []
        for name in _HOOK_NAMES:
            caller = getattr(self._pm.hook, name)
            if any(
                impl.plugin is plugin and not (impl.wrapper or impl.hookwrapper)
                for impl in caller.get_hookimpls()
            ):
                found.append(name)
        return found

    def config_schema(self) -> dict[str, Any]:
        """Return the JSON Schema of the connector's configuration (secrets marked)."""
        return config_schema(self.info.config_model)

    def parse_config(
        self, data: Any, *, source: str, base_dir: Path | None = None, path: str = "$"
    ) -> Any:
        """Resolve references in ``data`` and structure it into the config model."""
        from hookline.config import parse_config

        return parse_config(
            data, self.info.config_model, source=source, base_dir=base_dir, path=path
        )

    def load_config(self, path: str | os.PathLike[str] | None) -> Any:
        """Read a config file (or none: an empty config) and structure it."""
        from hookline.config import load_document

        if path is None:
            return self.parse_config({}, source="<no config file>")
        file = Path(path)
        return self.parse_config(load_document(file), source=str(path), base_dir=file.parent)

    def auth(self, config: Any, context: ConnectorContext) -> Any:
        """Call ``hookline_auth``; return the connection (``None`` when not implemented)."""
        with self._phase():
            return self._pm.hook.hookline_auth(config=config, context=context)

    def check(self, config: Any, connection: Any) -> CheckResult:
        """Call ``hookline_check``; a connector without one passes once auth succeeded."""
        with self._phase():
            result = self._pm.hook.hookline_check(config=config, connection=connection)
        return result if result is not None else CheckResult(ok=True, message="connected")

    def discover(
        self,
        config: Any,
        connection: Any,
        streams: Sequence[str] | None = None,
        *,
        complete_when_missing: bool = True,
    ) -> Catalog:
        """Call ``hookline_discover`` and return the catalog.

        With ``streams``, the connector may discover only those. When one of them is not
        in what it returns, everything is discovered again (unless
        ``complete_when_missing`` is false), so that whoever reports the unknown name can
        list the streams that exist.
        """
        wanted = None if streams is None else tuple(streams)
        catalog = self._discover(config, connection, wanted)
        missing = wanted is not None and any(catalog.get(name) is None for name in wanted)
        if missing and complete_when_missing:
            catalog = self._discover(config, connection, None)
        return catalog

    def _discover(self, config: Any, connection: Any, streams: tuple[str, ...] | None) -> Catalog:
        with self._phase():
            catalog = self._pm.hook.hookline_discover(
                config=config, connection=connection, streams=streams
            )
        if not isinstance(catalog, Catalog):
            raise ConnectorError(
                f"hookline_discover returned {type(catalog).__name__}, not a Catalog",
                connector=self.id,
            )
        return catalog

    def validate_streams(
        self, config: Any, streams: Sequence[ConfiguredStream], role: str
    ) -> list[SettingProblem]:
        """Call ``hookline_validate_streams``; the problems found (none when not implemented)."""
        with self._phase():
            found = self._pm.hook.hookline_validate_streams(
                config=config, streams=tuple(streams), role=role
            )
        problems = list(found or ())
        for problem in problems:
            if not isinstance(problem, SettingProblem):
                raise ConnectorError(
                    "hookline_validate_streams must return SettingProblem values, got "
                    f"{type(problem).__name__}",
                    connector=self.id,
                )
        return problems

    def read(
        self, config: Any, connection: Any, stream: ConfiguredStream, state: State | None
    ) -> Iterator[Batch]:
        """Call ``hookline_read`` and iterate its batches."""
        with self._phase(stream.name):
            batches = self._pm.hook.hookline_read(
                config=config, connection=connection, stream=stream, state=state
            )
        if batches is None:
            raise ConnectorError("does not implement hookline_read", connector=self.id)
        iterator = iter(batches)
        while True:
            with self._phase(stream.name):
                try:
                    batch = next(iterator)
                except StopIteration:
                    return
            yield batch
            del batch  # not kept while the connector reads the next one

    def has_transform(self) -> bool:
        """Whether the connector itself implements ``hookline_transform``."""
        return "hookline_transform" in self.implemented_hooks()

    def transform(self, stream: ConfiguredStream, batch: TransformBatch) -> None:
        """Call the connector's own ``hookline_transform`` on ``batch`` (in place).

        Cross-cutting plugins' transforms are not called here: the run calls them, between
        the source's and the destination's (see :class:`Plugins`).
        """
        plugin = self._pm.get_plugin(self.id)
        others = [p for p in self._pm.get_plugins() if p is not plugin]
        caller = self._pm.subset_hook_caller("hookline_transform", remove_plugins=others)
        with self._phase(stream.name):
            caller(stream=stream, batch=batch)

    def write_start(self, config: Any, connection: Any, stream: ConfiguredStream) -> None:
        """Call ``hookline_write_start`` before a stream's first batch (if implemented)."""
        with self._phase(stream.name):
            self._pm.hook.hookline_write_start(config=config, connection=connection, stream=stream)

    def write_finish(self, config: Any, connection: Any, stream: ConfiguredStream) -> None:
        """Call ``hookline_write_finish`` after a stream's last batch (if implemented)."""
        with self._phase(stream.name):
            self._pm.hook.hookline_write_finish(config=config, connection=connection, stream=stream)

    def write(
        self, config: Any, connection: Any, stream: ConfiguredStream, batch: Batch
    ) -> WriteResult:
        """Call ``hookline_write`` for one batch and return what was stored."""
        with self._phase(stream.name):
            result = self._pm.hook.hookline_write(
                config=config, connection=connection, stream=stream, batch=batch
            )
        if not isinstance(result, WriteResult):
            raise ConnectorError(
                f"hookline_write returned {type(result).__name__}, not a WriteResult",
                connector=self.id,
                stream=stream.name,
            )
        return result

    def conformance_fixture(self, workdir: Path) -> Any:
        """Call ``hookline_conformance_fixture``; ``None`` when the connector has none."""
        with self._phase():
            return self._pm.hook.hookline_conformance_fixture(workdir=workdir)

    def attach(self, plugin: Any, name: str) -> None:
        """Register an observing plugin (hook wrappers only) for this connector's calls."""
        _register(self._pm, plugin, name, connector=False)

    def attach_plugins(self, plugins: Plugins) -> None:
        """Register the cross-cutting plugins this connector's calls go through, once each.

        Their wrappers then observe every phase of this connector; calling it again with
        plugins already registered changes nothing.
        """
        for plugin in plugins:
            if not self._pm.is_registered(plugin.obj):
                _register(self._pm, plugin.obj, f"plugin:{plugin.name}", connector=False)

    def detach(self, plugin: Any) -> None:
        """Unregister a plugin added with :meth:`attach`."""
        self._pm.unregister(plugin)

    def close(self, connection: Any) -> None:
        """Close the connection if it has a ``close()`` method."""
        closer = getattr(connection, "close", None)
        if callable(closer):
            closer()

    def _phase(self, stream: str | None = None) -> _Phase:
        return _Phase(self.id, stream)


@attrs.frozen
class Plugin:
    """One loaded cross-cutting plugin (entry-point group ``hookline.plugins``).

    Attributes:
        name: its entry-point name (what ``HOOKLINE_DISABLE_PLUGINS`` names).
        obj: the plugin object holding its hook implementations.
    """

    name: str
    obj: Any


class Plugins:
    """The cross-cutting plugins of one command: registered with every connector it uses.

    Each connector's plugin manager holds them (so their wrappers observe every phase of
    both sides); their own ``hookline_transform`` implementations are called from here,
    once per batch, in name order (``tryfirst``/``trylast`` apply), between the source's
    and the destination's.
    """

    def __init__(self, plugins: Iterable[Plugin] = ()) -> None:
        self._plugins = tuple(sorted(plugins, key=lambda p: p.name))
        self._pm = _new_manager()
        # pluggy calls implementations last-registered first: register in reverse order.
        for plugin in reversed(self._plugins):
            _register(self._pm, plugin.obj, f"plugin:{plugin.name}", connector=False)

    def __iter__(self) -> Iterator[Plugin]:
        return iter(self._plugins)

    def __len__(self) -> int:
        return len(self._plugins)

    @property
    def names(self) -> list[str]:
        """The plugins' names, in the order their transforms run."""
        return [p.name for p in self._plugins]

    def has_transforms(self) -> bool:
        """Whether any plugin implements ``hookline_transform``."""
        return any(
            not (impl.wrapper or impl.hookwrapper)
            for impl in self._pm.hook.hookline_transform.get_hookimpls()
        )

    def transform(self, stream: ConfiguredStream, batch: TransformBatch) -> None:
        """Pass ``batch`` through every plugin's ``hookline_transform``, in order."""
        self._pm.hook.hookline_transform(stream=stream, batch=batch)


def load_plugins() -> Plugins:
    """Import every installed, enabled cross-cutting plugin; broken ones are logged, skipped."""
    loaded = []
    for entry in find_entries(PLUGINS_GROUP):
        try:
            obj, _ = load_plugin(entry)
        except PluginLoadError as exc:
            log.warning("plugin %s skipped: %s", entry.id, exc)
        else:
            loaded.append(Plugin(entry.id, obj))
    return Plugins(loaded)


class _Phase:
    """Fill in the connector id and stream on connector errors raised inside a hook."""

    def __init__(self, connector: str, stream: str | None) -> None:
        self.connector = connector
        self.stream = stream

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if isinstance(exc, ConnectorError):
            exc.connector = exc.connector or self.connector
            exc.stream = exc.stream or self.stream


def _new_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager(PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    if log.isEnabledFor(logging.DEBUG):
        manager.add_hookcall_monitoring(_trace_before, _trace_after)
    return manager


def _short(value: Any, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _trace_before(hook_name: str, impls: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    args = ", ".join(f"{k}={_short(v)}" for k, v in kwargs.items())
    owners = ", ".join(str(getattr(i, "plugin_name", "?")) for i in impls)
    log.debug("call %s(%s) -> [%s]", hook_name, args, owners)


def _trace_after(outcome: Any, hook_name: str, impls: Sequence[Any], kwargs: Any) -> None:
    exc = outcome.exception
    if exc is not None:
        log.debug("done %s: raised %s", hook_name, describe_exception(exc))
    else:
        log.debug("done %s: %s", hook_name, _short(outcome.get_result()))


def _register(manager: pluggy.PluginManager, plugin: Any, name: str, *, connector: bool) -> None:
    """Register ``plugin`` and verify its hooks; raise PluginLoadError with one line."""
    try:
        manager.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        raise PluginLoadError(f"hooks rejected: {' '.join(str(exc).split())}") from exc
    except ValueError as exc:
        raise PluginLoadError(f"cannot register: {exc}") from exc
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as exc:
        manager.unregister(plugin)
        message = " ".join(str(exc).split())
        raise PluginLoadError(f"implements a hook hookline does not define: {message}") from exc
    if not connector:
        for hook_name in _CONNECTOR_ONLY:
            caller = getattr(manager.hook, hook_name)
            for impl in caller.get_hookimpls():
                if impl.plugin is plugin and not (impl.wrapper or impl.hookwrapper):
                    manager.unregister(plugin)
                    raise PluginLoadError(
                        f"a cross-cutting plugin may only wrap {hook_name}, not implement it "
                        "(mark it @hookimpl(wrapper=True))"
                    )


def _describe(manager: pluggy.PluginManager, expected_id: str | None) -> ConnectorInfo:
    try:
        info = manager.hook.hookline_describe()
    except Exception as exc:
        raise PluginLoadError(f"hookline_describe failed: {describe_exception(exc)}") from exc
    if not isinstance(info, ConnectorInfo):
        raise PluginLoadError(
            f"hookline_describe must return a hookline.ConnectorInfo, got {type(info).__name__}"
        )
    if expected_id is not None and info.id != expected_id:
        raise PluginLoadError(
            f"describes itself as {info.id!r} but is installed as {expected_id!r}; "
            "make the entry-point name and ConnectorInfo.id the same"
        )
    if info.api_version != API_VERSION:
        raise PluginLoadError(
            f"written for hookline API version {info.api_version}, but hookline "
            f"{__version__} provides API version {API_VERSION}; install a release of the "
            "connector made for this hookline"
        )
    return info


def _build(
    plugin: Any,
    connector_id: str | None,
    package: str,
    plugins: Plugins | None = None,
) -> Connector:
    manager = _new_manager()
    for extra in reversed(list(plugins or ())):
        _register(manager, extra.obj, f"plugin:{extra.name}", connector=False)
    _register(manager, plugin, connector_id or "connector", connector=True)
    info = _describe(manager, connector_id)
    if connector_id is None:
        # Re-register under its own id so implemented_hooks() can find it.
        manager.unregister(plugin)
        manager.register(plugin, name=info.id)
    implemented = Connector(manager, info, package).implemented_hooks()
    missing = [h for h in _REQUIRED[info.kind] if h not in implemented]
    if missing:
        raise PluginLoadError(
            f"declares kind {info.kind!r} but does not implement {', '.join(missing)}"
        )
    return Connector(manager, info, package)


def load_entry(entry: Entry, plugins: Plugins | None = None) -> Connector:
    """Import the connector an entry point names, register it, and check it.

    Raises:
        PluginLoadError: with a one-line reason (import error, rejected hooks, a wrong
            ``describe``, another hook API version, or an id two packages claim).
    """
    if entry.conflict:
        raise PluginLoadError(entry.conflict)
    try:
        plugin = entry.load_object()
    except Exception as exc:
        raise PluginLoadError(f"import failed: {describe_exception(exc)}") from exc
    return _build(plugin, entry.id, entry.package, plugins)


def connector_from_plugin(
    plugin: Any, *, package: str = "", plugins: Plugins | None = None
) -> Connector:
    """Build a :class:`Connector` from a plugin object directly (no entry points).

    For tests of hook logic and for running a connector from a source checkout.

    Raises:
        PluginLoadError: the hooks are rejected or ``hookline_describe`` is wrong.
    """
    return _build(plugin, None, package, plugins)


def _entries_by_id() -> dict[str, list[Entry]]:
    entries: dict[str, list[Entry]] = {}
    for entry in find_entries(CONNECTORS_GROUP):
        entries.setdefault(entry.id, []).append(entry)
    return entries


def open_connector(connector_id: str, *, plugins: Plugins | None = None) -> Connector:
    """Load the installed connector ``connector_id``.

    Args:
        connector_id: the connector id (its entry-point name).
        plugins: the cross-cutting plugins whose wrappers take part in its calls (every
            command passes :func:`load_plugins`; none by default).

    Raises:
        ConnectorNotFound: no such connector is installed (or it is disabled); the message
            suggests close ids.
        PluginLoadError: it is installed but broken; the message says why.
    """
    entries = _entries_by_id()
    found = entries.get(connector_id)
    if not found:
        if connector_id in disabled_ids():
            raise ConnectorNotFound(
                f"connector {connector_id!r} is disabled by {DISABLE_ENV}; remove it from "
                "that variable to use it"
            )
        import difflib  # only for this message

        close = difflib.get_close_matches(connector_id, entries, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ConnectorNotFound(
            f"no connector {connector_id!r} is installed{hint} "
            "(`hookline connectors` lists the installed ones)"
        )
    try:
        return load_entry(found[0], plugins)
    except PluginLoadError as exc:
        raise PluginLoadError(
            f"connector {connector_id!r} ({found[0].package} {found[0].version}) is broken: {exc}"
        ) from exc


def load_plugin(entry: Entry) -> tuple[Any, tuple[str, ...]]:
    """Import one cross-cutting plugin and check its hooks.

    Returns:
        The plugin object and the names of the hooks it implements or wraps.

    Raises:
        PluginLoadError: it failed to import, or its hooks are rejected.
    """
    if entry.conflict:
        raise PluginLoadError(entry.conflict)
    try:
        plugin = entry.load_object()
    except Exception as exc:
        raise PluginLoadError(f"import failed: {describe_exception(exc)}") from exc
    manager = _new_manager()
    _register(manager, plugin, entry.id, connector=False)
    hooks = tuple(
        name
        for name in _HOOK_NAMES
        if any(i.plugin is plugin for i in getattr(manager.hook, name).get_hookimpls())
    )
    return plugin, hooks
