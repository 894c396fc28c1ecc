"""Background merging: ``OPTIMIZE ... FINAL`` once writes have been idle for a while.

Reads deduplicate versions at query time, and their cost grows with the number of data
parts. ClickHouse merges parts on its own, but not down to one; after a burst of writes,
an idle minute is used to merge each table fully, so reads stay fast.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Protocol

from .clickhouse import ClickHouse
from .comments import COMMENTS
from .datasets import DATASET_ITEM_VERSIONS, DATASET_ITEMS
from .experiments import EXPERIMENT_ITEMS
from .rows import SCORES, SPANS, TRACES

log = logging.getLogger(__name__)


class _Activity(Protocol):
    @property
    def groups_committed(self) -> int: ...


class Optimizer:
    """Merges tables that have more than one active part, when writes are idle."""

    def __init__(
        self,
        ch: ClickHouse,
        activity: _Activity,
        idle_seconds: float,
        check_every: float = 5.0,
        lock: Callable[[], AbstractContextManager[None]] = nullcontext,
    ) -> None:
        self._ch = ch
        self._lock = lock
        self._activity = activity
        self._idle_seconds = idle_seconds
        self._check_every = check_every
        self._stop = threading.Event()
        self._seen = -1
        self._last_activity = time.monotonic()
        self._merged_since_activity = False
        self.runs = 0
        self._thread = threading.Thread(
            target=self._run, name="opik-backend-optimizer", daemon=True
        )
        if idle_seconds > 0:
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._check_every):
            try:
                self.tick()
            except Exception:
                log.exception("background OPTIMIZE failed; will try again when idle")

    def tick(self) -> bool:
        """Merge if writes have been idle long enough since the last merge; True if it did."""
        committed = self._activity.groups_committed
        if committed != self._seen:
            self._seen = committed
            self._last_activity = time.monotonic()
            self._merged_since_activity = False
            return False
        if self._merged_since_activity:
            return False
        if time.monotonic() - self._last_activity < self._idle_seconds:
            return False
        self.optimize()
        self._merged_since_activity = True
        return True

    def optimize(self) -> dict[str, int]:
        """Merge every table with more than one active part; return the parts found.

        With replicas, one of them merges at a time (the lock is shared through Redis)."""
        with self._lock():
            parts = self.active_parts()
            for table, count in parts.items():
                if count > 1:
                    log.info("merging %s (%d parts)", table, count)
                    self._ch.command(f"OPTIMIZE TABLE {table} FINAL")
        self.runs += 1
        return parts

    def active_parts(self) -> dict[str, int]:
        rows = self._ch.query(
            "SELECT table, count() FROM system.parts WHERE database = currentDatabase() "
            "AND active AND table IN {tables:Array(String)} GROUP BY table",
            {
                "tables": [
                    t.name
                    for t in (
                        TRACES,
                        SPANS,
                        SCORES,
                        COMMENTS,
                        DATASET_ITEMS,
                        DATASET_ITEM_VERSIONS,
                        EXPERIMENT_ITEMS,
                    )
                ]
            },
        )
        return {str(table): int(count) for table, count in rows}

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=60)
