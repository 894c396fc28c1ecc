"""A version number per project that moves whenever the project's data changes.

The writer bumps it after each commit; readers use it to know a cached answer (a page
total) is still right. It is per process: other replicas' writes are bounded by a TTL.

A project may also carry watermarks, trace ids (the newest, and the one it replaces while
the aggregates below the newest are computed): aggregates over the traces below one (a
sealed part, see :mod:`.split`) stay right until a commit touches a trace below it, which
moves that watermark's version. A commit names the lowest trace id it touched.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

Project = tuple[str, str]  # (workspace, project id)


class ChangeLog:
    def __init__(self) -> None:
        self._versions: dict[Project, int] = {}
        # per project, newest first, its watermarks and a serial number of each, which moves
        # when a commit touches a trace below it; replaced whole, so readers see one state
        self._marks: dict[Project, tuple[tuple[str, int], ...]] = {}
        self._serial = 0
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
                marks = self._marks.get(key, ())
                if lowest is not None and any(lowest < mark for mark, _ in marks):
                    self._marks[key] = tuple(
                        (mark, self._next() if lowest < mark else serial) for mark, serial in marks
                    )

    def bump_all(self) -> None:
        """For changes whose projects are not known (deletes)."""
        with self._lock:
            self._epoch += 1

    def watermarks(self, workspace: str, project_id: str) -> list[tuple[str, tuple[int, int]]]:
        """The project's watermarks, newest first, each with the version of what lies
        below it (none until :meth:`add_watermark`)."""
        epoch = self._epoch
        return [
            (mark, (epoch, serial)) for mark, serial in self._marks.get((workspace, project_id), ())
        ]

    def add_watermark(self, workspace: str, project_id: str, watermark: str, keep: int = 2) -> None:
        """Make ``watermark`` the project's newest, keeping ``keep`` in all."""
        with self._lock:
            older = tuple(
                m for m in self._marks.get((workspace, project_id), ()) if m[0] != watermark
            )
            self._marks[(workspace, project_id)] = ((watermark, self._next()), *older)[:keep]

    def _next(self) -> int:
        self._serial += 1
        return self._serial
