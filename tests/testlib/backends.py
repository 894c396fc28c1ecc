"""Backends for tests: found through their runtime file, and stopped."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from opik_backend import runtime


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
