"""The view under a traced cell, and the one switch that turns notebook views on or off.

A ``%%opik_track`` cell shows its span tree when it starts; the tree grows while the cell
runs (:class:`LiveTrace` feeds it from the SDK's span events), is final when the cell ends,
and is replaced by the stored trace (priced, scored) once the sender has delivered it
(:class:`Refresher`). A cell traced by ``%opik_track_all`` shows its tree only at the end,
and only if it made spans. :func:`display_enabled` (``%opik_display``, default from
``OPIK_JUPYTER_DISPLAY``) decides for these trees and for ``evaluate()``'s views alike.

Showing and updating go straight to the display publisher with the widget's MIME bundle
(IPython's formatters would only find the same ``_repr_mimebundle_``, more slowly) and skip
ipykernel's flush of stdout and stderr before each message (a round trip to its IO thread
each): the tree needs no ordering against the cell's printed text.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..sdk import _state, flush
from ..sdk._context import Span, Trace
from ..sdk._delivery_status import FlushResult
from . import _trace_view_model

if TYPE_CHECKING:
    from ..sdk._sender import Sender
    from .trace_tree import TraceTree

log = logging.getLogger("opik_jupyter")

DISPLAY_ENV = "OPIK_JUPYTER_DISPLAY"
MAX_WAITING = 20
"""Trees waiting to be replaced by their stored trace; older ones keep their live data."""
RETRY_SECONDS = 15.0
"""How often trees whose trace is not stored yet (the backend is down) look again."""
_display: bool | None = None


# -- the switch ----------------------------------------------------------------------------


def display_enabled() -> bool:
    """Whether traced cells and ``evaluate()`` show their views: ``%opik_display`` if it was
    used, else on unless ``OPIK_JUPYTER_DISPLAY`` is 0/false/off/no."""
    if _display is not None:
        return _display
    return os.environ.get(DISPLAY_ENV, "").strip().lower() not in ("0", "false", "off", "no")


def set_display(on: bool | None) -> None:
    """Turn the views on or off for this process (None: follow the env var again)."""
    global _display  # noqa: PLW0603 - the one process-wide switch
    _display = on


def notebook_shell() -> Any:
    """The IPython shell of a notebook kernel (Jupyter, VS Code...), or None."""
    if "IPython" not in sys.modules:
        return None
    from IPython import get_ipython  # noqa: PLC0415

    found = get_ipython()
    return found if type(found).__name__ == "ZMQInteractiveShell" else None


# -- one cell's tree -----------------------------------------------------------------------


class CellView:
    """The tree of one traced cell: shown at once (``now``) or, if the cell made spans,
    when it ends."""

    def __init__(self, trace: Trace, now: bool) -> None:
        from .trace_tree import TraceTree  # noqa: PLC0415 - anywidget loads with the first tree

        self.live = LiveTrace(trace)
        self.handle: Any = None
        if now:
            self.live.widget = TraceTree(data=self.live.data())  # one comm message, not two
        self.live.start()
        if self.live.widget is not None:
            self.handle = show(self.live.widget)

    def finish(self) -> None:
        """Show the final tree, and ask for the stored trace to replace it."""
        self.live.finish()
        from .trace_tree import TraceTree  # noqa: PLC0415

        widget = self.live.widget
        if widget is None:
            if not self.live.spans:
                return
            widget = TraceTree(data=self.live.data(live=False))
            self.handle = show(widget)
        elif self.handle is not None:
            update(self.handle, widget)  # the static HTML of exported notebooks, final
        # the sender that took the trace's end: a later ``configure`` retires it, and the
        # sender of that moment knows nothing of this trace
        refresher.request(self.live.trace.id, widget, self.handle, _state.current_sender())


class LiveTrace:
    """Collects the spans of one open trace and pushes them to a widget, throttled.

    The SDK calls :meth:`observe` on the thread that opens or ends a span; it only files the
    span under its id. A thread (``opik-jupyter-live``, started with the first span) sets
    the widget's ``data`` at most every ``interval`` seconds, and at least every
    ``heartbeat`` seconds while the trace runs so running bars keep growing.
    """

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
        _state.add_observer(self.observe)
        if self.widget is not None and not self.widget.data:
            self.push()
        return self

    def observe(self, item: Any) -> None:
        """SDK hook: file a span of this trace (cheap, on the tracing thread)."""
        if type(item) is not Span or item.trace is not self.trace:
            return
        with self._lock:
            self._spans[item.id] = item
            thread = None
            if self._thread is None and self.widget is not None:
                thread = self._thread = threading.Thread(
                    target=self._run, name="opik-jupyter-live", daemon=True
                )
        if thread is not None:
            thread.start()
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
        return _trace_view_model.from_live(self.trace, self.spans, time.time_ns(), live)

    def push(self, live: bool = True) -> None:
        """Set the widget's data now."""
        if self.widget is not None:
            self.widget.data = self.data(live)

    def finish(self) -> None:
        """Stop watching, stop the thread and push the final state."""
        _state.remove_observer(self.observe)
        self._stopped.set()
        self._changed.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(5.0)
        self.push(live=False)


# -- the stored trace replaces the live one ------------------------------------------------


_Tree = tuple[Any, Any, "Sender | None"]
"""A tree waiting for its stored trace: the widget, its display handle, the trace's sender."""


class Refresher:
    """Trees to replace with their stored trace, and the daemon thread
    (``opik-jupyter-refresh``) doing it.

    Cells finish faster than traces can be read back when a whole notebook runs, so requests
    are coalesced: one ``flush`` of each sender serves every tree waiting on it, and only
    the newest :data:`MAX_WAITING` wait (older trees keep their live data, which lacks only
    costs and scores). Each tree asks the sender that took its trace, not the sender of the
    moment: after a ``configure`` that one has nothing of it (and would say all is stored).
    The trees of a retired sender that has not delivered also look in the backend, where the
    next sender for the same backend may have replayed its spill file.
    """

    def __init__(self, timeout: float = 10.0, retry: float = RETRY_SECONDS) -> None:
        self.timeout = timeout
        self.retry = retry
        self._waiting: OrderedDict[str, _Tree] = OrderedDict()
        self._undelivered: OrderedDict[str, _Tree] = OrderedDict()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def request(
        self, trace_id: str, widget: Any, handle: Any = None, sender: Sender | None = None
    ) -> None:
        """Refresh ``widget`` with the stored trace ``trace_id`` soon, and what ``handle``
        shows (the static HTML a saved or exported notebook keeps) with it. ``sender``
        took the trace (None: the current one, whichever it is when the tree looks)."""
        with self._cond:
            self._waiting[trace_id] = (widget, handle, sender)
            self._undelivered.pop(trace_id, None)
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
                wait = self.retry if self._undelivered else 30.0
                if not self._cond.wait_for(lambda: bool(self._waiting), timeout=wait):
                    if not self._undelivered:
                        self._thread = None
                        return
                    self._waiting, self._undelivered = self._undelivered, OrderedDict()
                batch = list(self._waiting.items())
                self._waiting.clear()
            for sender, trees in _by_sender(batch).items():
                self._refresh(sender, trees)

    def _refresh(self, sender: Sender | None, batch: list[tuple[str, _Tree]]) -> None:
        try:
            result = self._flush(sender)
            if result.delivered:
                _unmark(self._show_stored(batch))  # stored, but not where this process reads
                return
            if sender is not None and sender is not _state.current_sender():
                # retired: the next sender for its backend may have replayed its file
                batch = self._show_stored(batch, unreadable=Exception)
            self._mark_undelivered(batch, "spilled" if result.spilled else "pending")
        except Exception:  # the live view stays; reading back is a nicety
            log.debug("opik-jupyter: could not read traces back", exc_info=True)

    def _show_stored(
        self, batch: list[tuple[str, _Tree]], unreadable: type[Exception] = LookupError
    ) -> list[tuple[str, _Tree]]:
        """Replace each tree with its stored trace; the trees whose trace could not be read
        (not found, or whatever ``unreadable`` stands for)."""
        from .trace_tree import fetch_trace  # noqa: PLC0415 - loaded with the first tree

        missing = []
        for trace_id, tree in batch:
            widget, handle, _ = tree
            try:
                widget.data = _trace_view_model.from_stored(fetch_trace(trace_id))
            except unreadable:
                missing.append((trace_id, tree))
                continue
            if handle is not None:
                update(handle, widget)
        return missing

    def _flush(self, sender: Sender | None) -> FlushResult:
        """Wait for the sender that took the trees' traces (one that ``configure`` retired
        still says where they are: sent, or left on disk)."""
        return sender.flush(self.timeout) if sender is not None else flush(self.timeout)

    def _mark_undelivered(self, batch: list[tuple[str, _Tree]], delivery: str) -> None:
        """Say on each tree that its trace is not stored yet (on disk, or still queued), and
        try again in :attr:`retry` seconds: the tree says ``ok`` only once it is stored."""
        for trace_id, tree in batch:
            widget, handle, _ = tree
            if widget.data.get("delivery") != delivery:
                widget.data = {**widget.data, "delivery": delivery}
                if handle is not None:
                    update(handle, widget)
            with self._cond:
                if trace_id not in self._waiting:
                    self._undelivered[trace_id] = tree
                while len(self._undelivered) > MAX_WAITING:
                    self._undelivered.popitem(last=False)


def _unmark(batch: list[tuple[str, _Tree]]) -> None:
    """The trees no longer say their trace is not stored (it is: its sender delivered it)."""
    for _trace_id, (widget, handle, _sender) in batch:
        if "delivery" in widget.data:
            widget.data = {k: v for k, v in widget.data.items() if k != "delivery"}
            if handle is not None:
                update(handle, widget)


def _by_sender(batch: list[tuple[str, _Tree]]) -> dict[Sender | None, list[tuple[str, _Tree]]]:
    """The trees of ``batch`` grouped by the sender that took their trace, in order."""
    groups: dict[Sender | None, list[tuple[str, _Tree]]] = {}
    for trace_id, tree in batch:
        groups.setdefault(tree[2], []).append((trace_id, tree))
    return groups


refresher = Refresher()


# -- showing under the running cell --------------------------------------------------------


def show(widget: Any) -> Any:
    """Show ``widget`` (as ``display(widget, display_id=True)`` would); its handle."""
    from IPython.display import DisplayHandle  # noqa: PLC0415

    handle = DisplayHandle()
    _publish(widget, handle.display_id, replace=False)
    return handle


def update(handle: Any, widget: Any) -> None:
    """Replace what ``handle`` shows with ``widget``'s bundle now."""
    _publish(widget, handle.display_id, replace=True)


def _publish(widget: Any, display_id: str, replace: bool) -> None:
    from IPython import get_ipython  # noqa: PLC0415

    shell = get_ipython()
    bundle = widget._repr_mimebundle_()
    if shell is None or bundle is None:
        return
    data, metadata = bundle
    with _streams_not_flushed():
        shell.display_pub.publish(
            data=data, metadata=metadata, transient={"display_id": display_id}, update=replace
        )


@contextlib.contextmanager
def _streams_not_flushed() -> Iterator[None]:
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _NoFlush(streams[0]), _NoFlush(streams[1])
    try:
        yield
    finally:
        sys.stdout, sys.stderr = streams


class _NoFlush:
    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def flush(self) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
