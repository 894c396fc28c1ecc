"""The HTTP seam: the sender hands a :class:`Request` to a transport and reads a
:class:`Response`. :class:`HttpTransport` talks to a real backend over one kept-alive
``http.client`` connection; :class:`MockTransport` calls a function instead (unit tests).

Standard library on purpose: a kernel that traces should not need httpx and its
dependency tree to POST JSON to one host, and ``http.client`` gives exact control over
timeouts, keep-alive and retries (the sender owns retrying).

Connections honour the environment as every Python HTTP client does: ``HTTP_PROXY`` /
``HTTPS_PROXY`` (and their lower-case forms) with ``NO_PROXY``, and a CA bundle in
``REQUESTS_CA_BUNDLE`` or ``SSL_CERT_FILE``; they are read when a connection is opened.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import functools
import http.client
import os
import socket
import ssl
import threading
import urllib.request
import weakref
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol
from urllib.parse import SplitResult, unquote, urlsplit

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
            forward = getattr(self._local, "forward_headers", None)
            target = f"{parts.scheme}://{parts.netloc}{path}" if forward is not None else path
            try:
                conn.request(
                    request.method,
                    target,
                    body=request.body or None,
                    headers={**request.headers, **(forward or {})},
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
        proxy = proxy_for(scheme, netloc)
        self._local.forward_headers = None
        if proxy is None:
            conn = _direct(scheme, netloc, self.timeout)
        elif scheme == "https":  # a CONNECT tunnel through the proxy, TLS inside it
            conn = http.client.HTTPSConnection(
                proxy.netloc.rpartition("@")[2], timeout=self.timeout, context=ssl_context()
            )
            conn.set_tunnel(netloc, headers=_proxy_auth(proxy))
        else:  # a forwarding proxy: absolute URLs in the request line
            conn = http.client.HTTPConnection(proxy.netloc.rpartition("@")[2], timeout=self.timeout)
            self._local.forward_headers = _proxy_auth(proxy)
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


def _direct(scheme: str, netloc: str, timeout: float) -> http.client.HTTPConnection:
    if scheme == "https":
        return http.client.HTTPSConnection(netloc, timeout=timeout, context=ssl_context())
    return http.client.HTTPConnection(netloc, timeout=timeout)


def proxy_for(scheme: str, netloc: str) -> SplitResult | None:
    """The proxy (from ``HTTP(S)_PROXY``) for a URL of ``scheme`` at ``netloc``, unless
    ``NO_PROXY`` exempts the host or no proxy is set."""
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(scheme)
    if not proxy or _bypassed(netloc, proxies.get("no", "")):
        return None
    return urlsplit(proxy if "://" in proxy else f"http://{proxy}")


def _bypassed(netloc: str, no_proxy: str) -> bool:
    """Whether ``NO_PROXY`` (``*``, or hosts and domains, each with an optional port)
    exempts ``netloc``."""
    host = urlsplit(f"//{netloc}").hostname or ""
    for entry in (part.strip().lower() for part in no_proxy.split(",")):
        if entry == "*":
            return True
        if not entry:
            continue
        if ":" in entry.lstrip("[") and entry != netloc.lower():
            continue  # an entry with a port matches that host and port only
        name = entry.rsplit(":", 1)[0] if ":" in entry.lstrip("[") else entry
        name = name.strip("[]").lstrip(".")
        if host == name or host.endswith("." + name):
            return True
    return False


def _proxy_auth(proxy: SplitResult) -> dict[str, str]:
    """``Proxy-Authorization`` for a proxy URL with a user name, else nothing."""
    if not proxy.username:
        return {}
    pair = f"{unquote(proxy.username)}:{unquote(proxy.password or '')}".encode()
    return {"Proxy-Authorization": "Basic " + base64.b64encode(pair).decode()}


def ssl_context() -> ssl.SSLContext:
    """TLS settings: the CA bundle named by ``REQUESTS_CA_BUNDLE`` or ``SSL_CERT_FILE``
    (as requests and httpx read them), else the system's."""
    return _context_for(os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("SSL_CERT_FILE"))


@functools.lru_cache(maxsize=8)
def _context_for(cafile: str | None) -> ssl.SSLContext:
    if cafile and not Path(cafile).is_file():
        raise TransportError(
            f"the CA bundle {cafile!r} (REQUESTS_CA_BUNDLE or SSL_CERT_FILE) does not exist; "
            "point the variable at a PEM file or unset it"
        )
    return ssl.create_default_context(cafile=cafile or None)


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
