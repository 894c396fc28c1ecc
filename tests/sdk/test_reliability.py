"""Delivery when the backend process stops, never starts, hangs, or the kernel restarts.

Every test runs real backend processes on its own data directory and port.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import opik_jupyter as oj
from opik_backend import runtime
from opik_backend.server import free_port
from opik_jupyter.sdk._spill import SpillFile
from tests.testlib.backends import BackendProcess, start_backend_process
from tests.testlib.sdk_env import env_without_sdk_settings
from tests.testlib.waiting import wait_for

TRACES = 5_000
SPANS_PER_TRACE = 3


@pytest.fixture
def backends() -> Iterator[list[BackendProcess]]:
    """Backends a test starts; all stopped at the end."""
    started: list[BackendProcess] = []
    yield started
    for backend in started:
        backend.stop(signal.SIGKILL)


@oj.track
def step(i: int) -> int:
    return i + 1


@oj.track
def handle(i: int) -> str:
    step(i)
    step(i + 1)
    trace = oj.get_current_trace()
    assert trace is not None
    return trace.id


def _stored(client: oj.Client, project: str) -> tuple[list[str], list[dict[str, object]]]:
    traces = [t["id"] for t in client.search_traces(project_name=project, limit=None)]
    spans = client.search_spans(project_name=project, limit=None)
    return traces, spans


def _assert_each_once(client: oj.Client, project: str, trace_ids: list[str]) -> None:
    traces, spans = _stored(client, project)
    assert len(traces) == len(set(traces)) == len(trace_ids)
    assert set(traces) == set(trace_ids)
    assert len(spans) == len({s["id"] for s in spans}) == SPANS_PER_TRACE * len(trace_ids)
    assert {s["trace_id"] for s in spans} == set(trace_ids)
    assert all("end_time" in s for s in spans)


def _assert_counters_add_up(status: oj.DeliveryStatus) -> None:
    assert status.queued == status.retrying == status.spilled == status.dropped == 0, status
    assert status.sent + status.superseded == status.enqueued + status.adopted, status


@pytest.mark.parametrize(
    "stop_signal", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"]
)
def test_backend_stopped_mid_stream__every_trace_and_span_arrives_once(
    tmp_path: Path, project: str, backends: list[BackendProcess], stop_signal: signal.Signals
) -> None:
    port = free_port()
    data_dir = tmp_path / "backend"
    backends.append(start_backend_process(data_dir, port=port))
    oj.configure(
        url=backends[0].url,
        project=project,
        flush_interval=0.05,
        retry_max_delay=0.5,
        data_dir=tmp_path / "sdk",
    )
    trace_ids = []
    for i in range(TRACES):
        if i == TRACES * 2 // 5:
            backends[0].stop(stop_signal)
        if i == TRACES * 3 // 5:
            wait_for(lambda: oj.delivery_status().spilled > 0, 20, what="events to spill")
            backends.append(start_backend_process(data_dir, port=port))
        if i % 100 == 0:
            time.sleep(0.01)  # a stream, not one burst: the sender sends while it runs
        trace_ids.append(handle(i))
    result = oj.flush(60)
    assert result.delivered, result
    _assert_counters_add_up(result.status)
    with oj.Client(url=backends[-1].url, project=project) as client:
        _assert_each_once(client, project, trace_ids)


class _Blackhole:
    """A port that accepts connections into its backlog and never answers."""

    def __init__(self, port: int) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(1)

    def close(self) -> None:
        self.sock.close()


@pytest.mark.parametrize("kind", ["never-started", "hanging"])
def test_unreachable_backend__code_runs_events_spill_then_arrive(
    tmp_path: Path, project: str, backends: list[BackendProcess], kind: str
) -> None:
    port = free_port()
    blackhole = _Blackhole(port) if kind == "hanging" else None
    oj.configure(
        url=f"http://127.0.0.1:{port}/api",
        project=project,
        flush_interval=0.05,
        request_timeout=0.5,
        retry_max_delay=0.5,
        data_dir=tmp_path / "sdk",
    )
    calls = 2_000
    start = time.perf_counter()
    trace_ids = [handle(i) for i in range(calls)]
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0, f"{calls} traced calls took {elapsed:.2f}s with the backend down"
    wait_for(lambda: oj.delivery_status().spilled > 0, 20, what="events to spill")
    result = oj.flush(1)
    assert not result.delivered
    spilled = _events_in_spill_files(tmp_path / "sdk" / "spill")
    assert spilled == result.status.spilled > 0
    if blackhole is not None:
        blackhole.close()
    backends.append(start_backend_process(tmp_path / "backend", port=port))
    result = oj.flush(60)
    assert result.delivered, result
    _assert_counters_add_up(result.status)
    with oj.Client(url=backends[0].url, project=project) as client:
        _assert_each_once(client, project, trace_ids)


def _events_in_spill_files(directory: Path) -> int:
    total = 0
    for path in directory.glob("*.spill"):
        data = path.read_bytes()
        copy = directory.parent / "copy.spill"
        copy.write_bytes(data)  # the live file is locked by its owner: read a copy
        spill = SpillFile.adopt(copy, oj.configure().target)
        assert spill is not None
        total += spill.pending_events
        spill.close(remove_if_empty=False)
        copy.unlink()
    return total


SCRIPT = textwrap.dedent("""
    import sys
    import opik_jupyter as oj

    url, project, data_dir, count = sys.argv[1:5]
    oj.configure(url=url, project=project, data_dir=data_dir, flush_interval=0.05,
                 request_timeout=1, exit_flush_timeout=5)

    @oj.track
    def work(i):
        return i

    for i in range(int(count)):
        work(i)
    print(oj.delivery_status().enqueued)
    """)


def _run_kernel(url: str, project: str, data_dir: Path, count: int) -> None:
    subprocess.run(
        [sys.executable, "-c", SCRIPT, url, project, str(data_dir), str(count)],
        check=True,
        timeout=60,
        env=env_without_sdk_settings(),
        capture_output=True,
    )


def test_interpreter_exit__flushes_what_was_traced(
    tmp_path: Path, project: str, backends: list[BackendProcess]
) -> None:
    backends.append(start_backend_process(tmp_path / "backend"))
    _run_kernel(backends[0].url, project, tmp_path / "sdk", 300)
    with oj.Client(url=backends[0].url, project=project) as client:
        assert len(client.search_traces(project_name=project, limit=None)) == 300


def test_kernel_restart__next_session_replays_what_the_last_one_spilled(
    tmp_path: Path, project: str, backends: list[BackendProcess]
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    _run_kernel(url, project, tmp_path / "sdk", 200)  # the backend is down: all spilled
    assert list((tmp_path / "sdk" / "spill").glob("*.spill"))
    backends.append(start_backend_process(tmp_path / "backend", port=port))
    oj.configure(url=url, project=project, data_dir=tmp_path / "sdk", flush_interval=0.05)
    handle(0)
    assert oj.flush(30).delivered
    status = oj.delivery_status()
    assert status.adopted >= 200 * 2
    _assert_counters_add_up(status)
    with oj.Client(url=url, project=project) as client:
        assert len(client.search_traces(project_name=project, limit=None)) == 201
    assert not list((tmp_path / "sdk" / "spill").glob("*.spill"))


def test_no_url__local_backend_starts_lazily_and_a_restart_finds_it(
    tmp_path: Path, project: str
) -> None:
    data_dir = tmp_path / "local"
    oj.configure(project=project, data_dir=data_dir, flush_interval=0.05)
    assert runtime.read(data_dir) is None
    start = time.perf_counter()
    first = handle(1)
    assert time.perf_counter() - start < 0.1  # the backend starts on the sender thread
    try:
        assert oj.flush(90).delivered
        info = runtime.read(data_dir)
        assert info is not None
        oj.shutdown()  # a kernel restart: a new sender, the same data directory
        oj.configure(project=project, data_dir=data_dir, flush_interval=0.05)
        second = handle(2)
        assert oj.flush(30).delivered
        assert runtime.read(data_dir) == info
        with oj.Client(url=info.url, project=project) as client:
            assert {t["id"] for t in client.search_traces(limit=None)} == {first, second}
    finally:
        oj.shutdown()
        found = runtime.read(data_dir)
        if found is not None:
            os.kill(found.pid, signal.SIGTERM)
