"""Aggregates over a project's traces that stay cheap while the project is written to.

Trace ids are UUID v7, so they sort by creation time, and everything an aggregate reads
about a trace (its rows, its spans, its scores) is keyed by the trace's id. A project's
aggregate is split at a watermark W, a trace id: the sealed part (traces below W) is
computed once and kept until a commit touches a trace below W (see
:class:`~.changes.ChangeLog`); the tail (W and above, the newest traces) is a primary-key
range read, redone when anything in the project changed. All versions of a trace fall on
one side, so ``FINAL`` on each side is exact, and the parts add up (counts, sums) or merge
as ClickHouse aggregate states (percentiles).

W is set to leave ``tail_keep`` traces above it. When more than ``tail_max`` rows are
above it, a newer W is added and the sealed parts below it are computed off the request
path, the older W serving until they are ready; so is a sealed part near the end of its
TTL.
Only a write below W makes a request compute a sealed part itself.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from .cache import Memo
from .changes import ChangeLog
from .clickhouse import ClickHouse

S = TypeVar("S")
R = TypeVar("R")
Mark = tuple[str, tuple[int, int]]  # a watermark and the version of what lies below it

IN_PROJECT = "workspace_id = {ws:String} AND project_id = {project_id:String}"
CHECK_SECONDS = 1.0  # how often the size of a project's tail is looked at
log = logging.getLogger(__name__)


class Split:
    """Watermarks per project, sealed parts and answers, each kept for their version."""

    def __init__(self, ch: ClickHouse, changes: ChangeLog, ttl: float) -> None:
        self._ch = ch
        self._changes = changes
        self._ttl = ttl
        self._sealed: Memo[Hashable, Any] = Memo(ttl, max_entries=256)  # states: up to 130 kB
        self._answers: Memo[Hashable, Any] = Memo(ttl)
        self._checked: dict[tuple[str, str], tuple[float, object]] = {}  # when, at what version
        self._sealing: set[Hashable] = set()
        self._lock = threading.Lock()
        # one thread: sealing in the background must not take both cores from requests
        self._background = ThreadPoolExecutor(1, thread_name_prefix="opik-backend-seal")
        self.tail_keep = 1_000
        self.tail_max = 5_000
        self.sealed_runs = 0  # sealed parts computed (for tests and benchmarks)

    def compute(
        self,
        key: Hashable,
        workspace: str,
        project_id: str,
        sealed: Callable[[str], S],
        combine: Callable[[str, S | None], R],
    ) -> R:
        """``combine(W, sealed(W))``, with W a watermark of the project (``sealed`` is not
        called, and None passed, when W is "": the project is small, all tail)."""
        marks = self.watermarks(workspace, project_id)
        mark, part = self._sealed_part((key, workspace), marks, sealed)
        version = (self._changes.version(workspace, project_id), mark)
        return self._answers.get_or_compute(key, version, lambda: combine(mark[0], part))

    def _sealed_part(
        self, key: Hashable, marks: list[Mark], compute: Callable[[str], S]
    ) -> tuple[Mark, S | None]:
        """The sealed part below the newest watermark that has a current one; computed
        here only when none has, else refreshed in the background when it is not the
        newest watermark's or has less than a quarter of its TTL left."""
        newest = marks[0]
        if not newest[0]:
            return newest, None
        for i, (watermark, version) in enumerate(marks):
            if not watermark:  # the project was all tail: it still may be, for now
                self._seal_later(key, newest, compute)
                return (watermark, version), None
            found = self._sealed.aged((key, watermark), version)
            if found is not None:
                if i or found[1] < self._ttl / 4:
                    self._seal_later(key, newest, compute)
                return (watermark, version), found[0]
        return newest, self._sealed.get_or_compute(
            (key, newest[0]), newest[1], lambda: self._seal(newest[0], compute)
        )

    def _seal(self, watermark: str, compute: Callable[[str], S]) -> S:
        self.sealed_runs += 1
        return compute(watermark)

    def _seal_later(self, key: Hashable, mark: Mark, compute: Callable[[str], S]) -> None:
        job = (key, mark)
        with self._lock:
            if job in self._sealing:
                return
            self._sealing.add(job)

        def run() -> None:
            try:
                self._sealed.put((key, mark[0]), mark[1], self._seal(mark[0], compute))
            except Exception:  # the next request computes it, and reports the error
                log.exception("sealing an aggregate in the background failed")
            finally:
                with self._lock:
                    self._sealing.discard(job)

        self._background.submit(run)

    def watermarks(self, workspace: str, project_id: str) -> list[Mark]:
        """The project's watermarks, newest first; a newer one is added when the tail has
        grown past ``tail_max`` rows (looked at every ``CHECK_SECONDS`` while the project
        changes, else once per TTL)."""
        project = (workspace, project_id)
        found = self._changes.watermarks(workspace, project_id)
        now, version = time.monotonic(), self._changes.version(workspace, project_id)
        checked, seen = self._checked.get(project, (0.0, None))
        if found and checked + (self._ttl if seen == version else CHECK_SECONDS) > now:
            return found  # other replicas' writes are not in the change log: the TTL bounds
        self._checked[project] = (now, version)
        if not found or self._grown(workspace, project_id, found[0][0]):
            self._changes.add_watermark(workspace, project_id, self._newest(workspace, project_id))
            found = self._changes.watermarks(workspace, project_id)
        return found

    def _grown(self, workspace: str, project_id: str, watermark: str) -> bool:
        rows = self._ch.query(
            f"SELECT count() FROM traces WHERE {IN_PROJECT} AND id >= {{w:String}}",
            {"ws": workspace, "project_id": project_id, "w": watermark},
        )
        return int(rows[0][0]) > self.tail_max

    def _newest(self, workspace: str, project_id: str) -> str:
        """The id that leaves ``tail_keep`` trace rows above it ("" if there are fewer)."""
        rows = self._ch.query(
            f"SELECT id FROM traces WHERE {IN_PROJECT} ORDER BY id DESC"
            " LIMIT 1 OFFSET {keep:UInt64}",
            {"ws": workspace, "project_id": project_id, "keep": self.tail_keep},
        )
        return str(rows[0][0]) if rows else ""
