"""Burst benchmark: 10,000 and 100,000 ``@track`` root calls in a tight loop at the SDK's
defaults (each a trace whose root span has an ``llm`` and a ``tool`` child), then
``flush()``.

Each burst runs in its own child process against a real backend process (embedded chDB +
SQLite on a fresh data directory). Reported per burst: events per second end to end (from
the first call until ``flush()`` returned, every event stored); the max, p99 and p99.9
latency of one root ``@track`` call as its caller sees it, and the most CPU time one call
used (the difference is time the thread waited, for the GIL or for a core); the events
dropped (must be 0); what ``flush()`` said; what the backend stores (counted through the
REST API); the peak RSS of the child process.

Usage::

    python benchmarks/bench_burst.py            # 10k and 100k
    python benchmarks/bench_burst.py --quick    # 10k only
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from common import percentile, start_backend

from opik_backend import runtime

HERE = Path(__file__).resolve()


def child(url: str, project: str, traces: int) -> dict[str, Any]:
    """Run the burst in this process; what it measured."""
    import opik_jupyter as oj  # noqa: PLC0415 - the parent process does not trace

    oj.configure(url=url, project=project)

    @oj.track(type="llm")
    def generate(prompt: str) -> str:
        return prompt.upper()

    @oj.track(type="tool")
    def lookup(key: int) -> dict[str, int]:
        return {"key": key}

    @oj.track
    def answer(i: int) -> str:
        lookup(i)
        return generate(f"question {i}")

    latencies, cpu = [], []
    start = time.perf_counter()
    for i in range(traces):
        before, before_cpu = time.perf_counter_ns(), time.thread_time_ns()
        answer(i)
        latencies.append(time.perf_counter_ns() - before)
        cpu.append(time.thread_time_ns() - before_cpu)
    calls_s = time.perf_counter() - start
    result = oj.flush(600)
    total_s = time.perf_counter() - start
    status = result.status
    return {
        "traces": traces,
        "calls_s": calls_s,
        "total_s": total_s,
        "max_ms": max(latencies) / 1e6,
        "p99_ms": percentile([float(x) for x in latencies], 0.99) / 1e6,
        "p999_ms": percentile([float(x) for x in latencies], 0.999) / 1e6,
        "over_5ms": sum(x > 5_000_000 for x in latencies),
        "max_cpu_ms": max(cpu) / 1e6,
        "delivered": result.delivered,
        "sent": status.sent,
        "dropped": status.dropped,
        "spilled": status.spilled,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_child(url: str, project: str, traces: int, data_dir: Path) -> dict[str, Any]:
    env = {**os.environ, "OPIK_JUPYTER_DATA_DIR": str(data_dir)}
    out = subprocess.run(
        [sys.executable, str(HERE), "--child", url, project, str(traces)],
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
        env=env,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def stored(url: str, project: str) -> tuple[int, int]:
    """Traces and spans of ``project`` the backend holds (each id once)."""
    import opik_jupyter as oj  # noqa: PLC0415

    with oj.Client(url=url, project=project) as client:
        traces = client.list_traces(project, size=1)["total"]
        spans = client.json("GET", "v1/private/spans", params={"project_name": project, "size": 1})
    return int(traces), int(spans["total"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("URL", "PROJECT", "TRACES"))
    args = parser.parse_args()
    if args.child:
        url, project, traces = args.child
        print(json.dumps(child(url, project, int(traces))))
        return
    sizes = (10_000,) if args.quick else (10_000, 100_000)
    with tempfile.TemporaryDirectory(prefix="bench-burst-") as tmp:
        backend = start_backend(Path(tmp) / "backend")
        try:
            info = runtime.read(Path(tmp) / "backend")
            assert info is not None
            for traces in sizes:
                report(info.url, traces, Path(tmp) / f"sdk-{traces}")
        finally:
            backend.terminate()
            backend.wait(60)


def report(url: str, traces: int, data_dir: Path) -> None:
    project = f"burst-{uuid.uuid4().hex[:8]}"
    found = run_child(url, project, traces, data_dir)
    stored_traces, stored_spans = stored(url, project)
    events = traces * 4  # a trace and its three spans
    print(
        f"{traces:,} traces ({events:,} events): {events / found['total_s']:,.0f} events/s end "
        f"to end ({found['calls_s']:.2f} s of calls, {found['total_s']:.2f} s until flushed); "
        f"@track max {found['max_ms']:.2f} ms (CPU {found['max_cpu_ms']:.2f} ms), "
        f"p99 {found['p99_ms']:.3f} ms, p99.9 {found['p999_ms']:.3f} ms, "
        f"{found['over_5ms']} call(s) over 5 ms; "
        f"flush delivered={found['delivered']} sent={found['sent']:,} "
        f"dropped={found['dropped']:,} spilled={found['spilled']:,}; "
        f"stored {stored_traces:,} traces, {stored_spans:,} spans; "
        f"peak RSS {found['peak_rss_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main()
