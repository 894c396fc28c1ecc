"""The background sender: two daemon threads that batch, send, retry and spill.

``opik-jupyter-sender`` takes messages and serialises them into request bodies while
``opik-jupyter-delivery`` sends the previous round, so encoding overlaps the backend's work.
Life cycle: created idle; :meth:`Sender.start` starts both threads;
:meth:`Sender.flush` waits (on a ``Condition``) until everything queued so far is sent,
spilled or dropped; :meth:`Sender.shutdown` flushes, drains and joins.

Delivery: each batch is sent at once. A connection error, a 5xx, a 429 (``Retry-After``
honoured), 401/403/404/408 are retried a couple of times in memory with exponential
backoff and jitter; if the backend is still unavailable the batch goes to the spill file,
and so does every later batch until the spill file is replayed (in order) after a
successful retry. A 400/422 is split in halves until the rejected events are isolated;
those are dropped, logged and counted. Counters, in events (trace, span and score
writes)::

    enqueued + adopted = queued + retrying + spilled + sent + superseded + dropped
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import random
import threading
import time
from collections.abc import Callable
from typing import Any, Literal

from ._attachments import Upload
from ._attachments import send as send_attachment
from ._batch import Batch, Batcher, Built, split_batch
from ._config import Config
from ._messages import START, Message, events_of
from ._queue import MessageQueue
from ._rest import RestClient, base_url, request_headers
from ._spill import SpillFile, orphans
from ._transport import HttpTransport, Request, Response, Transport

log = logging.getLogger("opik_jupyter")

RETRY_STATUSES = frozenset({401, 403, 404, 408, 425, 429})
SPLIT_STATUSES = frozenset({400, 413, 422})
State = Literal["idle", "up", "down", "closed"]
Outcome = Literal["sent", "retry", "reject"]


@dataclasses.dataclass(frozen=True)
class DeliveryStatus:
    """Where the events traced in this process are, counted in events."""

    queued: int
    """In memory, waiting for the sender thread."""
    sent: int
    """Stored by the backend (it answered 2xx)."""
    retrying: int
    """In a request being retried in memory."""
    spilled: int
    """On disk, waiting for the backend to come back."""
    dropped: int
    """Lost: queue full, spill file full, unserialisable or rejected by the backend."""
    superseded: int
    """Start versions replaced by the complete version before they were sent (not lost)."""
    enqueued: int
    """Events traced in this process so far."""
    adopted: int
    """Events found in spill files left by earlier processes."""
    state: State
    url: str | None
    last_error: str | None

    @property
    def pending(self) -> int:
        return self.queued + self.retrying + self.spilled


@dataclasses.dataclass(frozen=True)
class FlushResult:
    """What ``flush`` achieved; true when everything traced so far is stored."""

    delivered: bool
    timed_out: bool
    status: DeliveryStatus

    @property
    def pending(self) -> int:
        return self.status.pending

    @property
    def spilled(self) -> int:
        return self.status.spilled

    @property
    def dropped(self) -> int:
        return self.status.dropped

    @property
    def sent(self) -> int:
        return self.status.sent

    def __bool__(self) -> bool:
        return self.delivered


@dataclasses.dataclass(frozen=True)
class _Round:
    """What stage 1 hands to stage 2: one round of messages, serialised."""

    built: Built | None
    messages: int
    events: int  # in the built batches
    kick: int


@dataclasses.dataclass
class _Result:
    outcome: Outcome
    status: int | None = None
    retry_after: float | None = None
    error: str | None = None


class Sender:
    """Owns the queue, the sender thread, the transport and the spill file."""

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
        self.transport = transport or HttpTransport(config.request_timeout)
        self.attachments_failed = 0
        self._resolve_url = resolve_url or base_url
        self._batcher = Batcher(config)
        self._thread = threading.Thread(
            target=self._build_loop, name="opik-jupyter-sender", daemon=True
        )
        self._delivery = threading.Thread(
            target=self._deliver_loop, name="opik-jupyter-delivery", daemon=True
        )
        self._handoff: queue.Queue[_Round | None] = queue.Queue(maxsize=2)
        self._in_flight = 0
        self._round_left = 0
        self._stop = threading.Event()
        self._stats = threading.Lock()
        self._spill: SpillFile | None = None
        self._adopted: list[SpillFile] = []
        self._looked_for_orphans = False
        self._url: str | None = None
        self._down = False
        self._attempt = 0
        self._next_retry = 0.0
        self._warned: set[str] = set()
        self.sent = self.retrying = self.dropped = self.superseded = self.adopted = 0
        self.last_error: str | None = None

    # -- public life cycle ---------------------------------------------------------------

    def start(self) -> Sender:
        self._thread.start()
        self._delivery.start()
        return self

    def put(self, message: Message) -> bool:
        return self.queue.put(message)

    def flush(self, timeout: float = 30.0) -> FlushResult:
        """Wait until what was traced so far is sent (or spilled, or dropped)."""
        if not self._thread.is_alive():
            return self._result(timed_out=False)
        done = self.queue.flush(timeout, kick=self._down or self._unsent_open())
        return self._result(timed_out=not done)

    def shutdown(self, timeout: float = 10.0) -> FlushResult:
        """Flush, stop the thread and release the spill file (kept if it holds events)."""
        deadline = time.monotonic() + timeout
        result = self.flush(timeout)
        self._stop.set()
        self.queue.close()
        if self._thread.ident is None:
            self._finish()
        for thread in (self._thread, self._delivery):
            if thread.is_alive():
                thread.join(max(0.0, deadline - time.monotonic()))
        return dataclasses.replace(result, status=self.status())

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() or self._delivery.is_alive()

    def status(self) -> DeliveryStatus:
        with self._stats:
            spilled = sum(s.pending_events for s in self._files())
            queued = self.queue.queued_events() + self._in_flight - self.retrying
            state: State = (
                "closed"
                if self._stop.is_set()
                else "idle"
                if self._url is None and not self._down
                else "down"
                if self._down
                else "up"
            )
            return DeliveryStatus(
                queued=queued,
                sent=self.sent,
                retrying=self.retrying,
                spilled=spilled,
                dropped=self.dropped + self.queue.dropped_events,
                superseded=self.superseded,
                enqueued=self._enqueued(queued),
                adopted=self.adopted,
                state=state,
                url=self._url or self.config.url,
                last_error=self.last_error,
            )

    def _enqueued(self, queued: int) -> int:
        """Events traced here: everything counted anywhere, less what came from old files."""
        return (
            self.sent
            + self.retrying
            + self.superseded
            + self.dropped
            + self.queue.dropped_events
            + queued
            + sum(s.pending_events for s in self._files())
            - self.adopted
        )

    def _files(self) -> list[SpillFile]:
        return [*([self._spill] if self._spill else []), *self._adopted]

    def _result(self, timed_out: bool) -> FlushResult:
        status = self.status()
        return FlushResult(
            delivered=not timed_out and status.pending == 0, timed_out=timed_out, status=status
        )

    # -- the thread ------------------------------------------------------------------------

    def _build_loop(self) -> None:
        """Stage 1: take messages and serialise them, while stage 2 delivers the last round."""
        try:
            while True:
                wake = (
                    max(self._next_retry, time.monotonic() + self.config.retry_base_delay)
                    if self._backlog()
                    else None
                )
                messages = self.queue.take(self.config.flush_interval, wake, self._unsent_open)
                if messages is None:
                    return
                kick = self.queue.consume_kick()
                work = self._open_starts() + messages
                events = sum(events_of(m) for m in work)
                with self._stats:
                    self._in_flight += events  # taken, and not yet sent, spilled or dropped
                built = self._build(work, events)
                in_batches = sum(b.events for b in built.batches) if built else 0
                self._handoff.put(_Round(built, len(messages), in_batches, kick))
        finally:
            self._handoff.put(None)

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
            with self._stats:
                self._in_flight -= events
                self.dropped += events
            self._warn(
                "crash",
                "opik-jupyter: the sender failed on a batch; its events were dropped",
                exc_info=True,
            )
            return None
        with self._stats:
            self._in_flight -= built.superseded + built.failed
            self.superseded += built.superseded
            self.dropped += built.failed
        return built

    def _deliver_loop(self) -> None:
        """Stage 2: send (or spill) each round in order, then tell flush waiters."""
        try:
            while (work := self._handoff.get()) is not None:
                self._round_left = work.events
                try:
                    self._handle(work.built, work.kick)
                except Exception:  # the thread must survive anything
                    self._warn(
                        "crash",
                        "opik-jupyter: the sender failed on a batch; its events were dropped",
                        exc_info=True,
                    )
                finally:
                    self._settle(self._round_left, "dropped")  # 0 unless it crashed
                    self.queue.mark_done(work.messages, work.kick)
        finally:
            self._finish()

    def _handle(self, built: Built | None, kick: int) -> None:
        if self._backlog() and (kick or time.monotonic() >= self._next_retry):
            self._replay()
        for batch in built.batches if built else ():
            if self._backlog():
                self._to_spill(batch)
            else:
                self._deliver(batch)
        for upload in built.uploads if built else ():
            self._upload(upload)
        if not self._down:
            self._replay_orphans()

    def _upload(self, upload: Upload) -> None:
        """Send one attachment (not spilled: a backend that is away loses it, with a warning)."""
        try:
            rest = RestClient(
                self._base_url(), self.config.workspace, self.config.api_key, self.transport
            )
            send_attachment(rest, upload)
        except Exception as exc:  # the thread must survive anything
            self.attachments_failed += 1
            self._warn(
                "attachment",
                "opik-jupyter: attachment %s of %s %s was not stored: %s",
                upload.file_name,
                upload.entity_type,
                upload.entity_id,
                exc,
            )

    def _finish(self) -> None:
        for spill in self._files():
            spill.close()
        self._spill = None
        self._adopted = []
        self.transport.close()

    # -- delivering live batches -----------------------------------------------------------

    def _deliver(self, batch: Batch) -> None:
        result = _Result("retry")
        for attempt in range(self.config.inline_retries + 1):
            result = self._send(batch)
            if result.outcome == "sent":
                self._settle(batch.events, "sent")
                self._up()
                return
            if result.outcome == "reject":
                self._reject(batch, result)
                return
            delay = self._delay(attempt, result.retry_after)
            if attempt == self.config.inline_retries or self._stop.is_set() or delay > 2.0:
                break
            with self._stats:
                self.retrying = batch.events
            self._stop.wait(delay)
            with self._stats:
                self.retrying = 0
        self._go_down(result)
        self._to_spill(batch)

    def _send(self, batch: Batch) -> _Result:
        try:
            url = self._base_url()
        except Exception as exc:  # starting the local backend can fail in any way
            return self._failed(_Result("retry", error=f"no backend: {exc}"))
        headers = request_headers(batch.workspace, self.config.api_key, gzipped=batch.gzipped)
        try:
            response = self.transport.send(
                url, Request(batch.method, batch.path, batch.body, headers)
            )
        except OSError as exc:
            return self._failed(_Result("retry", error=str(exc)))
        return self._classify(response, batch)

    def _classify(self, response: Response, batch: Batch) -> _Result:
        if response.ok:
            return _Result("sent", response.status)
        error = (
            f"{batch.method} {batch.path}: HTTP {response.status} "
            f"{response.body[:300].decode(errors='replace')}"
        )
        if response.status >= 500 or response.status in RETRY_STATUSES:
            retry_after = _retry_after(response.headers.get("retry-after"))
            return self._failed(_Result("retry", response.status, retry_after, error))
        return _Result("reject", response.status, error=error)

    def _failed(self, result: _Result) -> _Result:
        self.last_error = result.error
        if self.config.url is None:
            self._url = None  # the local backend may have moved: ask the runtime file again
        return result

    def _reject(self, batch: Batch, result: _Result) -> None:
        halves = split_batch(batch) if result.status in SPLIT_STATUSES else None
        if halves is None:
            self._settle(batch.events, "dropped")
            self._warn(
                f"reject-{result.status}",
                "opik-jupyter: the backend rejected %d event(s), which were dropped: %s",
                batch.events,
                result.error,
            )
            return
        for half in halves:
            self._deliver(half) if not self._backlog() else self._to_spill(half)

    def _base_url(self) -> str:
        if self._url is None:
            self._url = self._resolve_url(self.config)
        return self._url

    # -- outage: spill, back off, replay -----------------------------------------------------

    def _backlog(self) -> bool:
        return self._down or (self._spill is not None and not self._spill.empty)

    def _go_down(self, result: _Result) -> None:
        if not self._down:
            self._warn(
                "down",
                "opik-jupyter: the backend is unavailable (%s); events are kept "
                "on disk in %s and sent when it is back",
                result.error,
                self.config.resolved_spill_dir,
            )
        self._down = True
        self._attempt += 1
        self._next_retry = time.monotonic() + self._delay(self._attempt, result.retry_after)

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        base = min(self.config.retry_max_delay, self.config.retry_base_delay * 2**attempt)
        delay = base * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not secrecy
        return max(delay, retry_after or 0.0)

    def _to_spill(self, batch: Batch) -> None:
        try:
            if self._spill is None:
                self._spill = SpillFile.create(self.config.resolved_spill_dir, self.config.target)
            if self._spill.size + len(batch.body) > self.config.max_spill_bytes:
                raise OSError(f"the spill file reached {self.config.max_spill_bytes} bytes")
            with self._stats:
                self._spill.append(batch)
                self._in_flight -= batch.events
                self._round_left -= batch.events
        except OSError as exc:
            self._settle(batch.events, "dropped")
            self._warn(
                "spill", "opik-jupyter: cannot spill events to disk (%s); they were dropped", exc
            )

    def _replay(self) -> None:
        spill = self._spill
        if spill is not None and not self._replay_file(spill):
            return
        if self._down:
            self._check_alive()

    def _check_alive(self) -> None:
        """Nothing spilled is left to replay: probe the health endpoint before going up."""
        try:
            url = self._base_url()
            response = self.transport.send(url, Request("GET", "is-alive/ping"))
        except Exception as exc:  # any failure means: still down
            self._go_down(self._failed(_Result("retry", error=str(exc))))
            return
        if response.ok:
            self._up()
        else:
            self._go_down(
                self._failed(
                    _Result("retry", response.status, error=f"ping: HTTP {response.status}")
                )
            )

    def _replay_file(self, spill: SpillFile) -> bool:
        """Send the file's batches in order; False (and backing off) at the first failure."""
        for end, batch in spill.records():
            result = self._send(batch)
            if result.outcome == "retry":
                self._go_down(result)
                return False
            if result.outcome == "sent":
                self._count_sent(batch.events)
            else:
                self._count_dropped(batch.events)
                self._warn(
                    f"reject-{result.status}",
                    "opik-jupyter: the backend rejected %d "
                    "spilled event(s), which were dropped: %s",
                    batch.events,
                    result.error,
                )
            with self._stats:
                spill.ack(end, batch.events)
            self._up()
        return True

    def _up(self) -> None:
        if self._down:
            log.info("opik-jupyter: the backend is reachable again at %s", self._url)
            self._warned.discard("down")
        self._down = False
        self._attempt = 0

    def _replay_orphans(self) -> None:
        if not self._looked_for_orphans and self._url is not None:
            self._looked_for_orphans = True
            self._adopt_orphans()
        for spill in list(self._adopted):
            if not self._replay_file(spill):
                return
            with self._stats:
                spill.close()
                self._adopted.remove(spill)

    def _adopt_orphans(self) -> None:
        own = self._spill.path if self._spill else None
        for path in orphans(self.config.resolved_spill_dir):
            if path == own:
                continue
            spill = SpillFile.adopt(path, self.config.target)
            if spill is not None:
                with self._stats:
                    self._adopted.append(spill)
                    self.adopted += spill.pending_events
                log.info(
                    "opik-jupyter: replaying %d event(s) left in %s", spill.pending_events, path
                )

    # -- counters and logging ------------------------------------------------------------

    def _settle(self, events: int, outcome: Literal["sent", "dropped"]) -> None:
        """Live events of the current round leave the in-flight count."""
        with self._stats:
            self._in_flight -= events
            self._round_left -= events
            if outcome == "sent":
                self.sent += events
            else:
                self.dropped += events

    def _count_sent(self, events: int) -> None:
        with self._stats:
            self.sent += events
        self._up()

    def _count_dropped(self, events: int) -> None:
        with self._stats:
            self.dropped += events

    def _warn(self, key: str, message: str, *args: Any, exc_info: bool = False) -> None:
        if key not in self._warned:
            self._warned.add(key)
            log.warning(message, *args, exc_info=exc_info)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return min(max(float(value), 0.0), 300.0)
    except ValueError:
        return None
