"""What crosses the proxy, checked against a fake backend that echoes what it receives:
an allow-list of headers each way (the Jupyter token and cookies never reach the backend;
a configured API key and workspace are added), the query string, a rewritten ``Location``,
and streamed answers that reach the browser chunk by chunk."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import tornado.httpserver
import tornado.netutil
import tornado.web
from tornado.httpclient import AsyncHTTPClient

ECHO_PATH = "/api/v1/private/echo"


class _Echo(tornado.web.RequestHandler):
    def _echo(self, path: str) -> None:
        self.set_header("Location", f"{self.settings['base']}/v1/private/traces/abc")
        self.set_header("Set-Cookie", "backend=secret")
        self.finish(
            {
                "method": self.request.method,
                "path": path,
                "query": self.request.query,
                "headers": dict(self.request.headers),
                "body": self.request.body.decode(),
            }
        )

    get = post = put = patch = delete = _echo


class _Stream(tornado.web.RequestHandler):
    async def get(self) -> None:
        self.set_header("Content-Type", "application/x-ndjson")
        for n in range(3):
            self.write(json.dumps({"n": n}) + "\n")
            await self.flush()
            await asyncio.sleep(0.3)


@pytest.fixture
def echo_backend(jp_asyncio_loop: asyncio.AbstractEventLoop) -> Iterator[str]:
    """A fake backend on this test's event loop; its base URL ends in ``/api``."""
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    base = f"http://127.0.0.1:{sockets[0].getsockname()[1]}/api"
    app = tornado.web.Application(
        [(r"/api/v1/private/stream", _Stream), (r"/api/(.*)", _Echo)], base=base
    )
    server = tornado.httpserver.HTTPServer(app)
    server.add_sockets(sockets)
    yield base
    server.stop()


@pytest.fixture
def opik_config(echo_backend: str) -> dict[str, Any]:
    return {"backend_url": echo_backend, "api_key": "key-from-config", "workspace": "team"}


async def _echo(jp_fetch: Any, method: str = "GET", **kwargs: Any) -> tuple[dict[str, Any], Any]:
    response = await jp_fetch("opik", "api", "v1", "private", "echo", method=method, **kwargs)
    return json.loads(response.body), response


async def test_headers__token_and_cookies_stay_in_jupyter(jp_fetch: Any) -> None:
    seen, _ = await _echo(jp_fetch, headers={"Cookie": "session=browser"})
    assert seen["headers"]["Authorization"] == "key-from-config"
    assert "Cookie" not in seen["headers"]
    assert seen["headers"]["Comet-Workspace"] == "team"


async def test_headers__the_browsers_workspace_wins(jp_fetch: Any) -> None:
    seen, _ = await _echo(jp_fetch, headers={"Comet-Workspace": "mine"})
    assert seen["headers"]["Comet-Workspace"] == "mine"


async def test_headers__only_allowed_answer_headers_come_back(
    jp_fetch: Any, jp_base_url: str
) -> None:
    _, response = await _echo(jp_fetch)
    assert "Set-Cookie" not in response.headers or "backend" not in response.headers["Set-Cookie"]
    assert response.headers["Location"] == f"{jp_base_url}opik/api/v1/private/traces/abc"


async def test_proxy__forwards_query_and_body_of_every_verb(jp_fetch: Any) -> None:
    for method in ("GET", "DELETE"):
        seen, _ = await _echo(jp_fetch, method, params={"page": "2", "q": "a b"})
        assert (seen["method"], seen["query"]) == (method, "page=2&q=a+b")
    for method in ("POST", "PUT", "PATCH"):
        seen, _ = await _echo(jp_fetch, method, body='{"x": 1}')
        assert (seen["method"], seen["body"]) == (method, '{"x": 1}')


async def test_proxy__streams_chunks_as_the_backend_sends_them(
    http_server_client: Any, jp_http_port: int, jp_base_url: str, jp_auth_header: dict[str, str]
) -> None:
    # (http_server_client: the server listens; the test makes its own streaming client)
    arrivals: list[float] = []
    start = time.monotonic()
    client = AsyncHTTPClient(force_instance=True)
    try:
        await client.fetch(
            f"http://127.0.0.1:{jp_http_port}{jp_base_url}opik/api/v1/private/stream",
            headers=jp_auth_header,
            streaming_callback=lambda _: arrivals.append(time.monotonic() - start),
        )
    finally:
        client.close()
    assert len(arrivals) >= 3
    assert arrivals[0] < 0.3 <= arrivals[-1]  # the first line came before the last was written
