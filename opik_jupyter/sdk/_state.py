"""The SDK's process-wide state: the current sender (started on the first traced event,
never at import), the traces and spans open now, and who watches them.

``configure`` changes the settings (and retires a running sender, so the next event
starts one with the new settings); ``flush``, ``shutdown`` and ``delivery_status`` act on
the current sender. At exit it shuts down; after ``os.fork`` the child starts its own
(:mod:`._lifecycle` installs both hooks).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import _config, _lifecycle
from ._config import Config
from ._delivery_status import DeliveryStatus, FlushResult, idle_status
from ._messages import END, Message
from ._sender import Sender
from ._transport import Transport

log = logging.getLogger("opik_jupyter")

_lock = threading.RLock()
_sender: Sender | None = None
_transport_factory: Callable[[Config], Transport] | None = None


def put(message: Message) -> None:
    """Queue ``message`` for the sender (started on first use)."""
    sender = _sender or _start()
    if sender is not None:
        sender.put(message)


def hand_off() -> None:
    """Send what was traced so far now, without lingering (called when a cell ends)."""
    sender = _sender
    if sender is not None:
        sender.hand_off()


open_items: dict[str, Any] = {}
"""Traces and spans that have started and not ended, by id. The sender sends the start
version of those still open when it looks (so a long call shows while it runs); a call that
ends first costs no start message at all."""


observers: tuple[Callable[[Any], None], ...] = ()
"""Called with a trace or span when it opens and when it ends (or is updated after its
end), on the thread that did it. Empty unless someone watches (the notebook's live trace
view): then each must be cheap and must not block. See :func:`add_observer`."""


def add_observer(observer: Callable[[Any], None]) -> None:
    """Call ``observer(item)`` whenever a trace or span opens or ends in this process."""
    global observers  # noqa: PLW0603 - a tuple, replaced whole so readers never lock
    with _lock:
        observers = (*observers, observer)


def remove_observer(observer: Callable[[Any], None]) -> None:
    """Stop calling ``observer`` (no error if it was not added)."""
    global observers  # noqa: PLW0603
    with _lock:
        observers = tuple(o for o in observers if o != observer)  # bound methods are ==, not is


def _notify(item: Any) -> None:
    for observer in observers:
        try:
            observer(item)
        except Exception:  # a broken observer must not break tracing
            log.warning("opik-jupyter: a span observer failed", exc_info=True)


def opened(item: Any) -> None:
    """Register a started trace or span, waking the sender if it sleeps with nothing to do."""
    open_items[item.id] = item
    if observers:
        _notify(item)
    sender = _sender or _start()
    if sender is not None and sender.queue.idle:
        sender.queue.poke()


def emit_end(item: Any) -> None:
    """Queue the complete version of an ended (or updated after its end) trace or span."""
    open_items.pop(item.id, None)
    put((END, item))
    if observers:
        _notify(item)


def _start() -> Sender | None:
    global _sender  # noqa: PLW0603 - the one process-wide sender
    with _lock:
        if _sender is None:
            try:
                config = _config.current()
                transport = _transport_factory(config) if _transport_factory else None
                _sender = Sender(config, transport=transport, open_items=open_items).start()
            except Exception:  # tracing must not break user code
                log.warning("opik-jupyter: cannot start the tracing sender", exc_info=True)
                return None
            _lifecycle.install(_at_exit, _forget_in_child)
        return _sender


def _at_exit() -> FlushResult | None:
    sender = _sender
    return shutdown(sender.config.exit_flush_timeout) if sender is not None else None


def _forget_in_child() -> None:
    global _sender, _lock  # noqa: PLW0603
    _sender = None
    _lock = threading.RLock()


def configure(
    url: str | None = None,
    project: str | None = None,
    workspace: str | None = None,
    api_key: str | None = None,
    data_dir: str | Path | None = None,
    enabled: bool | None = None,
    **settings: Any,
) -> Config:
    """Set SDK settings for this process (None leaves a setting as it is).

    They win over ``OPIK_JUPYTER_*`` and ``OPIK_*`` env vars. ``url`` is the base of the
    Opik REST API ending in ``/api``; without one the local backend of ``data_dir`` is
    used (started on first send). Other keywords are :class:`Config` fields
    (``flush_interval``, ``max_queue``, ``max_field_bytes``, ``spill_dir``...).
    Returns the settings now in force.
    """
    values = {
        "url": url,
        "project": project,
        "workspace": workspace,
        "api_key": api_key,
        "data_dir": data_dir,
        "enabled": enabled,
        **settings,
    }
    with _lock:
        config = _config.set_overrides(values)
        if _sender is not None and _sender.config != config:
            shutdown(timeout=5.0)
        return config


def flush(timeout: float = 30.0) -> FlushResult:
    """Wait until everything traced so far is delivered (or spilled, or dropped)."""
    sender = _sender
    if sender is None:
        return _idle_result()
    return sender.flush(timeout)


def shutdown(timeout: float = 10.0) -> FlushResult:
    """Flush, then stop the sender thread. Tracing afterwards starts a new sender."""
    global _sender
    with _lock:
        sender, _sender = _sender, None
    if sender is None:
        return _idle_result()
    return sender.shutdown(timeout)


def current_sender() -> Sender | None:
    """The sender of the events traced now (None before the first one, or after
    ``configure`` retired it): whoever must know where they went keeps this one, since
    ``flush`` and ``delivery_status`` follow the sender of the moment."""
    return _sender


def delivery_status() -> DeliveryStatus:
    """Counters of the current sender: queued, sent, retrying, spilled, dropped..."""
    sender = _sender
    if sender is None:
        return _idle_result().status
    return sender.status()


def _idle_result() -> FlushResult:
    status = idle_status(_config.current().url)
    return FlushResult(delivered=True, timed_out=False, status=status)


def set_transport_factory(factory: Callable[[Config], Transport] | None) -> None:
    """Use ``factory(config)`` for the transport of the next sender (tests, integrations)."""
    global _transport_factory  # noqa: PLW0603
    _transport_factory = factory


def reset() -> None:
    """Shut down, forget ``configure()`` values and the transport factory (tests)."""
    shutdown(timeout=5.0)
    open_items.clear()
    _config.reset()
    set_transport_factory(None)
