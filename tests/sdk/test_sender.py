"""The sender with an in-memory transport: batching, gzip, headers, retries, spilling."""

from __future__ import annotations

import logging
import threading
import time
import zlib
from pathlib import Path

import pytest

import opik_jupyter as oj
from opik_jupyter.sdk import Request, Response, _state
from opik_jupyter.sdk._batch import MAX_ITEMS_PER_REQUEST, Batcher
from opik_jupyter.sdk._config import Config
from opik_jupyter.sdk._ids import new_id
from tests.testlib.fake_backend import FakeBackend, refuse


@pytest.fixture
def fake(clean_sdk: Path) -> FakeBackend:
    backend = FakeBackend()
    _state.set_transport_factory(lambda _config: backend.transport)
    oj.configure(
        url="http://fake.invalid/api",
        project="unit",
        workspace="ws",
        api_key="secret",
        flush_interval=0.02,
        retry_base_delay=0.01,
        retry_max_delay=0.05,
        data_dir=clean_sdk,
    )
    return backend


@oj.track
def leaf(i: int) -> int:
    return i


@oj.track
def root(i: int) -> int:
    return leaf(i) + leaf(i + 1)


def test_requests__follow_the_wire_protocol(fake: FakeBackend) -> None:
    for i in range(50):
        root(i)
    oj.log_feedback_score("accuracy", 1.0, trace_id=fake_id(), reason="r")
    assert oj.flush(10).delivered
    paths = {(r.method, r.path) for r, _ in fake.requests}
    assert paths == {
        ("POST", "v1/private/traces/batch"),
        ("POST", "v1/private/spans/batch"),
        ("PUT", "v1/private/traces/feedback-scores"),
    }
    for request, _ in fake.requests:
        assert request.headers["Comet-Workspace"] == "ws"
        assert request.headers["Authorization"] == "secret"
    assert len(fake.items["traces"]) == 50
    assert len(fake.items["spans"]) == 150
    assert all("end_time" in t for t in fake.items["traces"].values())
    assert fake.scores == [
        {
            "id": fake.scores[0]["id"],
            "name": "accuracy",
            "value": 1.0,
            "source": "sdk",
            "project_name": "unit",
            "reason": "r",
        }
    ]


def fake_id() -> str:
    return new_id()


def test_batches__respect_item_limits_and_never_repeat_an_id(fake: FakeBackend) -> None:
    oj.configure(batch_max_items=7)
    for i in range(40):
        root(i)
    assert oj.flush(10).delivered
    for _, data in fake.requests:
        (items,) = data.values()
        assert len(items) <= 7
    assert len(fake.items["spans"]) == 120


def test_update_after_end__is_sent_again_as_a_newer_version(fake: FakeBackend) -> None:
    with oj.start_trace("t") as trace:
        pass
    assert oj.flush(10).delivered
    trace.update(output={"late": True})
    assert oj.flush(10).delivered
    assert fake.items["traces"][trace.id]["output"] == {"late": True}


def test_5xx_and_429__are_retried_with_retry_after(fake: FakeBackend) -> None:
    answers = iter([Response(503), Response(429, headers={"retry-after": "0.2"})])
    fake.fail = lambda _request: next(answers, None)
    start = time.monotonic()
    root(1)
    assert oj.flush(10).delivered
    assert time.monotonic() - start >= 0.2
    assert len(fake.items["traces"]) == 1
    assert oj.delivery_status().dropped == 0


def test_rejected_event__is_isolated_dropped_and_counted(
    fake: FakeBackend, caplog: pytest.LogCaptureFixture
) -> None:
    def reject_bad(request: Request) -> Response | None:
        body = fake_body(request)
        return Response(422, b"bad name") if b'"name":"bad"' in body else None

    fake.fail = reject_bad

    @oj.track(name="bad")
    def bad() -> None:
        leaf(0)

    with caplog.at_level(logging.WARNING, "opik_jupyter"):
        for i in range(10):
            root(i)
        bad()
        assert not oj.flush(10).status.pending
    status = oj.delivery_status()
    assert status.dropped == 2  # the trace "bad" and its root span "bad"
    assert len(fake.items["traces"]) == 10
    assert sum("rejected" in r.getMessage() for r in caplog.records) == 1


def fake_body(request: Request) -> bytes:
    if request.headers.get("Content-Encoding") == "gzip":
        return zlib.decompress(request.body, 31)
    return request.body


def test_outage__spills_in_order_and_replays_when_back(fake: FakeBackend, clean_sdk: Path) -> None:
    fake.fail = refuse
    with oj.start_trace("first") as first:
        pass
    ids = [first.id]
    for _ in range(20):
        with oj.start_trace("t") as trace:
            pass
        ids.append(trace.id)
    result = oj.flush(5)
    assert not result.delivered
    assert result.spilled == 21
    assert result.status.last_error == "connection refused"
    assert list((clean_sdk / "spill").glob("*.spill"))
    fake.fail = None
    result = oj.flush(10)
    assert result.delivered, result
    assert result.status.last_error is None  # cleared once delivery recovered
    assert [i for i in fake.order if i in ids] == ids
    assert not list((clean_sdk / "spill").glob("*.spill")) or result.status.spilled == 0


def test_full_queue__warns_once_then_spills_and_loses_nothing(
    fake: FakeBackend, clean_sdk: Path, caplog: pytest.LogCaptureFixture
) -> None:
    gate = threading.Event()
    fake.fail = lambda _request: (gate.wait(10), None)[1]
    oj.configure(max_queue=50, batch_max_items=10)
    with caplog.at_level(logging.WARNING, "opik_jupyter"):
        ids = []
        for _ in range(200):
            with oj.start_trace("t") as trace:
                pass
            ids.append(trace.id)
    during = oj.delivery_status()
    assert during.spilled > 0, during  # the overflow went to disk, not away
    assert list((clean_sdk / "spill").glob("*.spill"))
    gate.set()
    result = oj.flush(10)
    assert result.delivered, result
    assert result.status.dropped == 0
    assert result.status.sent == result.status.enqueued == 200
    assert [i for i in fake.order if i in ids] == ids  # the overflow came after the queue
    assert sum("spill file" in r.getMessage() for r in caplog.records) == 1


def test_past_the_disk_budget__events_are_dropped_counted_and_flush_says_so(
    fake: FakeBackend,
) -> None:
    fake.fail = refuse
    oj.configure(max_queue=20, batch_max_items=10, max_spill_bytes=2_000)
    for i in range(300):
        leaf(i)
    result = oj.flush(2)
    assert result.status.dropped > 0
    assert not result.delivered
    status = oj.delivery_status()
    assert status.dropped == result.status.dropped
    assert status.spilled + status.dropped + status.sent == status.enqueued == 600
    fake.fail = None
    result = oj.flush(10)
    assert result.status.pending == 0
    assert not result.delivered  # what was dropped stays lost, and flush keeps saying so


def test_flush__times_out_without_raising(fake: FakeBackend) -> None:
    gate = threading.Event()
    fake.fail = lambda _request: (gate.wait(10), None)[1]
    root(1)
    result = oj.flush(0.2)
    assert result.timed_out
    assert not result
    gate.set()
    assert oj.flush(10).delivered


def test_shutdown__stops_the_thread_and_tracing_restarts_it(fake: FakeBackend) -> None:
    root(1)
    assert oj.shutdown(10).delivered
    assert not [t for t in threading.enumerate() if t.name.startswith("opik-jupyter")]
    root(2)
    assert oj.flush(10).delivered
    assert len(fake.items["traces"]) == 2


def test_tracing__never_raises_when_the_sender_breaks(
    fake: FakeBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("sender exploded")

    monkeypatch.setattr("opik_jupyter.sdk._tracing._put", broken)
    assert root(3) == 7
    with oj.start_span("x") as span:
        span.update(output={"a": 1})


def test_disabled__calls_run_untraced(fake: FakeBackend) -> None:
    oj.configure(enabled=False)
    assert root(1) == 3
    assert list(leaf_gen()) == [1]
    assert oj.flush(1).delivered
    assert fake.requests == []


@oj.track
def leaf_gen() -> object:
    yield 1


def test_batcher__never_exceeds_the_backend_batch_limit() -> None:
    assert Batcher(Config(batch_max_items=50_000)).max_items == MAX_ITEMS_PER_REQUEST


def test_open_span__start_version_is_sent_on_flush_then_replaced(fake: FakeBackend) -> None:
    oj.configure(flush_interval=60)  # only flush() makes the sender look now
    with oj.start_span("long") as span:
        assert oj.flush(10).delivered
        (started,) = fake.items["spans"].values()
        assert "end_time" not in started
        assert fake.items["traces"][span.trace_id]["name"] == "long"
    assert oj.flush(10).delivered
    assert "end_time" in fake.items["spans"][span.id]
    assert "end_time" in fake.items["traces"][span.trace_id]


def test_quick_calls__send_no_start_versions(fake: FakeBackend) -> None:
    oj.configure(flush_interval=60)  # the sender looks at open spans only on flush()
    for i in range(100):
        root(i)
    assert oj.flush(10).delivered
    sent = [item for _, data in fake.requests for item in next(iter(data.values()))]
    assert all("end_time" in item for item in sent)
    assert len(sent) == 100 + 300


def test_counters__add_up_while_requests_are_in_flight(fake: FakeBackend) -> None:
    gate, sending = threading.Event(), threading.Event()

    def hold(_request: Request) -> None:
        sending.set()
        gate.wait(10)

    fake.fail = hold
    oj.configure(flush_interval=60)
    for i in range(10):
        root(i)  # 10 traces + 30 spans, all ended: 40 events
    flusher = threading.Thread(target=oj.flush, args=(10,))
    flusher.start()
    assert sending.wait(10)
    during = oj.delivery_status()
    gate.set()
    flusher.join()
    after = oj.delivery_status()
    assert during.enqueued == after.enqueued == 40
    assert during.queued > 0
    assert (after.sent, after.queued, after.superseded) == (40, 0, 0)
