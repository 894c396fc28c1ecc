"""Limits before work: with ``--auth`` a keyless body is not read (RSS stays flat under
100 MB uploads), and connections that send their headers or body too slowly, or nothing at
all, are closed (slow-loris)."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.testlib.backends import BackendProcess, start_backend_process
from tests.testlib.rest import JSON, assert_error

pytestmark = pytest.mark.slow
BATCH = "/api/v1/private/traces/batch"


@pytest.fixture(scope="module")
def guarded() -> Iterator[BackendProcess]:
    """A backend with ``--auth`` and short timeouts."""
    data_dir = Path(tempfile.mkdtemp(prefix="opik-jupyter-limits-")) / "data"
    os.environ["OPIK_JUPYTER_IDLE_TIMEOUT_SECONDS"] = "2"
    os.environ["OPIK_JUPYTER_BODY_TIMEOUT_SECONDS"] = "2"
    try:
        backend = start_backend_process(data_dir, "--auth")
    finally:
        del os.environ["OPIK_JUPYTER_IDLE_TIMEOUT_SECONDS"]
        del os.environ["OPIK_JUPYTER_BODY_TIMEOUT_SECONDS"]
    yield backend
    backend.stop()
    shutil.rmtree(data_dir.parent, ignore_errors=True)


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def keyless_upload(port: int, size: int) -> bytes:
    """Announce a ``size`` byte body without a key, send what the server takes; its answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        head = (
            f"POST {BATCH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
        )
        sock.sendall(head.encode())
        chunk = b" " * (1 << 20)
        try:
            for _ in range(size // len(chunk)):
                sock.sendall(chunk)
        except OSError:
            pass  # the server answered and closed: the rest is never read
        try:
            return sock.recv(4096)
        except OSError:
            return b""


def test_keyless_100_mb_bodies_do_not_grow_the_backend(guarded: BackendProcess) -> None:
    pid = guarded.process.pid
    before = rss_bytes(pid)
    answers = [keyless_upload(guarded.port, 100 * 1024 * 1024) for _ in range(8)]
    grown = rss_bytes(pid) - before
    assert grown < 30 * 1024 * 1024, f"RSS grew by {grown / 2**20:.0f} MiB"
    assert all(a == b"" or a.startswith(b"HTTP/1.1 401") for a in answers), answers
    assert any(a.startswith(b"HTTP/1.1 401") for a in answers)


def test_a_small_keyless_body_gets_a_json_401(guarded: BackendProcess) -> None:
    response = httpx.post(
        f"{guarded.url}/v1/private/traces/batch", content=b"{" + b" " * 10_000 + b"}", headers=JSON
    )
    assert_error(response, 401, "API key")


def test_keyless_bodies_are_not_read_and_the_server_keeps_serving(
    guarded: BackendProcess,
) -> None:
    keyless_upload(guarded.port, 50 * 1024 * 1024)
    assert httpx.get(f"{guarded.url}/is-alive/ping", timeout=10).status_code == 200


def _closed_within(sock: socket.socket, seconds: float, drip: bytes = b"") -> bool:
    """Whether the server closes ``sock`` within ``seconds`` while we send ``drip`` bytes
    now and then."""
    deadline = time.monotonic() + seconds
    sock.settimeout(0.5)
    while time.monotonic() < deadline:
        try:
            if drip:
                sock.sendall(drip)
            if sock.recv(4096) == b"":
                return True
        except TimeoutError:
            continue
        except OSError:
            return True
    return False


@pytest.mark.parametrize(
    ("opening", "drip"),
    [
        (b"", b""),  # connects, says nothing
        (b"GET /api/is-alive/ping HTTP/1.1\r\n", b"X-a: b\r\n"),  # headers that never end
        (
            b"POST " + BATCH.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Authorization: k\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n",
            b" ",
        ),  # a body that trickles
    ],
    ids=["silent", "slow-headers", "slow-body"],
)
def test_slow_loris_connections_are_closed(
    guarded: BackendProcess, opening: bytes, drip: bytes
) -> None:
    socks = [socket.create_connection(("127.0.0.1", guarded.port)) for _ in range(20)]
    try:
        for sock in socks:
            sock.sendall(opening)
        closed = [_closed_within(sock, 8, drip) for sock in socks]
    finally:
        for sock in socks:
            sock.close()
    assert all(closed), f"{closed.count(False)} of {len(closed)} connections still open"
