"""The routes under ``<base_url>/opik/``: the REST proxy and the status.

Every verb of every handler is ``@tornado.web.authenticated``, and the handlers are Jupyter
``APIHandler``s, so Jupyter's own rules apply before anything reaches the backend: a
token or login cookie, the XSRF check on cookie-authenticated writes, and the origin check.
Only an allow-list of headers crosses the proxy in each direction: the browser's cookies
and the Jupyter token never reach the backend, and a configured API key is added here, so
it never reaches the browser.
"""

from __future__ import annotations

import json
from asyncio import Future
from collections.abc import Callable
from typing import Any

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import httpclient, httputil
from tornado.iostream import StreamClosedError

from opik_backend import runtime

from .backend import BackendManager, BackendUnavailable, log

REQUEST_HEADERS = (
    "Accept",
    "Accept-Encoding",
    "Content-Encoding",
    "Content-Type",
    "Comet-Workspace",
)
RESPONSE_HEADERS = ("Content-Encoding", "Content-Type", "Location", "Retry-After")
WAIT_FOR_BACKEND = 30.0
"""Seconds a request waits for a backend that is starting, then 503."""


class _OpikHandler(APIHandler):
    """Shared by the routes: the backend manager, given through ``initialize``."""

    manager: BackendManager

    def initialize(self, manager: BackendManager, **_: Any) -> None:
        self.manager = manager

    def write_json_error(self, status: int, message: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"code": status, "message": message}))


class StatusHandler(_OpikHandler):
    """``GET /opik/status``: backend URL, health, pid, whether this server manages it."""

    @tornado.web.authenticated
    async def get(self) -> None:
        self.finish(await self.manager.status())


class ProxyHandler(_OpikHandler):
    """``/opik/api/<path>``: forwards to ``<backend>/api/<path>``, streaming the answer."""

    client: httpclient.AsyncHTTPClient
    api_key: str | None
    workspace: str | None

    def initialize(
        self,
        manager: BackendManager,
        client: httpclient.AsyncHTTPClient | None = None,
        api_key: str | None = None,
        workspace: str | None = None,
        **_: Any,
    ) -> None:
        super().initialize(manager)
        self.client = client or httpclient.AsyncHTTPClient()
        self.api_key, self.workspace = api_key, workspace
        self._headers_sent = False

    @tornado.web.authenticated
    async def _any_verb(self, path: str) -> None:
        """Every verb is forwarded the same way, and only once Jupyter authenticated it."""
        await self._forward(path)

    get = post = put = patch = delete = _any_verb

    async def _forward(self, path: str) -> None:
        try:
            base = await self.manager.ready(WAIT_FOR_BACKEND)
        except BackendUnavailable as exc:
            self.set_header("Retry-After", "2")
            self.write_json_error(503, str(exc))
            return
        try:
            response = await self.client.fetch(self._backend_request(base, path), raise_error=False)
        except (OSError, httpclient.HTTPClientError) as exc:
            if not self._headers_sent:
                self.write_json_error(502, f"the opik-jupyter backend did not answer: {exc}")
            return
        if not self._headers_sent:  # no body was streamed (HEAD-like answers, 204)
            self._send_head(response.code, response.headers, base)
        self.finish()

    def _backend_request(self, base: str, path: str) -> httpclient.HTTPRequest:
        url = f"{base}/{path}" + (f"?{self.request.query}" if self.request.query else "")
        headers = {
            name: self.request.headers[name]
            for name in REQUEST_HEADERS
            if name in self.request.headers
        }
        if self.workspace and "Comet-Workspace" not in headers:
            headers["Comet-Workspace"] = self.workspace
        if self.api_key:
            headers["Authorization"] = self.api_key
        if self.manager.token:
            headers[runtime.TOKEN_HEADER] = self.manager.token
        method = self.request.method or "GET"
        return httpclient.HTTPRequest(
            url,
            method=method,
            headers=headers,
            follow_redirects=False,
            body=self.request.body if method in ("POST", "PUT", "PATCH") else None,
            allow_nonstandard_methods=True,
            decompress_response=False,
            request_timeout=600,
            header_callback=self._header_line(base),
            streaming_callback=self._on_chunk,
        )

    def _header_line(self, base: str) -> Callable[[str], None]:
        """A callback that collects the backend's header lines and sends them on at the end."""
        lines: list[str] = []

        def on_line(line: str) -> None:
            if line.startswith("HTTP/"):
                lines.clear()
            lines.append(line)
            if line in ("\r\n", "\n") and not lines[0].startswith("HTTP/1.1 100"):
                start = httputil.parse_response_start_line(lines[0].strip())
                headers = httputil.HTTPHeaders.parse("".join(lines[1:]))
                self._send_head(start.code, headers, base)

        return on_line

    def _send_head(self, code: int, headers: httputil.HTTPHeaders, base: str) -> None:
        self._headers_sent = True
        self.set_status(code)
        self.clear_header("Content-Type")
        for name in RESPONSE_HEADERS:
            value = headers.get(name)
            if value is None:
                continue
            if name == "Location" and value.startswith(base):
                value = url_path_join(self.base_url, "opik/api", value[len(base) :])
            self.set_header(name, value)

    def _on_chunk(self, chunk: bytes) -> None:
        if self.request.connection is None or self._finished:
            return
        self.write(chunk)
        self.flush().add_done_callback(_ignore_closed)


def _ignore_closed(future: Future[None]) -> None:
    """A browser that went away mid-stream is not an error of the server."""
    if not future.cancelled() and not isinstance(future.exception(), StreamClosedError | None):
        log.warning("opik-jupyter: proxy write failed: %s", future.exception())


def route_handlers(manager: BackendManager, **proxy: Any) -> list[tuple[Any, ...]]:
    """The extension's routes (the server puts its ``base_url`` in front)."""
    return [
        ("/opik/status", StatusHandler, {"manager": manager}),
        ("/opik/api/(.*)", ProxyHandler, {"manager": manager, **proxy}),
    ]
