"""An overall time budget for everything one request does on the network.

httpx's timeouts bound each network operation: a server that sends one byte of its
status line every second never trips a read timeout of ten seconds, and the headers
alone take as long as the server likes. This module bounds the whole exchange.

:class:`BudgetBackend` wraps httpcore's network backend. While a thread is inside
:func:`bounded`, every network operation that thread makes (connecting, the TLS handshake,
each write and each read, of the request itself and of the requests an auth flow makes on
the way, such as an OAuth2 token request) waits at most for what is left of the budget:
its timeout is the smaller of httpx's own and the time left. When the time left runs out,
the operation raises :class:`BudgetSpent` instead of httpx's timeout; httpx and httpcore
let it through and close the connection, and the client turns it into
:class:`~hookline.errors.DeadlineExceeded`.

The budget lives in a thread-local, so threads sharing one client each have their own.
Outside :func:`bounded` (a request sent through ``httpx_client`` directly), operations
keep httpx's timeouts alone.

httpcore is imported when a client is built, not with this module: importing it costs
about 0.1 s (it loads its async backends too), which commands that send no request
(``hookline info``) should not pay.

What it cannot bound: the name lookup (``getaddrinfo``), which the operating system's
resolver bounds with its own timeouts.
"""

from __future__ import annotations

__all__ = ["BudgetBackend", "BudgetSpent", "bounded", "install_budget"]

import ssl
import threading
import time
import typing
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

if typing.TYPE_CHECKING:
    import httpcore

_local = threading.local()


class BudgetSpent(Exception):
    """The overall budget of the request in progress ran out during a network operation.

    Deliberately not an httpx or httpcore exception: both let it through unchanged (and
    close the connection), so the client can tell it from a timeout of one operation.
    """


@contextmanager
def bounded(seconds: float) -> Iterator[None]:
    """Bound every network operation of this thread to ``seconds`` from now, in all.

    Nested use keeps the earlier end, so an inner budget never extends an outer one.
    """
    previous: float | None = getattr(_local, "until", None)
    until = time.monotonic() + seconds
    _local.until = until if previous is None else min(previous, until)
    try:
        yield
    finally:
        _local.until = previous


def _limit(timeout: float | None) -> tuple[float | None, bool]:
    """Return the timeout to use now, and whether the budget (not httpx's) set it.

    Raises:
        BudgetSpent: nothing is left of the budget.
    """
    until: float | None = getattr(_local, "until", None)
    if until is None:
        return timeout, False
    left = until - time.monotonic()
    if left <= 0:
        raise BudgetSpent
    if timeout is None or left < timeout:
        return left, True
    return timeout, False


_T = typing.TypeVar("_T")


def _within(
    timeouts: type[Exception], timeout: float | None, operation: typing.Callable[[float | None], _T]
) -> _T:
    """Run ``operation`` with the timeout the budget leaves; its end raises BudgetSpent."""
    limit, by_budget = _limit(timeout)
    try:
        return operation(limit)
    except timeouts:
        if by_budget:
            raise BudgetSpent from None
        raise


class _BudgetStream:
    """A network stream whose operations wait no longer than the budget allows.

    It has the methods of ``httpcore.NetworkStream``, which is all httpcore asks of one.
    """

    def __init__(self, inner: httpcore.NetworkStream, timeouts: type[Exception]) -> None:
        self._inner = inner
        self._timeouts = timeouts

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Read up to ``max_bytes`` within the timeout and the budget."""
        return _within(self._timeouts, timeout, lambda t: self._inner.read(max_bytes, t))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Write ``buffer`` within the timeout and the budget."""
        _within(self._timeouts, timeout, lambda t: self._inner.write(buffer, t))

    def close(self) -> None:
        """Close the stream."""
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        """Do the TLS handshake within the timeout and the budget."""
        stream = _within(
            self._timeouts,
            timeout,
            lambda t: self._inner.start_tls(ssl_context, server_hostname, t),
        )
        return typing.cast("httpcore.NetworkStream", _BudgetStream(stream, self._timeouts))

    def get_extra_info(self, info: str) -> typing.Any:
        """What the wrapped stream says (its socket, the TLS object, addresses)."""
        return self._inner.get_extra_info(info)


class BudgetBackend:
    """httpcore's network backend, with every connection bounded by the thread's budget.

    It has the methods of ``httpcore.NetworkBackend``, which is all httpcore asks of one.

    Args:
        inner: the backend that does the work (httpcore's ``SyncBackend``).
        timeouts: httpcore's ``TimeoutException``, what its operations raise on a timeout.
    """

    def __init__(self, inner: httpcore.NetworkBackend, timeouts: type[Exception]) -> None:
        self.inner = inner
        self._timeouts = timeouts

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        """Connect within the timeout and the budget."""
        stream = _within(
            self._timeouts,
            timeout,
            lambda t: self.inner.connect_tcp(host, port, t, local_address, socket_options),
        )
        return typing.cast("httpcore.NetworkStream", _BudgetStream(stream, self._timeouts))

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        """Connect to a Unix socket within the timeout and the budget."""
        stream = _within(
            self._timeouts,
            timeout,
            lambda t: self.inner.connect_unix_socket(path, t, socket_options),
        )
        return typing.cast("httpcore.NetworkStream", _BudgetStream(stream, self._timeouts))

    def sleep(self, seconds: float) -> None:
        """Sleep (httpcore's connection retries use it)."""
        self.inner.sleep(seconds)


def install_budget(client: httpx.Client) -> bool:
    """Put a :class:`BudgetBackend` under every transport of ``client``.

    That is the main transport and those of the proxies httpx mounted from the
    environment. Returns whether every one of them could take it: ``False`` when an httpx
    or httpcore release lays out its transports differently.
    """
    import httpcore  # loaded by now: httpx.Client built its transports with it

    transports: list[object] = [getattr(client, "_transport", None)]
    transports += list(getattr(client, "_mounts", {}).values())
    every = True
    for transport in transports:
        if transport is None:
            continue
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if isinstance(backend, BudgetBackend):
            continue
        if not isinstance(backend, httpcore.NetworkBackend):
            every = False
            continue
        pool._network_backend = BudgetBackend(  # type: ignore[union-attr]
            backend, httpcore.TimeoutException
        )
    return every
