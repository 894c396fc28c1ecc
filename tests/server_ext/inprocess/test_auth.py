"""Jupyter's rules guard every route: no token or login cookie gets 403; a cookie-
authenticated write without the XSRF token gets 403; another site's origin is refused;
and no route of the extension is registered without ``@tornado.web.authenticated``."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Coroutine
from http.cookies import SimpleCookie
from typing import Any

import pytest
from jupyter_server.serverapp import ServerWebApplication
from jupyter_server.utils import JupyterServerAuthWarning
from tornado.httpclient import AsyncHTTPClient, HTTPResponse

from opik_jupyter.server_ext.handlers import route_handlers
from tests.testlib.backends import BackendProcess
from tests.testlib.builders import new_id, trace_batch

pytestmark = pytest.mark.slow
VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE")
Send = Callable[..., Coroutine[Any, Any, HTTPResponse]]


@pytest.fixture
def opik_config(shared_backend: BackendProcess) -> dict[str, Any]:
    return {"backend_url": shared_backend.url}


@pytest.fixture
def send(http_server_client: Any, jp_http_port: int, jp_base_url: str) -> Send:
    """A raw request to the server: no token unless the test adds one."""

    async def send(
        path: str,
        method: str = "GET",
        headers: dict[str, str] | None = None,
        body: str | None = None,
    ) -> HTTPResponse:
        if body is None and method in ("POST", "PUT", "PATCH"):
            body = "{}"
        if path.startswith("opik/"):  # the panel sends JSON as JSON
            headers = {"Content-Type": "application/json", **(headers or {})}
        return await AsyncHTTPClient().fetch(
            f"http://127.0.0.1:{jp_http_port}{jp_base_url}{path}",
            method=method,
            body=body,
            headers=headers or {},
            raise_error=False,
            follow_redirects=False,
        )

    return send


async def login(send: Send, token: str) -> dict[str, str]:
    """Log in with the token as a person would; the cookies a browser would then hold."""
    cookies: dict[str, str] = {}

    def keep(response: HTTPResponse) -> None:
        for header in response.headers.get_list("Set-Cookie"):
            cookies.update({k: v.value for k, v in SimpleCookie(header).items()})

    keep(await send("login"))
    keep(
        await send(
            "login",
            "POST",
            headers={"Cookie": _cookie_header(cookies)},
            body=f"password={token}&_xsrf={cookies['_xsrf']}",
        )
    )
    assert any(name.startswith("username-") for name in cookies), cookies
    return cookies


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


@pytest.mark.parametrize("verb", VERBS)
async def test_proxy__403_without_authentication(send: Send, verb: str) -> None:
    response = await send("opik/api/v1/private/traces", verb)
    assert response.code == 403


async def test_status__403_without_authentication(send: Send) -> None:
    assert (await send("opik/status")).code == 403


async def test_proxy__token_in_a_header_is_enough(
    send: Send, jp_auth_header: dict[str, str]
) -> None:
    response = await send("opik/api/is-alive/ping", headers=jp_auth_header)
    assert response.code == 200


async def test_proxy__cookie_write_without_xsrf_token_is_403(send: Send, jp_serverapp: Any) -> None:
    cookies = await login(send, jp_serverapp.identity_provider.token)
    body = json.dumps(trace_batch(new_id(), "xsrf"))
    forged = await send(
        "opik/api/v1/private/traces/batch",
        "POST",
        body=body,
        headers={"Cookie": _cookie_header(cookies)},
    )
    assert forged.code == 403
    honest = await send(
        "opik/api/v1/private/traces/batch",
        "POST",
        body=body,
        headers={"Cookie": _cookie_header(cookies), "X-XSRFToken": cookies["_xsrf"]},
    )
    assert honest.code == 204


async def test_proxy__another_sites_origin_is_refused(send: Send, jp_serverapp: Any) -> None:
    cookies = await login(send, jp_serverapp.identity_provider.token)
    headers = {
        "Cookie": _cookie_header(cookies),
        "Origin": "http://evil.example",
        "X-XSRFToken": cookies["_xsrf"],
    }
    read = await send("opik/api/v1/private/projects", headers=headers)
    write = await send(
        "opik/api/v1/private/traces/batch",
        "POST",
        headers=headers,
        body=json.dumps(trace_batch(new_id(), "cross-site")),
    )
    assert read.code == 404  # Jupyter's APIHandler answers a foreign origin as "not found"
    assert write.code in (403, 404)
    assert b"content" not in read.body


def test_routes__every_verb_needs_authentication() -> None:
    for pattern, handler, *_ in route_handlers(manager=None):  # type: ignore[arg-type]
        assert ServerWebApplication._check_handler_auth(None, pattern, handler) == []  # type: ignore[arg-type]


def test_server__logs_no_auth_warning_for_the_extension(jp_configurable_serverapp: Any) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        jp_configurable_serverapp()
    ours = [
        w
        for w in caught
        if issubclass(w.category, JupyterServerAuthWarning) and "opik" in str(w.message).lower()
    ]
    assert ours == []
