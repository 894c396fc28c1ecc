"""Aggregates split at a project's watermark (a sealed part kept, a tail read fresh) answer
what a full recomputation answers, whatever order writes, upserts and deletes come in."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from typing import Any

import httpx
import pytest

from opik_backend.storage import split
from opik_backend.storage.changes import ChangeLog
from opik_backend.storage.filter_sql import Filter
from opik_backend.storage.reads import Query, Reads
from opik_backend.storage.stats import Stats
from tests.testlib.backends import RunningBackend
from tests.testlib.builders import at, new_id, span, trace

TRACES = "v1/private/traces"
PROJECT = "split"


@pytest.fixture
def small_split(backend: RunningBackend, monkeypatch: pytest.MonkeyPatch) -> split.Split:
    """The backend's split, with a watermark three traces from the newest, moved on when
    six rows are above it, looked at on every read."""
    found = backend.services.reads.split
    monkeypatch.setattr(found, "tail_keep", 3)
    monkeypatch.setattr(found, "tail_max", 6)
    monkeypatch.setattr(split, "CHECK_SECONDS", 0.0)
    return found


def project_id(api: httpx.Client) -> str:
    return str(api.post("v1/private/projects/retrieve", json={"name": PROJECT}).json()["id"])


def queries(workspace: str, pid: str) -> list[Query]:
    return [
        Query(workspace, pid),
        Query(workspace, pid, filters=[Filter("feedback_scores", ">=", 0.5, key="acc")]),
        Query(workspace, pid, filters=[Filter("metadata", "=", "a", key="k")]),
        Query(workspace, pid, filters=[Filter("usage.total_tokens", ">", 10)]),
        Query(workspace, pid, search="hello"),
    ]


def answers(reads: Reads, stats: Stats, workspace: str, pid: str) -> list[Any]:
    """Project totals, then the page total and the statistics of each query."""
    return [
        stats.projects(workspace, [pid]),
        *([reads.traces_page(q, 1, 1)[1], stats.traces(q)] for q in queries(workspace, pid)),
    ]


def same(got: Any, expected: Any) -> bool:
    """Equal, floats up to rounding (sums added in another order)."""
    if isinstance(got, float) and isinstance(expected, float):
        return got == pytest.approx(expected, rel=1e-9)
    if isinstance(got, dict) and isinstance(expected, dict):
        return got.keys() == expected.keys() and all(same(got[k], expected[k]) for k in got)
    if isinstance(got, list) and isinstance(expected, list):
        return len(got) == len(expected) and all(map(same, got, expected))
    return bool(got == expected)


def recomputed(backend: RunningBackend, workspace: str, pid: str) -> Any:
    """The same answers from scratch: no memo, no watermark (the whole project a tail)."""
    reads = Reads(backend.services.ch, ChangeLog())
    reads.split.tail_keep = 10**9
    return answers(reads, Stats(backend.services.ch, reads), workspace, pid)


class Writer:
    """Random writes through the REST API, remembering the traces it wrote."""

    def __init__(self, api: httpx.Client, rng: random.Random) -> None:
        self.api = api
        self.rng = rng
        self.traces: list[str] = []
        self.waiting: list[str] = []  # traces whose spans came first

    def trace_body(self, trace_id: str) -> dict[str, Any]:
        rng = self.rng
        fields: dict[str, Any] = {
            "id": trace_id,
            "end_time": at(rng.choice([0.5, 1, 2, 3.5])),
            "metadata": {"k": rng.choice("ab")},
            "input": {"q": rng.choice(["hello", "bye"])},
            "thread_id": rng.choice(["", "t1", "t2", f"t-{trace_id[-4:]}"]),
        }
        if rng.random() < 0.3:
            fields["error_info"] = {"exception_type": "E", "traceback": "tb"}
        return trace(PROJECT, **fields)

    def post_trace(self, trace_id: str) -> None:
        answer = self.api.post(f"{TRACES}/batch", json={"traces": [self.trace_body(trace_id)]})
        assert answer.status_code == 204, answer.text
        if trace_id not in self.traces:
            self.traces.append(trace_id)

    def post_span(self, trace_id: str) -> None:
        tokens = self.rng.randint(1, 20)
        body = span(
            trace_id,
            PROJECT,
            type="llm",
            model="gpt-4o-mini",
            usage={"prompt_tokens": tokens, "completion_tokens": 1, "total_tokens": tokens + 1},
        )
        assert self.api.post("v1/private/spans/batch", json={"spans": [body]}).status_code == 204

    def old(self) -> str:
        """One of the oldest traces (below any watermark)."""
        return self.rng.choice(self.traces[: max(1, len(self.traces) // 2)])

    def step(self) -> str:
        rng = self.rng
        kind = rng.choice(
            ["new", "new", "span first", "upsert", "late span", "score", "patch", "delete"]
        )
        if kind == "new" or len(self.traces) < 4:
            trace_id = new_id()
            self.post_trace(trace_id)
            self.post_span(trace_id)
        elif kind == "span first":
            if self.waiting and rng.random() < 0.5:
                self.post_trace(self.waiting.pop(0))
            else:
                trace_id = new_id()
                self.post_span(trace_id)
                self.waiting.append(trace_id)
        elif kind == "upsert":
            self.post_trace(self.old())
        elif kind == "late span":
            self.post_span(self.old())
        elif kind == "score":
            score = {"id": self.old(), "project_name": PROJECT, "name": "acc"}
            score["value"] = rng.choice([0.1, 0.5, 0.9])
            assert self.api.put(f"{TRACES}/feedback-scores", json={"scores": [score]}).is_success
        elif kind == "patch":
            body = {"project_name": PROJECT, "end_time": at(rng.choice([1, 5])), "tags": ["x"]}
            assert self.api.patch(f"{TRACES}/{self.old()}", json=body).status_code == 204
        else:
            victim = self.old()
            assert self.api.delete(f"{TRACES}/{victim}").status_code == 204
            self.traces.remove(victim)
        return kind


def test_split_answers_equal_a_full_recomputation(
    api: httpx.Client, backend: RunningBackend, small_split: split.Split, workspace: str
) -> None:
    services = backend.services
    writer = Writer(api, random.Random(19))
    for _ in range(4):
        writer.step()
    pid = project_id(api)
    runs = small_split.sealed_runs
    for n in range(40):
        kind = writer.step()
        got = answers(services.reads, services.stats, workspace, pid)
        assert same(got, recomputed(backend, workspace, pid)), f"after step {n}: {kind}"
    assert small_split.sealed_runs > runs  # the answers did come from sealed parts


def test_a_write_above_the_watermark_keeps_the_sealed_part(
    api: httpx.Client, backend: RunningBackend, small_split: split.Split, workspace: str
) -> None:
    services = backend.services
    small_split.tail_max = 1_000  # the watermark stays where it is set
    writer = Writer(api, random.Random(7))
    for _ in range(10):
        writer.post_trace(new_id())
    pid = project_id(api)
    before = answers(services.reads, services.stats, workspace, pid)
    runs = small_split.sealed_runs
    assert runs > 0

    writer.post_trace(new_id())  # a new trace: above the watermark
    writer.post_span(writer.traces[-1])
    after = answers(services.reads, services.stats, workspace, pid)
    assert small_split.sealed_runs == runs
    assert after[0][pid]["trace_count"] == before[0][pid]["trace_count"] + 1
    assert same(after, recomputed(backend, workspace, pid))

    writer.post_span(writer.traces[0])  # a late span of the oldest trace: below it
    again = answers(services.reads, services.stats, workspace, pid)
    assert same(again, recomputed(backend, workspace, pid))
    assert small_split.sealed_runs > runs


def test_the_change_log_moves_a_sealed_version_only_for_writes_below_its_watermark() -> None:
    changes = ChangeLog()
    project = ("ws", "p")
    changes.bump({project: "0190"})
    assert changes.watermarks(*project) == []
    changes.add_watermark(*project, "0195")
    changes.add_watermark(*project, "0198")
    (newer, newer_v), (older, older_v) = changes.watermarks(*project)
    assert (newer, older) == ("0198", "0195")
    changes.bump({project: "0199"})  # above both
    changes.bump({project: None})  # no trace (a span's score)
    changes.bump({("ws", "other"): ""})
    assert changes.watermarks(*project) == [(newer, newer_v), (older, older_v)]
    assert changes.version(*project) == (0, 3)
    changes.bump({project: "0196"})  # between them
    assert changes.watermarks(*project)[1] == (older, older_v)
    assert changes.watermarks(*project)[0][1] != newer_v
    changes.bump_all()  # a delete
    assert changes.watermarks(*project)[1][1] != older_v
    changes.add_watermark(*project, "0199")  # the oldest goes
    assert [mark for mark, _ in changes.watermarks(*project)] == ["0199", "0198"]


def test_durations_merge_from_both_parts(
    api: httpx.Client, backend: RunningBackend, small_split: split.Split, workspace: str
) -> None:
    """Percentiles come from the quantile states of both parts, not from one part."""
    small_split.tail_max = 1_000
    ends = [1, 2, 3, 4, 50, 60, 70]  # the slow ones are the newest, above the watermark
    for seconds in ends:
        body = trace(PROJECT, end_time=at(seconds))
        assert api.post(f"{TRACES}/batch", json={"traces": [body]}).status_code == 204
    pid = project_id(api)
    duration = backend.services.stats.projects(workspace, [pid])[pid]["duration"]
    ms = sorted(dt.timedelta(seconds=s) / dt.timedelta(milliseconds=1) for s in ends)
    assert duration["p50"] == pytest.approx(ms[3])
    assert small_split.sealed_runs > 0


def test_a_grown_tail_is_sealed_off_the_request_path(
    api: httpx.Client,
    backend: RunningBackend,
    small_split: split.Split,
    workspace: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    services = backend.services
    writer = Writer(api, random.Random(3))
    for _ in range(10):
        writer.post_trace(new_id())
    pid = project_id(api)
    answers(services.reads, services.stats, workspace, pid)  # sealed here, on first sight
    sealing: list[str] = []
    seal = small_split._seal

    def recorded(watermark: str, compute: Any) -> Any:
        sealing.append(threading.current_thread().name)
        return seal(watermark, compute)

    monkeypatch.setattr(small_split, "_seal", recorded)
    for _ in range(8):  # the tail outgrows tail_max: a newer watermark comes
        writer.post_trace(new_id())
    got = answers(services.reads, services.stats, workspace, pid)
    assert same(got, recomputed(backend, workspace, pid))
    deadline = time.monotonic() + 30
    while small_split._sealing and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(sealing) >= 5
    assert all(name.startswith("opik-backend-seal") for name in sealing)
    marks = services.reads.changes.watermarks(workspace, pid)
    assert len(marks) == 2
    writer.post_trace(new_id())
    sealed = len(sealing)
    assert same(
        answers(services.reads, services.stats, workspace, pid), recomputed(backend, workspace, pid)
    )
    assert len(sealing) == sealed  # the newer watermark's sealed parts serve now


def test_a_sealed_part_near_the_end_of_its_ttl_is_refreshed_off_the_request_path(
    backend: RunningBackend,
) -> None:
    changes = ChangeLog()
    found = split.Split(backend.services.ch, changes, ttl=0.4)
    changes.add_watermark("ws", "p", "0190")
    threads: list[str] = []

    def sealed(watermark: str) -> int:
        threads.append(threading.current_thread().name)
        return len(threads)

    def ask() -> int:
        return found.compute("k", "ws", "p", sealed, lambda w, below: below or 0)

    assert ask() == 1  # computed here: there was none
    time.sleep(0.35)  # less than a quarter of the TTL left
    changes.bump({("ws", "p"): "0191"})  # a new answer, from the same sealed part
    assert ask() == 1
    deadline = time.monotonic() + 10
    while len(threads) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threads[0] == threading.current_thread().name
    assert threads[1].startswith("opik-backend-seal")
    changes.bump({("ws", "p"): "0192"})
    assert ask() == 2  # the refreshed part serves
