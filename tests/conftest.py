"""Shared fixtures: real backends on real stores.

chDB allows one data directory per process, so every in-process backend of a test session
shares one ClickHouse directory; tests stay apart by using a fresh workspace each. The
metadata store is parametrised: SQLite (embedded default) and the MariaDB on
127.0.0.1:3306, the latter together with the Redis on 127.0.0.1:6379.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pymysql
import pytest
import tornado.httpserver
import tornado.netutil

from opik_backend import runtime
from opik_backend.app import make_app
from opik_backend.config import Settings
from opik_backend.services import Services

MYSQL_URL = os.environ.get("OPIK_JUPYTER_TEST_MYSQL_URL",
                           "mysql://root@127.0.0.1:3306/opik_jupyter_test")
REDIS_URL = os.environ.get("OPIK_JUPYTER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@dataclass
class RunningBackend:
    """A backend serving HTTP on a free loopback port, in this process."""

    url: str  # ends in /api, like OPIK_URL_OVERRIDE
    services: Services

    def client(self, workspace: str) -> httpx.Client:
        return httpx.Client(base_url=self.url + "/", headers={"Comet-Workspace": workspace},
                            timeout=30)


class _ServerThread:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.loop = asyncio.new_event_loop()
        self.started = threading.Event()
        self.thread = threading.Thread(target=self._run, name="test-backend", daemon=True)
        self.port = 0

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        limit = self.services.settings.max_body_bytes
        server = tornado.httpserver.HTTPServer(make_app(self.services), max_body_size=limit * 2)
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        server.add_sockets(sockets)
        self.port = sockets[0].getsockname()[1]
        self.server = server
        self.started.set()
        self.loop.run_forever()

    def start(self) -> int:
        self.thread.start()
        self.started.wait(30)
        return self.port

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.server.stop)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def _reset_mysql_database() -> None:
    params = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}
    conn = pymysql.connect(**params, autocommit=True)
    with conn.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS opik_jupyter_test")
    conn.close()


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("opik-jupyter")


def _start(settings: Settings) -> tuple[_ServerThread, RunningBackend]:
    services = Services.open(settings)
    thread = _ServerThread(services)
    port = thread.start()
    return thread, RunningBackend(url=f"http://127.0.0.1:{port}/api", services=services)


@pytest.fixture(scope="session", params=["sqlite", "mysql"])
def backend(request: pytest.FixtureRequest, session_dir: Path) -> Iterator[RunningBackend]:
    """The backend on embedded chDB, with SQLite metadata or with MariaDB + Redis."""
    data_dir = session_dir / "data"
    if request.param == "mysql":
        _reset_mysql_database()
        settings = Settings(data_dir=data_dir, metadata_url=MYSQL_URL, redis_url=REDIS_URL,
                            optimize_idle_seconds=0)
    else:
        settings = Settings(data_dir=data_dir, optimize_idle_seconds=0)
    thread, running = _start(settings)
    yield running
    thread.stop()
    running.services.close()


@pytest.fixture
def workspace() -> str:
    """A workspace no other test uses."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def api(backend: RunningBackend, workspace: str) -> Iterator[httpx.Client]:
    """An HTTP client on the backend, in this test's own workspace."""
    with backend.client(workspace) as client:
        yield client


@dataclass
class BackendProcess:
    """A backend in a child process (``python -m opik_backend``), for crash and lock tests."""

    data_dir: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        info = runtime.read(self.data_dir)
        assert info is not None, "the backend wrote no runtime file"
        return info.url

    def stop(self) -> int:
        self.process.terminate()
        return self.process.wait(60)


def start_backend_process(data_dir: Path, *extra: str) -> BackendProcess:
    """Start ``python -m opik_backend`` on ``data_dir`` and wait until it answers.

    Its output goes to a file beside the data directory: an unread pipe would fill up and
    block the backend on its next log line.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / f"{data_dir.name}-backend.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "opik_backend", "--data-dir", str(data_dir), "--port", "0",
             "--log-level", "warning", *extra], stdout=log, stderr=subprocess.STDOUT)
    backend_process = BackendProcess(data_dir, process)
    start = time.monotonic()
    while time.monotonic() - start < 60:
        if process.poll() is not None:
            raise RuntimeError(f"backend exited with {process.returncode}: "
                               f"{log_path.read_text()[-4000:]}")
        info = runtime.read(data_dir)
        if info is not None and info.pid == process.pid and runtime.ping(info.url):
            return backend_process
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"backend did not answer within 60 s: {log_path.read_text()[-4000:]}")
