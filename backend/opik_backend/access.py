"""Who may talk to the backend, decided on a request's headers before its body is read.

Every request passes a :class:`Gate` (the application's first delegate) that answers a
refusal itself, so a refused body is never buffered:

- **server mode** (``--auth``): an API key must be in the headers (401 otherwise); a body
  sent without a valid key may be at most :data:`UNAUTHENTICATED_BODY_BYTES`.
- **local mode** (no ``--auth``, the default): the ``Host`` header must name a loopback
  address or a configured host (DNS rebinding), an ``Origin`` must be one of those too (web
  pages), and the caller must present the start-up token of ``backend.json`` in
  :data:`~opik_backend.runtime.TOKEN_HEADER` or connect over loopback from a process of
  the backend's own Unix user (found in ``/proc/net/tcp``), so the official Opik SDK keeps
  working with no setup while other local users are refused.
- both: a body must be sent as ``application/json`` (415), which no cross-site form or
  ``fetch`` without a CORS preflight can do; a route that takes another body type (OTLP's
  protobuf) names it in its :class:`RoutePolicy`, and none of those is a type a page may
  send without a preflight either.
"""

from __future__ import annotations

import contextlib
import dataclasses
import ipaddress
import os
import re
import secrets
import socket
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from tornado import httputil

from .codec import encode
from .config import Settings
from .errors import ApiError, Forbidden, Unauthorized, UnsupportedMediaType
from .runtime import TOKEN_HEADER

UNAUTHENTICATED_BODY_BYTES = 64 * 1024
"""The largest body read from a request that is refused (it is read only to answer it)."""
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PROC_TCP_TABLES = (Path("/proc/net/tcp"), Path("/proc/net/tcp6"))
WORKSPACE_HEADER = "Comet-Workspace"
KeyOwner = Callable[[str], tuple[str, str] | None]
"""An API key's (workspace, user), None for an unknown key."""


JSON_BODIES = frozenset({"application/json"})
CORS_SIMPLE_TYPES = frozenset(
    {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"}
)
"""Body types a web page may send to any host without a CORS preflight: never accepted."""


@dataclasses.dataclass(frozen=True)
class RoutePolicy:
    """What the gate needs to know of the route a request goes to."""

    public: bool = False
    """Served without credentials (the health ping)."""
    body_types: frozenset[str] | None = JSON_BODIES
    """The media types its bodies may be sent as; None: any bytes, for a route that takes
    raw files and is served only on methods a web page cannot send without a preflight
    (``PUT``)."""

    def __post_init__(self) -> None:
        if self.body_types and self.body_types & CORS_SIMPLE_TYPES:
            raise ValueError(f"a route may not take {sorted(self.body_types & CORS_SIMPLE_TYPES)}")


@dataclasses.dataclass(frozen=True)
class Access:
    """The rules of one backend process (see the module docstring)."""

    token: str
    uid: int | None
    """The Unix user whose loopback connections need no token (None: every caller does)."""
    local: bool
    """Local mode: Host, Origin and caller checks apply (no ``--auth``, loopback bind)."""
    allowed_hosts: frozenset[str]
    key_owner: KeyOwner

    @classmethod
    def for_settings(cls, settings: Settings, key_owner: KeyOwner) -> Access:
        """The rules for ``settings``, with a fresh random token."""
        return cls(
            token=secrets.token_urlsafe(32),
            uid=None if settings.require_token else os.getuid(),
            local=not settings.auth and not settings.allow_unauthenticated_bind,
            allowed_hosts=frozenset(h.lower() for h in settings.allowed_host_names),
            key_owner=key_owner,
        )

    def refusal(
        self,
        request: httputil.RequestStartLine,
        headers: httputil.HTTPHeaders,
        caller: Caller,
        route: RoutePolicy,
    ) -> ApiError | None:
        """Why the request is refused, or None to serve it."""
        if self.local:
            problem = self._host_problem(headers) or self._origin_problem(headers)
            if problem is None and not route.public:
                problem = self._local_caller_problem(headers, caller)
        else:
            problem = None if route.public else _key_problem(headers, self.key_owner)
        return problem or _media_type_problem(request.method, headers, route.body_types)

    def _host_problem(self, headers: httputil.HTTPHeaders) -> ApiError | None:
        host = headers.get("Host")
        if host is None or self.is_allowed_host(_host_of(host)):
            return None
        return Forbidden(
            f"Host {host!r} is not a loopback address: this backend only answers requests "
            "addressed to it as localhost or 127.0.0.1 (add the name to allowed_hosts)"
        )

    def _origin_problem(self, headers: httputil.HTTPHeaders) -> ApiError | None:
        origin = headers.get("Origin")
        if origin is None or self.is_allowed_host(urlsplit(origin).hostname or ""):
            return None
        return Forbidden(f"requests from web pages of {origin!r} are refused")

    def _local_caller_problem(
        self, headers: httputil.HTTPHeaders, caller: Caller
    ) -> ApiError | None:
        token = headers.get(TOKEN_HEADER, "")
        if token and secrets.compare_digest(token, self.token):
            return None
        if self.uid is not None and caller.uid() == self.uid:
            return None
        return Unauthorized(
            f"this backend serves only its own user: send the token of backend.json in the "
            f"{TOKEN_HEADER} header"
        )

    def is_allowed_host(self, host: str) -> bool:
        """A loopback name or address, or one of the configured ``allowed_hosts``."""
        host = host.lower().strip("[]")
        if host in self.allowed_hosts or host == "localhost" or host.endswith(".localhost"):
            return True
        return _is_loopback_ip(host)


def authenticate(headers: httputil.HTTPHeaders, key_owner: KeyOwner) -> tuple[str, str]:
    """The (workspace, user) of the request's API key; 401 without a valid key, 403 if the
    ``Comet-Workspace`` header names another workspace."""
    key = headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not key:
        raise Unauthorized("this server requires an API key in the Authorization header")
    owner = key_owner(key)
    if owner is None:
        raise Unauthorized("the API key is not valid")
    asked = headers.get(WORKSPACE_HEADER)
    if asked and asked != owner[0]:
        raise Forbidden(f"the API key does not give access to workspace {asked!r}")
    return owner


def _key_problem(headers: httputil.HTTPHeaders, key_owner: KeyOwner) -> ApiError | None:
    try:
        authenticate(headers, key_owner)
    except ApiError as exc:
        return exc
    return None


def _media_type_problem(
    method: str, headers: httputil.HTTPHeaders, accepted: frozenset[str] | None
) -> ApiError | None:
    if method not in BODY_METHODS or not _has_body(headers):
        return None
    if accepted is None:
        return None if method == "PUT" else _not_raw(method)
    media_type = headers.get("Content-Type", "").partition(";")[0].strip().lower()
    if media_type in accepted:
        return None
    return UnsupportedMediaType(
        f"Content-Type must be {' or '.join(sorted(accepted))}, got {media_type or 'none'!r}"
    )


def _not_raw(method: str) -> ApiError:
    return UnsupportedMediaType(f"raw bytes are taken by PUT only, not by {method}")


def _has_body(headers: httputil.HTTPHeaders) -> bool:
    if "Transfer-Encoding" in headers:
        return True
    length = headers.get("Content-Length", "0").strip()
    return length not in ("", "0")


def _host_of(host_header: str) -> str:
    """``[::1]:5173`` -> ``::1``, ``localhost:5173`` -> ``localhost``."""
    if host_header.startswith("["):
        return host_header[1:].partition("]")[0]
    return host_header.rpartition(":")[0] if host_header.count(":") == 1 else host_header


def _is_loopback_ip(text: str) -> bool:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


# -- the caller's Unix user ------------------------------------------------------------------


def peer_uid(sock: socket.socket) -> int | None:
    """The Unix uid owning the other end of a loopback TCP connection, None if unknown.

    Both ends of a loopback connection are sockets of this machine: the caller's is the
    row of ``/proc/net/tcp{,6}`` whose local address is our peer and whose remote address
    is us; its ``uid`` column is the caller's user.
    """
    try:
        ours, theirs = sock.getsockname(), sock.getpeername()
    except OSError:
        return None
    if not _is_loopback_ip(theirs[0]):
        return None
    wanted = (_endpoint(theirs), _endpoint(ours))
    for table in PROC_TCP_TABLES:
        with contextlib.suppress(OSError):
            for uid in _uids_of(table.read_text().splitlines()[1:], wanted):
                return uid
    return None


def _uids_of(rows: Iterable[str], wanted: tuple[tuple[bytes, int], ...]) -> Iterable[int]:
    for row in rows:
        fields = row.split()
        if len(fields) > 7 and (_parse(fields[1]), _parse(fields[2])) == wanted:
            yield int(fields[7])


def _endpoint(address: tuple[str, int] | tuple[str, int, int, int]) -> tuple[bytes, int]:
    ip = ipaddress.ip_address(address[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.packed, int(address[1])


def _parse(hex_endpoint: str) -> tuple[bytes, int]:
    """``0100007F:1F90`` (each 32-bit word in host order) as (address bytes, port)."""
    hex_ip, _, hex_port = hex_endpoint.partition(":")
    raw = bytes.fromhex(hex_ip)
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    packed = ipaddress.ip_address(words)
    if isinstance(packed, ipaddress.IPv6Address) and packed.ipv4_mapped is not None:
        packed = packed.ipv4_mapped
    return packed.packed, int(hex_port, 16)


class Caller:
    """What the gate knows of the connection a request came on."""

    _uids: ClassVar[WeakKeyDictionary[object, int | None]] = WeakKeyDictionary()

    def __init__(self, server_conn: object, request_conn: httputil.HTTPConnection) -> None:
        self.server_conn = server_conn
        self.request_conn = request_conn

    def uid(self) -> int | None:
        """The peer's uid, looked up once per connection."""
        if self.server_conn not in self._uids:
            stream = getattr(self.request_conn, "stream", None)
            sock = getattr(stream, "socket", None)
            self._uids[self.server_conn] = peer_uid(sock) if sock is not None else None
        return self._uids[self.server_conn]


# -- the gate --------------------------------------------------------------------------------


class Gate(httputil.HTTPMessageDelegate):
    """Answers a refused request itself; hands any other to ``inner`` (the router)."""

    def __init__(
        self,
        access: Access,
        inner: httputil.HTTPMessageDelegate,
        caller: Caller,
        route_of: Callable[[str], RoutePolicy],
    ) -> None:
        self.access = access
        self.inner = inner
        self.caller = caller
        self.route_of = route_of
        self.refused: ApiError | None = None

    def headers_received(
        self,
        start_line: httputil.RequestStartLine | httputil.ResponseStartLine,
        headers: httputil.HTTPHeaders,
    ) -> Awaitable[None] | None:
        assert isinstance(start_line, httputil.RequestStartLine)
        route = self.route_of(start_line.path.partition("?")[0])
        self.refused = self.access.refusal(start_line, headers, self.caller, route)
        if self.refused is None:
            return self.inner.headers_received(start_line, headers)
        connection = self.caller.request_conn
        connection.set_max_body_size(UNAUTHENTICATED_BODY_BYTES)  # type: ignore[attr-defined]
        if _declared_length(headers) > UNAUTHENTICATED_BODY_BYTES:
            self._answer()  # at once: the body is never read and the connection closes
        return None

    def data_received(self, chunk: bytes) -> Awaitable[None] | None:
        return None if self.refused is not None else self.inner.data_received(chunk)

    def finish(self) -> None:
        if self.refused is None:
            self.inner.finish()
        else:
            self._answer()

    def on_connection_close(self) -> None:
        if self.refused is None:
            self.inner.on_connection_close()

    def _answer(self) -> None:
        error, self.refused = self.refused, _ANSWERED
        if error is None or error is _ANSWERED:
            return
        body = encode(error.body())
        headers = httputil.HTTPHeaders(
            {"Content-Type": "application/json", "Content-Length": str(len(body))}
        )
        for name, value in error.headers.items():
            headers[name] = value
        connection = self.caller.request_conn
        start = httputil.ResponseStartLine("HTTP/1.1", error.status, _reason(error.status))
        connection.write_headers(start, headers, body)
        connection.finish()


_ANSWERED = ApiError("answered")


def _declared_length(headers: httputil.HTTPHeaders) -> int:
    try:
        return int(headers.get("Content-Length", "0"))
    except ValueError:
        return 0


def _reason(status: int) -> str:
    return httputil.responses.get(status, "Error")


def route_policies(
    routes: Iterable[tuple[str, RoutePolicy]],
) -> Callable[[str], RoutePolicy]:
    """The policy of the route a request path goes to, from (path regex, policy) pairs;
    paths no route serves get the default policy (they are answered 404)."""
    special = [(re.compile(pattern + "$"), policy) for pattern, policy in routes]
    default = RoutePolicy()

    def route_of(path: str) -> RoutePolicy:
        return next((policy for regex, policy in special if regex.match(path)), default)

    return route_of
