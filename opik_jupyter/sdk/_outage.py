"""When the backend is unreachable: spill batches to disk, back off, replay them in order
once it answers again, and replay the spill files that earlier processes left behind."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable

from ._batch import MAX_ITEMS_PER_REQUEST, Batch, merge_batches
from ._config import Config
from ._delivery_status import Tally
from ._link import BackendLink, Result
from ._spill import SpillFile, orphans
from ._warn_once import WarnOnce

log = logging.getLogger("opik_jupyter")


class Outage:
    """The sender's outage state: up or down, when to retry, and the spill files."""

    def __init__(
        self,
        config: Config,
        link: BackendLink,
        tally: Tally,
        warn: WarnOnce,
        disk_used: Callable[[], int],
    ) -> None:
        self.config = config
        self.link = link
        self.tally = tally
        self.warn = warn
        self._disk_used = disk_used
        self.down = False
        self.closing = False
        """Shutting down without a backend: keep everything on disk, send nothing more."""
        self.next_retry = 0.0
        self._attempt = 0
        self._spill: SpillFile | None = None
        self._adopted: list[SpillFile] = []
        self._looked_for_orphans = False

    # -- state -------------------------------------------------------------------------------

    def backlog(self) -> bool:
        """Down, closing, or batches wait on disk: new batches must queue behind them."""
        return self.down or self.closing or (self._spill is not None and not self._spill.empty)

    def go_down(self, result: Result) -> None:
        if not self.down:
            self.warn(
                "down",
                "opik-jupyter: the backend is unavailable (%s); events are kept "
                "on disk in %s and sent when it is back",
                result.error,
                self.config.resolved_spill_dir,
            )
        self.down = True
        self._attempt += 1
        self.next_retry = time.monotonic() + self.delay(self._attempt, result.retry_after)

    def up(self) -> None:
        if self.down:
            log.info("opik-jupyter: the backend is reachable again at %s", self.link.url)
            self.warn.rearm("down")
        self.down = False
        self.link.last_error = None
        self._attempt = 0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Exponential back-off with jitter, at least ``retry_after``."""
        base = min(self.config.retry_max_delay, self.config.retry_base_delay * 2**attempt)
        delay = base * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not secrecy
        return max(delay, retry_after or 0.0)

    def files(self) -> list[SpillFile]:
        return [*([self._spill] if self._spill else []), *self._adopted]

    def spilled_events(self) -> int:
        return sum(s.pending_events for s in self.files())

    def size(self) -> int:
        """Bytes of this process's own spill file."""
        return self._spill.size if self._spill is not None else 0

    # -- spilling ----------------------------------------------------------------------------

    def spill(self, batch: Batch) -> None:
        """Append a live batch to this process's spill file (dropped, and said, if it can't)."""
        try:
            if self._spill is None:
                self._spill = SpillFile.create(self.config.resolved_spill_dir, self.config.target)
            if self._disk_used() + len(batch.body) > self.config.max_spill_bytes:
                raise OSError(f"the spill files reached {self.config.max_spill_bytes} bytes")
            with self.tally.lock:
                self._spill.append(batch)
                self.tally.leave_locked(batch.events)
        except OSError as exc:
            self.tally.settle(batch.events, "dropped")
            self.warn(
                "spill", "opik-jupyter: cannot spill events to disk (%s); they were dropped", exc
            )

    # -- replaying ---------------------------------------------------------------------------

    def replay_due(self, kick: int) -> bool:
        if self.closing:
            return False
        return self.backlog() and (bool(kick) or time.monotonic() >= self.next_retry)

    def replay(self) -> None:
        """Replay this process's spill file; once it is empty, probe a backend marked down."""
        spill = self._spill
        if spill is not None and not self.replay_file(spill):
            return
        if self.down:
            self._check_alive()

    def _check_alive(self) -> None:
        result = self.link.ping()
        if result.outcome == "sent":
            self.up()
        else:
            self.go_down(result)

    def replay_file(self, spill: SpillFile) -> bool:
        """Send the file's batches in order, runs of small ones merged into one request
        per endpoint; False (and backing off) at the first failure."""
        run_items = min(self.config.batch_max_items, MAX_ITEMS_PER_REQUEST)
        while (run := spill.next_run(run_items, self.config.batch_max_bytes // 8)) is not None:
            end, batches = run
            merged = merge_batches(batches)
            results = self._send_all(merged)
            if results is None:
                return False
            if len(batches) > 1 and any(r.outcome == "reject" for r in results):
                run_items = 1  # find the rejected events: one spilled batch at a time
                continue
            for batch, result in zip(merged, results, strict=True):
                self._count_replayed(batch, result)
            with self.tally.lock:
                spill.ack(end, sum(b.events for b in batches))
            self.up()
        return True

    def _send_all(self, batches: list[Batch]) -> list[Result] | None:
        """Send each batch; None (and backing off) if one could not be delivered now."""
        results = []
        for batch in batches:
            result = self.link.send(batch)
            if result.outcome == "retry":
                self.go_down(result)
                return None
            results.append(result)
        return results

    def _count_replayed(self, batch: Batch, result: Result) -> None:
        if result.outcome == "sent":
            self.tally.count("sent", batch.events)
            return
        self.tally.count("dropped", batch.events)
        self.warn(
            f"reject-{result.status}",
            "opik-jupyter: the backend rejected %d spilled event(s), which were dropped: %s",
            batch.events,
            result.error,
        )

    def replay_orphans(self) -> None:
        """Adopt (once a backend answered) and replay files left by earlier processes."""
        if self.closing:
            return
        if not self._looked_for_orphans and self.link.url is not None:
            self._adopt_orphans()
            self._looked_for_orphans = True
        for spill in list(self._adopted):
            if not self.replay_file(spill):
                return
            with self.tally.lock:
                spill.close()
                self._adopted.remove(spill)

    def _adopt_orphans(self) -> None:
        """Adopt each orphan on its own: one that cannot be read never stops the others."""
        own = self._spill.path if self._spill else None
        for path in orphans(self.config.resolved_spill_dir):
            if path == own:
                continue
            try:
                spill = SpillFile.adopt(path, self.config.target)
            except Exception:  # a file must never stop the replay of the others
                log.warning("opik-jupyter: cannot read the spill file %s", path, exc_info=True)
                continue
            if spill is None:
                continue
            with self.tally.lock:
                self._adopted.append(spill)
                self.tally.adopted += spill.pending_events
            log.info("opik-jupyter: replaying %d event(s) left in %s", spill.pending_events, path)

    def close(self) -> None:
        """Release the spill files (kept on disk if they hold events; still counted)."""
        for spill in self.files():
            spill.close()
