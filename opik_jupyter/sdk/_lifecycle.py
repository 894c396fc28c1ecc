"""The SDK and its process: deliver (or keep on disk) at interpreter exit, and start afresh
in a forked child (the parent's threads do not exist there)."""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections.abc import Callable

from ._delivery_status import FlushResult

log = logging.getLogger("opik_jupyter")

_installed = False
_install_lock = threading.Lock()


def install(at_exit: Callable[[], FlushResult | None], in_child: Callable[[], None]) -> None:
    """Register ``at_exit`` (its result is reported) and the fork hook, once per process."""
    global _installed  # noqa: PLW0603 - hooks are per process
    with _install_lock:
        if _installed:
            return
        _installed = True
    atexit.register(lambda: report_exit(at_exit()))
    os.register_at_fork(after_in_child=in_child)


def report_exit(result: FlushResult | None) -> None:
    """Say what the exit flush could not deliver, and where it is."""
    if result is not None and not result.delivered:
        log.warning(
            "opik-jupyter: at exit %d event(s) were not delivered (%d kept on disk "
            "for the next session, %d dropped)",
            result.pending,
            result.spilled,
            result.dropped,
        )
