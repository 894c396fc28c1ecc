"""Backend benchmark: ingestion throughput, list and tree latency at 1M spans, memory.

Runs a real backend process (embedded chDB + SQLite) on a fresh data directory and talks
to it over HTTP, as the SDKs do. Payloads are built before the clock starts, so the
numbers are the backend's. Usage::

    python benchmarks/bench_backend.py            # full run (1M spans, a few minutes)
    python benchmarks/bench_backend.py --quick    # 100k spans, for a smoke check
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx
import msgspec
import psutil
import uuid6
from common import big_trace, peak_rss, start_backend

from opik_backend import runtime

PROJECT = "bench"
SPANS_PER_TRACE = 3


def iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def make_batches(traces: int, per_batch: int) -> list[tuple[bytes, bytes]]:
    """Gzipped (traces, spans) request bodies, ``per_batch`` traces each."""
    t0 = dt.datetime.now(dt.UTC)
    batches = []
    for start in range(0, traces, per_batch):
        trace_rows, span_rows = [], []
        for i in range(start, min(start + per_batch, traces)):
            trace_id = str(uuid6.uuid7())
            begin, end = iso(t0), iso(t0 + dt.timedelta(milliseconds=850))
            trace_rows.append(
                {
                    "id": trace_id,
                    "project_name": PROJECT,
                    "name": "chat-turn",
                    "start_time": begin,
                    "end_time": end,
                    "input": {"question": f"question number {i}?"},
                    "output": {"answer": "an answer of moderate length " * 3},
                    "metadata": {"user": f"u{i % 97}"},
                    "tags": ["bench"],
                }
            )
            parent = None
            for kind, name in (("general", "retrieve"), ("tool", "rerank"), ("llm", "answer")):
                span_id = str(uuid6.uuid7())
                span_rows.append(
                    {
                        "id": span_id,
                        "trace_id": trace_id,
                        "parent_span_id": parent,
                        "project_name": PROJECT,
                        "name": name,
                        "type": kind,
                        "start_time": begin,
                        "end_time": end,
                        "input": {"q": i},
                        "output": {"r": "ok"},
                        "model": "gpt-4o-mini" if kind == "llm" else None,
                        "usage": {
                            "prompt_tokens": 120,
                            "completion_tokens": 40,
                            "total_tokens": 160,
                        }
                        if kind == "llm"
                        else None,
                    }
                )
                parent = parent or span_id
        batches.append(
            (
                gzip.compress(msgspec.json.encode({"traces": trace_rows}), 1),
                gzip.compress(msgspec.json.encode({"spans": span_rows}), 1),
            )
        )
    return batches


def send_all(url: str, batches: Sequence[tuple[bytes, bytes]], threads: int) -> None:
    queue = list(batches)
    lock = threading.Lock()
    failures: list[str] = []

    def worker() -> None:
        headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
        with httpx.Client(base_url=url + "/", timeout=300) as client:
            while True:
                with lock:
                    if not queue:
                        return
                    traces, spans = queue.pop()
                for path, body in (("traces", traces), ("spans", spans)):
                    response = client.post(
                        f"v1/private/{path}/batch", content=body, headers=headers
                    )
                    if response.status_code != 204:
                        failures.append(f"{response.status_code} {response.text[:200]}")

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if failures:
        raise RuntimeError(f"{len(failures)} batches failed, first: {failures[0]}")


def count(client: httpx.Client) -> tuple[int, int]:
    traces = client.get(
        "v1/private/traces",
        params={"project_name": PROJECT, "size": 1, "exclude": "input,output,metadata"},
    )
    project_id = traces.json()["content"][0]["project_id"]
    spans = client.get(
        "v1/private/spans",
        params={"project_id": project_id, "size": 1, "exclude": "input,output,metadata"},
    )
    return traces.json()["total"], spans.json()["total"]


def latencies(call: Callable[[], httpx.Response], runs: int) -> dict[str, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = call()
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text
    samples.sort()
    return {"p50": statistics.median(samples), "p95": samples[int(len(samples) * 0.95) - 1]}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100k spans instead of 1M")
    parser.add_argument("--threads", type=int, default=4, help="client threads")
    args = parser.parse_args(argv)
    total_spans = 100_000 if args.quick else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        process = start_backend(Path(tmp))
        url = runtime.read(Path(tmp)).url  # type: ignore[union-attr]
        backend = psutil.Process(process.pid)
        try:
            run(url, backend, total_spans, args.threads)
        finally:
            process.terminate()
            process.wait(120)


def run(url: str, backend: psutil.Process, total_spans: int, threads: int) -> None:
    client = httpx.Client(base_url=url + "/", timeout=300)
    print(f"backend pid {backend.pid}, RSS at start {backend.memory_info().rss / 2**20:.0f} MB")

    batches = make_batches(10_000, per_batch=500)
    start = time.perf_counter()
    send_all(url, batches, threads)
    traces, spans = count(client)
    elapsed = time.perf_counter() - start
    assert (traces, spans) == (10_000, 30_000), (traces, spans)
    print(
        f"ingest 10k traces x 3 spans: {40_000 / elapsed:,.0f} events/s "
        f"({elapsed:.2f} s until all are queryable)"
    )

    remaining = (total_spans - 30_000) // SPANS_PER_TRACE
    start = time.perf_counter()
    for chunk in range(0, remaining, 50_000):
        send_all(url, make_batches(min(50_000, remaining - chunk), per_batch=1000), threads)
    elapsed = time.perf_counter() - start
    traces, spans = count(client)
    print(
        f"bulk load to {spans:,} spans / {traces:,} traces: "
        f"{remaining * 4 / elapsed:,.0f} events/s (payload building included)"
    )
    print(f"RSS after load: {backend.memory_info().rss / 2**20:.0f} MB")

    time.sleep(1)
    listing = latencies(
        lambda: client.get("v1/private/traces", params={"project_name": PROJECT, "size": 50}),
        runs=200,
    )
    print(
        f"newest-50 trace list at {spans:,} spans: p50 {listing['p50']:.1f} ms, "
        f"p95 {listing['p95']:.1f} ms"
    )

    trace_id = big_trace(client, PROJECT, 1000)
    tree = latencies(
        lambda: client.get(
            "v1/private/spans", params={"trace_id": trace_id, "project_name": PROJECT, "size": 1000}
        ),
        runs=100,
    )
    print(
        f"one trace with 1,000 spans, full tree: p50 {tree['p50']:.1f} ms, p95 {tree['p95']:.1f} ms"
    )
    print(
        f"backend RSS at the end: {backend.memory_info().rss / 2**20:.0f} MB "
        f"(peak {peak_rss(backend) / 2**20:.0f} MB)"
    )


if __name__ == "__main__":
    main()
