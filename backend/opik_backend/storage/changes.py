"""A version number per project that moves whenever the project's data changes.

The writer bumps it after each commit; readers use it to know a cached answer (a page
total) is still right. It is per process: other replicas' writes are bounded by a TTL.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable


class ChangeLog:
    def __init__(self) -> None:
        self._versions: dict[tuple[str, str], int] = {}
        self._epoch = 0
        self._lock = threading.Lock()

    def version(self, workspace: str, project_id: str) -> tuple[int, int]:
        """Changes whenever ``bump`` names the project or ``bump_all`` runs."""
        return self._epoch, self._versions.get((workspace, project_id), 0)

    def bump(self, projects: Iterable[tuple[str, str]]) -> None:
        with self._lock:
            for key in set(projects):
                self._versions[key] = self._versions.get(key, 0) + 1

    def bump_all(self) -> None:
        """For changes whose projects are not known (deletes)."""
        with self._lock:
            self._epoch += 1
