"""After a traced cell, replace its live tree with the stored trace (costs priced by the
backend, feedback scores included), on one background thread.

Cells finish faster than traces can be read back when a whole notebook runs, so requests
are coalesced: one ``flush`` serves every tree waiting, and only the newest
:data:`MAX_WAITING` wait (older trees keep their live data, which lacks only costs and
scores).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Any

from ..sdk import flush, get_trace

log = logging.getLogger("opik_jupyter")

MAX_WAITING = 20


class Refresher:
    """A queue of trees to refresh and the daemon thread (``opik-jupyter-refresh``) doing it."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout
        self._waiting: OrderedDict[str, Any] = OrderedDict()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def request(self, trace_id: str, widget: Any) -> None:
        """Refresh ``widget`` with the stored trace ``trace_id`` soon."""
        with self._cond:
            self._waiting[trace_id] = widget
            while len(self._waiting) > MAX_WAITING:
                self._waiting.popitem(last=False)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="opik-jupyter-refresh", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._cond.wait_for(lambda: bool(self._waiting), timeout=30.0):
                    self._thread = None
                    return
                batch = list(self._waiting.items())
                self._waiting.clear()
            self._refresh(batch)

    def _refresh(self, batch: list[tuple[str, Any]]) -> None:
        from ..widgets._model import from_stored  # noqa: PLC0415 - loaded with the widgets

        try:
            if not flush(self.timeout).delivered:
                return
            for trace_id, widget in batch:
                stored = get_trace(trace_id)
                if stored is not None:
                    widget.data = from_stored(stored)
        except Exception:  # the live view stays; reading back is a nicety
            log.debug("opik-jupyter: could not read traces back", exc_info=True)


refresher = Refresher()
