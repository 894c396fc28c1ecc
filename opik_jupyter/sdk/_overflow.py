"""Backpressure: where events go while the in-memory queue is full.

The calling thread serialises them itself, a small chunk at a time, and appends them to a
spill file of their own; the sender replays that file once the queue (whose events are
all older) has drained. Once the queue was full, every new event takes this path until the
file is replayed, so each id's versions reach the backend in the order they were made.
Tracing is slowed to the speed of serialising instead of losing events; only past the
disk budget (``max_spill_bytes``) are events dropped, and counted.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from ._batch import Batcher
from ._config import Config
from ._delivery_status import Tally
from ._messages import Message, events_of
from ._spill import SpillFile
from ._warn_once import WarnOnce

CHUNK = 64
"""Messages serialised at once on the calling thread: about a millisecond of work."""


class Overflow:
    """Events that did not fit in the queue: a small buffer, then a spill file."""

    def __init__(
        self, config: Config, tally: Tally, warn: WarnOnce, disk_used: Callable[[], int]
    ) -> None:
        self.config = config
        self.tally = tally
        self.warn = warn
        self._disk_used = disk_used
        self._lock = threading.Lock()
        self._buffer: list[Message] = []
        self._batcher = Batcher(config)
        self.file: SpillFile | None = None
        self.active = False
        """Set when the queue was full; new events come here until the file is replayed."""
        self.closed = False

    def put(self, message: Message) -> None:
        """Take ``message``; serialise a chunk to disk once the buffer holds one."""
        with self._lock:
            if self.closed:
                self.tally.count("dropped", events_of(message))
                return
            self.active = True
            self._buffer.append(message)
            if len(self._buffer) >= CHUNK:
                self._write_locked()

    def write(self) -> None:
        """Serialise what the buffer holds to the spill file now."""
        with self._lock:
            self._write_locked()

    def _write_locked(self) -> None:
        messages, self._buffer = self._buffer, []
        if not messages:
            return
        built = self._batcher.build(messages)
        with self.tally.lock:
            self.tally.superseded += built.superseded
            self.tally.dropped += built.failed
        for batch in built.batches:
            try:
                if self.file is None:
                    self.file = SpillFile.create(self.config.resolved_spill_dir, self.config.target)
                if self._disk_used() + len(batch.body) > self.config.max_spill_bytes:
                    raise OSError(f"the spill files reached {self.config.max_spill_bytes} bytes")
                self.file.append(batch)
            except OSError as exc:
                self.tally.count("dropped", batch.events)
                self.warn(
                    "spill",
                    "opik-jupyter: cannot spill events to disk (%s); they were dropped",
                    exc,
                )

    def buffered_events(self) -> int:
        return sum(events_of(m) for m in list(self._buffer))

    def spilled_events(self) -> int:
        file = self.file
        return file.pending_events if file is not None else 0

    def size(self) -> int:
        file = self.file
        return file.size if file is not None else 0

    def waiting(self) -> bool:
        """Events wait here (in the buffer or the file) for the sender."""
        file = self.file
        return bool(self._buffer) or (file is not None and not file.empty)

    def settle(self) -> None:
        """Everything here was replayed: new events may use the queue again."""
        with self._lock:
            if not self.waiting():
                self.active = False

    def close(self) -> None:
        """Write the buffer and release the file (kept on disk if it holds events)."""
        with self._lock:
            self._write_locked()
            self.closed = True
            if self.file is not None:
                self.file.close()
