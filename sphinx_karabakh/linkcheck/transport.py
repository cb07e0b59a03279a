"""The HTTP layer under the checker: connections pinned to checked addresses, a total time bound
per request, and responses whose header block must be complete.

Types (each small, each one concern):

* ``PinnedAdapter`` -- a ``requests`` adapter whose urllib3 pools (direct and through an HTTP
  proxy) make ``_PinnedConnection``\\ s.
* ``_PinnedConnection`` / ``_PinnedHTTPSConnection`` -- open their socket to an address of the
  ``Resolver``'s cached answer for their host (``address.py``), never to a fresh DNS answer: the
  address that was checked is the address connected to.  The ``Host`` header, TLS SNI and the
  certificate's hostname check still use the name (urllib3 takes them from ``conn.host``, which
  stays the name).  A refused answer raises ``AddressRefused`` before any socket is made.  Through
  a proxy, the connection goes to the proxy, whose name is pinned the same way but is not judged
  by the address policy (the operator configured it).  SOCKS proxies are refused: they would
  resolve names outside this layer.
* ``Watchdog`` / ``Watch`` -- one thread per checker that shuts down the socket of a request that
  runs past its total time (connect + headers + body), so a server that answers one byte at a
  time cannot hold a URL longer than ``timeout``.  ``start(seconds)`` ... ``finish(watch)``
  brackets the requests this thread sends; ``Watch.expired`` tells the checker that an error was
  the bound's doing.
* ``CheckedResponse`` -- ``http.client``'s response, except that a connection closed before the
  blank line that ends the headers is an error (``HeadersCutOff``), not a complete answer.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
from typing import Any

from requests.adapters import HTTPAdapter
from requests.exceptions import InvalidSchema
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

from sphinx_karabakh.linkcheck.address import Resolver, host_key

__all__ = [
    "AddressRefused",
    "CheckedResponse",
    "HeadersCutOff",
    "PinnedAdapter",
    "Watch",
    "Watchdog",
]


class AddressRefused(NewConnectionError):
    """The host's DNS answer holds an address the policy refuses: no socket was made."""

    def __init__(self, conn: Any, reason: str) -> None:
        self.reason = reason
        super().__init__(conn, reason)


class HeadersCutOff(http.client.RemoteDisconnected):
    """The connection closed before the end of the response headers."""


# --------------------------------------------------------------------------- complete headers


class _HeaderEnd:
    """Stands in for a response's file while ``begin()`` reads the headers and remembers the last
    line read: the blank line that ends them, or ``b""`` when the connection closed first."""

    __slots__ = ("fp", "last")

    def __init__(self, fp: Any) -> None:
        self.fp = fp
        self.last = b"\r\n"

    def readline(self, limit: int = -1) -> bytes:
        line: bytes = self.fp.readline(limit)
        self.last = line
        return line

    def __getattr__(self, name: str) -> Any:
        return getattr(self.fp, name)


class CheckedResponse(http.client.HTTPResponse):
    """``http.client.HTTPResponse`` that refuses a header block the server did not finish."""

    def begin(self) -> None:
        if self.headers is not None:
            return
        fp = self.fp
        probe = _HeaderEnd(fp)
        self.fp = probe
        try:
            super().begin()
        finally:
            if self.fp is probe:  # (``begin`` sets it to None when it closes the connection)
                self.fp = fp
        if probe.last == b"":
            raise HeadersCutOff("connection closed in the middle of the response headers")


# --------------------------------------------------------------------------- total time bound


class Watch:
    """One request's total time bound; ``expired`` once the watchdog has ended it."""

    __slots__ = ("conn", "deadline", "done", "expired")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.conn: Any = None
        self.done = False
        self.expired = False

    def bind(self, conn: Any) -> None:
        """The connection this request is being sent on (a new one or one from the pool)."""
        self.conn = conn
        conn._karabakh_watch = self

    def _expire(self) -> bool:
        """End the request (True), or try again shortly (False: its socket is not there yet)."""
        conn = self.conn
        sock = None if conn is None else conn.sock
        if sock is None:
            return False
        self.expired = True
        if getattr(conn, "_karabakh_watch", None) is self and not self.done:
            # the plain socket's shutdown (an SSLSocket's own would touch its TLS state)
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
        return True


class Watchdog:
    """Ends requests past their deadline: a thread that wakes every ``tick`` seconds while a
    request is being watched (and sleeps otherwise) and shuts their sockets down."""

    def __init__(self, tick: float = 0.05) -> None:
        self.tick = tick
        self._active: set[Watch] = set()
        self._cond = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None
        self._closed = False

    def start(self, seconds: float) -> Watch:
        """Watch the requests this thread sends until ``finish``: ``seconds`` in total."""
        w = Watch(time.monotonic() + seconds)
        _current.watch = w
        with self._cond:
            self._active.add(w)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="linkcheck-watchdog", daemon=True
                )
                self._thread.start()
            elif len(self._active) == 1:
                self._cond.notify()
        return w

    def finish(self, w: Watch) -> None:
        w.done = True
        _current.watch = None
        with self._cond:
            self._active.discard(w)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()

    def _run(self) -> None:
        with self._cond:
            while not self._closed:
                if not self._active:
                    self._cond.wait()
                    continue
                self._cond.wait(self.tick)
                now = time.monotonic()
                for w in [w for w in self._active if w.deadline <= now]:
                    if w._expire():
                        self._active.discard(w)


_current = threading.local()  # .watch: the Watch of the request this thread is sending


# --------------------------------------------------------------------------- pinned connections


class _PinnedConnection(HTTPConnection):
    """Connects to an address of the resolver's cached, checked answer for ``self.host``."""

    resolver: Resolver  # set on the per-adapter subclass
    response_class = CheckedResponse

    def _new_conn(self) -> socket.socket:
        proxy = getattr(self, "proxy", None)
        is_proxy = proxy is not None and host_key(proxy.host or "") == host_key(self.host)
        res = self.resolver.resolve(self.host, judge=not is_proxy)
        if res.refusal:
            raise AddressRefused(self, res.refusal)
        if res.error:
            raise NameResolutionError(self.host, self, socket.gaierror(res.error))
        err: OSError | None = None
        for address in res.addresses:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            try:
                for opt in self.socket_options or ():
                    sock.setsockopt(*opt)
                if isinstance(self.timeout, int | float):
                    sock.settimeout(self.timeout)
                if self.source_address:
                    sock.bind(self.source_address)
                sock.connect((address, self.port))
            except OSError as exc:
                sock.close()
                err = exc
                continue
            return sock
        if isinstance(err, TimeoutError):
            raise ConnectTimeoutError(
                self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
            ) from err
        raise NewConnectionError(self, f"Failed to establish a new connection: {err}") from err

    def request(self, *args: Any, **kwargs: Any) -> None:
        w: Watch | None = getattr(_current, "watch", None)
        if w is not None:
            w.bind(self)
        super().request(*args, **kwargs)


class _PinnedHTTPSConnection(_PinnedConnection, HTTPSConnection):
    """The same for HTTPS: TLS (SNI, certificate hostname) on top of the pinned socket."""


def _pool_classes(resolver: Resolver) -> dict[str, type[HTTPConnectionPool]]:
    http_conn = type("PinnedHTTPConnection", (_PinnedConnection,), {"resolver": resolver})
    https_conn = type("PinnedHTTPSConnection", (_PinnedHTTPSConnection,), {"resolver": resolver})
    http_pool = type(
        "PinnedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}
    )
    https_pool = type(
        "PinnedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}
    )
    return {"http": http_pool, "https": https_pool}


class PinnedAdapter(HTTPAdapter):
    """``HTTPAdapter`` whose pools (direct and through HTTP proxies) use pinned connections."""

    def __init__(self, resolver: Resolver, **kwargs: Any) -> None:
        self._pinned_pools = _pool_classes(resolver)
        super().__init__(**kwargs)  # calls init_poolmanager

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pinned_pools

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        if proxy.lower().startswith("socks"):
            raise InvalidSchema(
                f"SOCKS proxy {proxy} not supported by the link check (it would resolve names "
                "itself); use an HTTP proxy"
            )
        fresh = proxy not in self.proxy_manager
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if fresh:
            manager.pool_classes_by_scheme = self._pinned_pools
        return manager
