"""The bounded in-memory queue between user code and the sender thread.

``put`` is the only thing tracing does on the calling thread beyond building a small
object: one uncontended lock and a deque append. The sender is woken only when it sleeps
and either the first message of a batch or a full batch has arrived, so producers rarely
pay for a notify. Nothing polls: the sender waits on a ``Condition`` (with a timeout only
while it lingers to fill a batch or waits for a retry), and ``flush`` waits on another.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

log = logging.getLogger("opik_jupyter")

WARN_FRACTION = 0.8


class MessageQueue:
    """A FIFO of messages with a size bound, batch-aware wake-ups and flush tracking."""

    def __init__(
        self, max_size: int, batch_size: int, events_of: Callable[[Any], int] = lambda _: 1
    ) -> None:
        self._items: deque[Any] = deque()
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)
        self._done = threading.Condition(self._lock)
        self._max = max(1, max_size)
        self._warn_at = max(1, int(self._max * WARN_FRACTION))
        self._batch = max(1, batch_size)
        self._events_of = events_of
        self._sleeping = False
        self.idle = False
        """The sender sleeps with no deadline; read without the lock by :meth:`poke` callers."""
        self._closed = False
        self._poked = False
        self._kicked = 0
        self._kicks_taken = 0
        self._kicks_served = 0
        self._warned = False
        self.put_count = 0
        self.taken_count = 0
        self.done_count = 0
        self._flush_target = 0
        self.dropped_events = 0

    # -- producers -----------------------------------------------------------------------

    def put(self, message: Any) -> bool:
        """Append ``message``; False if the queue is full, or closed (then counted as
        dropped: nothing sends it any more)."""
        with self._lock:
            n = len(self._items)
            if n >= self._warn_at or self._closed:
                if self._closed:
                    self.dropped_events += self._events_of(message)
                    return False
                if n >= self._max:
                    return False
                self._warn_once(n)
            self._items.append(message)
            self.put_count += 1
            if self._sleeping and (n == 0 or n + 1 >= self._batch):
                self._work.notify()
            return True

    def _warn_once(self, n: int) -> None:
        if not self._warned:
            self._warned = True
            log.warning(
                "opik-jupyter: the tracing queue holds %d of at most %d messages; "
                "the sender cannot keep up, and once the queue is full new events are "
                "written to the spill file on disk by the code that traces them "
                "(tracing slows down; nothing is lost)",
                n,
                self._max,
            )

    # -- the sender ------------------------------------------------------------------------

    def take(
        self,
        linger: float,
        wake_at: float | None = None,
        pending: Callable[[], bool] = lambda: False,
    ) -> list[Any] | None:
        """Up to one batch of messages, waiting for the first one and then lingering up to
        ``linger`` seconds for a full batch. Returns [] at ``wake_at`` (a monotonic time),
        when kicked or poked, and None once closed and drained. While ``pending()`` says
        there is other work, it waits at most ``linger``."""
        with self._lock:
            while not self._items and not self._closed and self._kicked <= self._kicks_taken:
                self.idle = wake_at is None
                if self.idle and pending():  # checked after idle is set: see poke()
                    self.idle = False
                    wake_at = time.monotonic() + linger
                timeout = None if wake_at is None else wake_at - time.monotonic()
                if timeout is not None and timeout <= 0:
                    break
                self._wait(timeout)
                if self._poked:
                    self._poked = False
                    wake_at = time.monotonic() + linger
            self.idle = False
            if self._items and not self._closed:
                self._linger(linger)
            if not self._items:
                return None if self._closed else []
            n = min(len(self._items), self._batch)
            batch = [self._items.popleft() for _ in range(n)]
            self.taken_count += n
            return batch

    def _linger(self, linger: float) -> None:
        deadline = time.monotonic() + linger
        while (
            len(self._items) < self._batch
            and not self._closed
            and self._flush_target <= self.taken_count
        ):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self._wait(remaining)

    def _wait(self, timeout: float | None) -> None:
        self._sleeping = True
        try:
            self._work.wait(timeout)
        finally:
            self._sleeping = False

    def poke(self) -> None:
        """New work outside the queue (an opened span): wake the sender if it is idle."""
        with self._lock:
            if self.idle:
                self._poked = True
                self._work.notify()

    def hurry(self) -> None:
        """Stop lingering: take what is queued now (the end of a notebook cell)."""
        with self._lock:
            self._flush_target = max(self._flush_target, self.put_count)
            self._work.notify()

    def consume_kick(self) -> int:
        """The newest request for an immediate retry not taken yet (0 if none)."""
        with self._lock:
            if self._kicked <= self._kicks_taken:
                return 0
            self._kicks_taken = self._kicked
            return self._kicked

    def mark_done(self, n: int, kick: int = 0) -> None:
        """The sender has finished with ``n`` more taken messages (sent, spilled or dropped)
        and, if ``kick``, has served the retry requests up to that one."""
        with self._lock:
            self.done_count += n
            self._kicks_served = max(self._kicks_served, kick)
            self._done.notify_all()

    # -- flushing and closing ----------------------------------------------------------------

    def flush(self, timeout: float, kick: bool = False) -> bool:
        """Wait until every message put so far is done (and, with ``kick``, until the sender
        has made one immediate delivery attempt); False on timeout."""
        deadline = time.monotonic() + max(timeout, 0.0)
        with self._lock:
            target = self.put_count
            self._flush_target = max(self._flush_target, target)
            ticket = 0
            if kick:
                self._kicked += 1
                ticket = self._kicked
            self._work.notify()
            while self.done_count < target or self._kicks_served < ticket:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._done.wait(remaining)
            return True

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Refuse new messages; the sender drains what is queued, then ``take`` gives None."""
        with self._lock:
            self._closed = True
            self._work.notify_all()

    def queued_events(self) -> int:
        with self._lock:
            items = list(self._items)
        return sum(self._events_of(m) for m in items)

    def __len__(self) -> int:
        return len(self._items)
