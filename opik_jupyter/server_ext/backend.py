"""The backend the Jupyter server talks to, and its life while the server runs.

Two modes:

- **remote**: a URL is configured (``c.OpikJupyter.backend_url``, ``OPIK_JUPYTER_URL`` or
  ``OPIK_URL_OVERRIDE``). Nothing is started; the server only checks its health.
- **embedded**: the backend of a data directory, found through its runtime file
  (``<data_dir>/backend.json``, :mod:`opik_backend.runtime`) exactly as kernels find it. If
  one is already running (a kernel or the CLI started it) the server attaches to it;
  otherwise it starts one and manages it: restarted when it dies, stopped with the server.
  Kernels of this server find that same backend through the same file, so there is one
  backend process per data directory.

Every blocking step (the lock, the health check, waiting for a start) runs in a worker
thread so the server's event loop never waits on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import signal
import time
from pathlib import Path
from typing import Any

from opik_backend import runtime

log = logging.getLogger("opik_jupyter.server_ext")


class BackendUnavailable(RuntimeError):
    """No backend answers (yet): the proxy turns this into a 503."""


@dataclasses.dataclass
class BackendState:
    """What ``/opik/status`` reports."""

    mode: str
    url: str | None = None
    pid: int | None = None
    managed: bool = False
    healthy: bool = False
    restarts: int = 0
    version: str | None = None
    data_dir: str | None = None
    error: str | None = None
    answering: bool | None = None
    """False while the backend's process lives but does not answer (hung, or stopped)."""

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class BackendManager:
    """Connects to, or starts and watches, the backend (see the module docstring)."""

    def __init__(
        self,
        data_dir: Path,
        url: str | None = None,
        manage: bool = True,
        check_interval: float = 1.0,
        start_timeout: float = 60.0,
    ) -> None:
        self.data_dir = data_dir.expanduser().absolute()
        self.manage = manage
        self.check_interval = check_interval
        self.start_timeout = start_timeout
        self.state = BackendState(
            mode="remote" if url else "embedded",
            url=url,
            data_dir=None if url else str(self.data_dir),
        )
        self._ready = asyncio.Event()
        self._watcher: asyncio.Task[None] | None = None
        self._stopping = False

    # -- life ------------------------------------------------------------------------------

    def start(self) -> None:
        """Begin connecting (or starting the backend) in the background; returns at once."""
        if self._watcher is None:
            self._watcher = asyncio.get_running_loop().create_task(
                self._watch(), name="opik-backend-watch"
            )

    async def stop(self) -> None:
        """Stop watching; stop the backend if this server started it."""
        self._stopping = True
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        if self.state.managed and self.state.pid:
            await asyncio.to_thread(terminate, self.state.pid)
            self.state.healthy = False

    async def ready(self, timeout: float) -> str:
        """The backend's base URL (ending in ``/api``), waiting up to ``timeout`` for it."""
        self.start()
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            reason = self.state.error or "the opik-jupyter backend is starting"
            raise BackendUnavailable(reason) from None
        assert self.state.url is not None
        return self.state.url

    async def status(self) -> dict[str, Any]:
        """The state, with a fresh health check."""
        self.start()
        if self.state.url is not None:
            self.state.healthy = await asyncio.to_thread(runtime.ping, self.state.url)
            if self.state.healthy:
                self.state.answering = True
        return self.state.as_json()

    # -- watching --------------------------------------------------------------------------

    async def _watch(self) -> None:
        first = True
        while not self._stopping:
            try:
                await self._check(first)
            except Exception as exc:  # keep watching: the next round may succeed
                self._set_down(f"{type(exc).__name__}: {exc}")
                log.warning("opik-jupyter: backend check failed: %s", exc)
            first = False
            await asyncio.sleep(self.check_interval)

    async def _check(self, first: bool) -> None:
        if self.state.mode == "remote":
            healthy = await asyncio.to_thread(runtime.ping, self.state.url or "")
            self._set_health(healthy, None if healthy else f"{self.state.url} does not answer")
            return
        if await asyncio.to_thread(self._still_up):
            self._set_health(True, None)
            return
        info = await asyncio.to_thread(runtime.find_running, self.data_dir)
        if info is not None:
            self._attach(info)
            return
        if self.state.pid is not None and _alive(self.state.pid):
            self._set_down(
                f"the backend (pid {self.state.pid}) is running but does not answer "
                f"at {self.state.url}"
            )
            self.state.answering = False
            return
        if not self.manage:
            self._set_down(
                f"no backend is running for {self.data_dir} "
                "(manage_backend is off: a kernel or the CLI must start it)"
            )
            return
        self._ready.clear()
        if not first:
            self.state.restarts += 1
            log.warning(
                "opik-jupyter: the backend (pid %s) is gone; starting another", self.state.pid
            )
        info = await asyncio.to_thread(runtime.ensure_running, self.data_dir, self.start_timeout)
        self._attach(info, started=True)

    def _still_up(self) -> bool:
        """The known backend's process lives and answers (no lock taken, unlike a search)."""
        pid, url = self.state.pid, self.state.url
        return pid is not None and url is not None and _alive(pid) and runtime.ping(url)

    def _attach(self, info: runtime.RuntimeInfo, started: bool = False) -> None:
        if info.pid != self.state.pid:
            how = "started" if started else "attached to"
            log.info("opik-jupyter: %s the backend at %s (pid %d)", how, info.url, info.pid)
            self.state.managed = started
        self.state.url, self.state.pid, self.state.version = info.url, info.pid, info.version
        self._set_health(True, None)

    def _set_health(self, healthy: bool, error: str | None) -> None:
        self.state.healthy, self.state.error = healthy, error
        self.state.answering = True if healthy else None
        if healthy:
            self._ready.set()

    def _set_down(self, error: str) -> None:
        self._ready.clear()
        self._set_health(False, error)


def terminate(pid: int, timeout: float = 30.0) -> None:
    """SIGTERM ``pid`` (the backend commits what it accepted), SIGKILL after ``timeout``."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0]:  # our child: reap it rather than leave a zombie
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
