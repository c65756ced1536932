"""The two sides of a run: each connector with its validated config and its connection.

:func:`open_sides` loads both connectors (or takes them ready-made), registers the run's
cross-cutting plugins with each, structures both configs (every problem of both in one
:class:`~hookline.errors.ConfigError`), authenticates the source and then the
destination, and closes whatever it opened when it is done or when anything fails.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, Literal

import attrs

from hookline._wording import a_kind
from hookline.errors import ConfigError, ConfigProblem
from hookline.host import Connector, Plugins, open_connector
from hookline.models import ConnectorContext
from hookline.pipeline import ConfigSource, ConnectorRef, Pipeline

Role = Literal["source", "destination"]


@attrs.frozen
class Side:
    """A connector in a run, with its validated config, its connection and its settings.

    Attributes:
        role: ``"source"`` or ``"destination"``.
        connector: the loaded connector (the run's plugins registered with it).
        config: its structured configuration.
        connection: what its ``hookline_auth`` returned.
        where: where its settings were written (file and JSON path), for problems.
    """

    role: Role
    connector: Connector
    config: Any
    connection: Any
    where: ConfigSource

    def can(self, capability: str) -> bool:
        """Whether the connector declares ``capability``."""
        return capability in self.connector.info.capabilities

    def problem(self, path: str, message: str) -> ConfigProblem:
        """A problem with this side's settings; ``path`` is relative to them (``$.writes``)."""
        return ConfigProblem(self.where.source, message, self.where.at(path))


@contextmanager
def open_sides(
    pipeline: Pipeline,
    plugins: Plugins,
    loaded: Mapping[str, Connector] | None = None,
    pending: Sequence[ConfigProblem] = (),
) -> Iterator[tuple[Side, Side]]:
    """Open both sides of ``pipeline``; both connections are closed on the way out.

    Args:
        pipeline: the validated pipeline.
        plugins: the cross-cutting plugins of the run (registered with both connectors).
        loaded: connectors already loaded, by id, used instead of the installed ones.
        pending: problems already found in the pipeline file, reported together with
            the connectors' (see :func:`hookline.pipeline.check_pipeline`).

    Raises:
        ConfigError: a connector cannot play its side, or either config has problems
            (all of them together); nothing was opened.
        HooklineError: a connector cannot be loaded, or auth failed (the side opened
            before it is closed again).
    """
    refs: dict[Role, ConnectorRef] = {
        "source": pipeline.source,
        "destination": pipeline.destination,
    }
    wheres: dict[Role, ConfigSource] = {
        "source": pipeline.source_config,
        "destination": pipeline.destination_config,
    }
    roles: tuple[Role, Role] = ("source", "destination")
    connectors: dict[Role, Connector] = {}
    problems: list[ConfigProblem] = list(pending)
    for role in roles:
        ref = refs[role]
        connector = (loaded or {}).get(ref.connector) or open_connector(ref.connector)
        connector.attach_plugins(plugins)
        info = connector.info
        if not (info.is_source if role == "source" else info.is_destination):
            problems.append(
                ConfigProblem(
                    str(pipeline.path),
                    f"connector {ref.connector!r} is {a_kind(info.kind)} connector, it "
                    f"cannot be the {role}; pick a connector that is",
                    f"$.{role}.connector",
                )
            )
        connectors[role] = connector
    configs: dict[Role, Any] = {}
    for role in roles:
        where = wheres[role]
        try:
            configs[role] = connectors[role].parse_config(
                where.data, source=where.source, base_dir=where.base_dir, path=where.path
            )
        except ConfigError as exc:
            problems += exc.problems
    if problems:
        raise ConfigError(problems)
    with ExitStack() as opened:
        sides = []
        for role in roles:
            connector, where = connectors[role], wheres[role]
            connection = connector.auth(configs[role], ConnectorContext(base_dir=where.base_dir))
            opened.callback(connector.close, connection)
            sides.append(Side(role, connector, configs[role], connection, where))
        yield sides[0], sides[1]
