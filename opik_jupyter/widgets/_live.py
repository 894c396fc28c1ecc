"""Feeding a ``TraceTree`` while its trace runs, from the SDK's in-process span events.

The SDK calls :meth:`LiveTrace.observe` on the thread that opens or ends a span (see
``opik_jupyter.sdk._runtime.add_observer``); it only files the span under its id. A
background thread (``opik-jupyter-live``, started with the first span) turns the spans into
the view model and sets the widget's ``data`` at most every ``interval`` seconds, and at
least every ``heartbeat`` seconds while the trace runs so running bars keep growing.
ipykernel sends the resulting comm messages from that thread.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from ..sdk import _runtime
from ..sdk._context import Span, Trace
from . import _model

if TYPE_CHECKING:
    from .trace_tree import TraceTree


class LiveTrace:
    """Collects the spans of one open trace and pushes them to a widget, throttled."""

    def __init__(
        self,
        trace: Trace,
        widget: TraceTree | None = None,
        interval: float = 0.25,
        heartbeat: float = 1.0,
    ) -> None:
        self.trace = trace
        self.widget = widget
        self.interval = interval
        self.heartbeat = heartbeat
        self._spans: dict[str, Span] = {}
        self._lock = threading.Lock()
        self._changed = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def spans(self) -> list[Span]:
        with self._lock:
            return list(self._spans.values())

    def start(self) -> LiveTrace:
        """Watch the SDK's span events (and show the trace as it is now, unless the widget
        was made with that already)."""
        _runtime.add_observer(self.observe)
        if self.widget is not None and not self.widget.data:
            self.push()
        return self

    def observe(self, item: Any) -> None:
        """SDK hook: file a span of this trace (cheap, on the tracing thread)."""
        if type(item) is not Span or item.trace is not self.trace:
            return
        with self._lock:
            self._spans[item.id] = item
            start = self._thread is None and self.widget is not None
            if start:
                self._thread = threading.Thread(
                    target=self._run, name="opik-jupyter-live", daemon=True
                )
        if start:
            self._thread.start()  # type: ignore[union-attr]
        self._changed.set()

    def _run(self) -> None:
        while not self._stopped.is_set():
            self._changed.wait(self.heartbeat)
            if self._stopped.is_set():
                return
            self._changed.clear()
            self.push()
            self._stopped.wait(self.interval)

    def data(self, live: bool = True) -> dict[str, Any]:
        """The view model of the trace and the spans seen so far."""
        return _model.from_live(self.trace, self.spans, time.time_ns(), live)

    def push(self, live: bool = True) -> None:
        """Set the widget's data now."""
        if self.widget is not None:
            self.widget.data = self.data(live)

    def finish(self) -> None:
        """Stop watching, stop the thread and push the final state."""
        _runtime.remove_observer(self.observe)
        self._stopped.set()
        self._changed.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(5.0)
        self.push(live=False)
