"""Where traced events are: the counters the sender keeps, and what it reports from them.

Counted in events (trace, span and score writes)::

    enqueued + adopted = queued + retrying + spilled + sent + superseded + dropped
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Literal

State = Literal["idle", "up", "down", "closed"]


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


def idle_status(url: str | None) -> DeliveryStatus:
    """The status of a process that has no sender (nothing traced yet, or shut down)."""
    return DeliveryStatus(
        queued=0,
        sent=0,
        retrying=0,
        spilled=0,
        dropped=0,
        superseded=0,
        enqueued=0,
        adopted=0,
        state="idle",
        url=url,
        last_error=None,
    )


class Tally:
    """The sender's counters, changed under :attr:`lock` so that a status adds up.

    ``in_flight`` counts events taken from the queue and not yet sent, spilled or dropped;
    ``round_left`` those of the round the delivery thread works on.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent = self.retrying = self.dropped = self.superseded = self.adopted = 0
        self.in_flight = self.round_left = 0

    def settle(self, events: int, outcome: Literal["sent", "dropped"]) -> None:
        """Live events of the current round leave the in-flight count."""
        with self.lock:
            self.leave_locked(events)
            if outcome == "sent":
                self.sent += events
            else:
                self.dropped += events

    def leave_locked(self, events: int) -> None:
        """Live events of the current round stop being in flight (caller holds the lock)."""
        self.in_flight -= events
        self.round_left -= events

    def count(self, outcome: Literal["sent", "dropped"], events: int) -> None:
        """Events that were not in flight (replayed from disk) reached an outcome."""
        with self.lock:
            if outcome == "sent":
                self.sent += events
            else:
                self.dropped += events
