"""The background sender: two daemon threads that batch and send, in order.

``opik-jupyter-sender`` takes messages and serialises them into request bodies while
``opik-jupyter-delivery`` sends the previous round, so encoding overlaps the backend's work.
Life cycle: created idle; :meth:`Sender.start` starts both threads;
:meth:`Sender.flush` waits (on a ``Condition``) until everything queued so far is sent,
spilled or dropped; :meth:`Sender.shutdown` flushes, drains and joins, and if the backend
did not take everything in time, stops sending and keeps the rest on disk for the next
process.

Backpressure: when the queue is full, new events are serialised on the calling thread and
appended to a spill file (:mod:`._overflow`) instead of being dropped; the sender replays it
once the queue has drained.

Delivery: each batch is sent at once. A connection error, a 5xx, a 429 (``Retry-After``
honoured), 401/403/404/408 are retried a couple of times in memory with exponential
backoff and jitter; if the backend is still unavailable the batch goes to the spill file
(:mod:`._outage` owns that, the back-off and the replay). A 400/422 is split in halves
until the rejected events are isolated; those are dropped, logged and counted. The
counters are in :mod:`._delivery_status`.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from ._batch import Batch, Batcher, Built, split_batch
from ._config import Config
from ._delivery_status import DeliveryStatus, FlushResult, State, Tally
from ._link import SPLIT_STATUSES, BackendLink, Result
from ._messages import START, Message, events_of
from ._outage import Outage
from ._overflow import Overflow
from ._queue import MessageQueue
from ._transport import HttpTransport, Transport
from ._warn_once import WarnOnce

CRASH = "opik-jupyter: the sender failed on a batch; its events were dropped"
KEEP_TIMEOUT = 120.0
"""How long shutdown lets the threads write what is left to disk (bounded by the queue)."""


@dataclasses.dataclass(frozen=True)
class _Round:
    """What stage 1 hands to stage 2: one round of messages, serialised."""

    built: Built | None
    messages: int
    events: int  # in the built batches
    kick: int


class Sender:
    """Owns the queue and the two threads; delivers through a link, spills through an outage."""

    def __init__(
        self,
        config: Config,
        transport: Transport | None = None,
        resolve_url: Callable[[Config], str] | None = None,
        open_items: dict[str, Any] | None = None,
    ) -> None:
        self.config = config
        self._open = open_items if open_items is not None else {}
        self.queue = MessageQueue(config.max_queue, config.batch_max_items, events_of)
        self.warn = WarnOnce()
        self.tally = Tally()
        self.link = BackendLink(
            config, transport or HttpTransport(config.request_timeout), resolve_url
        )
        self.outage = Outage(config, self.link, self.tally, self.warn, self._disk_used)
        self.overflow = Overflow(config, self.tally, self.warn, self._disk_used)
        self._batcher = Batcher(config)
        self._thread = threading.Thread(
            target=self._build_loop, name="opik-jupyter-sender", daemon=True
        )
        self._delivery = threading.Thread(
            target=self._deliver_loop, name="opik-jupyter-delivery", daemon=True
        )
        self._handoff: queue.Queue[_Round | None] = queue.Queue(maxsize=2)
        self._stop = threading.Event()

    # -- public life cycle ---------------------------------------------------------------

    def start(self) -> Sender:
        self._thread.start()
        self._delivery.start()
        return self

    def put(self, message: Message) -> None:
        """Queue ``message``; while the queue is full (or was), it goes to disk instead."""
        if not self.overflow.active and (self.queue.put(message) or self.queue.closed):
            return
        self.overflow.put(message)
        if self.queue.idle:
            self.queue.poke()

    def hand_off(self) -> None:
        """Send what was traced so far without lingering (a notebook cell ended)."""
        self.overflow.write()
        self.queue.hurry()

    def flush(self, timeout: float = 30.0) -> FlushResult:
        """Wait until what was traced so far is sent (or spilled, or dropped)."""
        if not self._thread.is_alive():
            return self._result(timed_out=False)
        deadline = time.monotonic() + timeout
        self.overflow.write()
        while True:
            kick = self.outage.down or self._unsent_open() or self._on_disk()
            if not self.queue.flush(deadline - time.monotonic(), kick=kick):
                return self._result(timed_out=True)
            if self.outage.down or not self._on_disk():
                return self._result(timed_out=False)

    def _on_disk(self) -> bool:
        """Events of this process wait in its spill files (not counting adopted ones)."""
        return self.overflow.waiting() or (self.outage.backlog() and not self.outage.down)

    def shutdown(self, timeout: float = 10.0) -> FlushResult:
        """Flush, stop the threads and release the spill files (kept if they hold events).

        If the flush does not deliver everything within ``timeout`` (the backend is down or
        hangs), sending stops and what is queued or in flight is written to disk, where the
        next process finds and replays it.
        """
        deadline = time.monotonic() + timeout
        result = self.flush(timeout)
        self._stop.set()
        keep = result.timed_out or result.pending > 0
        if keep:
            self.outage.closing = True
            self.link.abort()
        self.queue.close()
        if self._thread.ident is None:
            self._finish()
        for thread in (self._thread, self._delivery):
            if thread.is_alive():
                thread.join(max(0.0, deadline - time.monotonic()) + (KEEP_TIMEOUT if keep else 0))
        return dataclasses.replace(result, status=self.status())

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() or self._delivery.is_alive()

    def status(self) -> DeliveryStatus:
        tally = self.tally
        with tally.lock:
            spilled = self.outage.spilled_events() + self.overflow.spilled_events()
            queued = (
                self.queue.queued_events()
                + self.overflow.buffered_events()
                + tally.in_flight
                - tally.retrying
            )
            dropped = tally.dropped + self.queue.dropped_events
            return DeliveryStatus(
                queued=queued,
                sent=tally.sent,
                retrying=tally.retrying,
                spilled=spilled,
                dropped=dropped,
                superseded=tally.superseded,
                enqueued=tally.sent
                + tally.retrying
                + tally.superseded
                + dropped
                + queued
                + spilled
                - tally.adopted,
                adopted=tally.adopted,
                state=self._state(),
                url=self.link.url or self.config.url,
                last_error=self.link.last_error,
            )

    def _state(self) -> State:
        if self._stop.is_set():
            return "closed"
        if self.outage.down:
            return "down"
        return "idle" if self.link.url is None else "up"

    def _result(self, timed_out: bool) -> FlushResult:
        status = self.status()
        delivered = not timed_out and status.pending == 0 and status.dropped == 0
        return FlushResult(delivered=delivered, timed_out=timed_out, status=status)

    def _disk_used(self) -> int:
        return self.outage.size() + self.overflow.size()

    # -- stage 1: take and serialise ---------------------------------------------------------

    def _build_loop(self) -> None:
        """Take messages and serialise them, while stage 2 delivers the last round."""
        try:
            while True:
                wake = (
                    max(self.outage.next_retry, time.monotonic() + self.config.retry_base_delay)
                    if self.outage.backlog()
                    else None
                )
                messages = self.queue.take(self.config.flush_interval, wake, self._more_work)
                if messages is None:
                    return
                kick = self.queue.consume_kick()
                work = self._open_starts() + messages
                events = sum(events_of(m) for m in work)
                with self.tally.lock:
                    self.tally.in_flight += events
                built = self._build(work, events)
                in_batches = sum(b.events for b in built.batches) if built else 0
                self._handoff.put(_Round(built, len(messages), in_batches, kick))
        finally:
            self._handoff.put(None)

    def _more_work(self) -> bool:
        """Work outside the queue: open spans to announce, events on disk to replay."""
        return self._unsent_open() or self.overflow.waiting()

    def _unsent_open(self) -> bool:
        return any(not item.start_sent for item in list(self._open.values()))

    def _open_starts(self) -> list[Message]:
        """Start messages for what opened since the last look and is still running."""
        starts: list[Message] = []
        for item in list(self._open.values()):
            if not item.start_sent and item.end_ns is None:
                item.start_sent = True
                starts.append((START, item))
        return starts

    def _build(self, messages: list[Message], events: int) -> Built | None:
        if not messages:
            return None
        try:
            built = self._batcher.build(messages)
        except Exception:  # the thread must survive anything
            with self.tally.lock:
                self.tally.in_flight -= events
                self.tally.dropped += events
            self.warn("crash", CRASH, exc_info=True)
            return None
        with self.tally.lock:
            self.tally.in_flight -= built.superseded + built.failed
            self.tally.superseded += built.superseded
            self.tally.dropped += built.failed
        return built

    # -- stage 2: deliver --------------------------------------------------------------------

    def _deliver_loop(self) -> None:
        """Send (or spill) each round in order, then tell flush waiters."""
        try:
            while (work := self._handoff.get()) is not None:
                self.tally.round_left = work.events
                try:
                    self._handle(work)
                except Exception:  # the thread must survive anything
                    self.warn("crash", CRASH, exc_info=True)
                finally:
                    self.tally.settle(self.tally.round_left, "dropped")  # 0 unless it crashed
                    self.queue.mark_done(work.messages, work.kick)
        finally:
            self._finish()

    def _handle(self, work: _Round) -> None:
        if self.outage.replay_due(work.kick):
            self.outage.replay()
        for batch in work.built.batches if work.built else ():
            self._deliver_or_spill(batch)
        if not self.outage.backlog():
            self._replay_overflow(work.messages)
            self.outage.replay_orphans()

    def _replay_overflow(self, round_messages: int) -> None:
        """Replay the overflow file once every older (queued) event has been handled."""
        queue = self.queue
        drained = queue.put_count - queue.done_count == round_messages and self._handoff.empty()
        if not self.overflow.active or not drained:
            return
        self.overflow.write()
        file = self.overflow.file
        if file is None or self.outage.replay_file(file):
            self.overflow.settle()

    def _deliver_or_spill(self, batch: Batch) -> None:
        if self.outage.backlog():
            self.outage.spill(batch)
        else:
            self._deliver(batch)

    def _finish(self) -> None:
        self.overflow.close()
        self.outage.close()
        self.link.close()

    def _deliver(self, batch: Batch) -> None:
        result = Result("retry")
        for attempt in range(self.config.inline_retries + 1):
            result = self.link.send(batch)
            if result.outcome == "sent":
                self.tally.settle(batch.events, "sent")
                self.outage.up()
                return
            if result.outcome == "reject":
                self._reject(batch, result)
                return
            delay = self.outage.delay(attempt, result.retry_after)
            if attempt == self.config.inline_retries or self._stop.is_set() or delay > 2.0:
                break
            self._wait_retrying(batch.events, delay)
        self.outage.go_down(result)
        self.outage.spill(batch)

    def _wait_retrying(self, events: int, delay: float) -> None:
        with self.tally.lock:
            self.tally.retrying = events
        self._stop.wait(delay)
        with self.tally.lock:
            self.tally.retrying = 0

    def _reject(self, batch: Batch, result: Result) -> None:
        halves = split_batch(batch) if result.status in SPLIT_STATUSES else None
        if halves is None:
            self.tally.settle(batch.events, "dropped")
            self.warn(
                f"reject-{result.status}",
                "opik-jupyter: the backend rejected %d event(s), which were dropped: %s",
                batch.events,
                result.error,
            )
            return
        for half in halves:
            self._deliver_or_spill(half)
