"""A version number per project that moves whenever the project's data changes.

The writer bumps it after each commit; readers use it to know a cached answer (a page
total) is still right. It is per process: other replicas' writes are bounded by a TTL.

Each project may also carry a watermark, a trace id: aggregates over the traces below it
(the sealed part, see :mod:`.split`) stay right until a commit touches a trace below it,
which moves the project's sealed version. A commit names the lowest trace id it touched.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

Project = tuple[str, str]  # (workspace, project id)


class ChangeLog:
    def __init__(self) -> None:
        self._versions: dict[Project, int] = {}
        # the watermark, and a count of the commits that touched a trace below it (and of
        # its moves); replaced whole, so that a reader sees a consistent pair
        self._marks: dict[Project, tuple[str, int]] = {}
        self._epoch = 0
        self._lock = threading.Lock()

    def version(self, workspace: str, project_id: str) -> tuple[int, int]:
        """Changes whenever ``bump`` names the project or ``bump_all`` runs."""
        return self._epoch, self._versions.get((workspace, project_id), 0)

    def bump(self, touched: Mapping[Project, str | None]) -> None:
        """Record a commit: per project, the lowest trace id whose traces, spans or trace
        scores it wrote ("" when unknown, None when it wrote none)."""
        with self._lock:
            for key, lowest in touched.items():
                self._versions[key] = self._versions.get(key, 0) + 1
                mark = self._marks.get(key)
                if mark is not None and lowest is not None and lowest < mark[0]:
                    self._marks[key] = (mark[0], mark[1] + 1)

    def bump_all(self) -> None:
        """For changes whose projects are not known (deletes)."""
        with self._lock:
            self._epoch += 1

    def watermark(self, workspace: str, project_id: str) -> tuple[str, tuple[int, int]] | None:
        """The project's watermark and the version of what lies below it, if it has one."""
        mark = self._marks.get((workspace, project_id))
        return None if mark is None else (mark[0], (self._epoch, mark[1]))

    def set_watermark(self, workspace: str, project_id: str, watermark: str) -> None:
        """Move the project's watermark (what was sealed below the old one is stale)."""
        with self._lock:
            moves = self._marks.get((workspace, project_id), ("", 0))[1]
            self._marks[(workspace, project_id)] = (watermark, moves + 1)
