"""After install, ``jupyter lab`` started as a person starts it (the extension enabled by
the shipped config file, a token, a free port: the ``lab`` fixture of ``tests/conftest.py``)
serves ``/opik/``, refuses it without the token, runs the backend while it runs and stops it
when it stops; and ``jupyter labextension list`` shows the lab extension enabled."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import psutil
import pytest

from tests.testlib.backends import alive
from tests.testlib.jupyter import Lab

pytestmark = pytest.mark.slow


def fetch(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {}


def wait_healthy(url: str, timeout: float = 60) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while True:
        code, status = fetch(url)
        if code == 200 and status.get("healthy"):
            return status
        assert time.monotonic() < deadline, f"never healthy: {code} {status}"
        time.sleep(0.2)


def test_jupyter_lab__runs_proxies_and_stops_the_backend(lab: Lab) -> None:
    status = wait_healthy(f"{lab.url}/opik/status?token={lab.token}")
    assert status["managed"] is True
    backend = psutil.Process(int(status["pid"]))  # type: ignore[call-overload]
    code, ping = fetch(f"{lab.url}/opik/api/is-alive/ping?token={lab.token}")
    assert (code, ping["healthy"]) == (200, True)
    assert fetch(f"{lab.url}/opik/status")[0] == 403
    assert fetch(f"{lab.url}/opik/api/v1/private/projects")[0] == 403
    server = backend.parent()  # the jupyter server started (and manages) it
    assert server is not None
    server.send_signal(signal.SIGTERM)  # as Ctrl-C twice / a service manager stops it
    server.wait(60)
    assert not alive(backend.pid)


def test_labextension__listed_as_enabled() -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "jupyter", "labextension", "list"],
        capture_output=True,
        text=True,
        check=True,
    )
    output = listed.stdout + listed.stderr
    lines = [line for line in output.splitlines() if "opik-jupyter" in line]
    assert lines, output
    assert "enabled" in lines[0]
    assert "OK" in lines[0]
