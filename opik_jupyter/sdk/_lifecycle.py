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
    """Say what the exit flush could not deliver, in the counts ``%opik_status`` shows.

    The counts are those after the sender stopped (a flush that timed out may still have
    delivered everything while its threads were joined): nothing is said when nothing is
    missing, and the total is the sum of the parts it names.
    """
    if result is None or result.delivered:
        return
    message = exit_message(result)
    if message:
        log.warning("%s", message)


def exit_message(result: FlushResult) -> str | None:
    """The exit warning for ``result``, or None when every event was stored."""
    status = result.status
    in_memory = status.queued + status.retrying
    missing = status.spilled + status.dropped + in_memory
    if missing == 0:
        return None
    parts = [f"{status.spilled} kept on disk for the next session"]
    if status.dropped:
        parts.append(f"{status.dropped} dropped")
    if in_memory:
        parts.append(f"{in_memory} still in memory, lost")
    return f"opik-jupyter: at exit {missing} event(s) were not delivered ({', '.join(parts)})"
