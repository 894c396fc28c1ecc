"""Logging a problem the first time it happens: tracing, the integrations and delivery must
not flood a notebook with the same warning for every call or every batch."""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger("opik_jupyter")


class WarnOnce:
    """Logs each kind of problem (a key) once, until :meth:`rearm` says it may come again."""

    def __init__(self) -> None:
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, key: str, message: str, *args: Any, exc_info: bool = False) -> bool:
        """Log ``message % args`` as a warning unless ``key`` was logged; whether it was now."""
        with self._lock:
            if key in self._seen:
                return False
            self._seen.add(key)
        log.warning(message, *args, exc_info=exc_info)
        return True

    def rearm(self, key: str) -> None:
        """Log ``key`` again the next time (a problem that went away and may come back)."""
        with self._lock:
            self._seen.discard(key)

    def reset(self) -> None:
        """Forget every key (tests)."""
        with self._lock:
            self._seen.clear()


warn_once = WarnOnce()
"""The process-wide one, for tracing and the integrations."""
