"""Backends for tests: in this process on a thread, or as ``python -m opik_backend`` in a
child process; and the stores they use.

The MariaDB database and the Redis db of the tests are the ones that
``OPIK_JUPYTER_TEST_MYSQL_URL`` and ``OPIK_JUPYTER_TEST_REDIS_URL`` name (by default
``opik_jupyter_test`` and db 15 on 127.0.0.1), so checkouts that name their own can run
their suites on one machine at the same time.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx
import pymysql
import tornado.netutil

from opik_backend import runtime
from opik_backend.app import http_server
from opik_backend.config import Settings
from opik_backend.services import Services

MYSQL_URL = os.environ.get(
    "OPIK_JUPYTER_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/opik_jupyter_test"
)
REDIS_URL = os.environ.get("OPIK_JUPYTER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
_DEFAULT_PORTS = {"mysql": 3306, "mariadb": 3306, "redis": 6379}


def database_of(url: str) -> str:
    """The database a store URL names: its path (a MariaDB database, a Redis db number)."""
    name = unquote(urlsplit(url).path.strip("/"))
    if not name:
        raise ValueError(f"{url!r} names no database")
    return name


MYSQL_DATABASE = database_of(MYSQL_URL)


def address_of(url: str) -> tuple[str, int]:
    """The host and port of the server a store URL names."""
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or _DEFAULT_PORTS[parts.scheme]


def proxied_url(url: str, port: int) -> str:
    """``url`` (its user, password and database kept) reached on 127.0.0.1:``port``, where
    a proxy to its server listens."""
    parts = urlsplit(url)
    user = parts.netloc.rpartition("@")[0]
    return urlunsplit(
        parts._replace(netloc=f"{user}@127.0.0.1:{port}" if user else f"127.0.0.1:{port}")
    )


def mysql_server_params() -> dict[str, Any]:
    """``pymysql.connect`` arguments for the MariaDB server of ``MYSQL_URL`` (no database)."""
    parts = urlsplit(MYSQL_URL)
    host, port = address_of(MYSQL_URL)
    return {
        "host": host,
        "port": port,
        "user": unquote(parts.username or "root"),
        "password": unquote(parts.password or ""),
    }


def reset_mysql_database() -> None:
    """Drop the test database of ``MYSQL_URL`` (the backend creates it again)."""
    conn = pymysql.connect(**mysql_server_params(), autocommit=True)
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{MYSQL_DATABASE.replace('`', '``')}`")
    conn.close()


@dataclass
class RunningBackend:
    """A backend serving HTTP on a free loopback port, in this process."""

    url: str  # ends in /api, like OPIK_URL_OVERRIDE
    services: Services

    def client(self, workspace: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url + "/", headers={"Comet-Workspace": workspace}, timeout=30
        )


class BackendThread:
    """The thread whose event loop serves a :class:`RunningBackend`; ``stop()`` ends it."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.loop = asyncio.new_event_loop()
        self.started = threading.Event()
        self.thread = threading.Thread(target=self._run, name="test-backend", daemon=True)
        self.port = 0

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = http_server(self.services)
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


def start_backend_in_process(settings: Settings) -> tuple[BackendThread, RunningBackend]:
    """A backend on ``settings``, serving on a thread of this process; stop it with
    ``thread.stop()`` and then ``running.services.close()``."""
    services = Services.open(settings)
    thread = BackendThread(services)
    port = thread.start()
    return thread, RunningBackend(url=f"http://127.0.0.1:{port}/api", services=services)


@dataclass
class BackendProcess:
    """``python -m opik_backend`` in a child process, for crash, restart and lock tests."""

    data_dir: Path
    port: int
    url: str  # ends in /api, like OPIK_URL_OVERRIDE
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send ``sig`` (unless it has exited already) and wait; its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(60)


def start_backend_process(
    data_dir: Path,
    *extra_args: str,
    port: int = 0,
    timeout: float = 60.0,
    env: dict[str, str] | None = None,
) -> BackendProcess:
    """Start ``python -m opik_backend`` on ``data_dir`` and ``port`` (0 picks a free one),
    with ``extra_args`` on its command line, and wait until it answers.

    Its output goes to ``<data_dir>-backend.log`` beside the data directory (appended to,
    so a restart on the same directory adds to it): an unread pipe would fill up and block
    the backend on its next log line. ``env`` adds environment variables (settings).
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / f"{data_dir.name}-backend.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "opik_backend",
                "--data-dir",
                str(data_dir),
                "--port",
                str(port),
                "--log-level",
                "warning",
                *extra_args,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"backend exited with {process.returncode}: {log_path.read_text()[-4000:]}"
            )
        info = runtime.read(data_dir)
        if info is not None and info.pid == process.pid and runtime.ping(info.url):
            return BackendProcess(data_dir, info.port, info.url, process, log_path)
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(
        f"backend did not answer within {timeout:.0f} s: {log_path.read_text()[-4000:]}"
    )


def stop_backend(data_dir: Path, timeout: float = 30.0) -> None:
    """Stop the backend serving ``data_dir``, if any, and wait until it is gone."""
    info = runtime.read(data_dir)
    if info is None:
        return
    try:
        os.kill(info.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _gone(info.pid):
            return
        time.sleep(0.05)
    os.kill(info.pid, signal.SIGKILL)


def _gone(pid: int) -> bool:
    try:
        if os.waitpid(pid, os.WNOHANG)[0]:  # our child (reaped here, not left a zombie)
            return True
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
