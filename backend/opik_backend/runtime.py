"""Finding, locking and starting the embedded backend of a data directory.

One backend process owns a data directory (chDB allows one engine per directory). It holds
an exclusive lock on ``<data_dir>/backend.lock`` for its whole life and publishes where it
listens in ``<data_dir>/backend.json``. Kernels, the Jupyter server extension and the CLI
read that file to find it, and :func:`ensure_running` starts one (detached) when there is
none, under a second lock so that two kernels never start two. Standard library only:
kernels import this without the backend's dependencies being loaded.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO

LOCK_FILE = "backend.lock"
RUNTIME_FILE = "backend.json"
START_LOCK_FILE = "backend-start.lock"
LOG_FILE = "backend.log"
TOKEN_HEADER = "Opik-Jupyter-Token"  # noqa: S105 - a header name, not a secret
"""The header carrying a backend's start-up token (``RuntimeInfo.token``)."""
PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600


class BackendLocked(RuntimeError):
    """Another backend already owns the data directory."""


class BackendStartFailed(RuntimeError):
    """A backend was started but did not answer its health check in time."""


@dataclasses.dataclass(frozen=True)
class RuntimeInfo:
    """Where a running backend listens."""

    pid: int
    host: str
    port: int
    data_dir: str
    version: str
    started_at: float
    token: str = ""
    """Random per start; callers other than the backend's own Unix user must send it."""

    @property
    def url(self) -> str:
        """Base URL of the Opik REST API, as ``OPIK_URL_OVERRIDE`` expects it."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host  # noqa: S104
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}/api"


def acquire_lock(data_dir: Path) -> IO[str]:
    """Take the data directory for this process, or raise :class:`BackendLocked`."""
    data_dir.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    handle = (data_dir / LOCK_FILE).open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        other = read(data_dir)
        where = f" (pid {other.pid}, {other.url})" if other else ""
        raise BackendLocked(
            f"another opik-jupyter backend is already running on {data_dir}{where}; "
            "stop it first or pass a different --data-dir"
        ) from None
    return handle


def is_locked(data_dir: Path) -> bool:
    """Whether some process holds the backend lock of ``data_dir``."""
    path = data_dir / LOCK_FILE
    if not path.exists():
        return False
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def make_private(data_dir: Path) -> None:
    """Only the owner may enter ``data_dir`` and read what is in it (0700 directories,
    0600 files, at its top level: below, the directory's own mode already keeps others out)."""
    data_dir.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    data_dir.chmod(PRIVATE_DIR)
    for entry in data_dir.iterdir():
        with contextlib.suppress(OSError):
            entry.chmod(PRIVATE_DIR if entry.is_dir() else PRIVATE_FILE)


def _private_file(path: Path, flags: int) -> int:
    """A file descriptor on ``path`` (created 0600, and made 0600 if it existed)."""
    fd = os.open(path, flags | os.O_CREAT, PRIVATE_FILE)
    os.fchmod(fd, PRIVATE_FILE)
    return fd


def write(data_dir: Path, info: RuntimeInfo) -> None:
    """Publish ``info`` atomically (write a private temporary file, then rename)."""
    tmp = data_dir / (RUNTIME_FILE + ".tmp")
    with os.fdopen(_private_file(tmp, os.O_WRONLY | os.O_TRUNC), "w") as handle:
        handle.write(json.dumps(dataclasses.asdict(info)))
    tmp.replace(data_dir / RUNTIME_FILE)


def remove(data_dir: Path, pid: int) -> None:
    """Remove the runtime file if it still describes process ``pid``."""
    info = read(data_dir)
    if info is not None and info.pid == pid:
        (data_dir / RUNTIME_FILE).unlink(missing_ok=True)


def read(data_dir: Path) -> RuntimeInfo | None:
    """The runtime file's content, or None if there is none or it is unreadable."""
    try:
        raw = json.loads((data_dir / RUNTIME_FILE).read_text())
        return RuntimeInfo(**raw)
    except (OSError, ValueError, TypeError):
        return None


def ping(url: str, timeout: float = 1.0) -> bool:
    """Whether ``<url>/is-alive/ping`` answers 200."""
    try:
        with urllib.request.urlopen(f"{url}/is-alive/ping", timeout=timeout) as resp:  # noqa: S310
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def find_running(data_dir: Path) -> RuntimeInfo | None:
    """The backend serving ``data_dir``, if one is running and answers."""
    info = read(data_dir)
    if info is None or not is_locked(data_dir):
        return None
    return info if ping(info.url) else None


@contextlib.contextmanager
def _start_lock(data_dir: Path) -> Iterator[None]:
    data_dir.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    with (data_dir / START_LOCK_FILE).open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_running(data_dir: Path, timeout: float = 60.0, port: int = 0) -> RuntimeInfo:
    """Return the backend of ``data_dir``, starting a detached one if none is running."""
    data_dir = data_dir.expanduser().absolute()
    with _start_lock(data_dir):
        info = find_running(data_dir)
        if info is not None:
            return info
        if not is_locked(data_dir):
            _spawn(data_dir, port)
        return _wait_for(data_dir, timeout)


def _spawn(data_dir: Path, port: int) -> None:
    (data_dir / RUNTIME_FILE).unlink(missing_ok=True)
    log = os.fdopen(_private_file(data_dir / LOG_FILE, os.O_WRONLY | os.O_APPEND), "ab")
    subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "opik_backend", "--data-dir", str(data_dir), "--port", str(port)],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        start_new_session=True,
        close_fds=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    log.close()


def _wait_for(data_dir: Path, timeout: float) -> RuntimeInfo:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = read(data_dir)
        if info is not None and ping(info.url):
            return info
        time.sleep(0.05)
    raise BackendStartFailed(
        f"the opik-jupyter backend for {data_dir} did not answer within {timeout:.0f}s; "
        f"see {data_dir / LOG_FILE}"
    )
