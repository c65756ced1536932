"""The exceptions hookline raises, and what each one means for the user.

Every exception the library raises on purpose derives from :class:`HooklineError`. The
tree is split by *phase* (where it happened) and carries the *intent* (what the runner
may do about it)::

    HooklineError
    ├── UsageError                 bad command-line use                         (exit 2)
    ├── ConfigError                a config or pipeline file is wrong           (exit 2)
    ├── PluginError                a plugin could not be found or loaded
    │   ├── ConnectorNotFound      no installed connector has that id           (exit 2)
    │   └── PluginLoadError        import failed, hooks rejected, API mismatch
    └── ConnectorError             a connector phase failed (carries connector, stream)
        ├── AuthError              credentials refused, connection impossible
        ├── CheckError             the live probe failed
        ├── DiscoveryError         the streams could not be listed
        ├── ReadError              reading a stream failed
        ├── TransformError         a transform step failed for a whole batch
        └── WriteError             the destination refused a batch

    RetriableError  (mixin)        trying the same call again may succeed
    SkippableError  (mixin)        the one record may be set aside (dead-letter)

Only the CLI turns these into one-line messages and exit codes; library code raises them
with a message that says what failed, where, and what to do next.
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "CheckError",
    "ConfigError",
    "ConfigProblem",
    "ConnectorError",
    "ConnectorNotFound",
    "DiscoveryError",
    "HooklineError",
    "PluginError",
    "PluginLoadError",
    "ReadError",
    "RetriableError",
    "SkippableError",
    "TransformError",
    "UsageError",
    "WriteError",
]

from collections.abc import Iterable

import attrs


class HooklineError(Exception):
    """The root of every error hookline raises on purpose.

    ``exit_code`` is what the CLI exits with when this error ends a command.
    """

    exit_code = 1


class UsageError(HooklineError):
    """The command line asks for something that cannot be done as asked."""

    exit_code = 2


@attrs.frozen
class ConfigProblem:
    """One problem in one configuration file.

    Attributes:
        source: the file (or other origin, such as ``<command line>``) the value came from.
        message: what is wrong and, where it helps, what to do.
        path: a JSON path into the document, such as ``$.streams[0].name``.
    """

    source: str
    message: str
    path: str = "$"

    def __str__(self) -> str:
        return f"{self.source}: {self.message} @ {self.path}"


class ConfigError(HooklineError):
    """A configuration or pipeline document has one or more problems.

    All problems found are reported together, one line each, so the user can fix them in
    one pass.
    """

    exit_code = 2

    def __init__(self, problems: Iterable[ConfigProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class PluginError(HooklineError):
    """A plugin could not be found or could not be loaded."""


class ConnectorNotFound(PluginError):
    """No installed connector has the requested id."""

    exit_code = 2


class PluginLoadError(PluginError):
    """A connector or plugin is installed but broken.

    It failed to import, pluggy rejected its hook implementations, its ``describe`` hook
    failed or disagreed with its entry point, or it needs another hook API version.
    """


class ConnectorError(HooklineError):
    """A connector phase failed.

    Attributes:
        connector: the connector id, when known.
        stream: the stream name, when the failure concerns one stream.
    """

    def __init__(
        self, message: str, *, connector: str | None = None, stream: str | None = None
    ) -> None:
        self.connector = connector
        self.stream = stream
        super().__init__(message)

    def __str__(self) -> str:
        where = []
        if self.connector:
            where.append(f"connector {self.connector!r}")
        if self.stream:
            where.append(f"stream {self.stream!r}")
        message = super().__str__()
        return f"{', '.join(where)}: {message}" if where else message


class AuthError(ConnectorError):
    """The connection could not be established: credentials refused or unusable."""


class CheckError(ConnectorError):
    """The connector's live probe failed."""


class DiscoveryError(ConnectorError):
    """The connector could not list its streams."""


class ReadError(ConnectorError):
    """Reading a stream failed."""


class TransformError(ConnectorError):
    """A transform step failed for a whole batch (not a single bad record)."""


class WriteError(ConnectorError):
    """The destination refused or failed to store a batch."""


class RetriableError(HooklineError):
    """Mixin: the same call may succeed if tried again later."""


class SkippableError(HooklineError):
    """Mixin: the failure concerns one record, which may be set aside with its reason."""
