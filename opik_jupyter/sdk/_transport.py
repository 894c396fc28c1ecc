"""The HTTP seam: the sender hands a :class:`Request` to a transport and reads a
:class:`Response`. :class:`HttpTransport` talks to a real backend over one kept-alive
``http.client`` connection; :class:`MockTransport` calls a function instead (unit tests).

Standard library on purpose: a kernel that traces should not need httpx and its
dependency tree to POST JSON to one host, and ``http.client`` gives exact control over
timeouts, keep-alive and retries (the sender owns retrying).
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.client
import socket
import ssl
import threading
import weakref
from collections.abc import Callable, Mapping
from typing import Protocol
from urllib.parse import urlsplit

_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class OpikJupyterError(Exception):
    """The base of the errors that opik-jupyter's explicit calls (reads, datasets) raise."""


class TransportError(OpikJupyterError, OSError):
    """The request did not get an HTTP response (connection refused, reset, timeout...)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request to the backend; ``path`` is relative to the base URL."""

    method: str
    path: str
    body: bytes = b""
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class Transport(Protocol):
    """Sends requests to one base URL."""

    def send(self, base_url: str, request: Request) -> Response: ...

    def abort(self) -> None:
        """Fail the requests in progress on any thread, and every later one."""

    def close(self) -> None: ...


class HttpTransport:
    """``http.client`` with one persistent connection per thread and per host."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self._local = threading.local()
        self._connections: weakref.WeakSet[http.client.HTTPConnection] = weakref.WeakSet()
        self._aborted = False

    def send(self, base_url: str, request: Request) -> Response:
        response = self._exchange(base_url, request)
        with response:
            body = response.read()
        return Response(response.status, body, {k.lower(): v for k, v in response.getheaders()})

    def _exchange(self, base_url: str, request: Request) -> http.client.HTTPResponse:
        parts = urlsplit(base_url)
        path = f"{parts.path.rstrip('/')}/{request.path.lstrip('/')}"
        for attempt in (0, 1):
            if self._aborted:
                raise TransportError(f"{request.method} {path}: aborted (shutting down)")
            reused = getattr(self._local, "conn", None) is not None
            conn = self._connection(parts.scheme, parts.netloc)
            try:
                conn.request(
                    request.method, path, body=request.body or None, headers=dict(request.headers)
                )
                return conn.getresponse()
            except _STALE as exc:  # the server closed a kept-alive connection: reconnect once
                self._drop_connection()
                if not reused or attempt:
                    raise TransportError(f"{request.method} {path}: {exc}") from exc
            except (OSError, http.client.HTTPException) as exc:
                self._drop_connection()
                raise TransportError(f"{request.method} {path}: {exc}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _connection(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "key", None) == (scheme, netloc):
            return conn
        self._drop_connection()
        if scheme == "https":
            conn = http.client.HTTPSConnection(
                netloc, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            conn = http.client.HTTPConnection(netloc, timeout=self.timeout)
        self._connections.add(conn)
        self._local.conn, self._local.key = conn, (scheme, netloc)
        return conn

    def _drop_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
        self._local.conn = None

    def abort(self) -> None:
        """Fail the requests in progress on any thread (a hung backend), and every later one."""
        self._aborted = True
        for conn in list(self._connections):
            sock = conn.sock
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Close this thread's connection (others close when their thread ends)."""
        self._drop_connection()


class HttpStatusError(OpikJupyterError, RuntimeError):
    """A read got an unexpected HTTP status (``status`` and ``body`` say which)."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"HTTP {status}: {body[:500].decode(errors='replace')}")
        self.status = status
        self.body = body


class MockTransport:
    """A transport that calls ``handler(base_url, request)``; records what it was sent."""

    def __init__(self, handler: Callable[[str, Request], Response]) -> None:
        self.handler = handler
        self.requests: list[Request] = []

    def send(self, base_url: str, request: Request) -> Response:
        self.requests.append(request)
        return self.handler(base_url, request)

    def abort(self) -> None:
        """Nothing is in progress between calls."""

    def close(self) -> None:
        """Nothing to close."""
