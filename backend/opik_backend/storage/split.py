"""Aggregates over a project's traces that stay cheap while the project is written to.

Trace ids are UUID v7, so they sort by creation time, and everything an aggregate reads
about a trace (its rows, its spans, its scores) is keyed by the trace's id. A project's
aggregate is split at a watermark W, a trace id: the sealed part (traces below W) is
computed once and kept until a commit touches a trace below W (see
:class:`~.changes.ChangeLog`); the tail (W and above, the newest few thousand traces) is a
primary-key range read, redone when anything in the project changed. All versions of a
trace fall on one side, so ``FINAL`` on each side is exact, and the parts add up (counts,
sums), or merge as ClickHouse aggregate states (percentiles).

W is set to leave ``tail_keep`` traces above it, and moved on when more than ``tail_max``
rows are above it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from .cache import Memo
from .changes import ChangeLog
from .clickhouse import ClickHouse

S = TypeVar("S")
R = TypeVar("R")

IN_PROJECT = "workspace_id = {ws:String} AND project_id = {project_id:String}"
CHECK_SECONDS = 1.0  # how often the size of a project's tail is looked at


class Split:
    """Watermarks per project, sealed parts and answers, each kept for their version."""

    def __init__(self, ch: ClickHouse, changes: ChangeLog, ttl: float) -> None:
        self._ch = ch
        self._changes = changes
        self._sealed: Memo[Hashable, Any] = Memo(ttl, max_entries=1_000)  # states are big
        self._answers: Memo[Hashable, Any] = Memo(ttl)
        self._checked: dict[tuple[str, str], float] = {}
        self.tail_keep = 1_000
        self.tail_max = 10_000
        self.sealed_runs = 0  # sealed parts computed (for tests and benchmarks)

    def compute(
        self,
        key: Hashable,
        workspace: str,
        project_id: str,
        sealed: Callable[[str], S],
        combine: Callable[[str, S | None], R],
    ) -> R:
        """``combine(W, sealed(W))``, with W the project's watermark (``sealed`` is not
        called, and None passed, when W is "": the project is small and all tail)."""
        watermark, sealed_version = self.watermark(workspace, project_id)
        part = self.sealed(key, workspace, watermark, sealed_version, sealed)
        version = (self._changes.version(workspace, project_id), watermark, sealed_version)
        return self._answers.get_or_compute(key, version, lambda: combine(watermark, part))

    def sealed(
        self,
        key: Hashable,
        workspace: str,
        watermark: str,
        version: object,
        compute: Callable[[str], S],
    ) -> S | None:
        """The sealed part below ``watermark`` (None below ""), kept for ``version``."""
        if not watermark:
            return None

        def run() -> S:
            self.sealed_runs += 1
            return compute(watermark)

        found: S = self._sealed.get_or_compute((key, workspace, watermark), version, run)
        return found

    def cached_answer(self, key: Hashable, workspace: str, project_id: str) -> Any:
        """The answer kept for ``key`` if it is still current, else None."""
        watermark, sealed_version = self.watermark(workspace, project_id)
        version = (self._changes.version(workspace, project_id), watermark, sealed_version)
        return self._answers.get(key, version)

    def watermark(self, workspace: str, project_id: str) -> tuple[str, tuple[int, int]]:
        """The project's watermark and its sealed version; set or moved on when the tail
        has grown past ``tail_max`` rows (looked at every ``CHECK_SECONDS``)."""
        project = (workspace, project_id)
        found = self._changes.watermark(workspace, project_id)
        now = time.monotonic()
        if found is not None and self._checked.get(project, 0.0) + CHECK_SECONDS > now:
            return found
        self._checked[project] = now
        if found is None or self._grown(workspace, project_id, found[0]):
            self._changes.set_watermark(workspace, project_id, self._newest(workspace, project_id))
            found = self._changes.watermark(workspace, project_id)
            assert found is not None
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
