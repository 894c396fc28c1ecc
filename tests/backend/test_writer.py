"""Group commit: concurrent submissions share one commit; every submitter gets its outcome."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from opik_backend.errors import Conflict, StorageUnavailable
from opik_backend.storage.writer import GroupCommitWriter, Outcome
from tests.testlib.waiting import wait_for


@dataclass(frozen=True)
class Job:
    name: str
    size: int = 1


class SlowStore:
    """Records each committed group; the first commit waits until released."""

    def __init__(self) -> None:
        self.groups: list[list[str]] = []
        self.release = threading.Event()

    def commit(self, jobs: Sequence[Job]) -> list[Outcome]:
        if not self.groups:
            self.release.wait(10)
        self.groups.append([job.name for job in jobs])
        return [
            Conflict(f"{job.name} clashes") if job.name.startswith("bad") else None for job in jobs
        ]


def taken(writer: GroupCommitWriter) -> None:
    """Wait until the writer thread has taken everything queued (and is committing it)."""
    wait_for(lambda: writer.idle, 10, interval=0.001, what="the writer to take the queue")


def test_jobs_queued_during_a_commit_share_the_next_one() -> None:
    store = SlowStore()
    writer = GroupCommitWriter(store.commit)
    first = writer.submit(Job("first"))
    taken(writer)
    rest = [writer.submit(Job(f"job{i}")) for i in range(50)]
    store.release.set()
    for future in [first, *rest]:
        assert future.result(10) is None
    writer.close()
    assert store.groups[0] == ["first"]
    assert store.groups[1] == [f"job{i}" for i in range(50)]


def test_each_job_gets_its_own_outcome() -> None:
    store = SlowStore()
    store.release.set()
    writer = GroupCommitWriter(store.commit)
    good, bad = writer.submit(Job("good")), writer.submit(Job("bad-one"))
    assert good.result(10) is None
    with pytest.raises(Conflict, match="bad-one clashes"):
        bad.result(10)
    writer.close()


def test_a_failing_commit_fails_its_whole_group_with_503() -> None:
    def broken(jobs: Sequence[Job]) -> list[Outcome]:
        raise OSError("disk on fire")

    writer = GroupCommitWriter(broken)
    with pytest.raises(StorageUnavailable, match="disk on fire"):
        writer.submit(Job("x")).result(10)
    writer.close()


def test_a_full_queue_refuses_with_503_instead_of_growing() -> None:
    store = SlowStore()
    writer = GroupCommitWriter(store.commit, max_queued_rows=10)
    writer.submit(Job("first", size=1))
    taken(writer)
    accepted = [writer.submit(Job("a", size=5)), writer.submit(Job("b", size=5))]
    with pytest.raises(StorageUnavailable, match="queue is full"):
        writer.submit(Job("c", size=5))
    store.release.set()
    for future in accepted:
        future.result(10)
    writer.close()


def test_groups_respect_the_row_limit() -> None:
    store = SlowStore()
    writer = GroupCommitWriter(store.commit, max_group_rows=10)
    first = writer.submit(Job("first"))
    taken(writer)
    futures = [writer.submit(Job(f"j{i}", size=4)) for i in range(5)]
    store.release.set()
    for future in [first, *futures]:
        future.result(10)
    writer.close()
    assert [len(group) for group in store.groups[1:]] == [2, 2, 1]


def test_close_commits_what_is_queued() -> None:
    store = SlowStore()
    writer = GroupCommitWriter(store.commit)
    futures = [writer.submit(Job(f"j{i}")) for i in range(5)]
    store.release.set()
    writer.close()
    assert all(future.done() and future.result() is None for future in futures)
    with pytest.raises(StorageUnavailable, match="shutting down"):
        writer.submit(Job("late"))
