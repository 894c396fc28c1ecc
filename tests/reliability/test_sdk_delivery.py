"""The SDK never drops a trace: 100,000-trace bursts, damaged spill files, an exit while
the backend hangs, a kernel killed right after its cell.

Real backend processes, real interpreters and kernels; every count is read back through
the REST API. Timings are recorded (tests/artifacts), never asserted: the benchmark
(benchmarks/bench_burst.py) measures them.
"""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from opik_backend.server import free_port
from opik_jupyter.sdk._config import Config
from opik_jupyter.sdk._spill import SpillFile
from tests.testlib.backends import BackendProcess, start_backend_process
from tests.testlib.kernel import Kernel, kernel_env
from tests.testlib.traced_process import (
    SPANS_PER_TRACE,
    finish,
    run_burst,
    start_burst,
    stored,
)
from tests.testlib.waiting import wait_for

pytestmark = pytest.mark.slow

BURST = 100_000
ARTIFACTS = Path(__file__).parents[1] / "artifacts"


@pytest.fixture
def backends() -> Iterator[list[BackendProcess]]:
    """Backends a test starts; all killed at the end (resumed first if stopped)."""
    started: list[BackendProcess] = []
    yield started
    for backend in started:
        if backend.process.poll() is None:
            os.kill(backend.process.pid, signal.SIGCONT)
        backend.stop(signal.SIGKILL)


@pytest.fixture
def project() -> str:
    return f"delivery-{uuid.uuid4().hex[:10]}"


def assert_all_stored(url: str, project: str, traces: int) -> None:
    assert stored(url, project) == (traces, SPANS_PER_TRACE * traces)


def assert_truthful(result: dict[str, object], traces: int) -> None:
    """``flush()`` said delivered, and its counters add up to every event traced (plus the
    start versions of calls the sender saw running)."""
    events = traces * (1 + SPANS_PER_TRACE)
    assert result["delivered"] is True, result
    assert result["dropped"] == result["queued"] == result["spilled"] == 0, result
    assert result["sent"] + result["superseded"] == result["enqueued"] >= events, result


def test_burst_at_defaults__every_trace_and_span_is_stored_and_flush_says_so(
    tmp_path: Path, project: str, backends: list[BackendProcess]
) -> None:
    backends.append(start_backend_process(tmp_path / "backend"))
    result, _log = run_burst(backends[0].url, project, tmp_path / "sdk", BURST)
    assert_truthful(result, BURST)
    assert_all_stored(backends[0].url, project, BURST)


def test_burst_with_the_backend_down_for_its_first_half__loses_nothing(
    tmp_path: Path, project: str, backends: list[BackendProcess]
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    pause = tmp_path / "pause"
    pause.mkdir()
    burst = start_burst(url, project, tmp_path / "sdk", BURST, pause=pause)
    wait_for((pause / "half").exists, 600, what="the first half of the burst")
    assert list((tmp_path / "sdk" / "spill").glob("*.spill"))  # the first half is on disk
    backends.append(start_backend_process(tmp_path / "backend", port=port))
    (pause / "go").touch()
    result, _log = finish(burst)
    assert_truthful(result, BURST)
    assert_all_stored(url, project, BURST)


def _orphan(url: str, project: str, data_dir: Path, traces: int) -> Path:
    """A spill file left by a process that traced ``traces`` calls while nothing listened."""
    before = set((data_dir / "spill").glob("*.spill"))
    run_burst(url, project, data_dir, traces, then="exit", exit_flush_timeout=2)
    (path,) = set((data_dir / "spill").glob("*.spill")) - before
    return path


def test_damaged_orphans_beside_a_good_one__good_replayed_damaged_set_aside_and_named(
    tmp_path: Path, project: str, backends: list[BackendProcess]
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    sdk = tmp_path / "sdk"
    good = _orphan(url, project, sdk, 300)
    cut = _orphan(url, project, sdk, 100)
    with cut.open("ab") as file:  # valid records, then what a power loss leaves
        file.write(bytes(64))
    created = SpillFile.create(sdk / "spill", Config(url=url, data_dir=sdk).target)
    created.close(remove_if_empty=False)
    zeros = created.path
    with zeros.open("ab") as file:  # a valid header and meta record, then zeros
        file.write(bytes(64))
    backends.append(start_backend_process(tmp_path / "backend", port=port))
    result, log = run_burst(url, project, sdk, 1)
    assert result["delivered"] is True, (result, log)
    assert_all_stored(url, project, 300 + 100 + 1)
    for damaged in (cut, zeros):
        assert not damaged.exists()
        assert damaged.with_name(damaged.name + ".corrupt").exists()
        assert sum(str(damaged) in line for line in log.splitlines()) == 1, log
    assert "dropped" not in log
    assert not good.exists()
    assert not list((sdk / "spill").glob("*.spill"))


def test_exit_while_the_backend_hangs__everything_arrives_from_the_spill_file(
    tmp_path: Path, project: str, backends: list[BackendProcess]
) -> None:
    backend = start_backend_process(tmp_path / "backend")
    backends.append(backend)
    os.kill(backend.process.pid, signal.SIGSTOP)
    sdk = tmp_path / "sdk"
    run_burst(backend.url, project, sdk, 500, then="exit", exit_flush_timeout=2)
    spilled = list((sdk / "spill").glob("*.spill"))
    assert spilled, "the exit wrote nothing to disk"
    backend.stop(signal.SIGKILL)
    backends.append(start_backend_process(tmp_path / "backend", port=backend.port))
    result, log = run_burst(backend.url, project, sdk, 1)
    assert result["delivered"] is True, (result, log)
    assert_all_stored(backend.url, project, 500 + 1)


KILL_DELAYS = (0.0, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0)
WINDOW = 1.0  # docs/sdk.md: a kernel killed this long after its cell ended lost nothing
CELL_TRACES = 300
SETUP = """
%load_ext opik_jupyter
import opik_jupyter as oj
oj.configure(project={project!r})

@oj.track(type="llm")
def generate(prompt):
    return prompt.upper()

@oj.track
def answer(i):
    return generate(f"question {{i}}")
"""


def _kill_after_cell(url: str, project: str, runtime_dir: Path, delay: float) -> None:
    env = kernel_env(OPIK_JUPYTER_URL=url, OPIK_JUPYTER_DATA_DIR=str(runtime_dir / "sdk"))
    kernel = Kernel(env, runtime_dir)
    try:
        assert kernel.run(SETUP.format(project=project)).ok
        run = kernel.run(f"for i in range({CELL_TRACES}):\n    answer(i)")
        assert run.ok, run.traceback
        time.sleep(delay)
        os.kill(kernel.manager.provisioner.pid, signal.SIGKILL)  # type: ignore[union-attr]
    finally:
        kernel.client.stop_channels()
        kernel.manager.cleanup_resources()


def _settled(url: str, project: str) -> int:
    """Traces stored once the count stops changing (the backend commits in groups)."""
    last = -1
    while True:
        count = stored(url, project)[0]
        if count == last:
            return count
        last = count
        time.sleep(0.5)


def test_kernel_killed_after_a_cell__what_arrives_and_the_documented_window(
    tmp_path: Path, backends: list[BackendProcess]
) -> None:
    backends.append(start_backend_process(tmp_path / "backend"))
    url = backends[0].url
    arrived = {}
    for delay in KILL_DELAYS:
        project = f"kill-{delay}-{uuid.uuid4().hex[:6]}"
        runtime_dir = tmp_path / f"kernel-{delay}"
        runtime_dir.mkdir()
        _kill_after_cell(url, project, runtime_dir, delay)
        arrived[delay] = _settled(url, project)
    ARTIFACTS.mkdir(exist_ok=True)
    record = {"cell_traces": CELL_TRACES, "arrived_by_kill_delay_s": arrived}
    (ARTIFACTS / "kernel-kill-window.json").write_text(json.dumps(record, indent=2))
    assert arrived[WINDOW] == CELL_TRACES, arrived
