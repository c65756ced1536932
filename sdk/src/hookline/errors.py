"""Every error hookline shows a user, and what each one means for them.

Every exception the library raises on purpose derives from :class:`HooklineError`, and
every one a user can meet is defined here, in one tree split by *phase* (where it
happened) and carrying the *intent* (what the runner may do about it)::

    HooklineError
    ├── UsageError                 bad command-line use                         (exit 2)
    ├── ConfigError                a config or pipeline file is wrong           (exit 2)
    ├── PipelineBusy               another process runs the same pipeline
    ├── StateStoreError            the state database cannot be read or written
    │   └── StateStoreDamaged      it is empty or damaged: set it aside to start over
    ├── Interrupted                the run was asked to stop (Ctrl-C)           (exit 130)
    ├── TooManyFailures            more bad records than max_failed_records allows
    ├── PluginError                a plugin could not be found or loaded
    │   ├── ConnectorNotFound      no installed connector has that id           (exit 2)
    │   └── PluginLoadError        import failed, hooks rejected, API mismatch
    ├── ConnectorError             a connector phase failed (carries connector, stream)
    │   ├── AuthError              credentials refused, connection impossible
    │   ├── CheckError             the live probe failed
    │   ├── DiscoveryError         the streams could not be listed
    │   ├── ReadError              reading a stream failed
    │   ├── TransformError         a transform step failed for a whole batch
    │   ├── WriteError             the destination refused a batch
    │   │   └── RetriableWriteError    nothing of the batch was stored; try it again
    │   └── HttpError              an HTTP request failed (method, masked URL)
    │       ├── HttpStatusError    a 4xx answer that retrying cannot fix
    │       ├── RetriesExhausted   retriable failures until the retry budget ran out
    │       ├── DeadlineExceeded   the request's overall deadline passed
    │       ├── HostNotAllowed     the URL's host is not one the connector declared
    │       └── InvalidResponse    the body is not what was expected
    ├── RegistryUnavailable        the registry's index cannot be read
    ├── InstallRefused             no passing validation for what was asked
    ├── InstallFailed              pip failed, or the installed connector does not load
    └── ValidationTimeout          a registry validation ran out of time

    RetriableError  (mixin)        the runner may try the same call again

Intent: a :class:`RetriableError` raised by ``hookline_write`` (such as
:class:`RetriableWriteError`) promises that nothing of the batch was stored, so the runner
writes the batch again, a few times with a pause, before the stream fails. A record that
cannot be handled is never an exception: transforms and writers set it aside with its
reason (:class:`~hookline.models.RejectedRecord`), and it goes to the dead-letter store.
Everything else is fatal for the stream (or, before reading, for the run).

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
    "DeadlineExceeded",
    "DiscoveryError",
    "HooklineError",
    "HostNotAllowed",
    "HttpError",
    "HttpStatusError",
    "InstallFailed",
    "InstallRefused",
    "Interrupted",
    "InvalidResponse",
    "PipelineBusy",
    "PluginError",
    "PluginLoadError",
    "ReadError",
    "RegistryUnavailable",
    "RetriableError",
    "RetriableWriteError",
    "RetriesExhausted",
    "StateStoreDamaged",
    "StateStoreError",
    "TooManyFailures",
    "TransformError",
    "UsageError",
    "ValidationTimeout",
    "WriteError",
]

from collections.abc import Iterable

import attrs

from hookline.secrets import redact


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
        reference: the problem is an ``${env:...}`` or ``${file:...}`` reference that
            could not be resolved (other complaints about the same value are then noise).
    """

    source: str
    message: str
    path: str = "$"
    reference: bool = attrs.field(default=False, kw_only=True)

    def __str__(self) -> str:
        return f"{_shown_path(self.source)}: {self.message} @ {self.path}"


def _shown_path(source: str) -> str:
    """A file name as messages show it: relative to the working directory when the file is
    inside it (``/home/ann/shop/pipeline.yaml`` in ``/home/ann/shop`` is ``pipeline.yaml``),
    else as given. Origins that are not paths (``<command line>``) stay as they are."""
    import os

    if not source or source.startswith("<") or not os.path.isabs(source):
        return source
    try:
        relative = os.path.relpath(source)
    except ValueError:  # another drive (Windows)
        return source
    return source if relative.startswith("..") else relative


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
    """Mixin: the same call may succeed if made again; the runner may retry it.

    Raised from ``hookline_write`` it promises that nothing of the batch was stored.
    """


class RetriableWriteError(WriteError, RetriableError):
    """The batch was not stored (rolled back, connection lost) and may be written again.

    The runner writes the batch again a few times, pausing between attempts, before the
    stream fails; raise it only when nothing of the batch was stored.
    """


class PipelineBusy(HooklineError):
    """Another process is running the same pipeline."""


class StateStoreError(HooklineError):
    """The state database (``state.db``) cannot be read or written.

    The message names the file and what to do: free disk space, or set the damaged file
    aside with ``hookline state reset``. A state store that cannot be read is never taken
    for a first run: nothing is read from the source until it can be.
    """


class StateStoreDamaged(StateStoreError):
    """The state database is empty or damaged as a whole (not one stream's state).

    ``hookline state reset PIPELINE`` sets the file aside (renamed, never deleted), so the
    next run starts with an empty store and reads every stream from the start.
    """


class Interrupted(HooklineError):
    """The run was asked to stop (Ctrl-C); what was delivered is committed."""

    exit_code = 130


class TooManyFailures(HooklineError):
    """More records failed than ``max_failed_records`` allows."""


# -- The HTTP toolkit's errors (see hookline.http) ---------------------------------------


class HttpError(ConnectorError):
    """An HTTP request failed.

    Attributes:
        method: the request method.
        url: the request URL, secrets masked.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        url: str = "",
        connector: str | None = None,
        stream: str | None = None,
    ) -> None:
        self.method = method
        self.url = url
        super().__init__(redact(message), connector=connector, stream=stream)


class HttpStatusError(HttpError):
    """The server answered with a status that retrying will not fix (most 4xx).

    Attributes:
        status: the HTTP status code.
        server_message: a short excerpt of the response body.
    """

    def __init__(
        self,
        *,
        method: str,
        url: str,
        status: int,
        reason: str,
        server_message: str,
        connector: str | None = None,
    ) -> None:
        self.status = status
        self.server_message = server_message
        hint = {
            401: "check the connector's credentials",
            403: "check the credentials' permissions",
            404: "check the URL and the configured resource names",
        }.get(status, "check the request the configuration produces")
        said = f": {server_message}" if server_message else ""
        super().__init__(
            f"{method} {url} failed with {status} {reason}{said} ({hint})",
            method=method,
            url=url,
            connector=connector,
        )


class RetriesExhausted(HttpError):
    """Every attempt failed with a retriable error until the retry budget ran out.

    Attributes:
        attempts: one line per attempt, such as ``"attempt 2: 503 Service Unavailable"``
            (the message names the last one; each is logged at INFO as it happens).
        server_message: the start of the last response's body, when there was one.
    """

    def __init__(
        self,
        *,
        method: str,
        url: str,
        attempts: Iterable[str],
        why: str,
        server_message: str = "",
        connector: str | None = None,
    ) -> None:
        self.attempts = tuple(attempts)
        self.server_message = server_message
        last = self.attempts[-1].split(": ", 1)[-1] if self.attempts else "no attempt"
        said = f"; the server said: {server_message}" if server_message else ""
        super().__init__(
            f"{method} {url} gave up after {len(self.attempts)} attempt(s) ({why}), the "
            f"last: {last}{said}; the service may be down or overloaded, try again later "
            "(--debug shows every attempt)",
            method=method,
            url=url,
            connector=connector,
        )


class DeadlineExceeded(HttpError):
    """The request's overall deadline passed (a slow or dripping server)."""


class HostNotAllowed(HttpError):
    """The URL's host is not among the hosts the connector declared; nothing was sent."""


class InvalidResponse(HttpError):
    """The response body is not what was expected, such as non-JSON where JSON was asked."""


# -- The registry's errors (see hookline.registry) ---------------------------------------


class RegistryUnavailable(HooklineError):
    """The registry's index cannot be read (unreachable, missing or invalid)."""


class InstallRefused(HooklineError):
    """The registry has no passing validation for what was asked to be installed."""


class InstallFailed(HooklineError):
    """pip failed, or the installed connector does not load."""


class ValidationTimeout(HooklineError):
    """A registry validation ran out of time (``--timeout``)."""
