"""The embedded backend's life next to the server: started and managed when none runs,
shared with kernels through the runtime file, restarted when killed, stopped with the
server; attached to (and left running) when a kernel or the CLI started it first."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from tornado.httpclient import HTTPClientError

from opik_backend import runtime
from opik_jupyter.server_ext import handlers
from tests.testlib.backends import alive, start_backend_process

pytestmark = pytest.mark.slow


@pytest.fixture
def opik_config(own_data_dir: Path, request: pytest.FixtureRequest) -> dict[str, Any]:
    """The test's own data directory, plus settings given by ``indirect`` parametrize."""
    return {"data_dir": str(own_data_dir), **getattr(request, "param", {})}


async def status(jp_fetch: Any) -> dict[str, Any]:
    return json.loads((await jp_fetch("opik", "status")).body)  # type: ignore[no-any-return]


async def wait_for_status(jp_fetch: Any, check: Any, timeout: float = 60.0) -> dict[str, Any]:
    """Poll ``/opik/status`` until ``check(status)`` holds."""
    deadline = time.monotonic() + timeout
    while True:
        current = await status(jp_fetch)
        if check(current):
            return current
        assert time.monotonic() < deadline, f"status never matched: {current}"
        await asyncio.sleep(0.1)


async def test_starts_a_managed_backend_that_kernels_find(
    jp_fetch: Any, jp_serverapp: Any, own_data_dir: Path
) -> None:
    started = await wait_for_status(jp_fetch, lambda s: s["healthy"])
    assert started["managed"] is True
    assert started["data_dir"] == str(own_data_dir)
    found = runtime.find_running(own_data_dir)  # what a kernel's SDK reads
    assert found is not None
    assert (found.pid, found.url) == (started["pid"], started["url"])
    ping = await jp_fetch("opik", "api", "is-alive", "ping")
    assert json.loads(ping.body)["healthy"] is True
    await jp_serverapp._cleanup()
    assert not alive(started["pid"])  # stopped with the server


async def test_restarts_a_killed_backend(
    jp_fetch: Any, own_data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="opik_jupyter.server_ext")
    first = await wait_for_status(jp_fetch, lambda s: s["healthy"])
    os.kill(first["pid"], signal.SIGKILL)
    second = await wait_for_status(jp_fetch, lambda s: s["healthy"] and s["pid"] != first["pid"])
    assert second["managed"] is True
    assert second["restarts"] == 1
    assert runtime.find_running(own_data_dir).pid == second["pid"]  # type: ignore[union-attr]
    assert f"the backend (pid {first['pid']}) is gone" in caplog.text


async def test_a_hung_backend_is_not_answering_not_starting_and_not_replaced(
    jp_fetch: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="opik_jupyter.server_ext")
    first = await wait_for_status(jp_fetch, lambda s: s["healthy"])
    os.kill(first["pid"], signal.SIGSTOP)  # the process lives but answers nothing
    try:
        hung = await wait_for_status(jp_fetch, lambda s: s["answering"] is False, timeout=30)
        assert hung["healthy"] is False
        assert hung["pid"] == first["pid"]
        assert hung["restarts"] == 0
        assert f"pid {first['pid']}) is running but does not answer" in hung["error"]
    finally:
        os.kill(first["pid"], signal.SIGCONT)
    back = await wait_for_status(jp_fetch, lambda s: s["healthy"])
    assert (back["pid"], back["restarts"], back["answering"]) == (first["pid"], 0, True)
    assert "is gone" not in caplog.text  # its process lived all along


@pytest.fixture
def cli_backend(own_data_dir: Path) -> Any:
    """A backend started before the server, as a kernel or ``opik-jupyter server`` would."""
    backend = start_backend_process(own_data_dir)
    yield backend
    backend.stop()


async def test_attaches_to_a_running_backend_and_leaves_it_running(
    cli_backend: Any, jp_fetch: Any, jp_serverapp: Any
) -> None:
    attached = await wait_for_status(jp_fetch, lambda s: s["healthy"])
    assert (attached["pid"], attached["managed"]) == (cli_backend.process.pid, False)
    await jp_serverapp._cleanup()
    assert cli_backend.process.poll() is None


@pytest.mark.parametrize("opik_config", [{"manage_backend": False}], indirect=True)
async def test_unmanaged_without_a_backend__503_and_says_why(
    jp_fetch: Any, monkeypatch: pytest.MonkeyPatch, own_data_dir: Path
) -> None:
    monkeypatch.setattr(handlers, "WAIT_FOR_BACKEND", 0.5)
    with pytest.raises(HTTPClientError) as unavailable:
        await jp_fetch("opik", "api", "is-alive", "ping")
    assert unavailable.value.code == 503
    down = await status(jp_fetch)
    assert down["healthy"] is False
    assert "manage_backend is off" in down["error"]
    assert runtime.read(own_data_dir) is None


@pytest.fixture
def token_required(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backends started from now on trust no caller without their token."""
    monkeypatch.setenv("OPIK_JUPYTER_REQUIRE_TOKEN", "1")


async def test_the_proxy_sends_the_embedded_backends_token(
    token_required: None, jp_fetch: Any, own_data_dir: Path
) -> None:
    started = await wait_for_status(jp_fetch, lambda s: s["healthy"])
    info = runtime.read(own_data_dir)
    assert info is not None
    assert info.token
    direct = httpx.get(f"{info.url}/v1/private/projects", timeout=30)
    assert direct.status_code == 401  # the backend wants the token...
    proxied = await jp_fetch("opik", "api", "v1", "private", "projects")
    assert proxied.code == 200  # ...which the proxy adds
    assert info.token not in json.dumps(started)  # and never shows the browser
