"""Group commit: requests that arrive together share one ClickHouse insert.

A request submits a job and waits on its future. One writer thread takes every job queued
so far, hands the whole group to ``commit`` (which turns it into one insert per table),
and only then resolves the futures: a client's 2xx means its rows are stored. While one
group is being inserted the next one gathers, so batches grow with the load and no timer
delays a lone request.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, Protocol, TypeVar

from ..errors import StorageUnavailable

log = logging.getLogger(__name__)


class Job(Protocol):
    """Anything with a size (rows) that the commit function understands."""

    @property
    def size(self) -> int: ...


J = TypeVar("J", bound=Job)
Outcome = BaseException | None
CommitFn = Callable[[Sequence[J]], Sequence[Outcome]]


class GroupCommitWriter(Generic[J]):
    """Serialises writes through one thread, committing queued jobs as one group."""

    def __init__(
        self, commit: CommitFn[J], max_group_rows: int = 50_000, max_queued_rows: int = 500_000
    ) -> None:
        self._commit = commit
        self._max_group_rows = max_group_rows
        self._max_queued_rows = max_queued_rows
        self._queue: deque[tuple[J, Future[None]]] = deque()
        self._queued_rows = 0
        self._cond = threading.Condition()
        self._closing = False
        self.groups_committed = 0
        self._thread = threading.Thread(target=self._run, name="opik-backend-writer", daemon=True)
        self._thread.start()

    def submit(self, job: J) -> Future[None]:
        """Queue ``job``; the future resolves once it is stored (or fails)."""
        future: Future[None] = Future()
        with self._cond:
            if self._closing:
                raise StorageUnavailable("the backend is shutting down")
            if self._queued_rows + job.size > self._max_queued_rows and self._queue:
                raise StorageUnavailable(
                    "the ingestion queue is full; retry shortly", retry_after=1
                )
            self._queue.append((job, future))
            self._queued_rows += job.size
            self._cond.notify()
        return future

    @property
    def idle(self) -> bool:
        with self._cond:
            return not self._queue

    def _take_group(self) -> list[tuple[J, Future[None]]] | None:
        with self._cond:
            while not self._queue and not self._closing:
                self._cond.wait()
            if not self._queue:
                return None
            group: list[tuple[J, Future[None]]] = []
            rows = 0
            while self._queue and (
                not group or rows + self._queue[0][0].size <= self._max_group_rows
            ):
                job, future = self._queue.popleft()
                group.append((job, future))
                rows += job.size
            self._queued_rows -= rows
            return group

    def _run(self) -> None:
        while (group := self._take_group()) is not None:
            jobs = [job for job, _ in group]
            try:
                outcomes = self._commit(jobs)
            except Exception as exc:
                log.exception("group commit of %d jobs failed", len(jobs))
                error = (
                    exc
                    if isinstance(exc, StorageUnavailable)
                    else StorageUnavailable(f"storing failed: {exc}")
                )
                outcomes = [error] * len(jobs)
            self.groups_committed += 1
            for (_, future), outcome in zip(group, outcomes, strict=True):
                if outcome is None:
                    future.set_result(None)
                else:
                    future.set_exception(outcome)

    def close(self, timeout: float = 30.0) -> None:
        """Commit what is queued, then stop the thread."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join(timeout)
