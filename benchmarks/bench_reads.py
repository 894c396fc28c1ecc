"""Read benchmark: list, filter, search, tree, stats and a 50-client mixed load at 1M spans.

Loads ``--spans`` spans (4 per trace, so 250k traces at the default 1M) through the REST
batch routes into a real backend process (embedded chDB + SQLite, fresh data directory),
waits for ClickHouse's background merges to settle, then times each read ``--runs`` times
(p50/p95/p99) and runs ``--clients`` concurrent clients with a realistic mix (45% writes,
55% reads) for ``--seconds``: first back to back (a closed loop), then each client starting
one request every ``--pace`` seconds. Usage::

    python benchmarks/bench_reads.py                      # 1M spans (several minutes)
    python benchmarks/bench_reads.py --spans 100000       # a quick run
    python benchmarks/bench_reads.py --keep /tmp/data     # keep the loaded data directory
    python benchmarks/bench_reads.py --data /tmp/data --baseline /path/to/old/backend
        # reuse a loaded directory, and time an older backend source on it in the same run

With ``--baseline`` (a directory holding an ``opik_backend`` package, e.g. ``backend/`` of
an older checkout) the same reads are timed against that code on the same data first, so
the ratios are measured under the same machine load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import os
import random
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx
import msgspec
import psutil
import uuid6
from bench_backend import send_all
from common import big_trace, peak_rss, percentile, start_backend

from opik_backend import runtime
from opik_backend.ids import id_at

PROJECT = "bench-reads"
SPANS_PER_TRACE = 4
TREE_SPANS = 1000
JSON = {"Content-Type": "application/json"}


def iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def trace_batch(start: int, count: int, t0: dt.datetime) -> tuple[bytes, bytes]:
    """Gzipped (traces, spans) bodies for ``count`` traces with 4 spans each."""
    traces, spans = [], []
    for i in range(start, start + count):
        begin = t0 + dt.timedelta(milliseconds=i)
        # Ids carry the trace's start, as an SDK makes them: made here at load speed, UUID v7
        # ids would run minutes ahead of the clock (the generator's counter carries into
        # the milliseconds), and every live write of the mixed load would land under them.
        trace_id = id_at(begin)
        end = iso(begin + dt.timedelta(milliseconds=300 + i % 900))
        traces.append(
            {
                "id": trace_id,
                "project_name": PROJECT,
                "name": f"chat-turn-{i % 50}",
                "start_time": iso(begin),
                "end_time": end,
                "input": {"question": f"question number {i}?"},
                "output": {"answer": "an answer of moderate length " * 3},
                "metadata": {"user": f"u{i % 97}", "tier": "gold" if i % 10 == 0 else "free"},
                "tags": ["bench"],
                "thread_id": f"thread-{i % 5000}",
            }
        )
        parent = None
        for kind, name in (
            ("general", "retrieve"),
            ("tool", "rerank"),
            ("llm", "answer"),
            ("general", "format"),
        ):
            span_id = id_at(begin)
            spans.append(
                {
                    "id": span_id,
                    "trace_id": trace_id,
                    "parent_span_id": parent,
                    "project_name": PROJECT,
                    "name": name,
                    "type": kind,
                    "start_time": iso(begin),
                    "end_time": end,
                    "input": {"q": i},
                    "output": {"r": "ok"},
                    "model": "gpt-4o-mini" if kind == "llm" else None,
                    "usage": {"prompt_tokens": 120, "completion_tokens": 40, "total_tokens": 160}
                    if kind == "llm"
                    else None,
                }
            )
            parent = parent or span_id
    return (
        gzip.compress(msgspec.json.encode({"traces": traces}), 1),
        gzip.compress(msgspec.json.encode({"spans": spans}), 1),
    )


def load(url: str, traces: int, threads: int) -> None:
    """Post ``traces`` traces (and 4 spans each) in batches of 1,000 traces."""
    t0 = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    start = time.perf_counter()
    sent = 0
    for chunk in range(0, traces, 25_000):
        size = min(25_000, traces - chunk)
        batches = [trace_batch(chunk + i, min(1000, size - i), t0) for i in range(0, size, 1000)]
        send_all(url, batches, threads)
        sent += size
        rate = sent * (1 + SPANS_PER_TRACE) / (time.perf_counter() - start)
        print(f"  loaded {sent:,} traces ({rate:,.0f} events/s incl. payload building)")


def settle(data_dir: Path, timeout: float = 600) -> None:
    """Wait until ClickHouse's background merges leave the part count steady."""
    start, last, steady = time.perf_counter(), -1, 0
    while time.perf_counter() - start < timeout:
        parts = count_parts(data_dir)
        steady = steady + 1 if parts == last else 0
        if steady >= 5:
            break
        last = parts
        time.sleep(2)
    print(f"  merges settled at {last} parts in {time.perf_counter() - start:.0f} s")


def count_parts(data_dir: Path) -> int:
    """Active data parts of the traces and spans tables, counted on disk."""
    total = 0
    for table in (data_dir / "clickhouse" / "store").glob("*/*"):
        try:
            names = [part.name for part in table.iterdir() if part.is_dir()]
        except FileNotFoundError:  # a merge removed it meanwhile
            continue
        if "detached" in names:  # a MergeTree table's directory
            total += sum(1 for name in names if name.startswith("all_"))
    return total


class Reads:
    """The timed reads, each a callable returning a response."""

    def __init__(self, client: httpx.Client, project_id: str, tree_id: str) -> None:
        self.client = client
        self.project_id = project_id
        self.tree_id = tree_id

    def calls(self) -> dict[str, Callable[[], httpx.Response]]:
        c, pid = self.client, self.project_id
        by_meta = msgspec.json.encode(
            [{"field": "metadata", "key": "tier", "operator": "=", "value": "gold"}]
        ).decode()
        week_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=7)).isoformat()
        return {
            "newest-50 trace list": lambda: c.get(
                "v1/private/traces", params={"project_id": pid, "size": 50}
            ),
            "page 20 of the trace list": lambda: c.get(
                "v1/private/traces", params={"project_id": pid, "size": 50, "page": 20}
            ),
            "metadata filter (tier = gold)": lambda: c.get(
                "v1/private/traces", params={"project_id": pid, "size": 50, "filters": by_meta}
            ),
            "name search": lambda: c.get(
                "v1/private/traces",
                params={"project_id": pid, "size": 50, "search": "question number 12345"},
            ),
            "1,000-span tree": lambda: c.get(
                "v1/private/spans",
                params={"trace_id": self.tree_id, "project_id": pid, "size": TREE_SPANS},
            ),
            "project trace stats": lambda: c.get(
                "v1/private/traces/stats", params={"project_id": pid}
            ),
            "projects list": lambda: c.get("v1/private/projects", params={"size": 10}),
            "project metrics": lambda: c.post(
                f"v1/private/projects/{pid}/metrics",
                json={
                    "metric_type": "TRACE_COUNT",
                    "interval": "DAILY",
                    "interval_start": week_ago,
                },
            ),
        }


def time_reads(
    reads: Reads, runs: int, backend: psutil.Process, cap: float
) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for name, call in reads.calls().items():
        first = call()
        if first.status_code in (404, 405, 501) and name == "project metrics":
            print(f"  {name}: skipped, the route answers {first.status_code}")
            continue
        assert first.status_code == 200, (name, first.status_code, first.text[:300])
        samples = []
        cpu = sum(backend.cpu_times()[:2])
        began = time.perf_counter()
        for _ in range(runs):
            if len(samples) >= 5 and time.perf_counter() - began > cap:
                print(f"  {name}: stopped after {len(samples)} runs ({cap:.0f} s cap)")
                break
            start = time.perf_counter()
            response = call()
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (name, response.text[:300])
        cpu_ms = (sum(backend.cpu_times()[:2]) - cpu) * 1000 / len(samples)
        out[name] = {"cpu": cpu_ms} | {
            q: percentile(samples, f) for q, f in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))
        }
        print(
            f"  {name:32s} p50 {out[name]['p50']:7.1f} ms  p95 {out[name]['p95']:7.1f} ms  "
            f"p99 {out[name]['p99']:7.1f} ms  backend CPU {cpu_ms:6.1f} ms/request  "
            f"RSS {backend.memory_info().rss / 2**20:.0f} MB"
        )
    return out


def mixed(
    url: str, reads: Reads, clients: int, seconds: float, pace: float = 0.0
) -> dict[str, list[float]]:
    """``clients`` threads; each request is a write (45%) or one of the reads (55%).

    With ``pace`` 0 each client sends its next request as soon as the last is answered (a
    closed loop: the latency is then set by how many requests the server completes per
    second, ``clients / throughput``); with ``pace`` > 0 each client starts one request
    every ``pace`` seconds (or at once when the last took longer), as users and SDKs do.
    """
    samples: dict[str, list[float]] = {}
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds
    t0 = dt.datetime.now(dt.UTC)
    trace_ids: list[str] = []

    def write(client: httpx.Client, rng: random.Random) -> httpx.Response:
        trace_id = str(uuid6.uuid7())
        now = iso(t0)
        if rng.random() < 0.5:
            response = client.post(
                "v1/private/traces/batch",
                json={
                    "traces": [
                        {
                            "id": trace_id,
                            "project_name": PROJECT,
                            "name": "live",
                            "start_time": now,
                            "end_time": now,
                            "input": {"q": "live"},
                        }
                    ]
                },
            )
            if response.status_code == 204:
                trace_ids.append(trace_id)
            return response
        parent = trace_ids[-1] if trace_ids else trace_id
        return client.post(
            "v1/private/spans/batch",
            json={
                "spans": [
                    {
                        "id": str(uuid6.uuid7()),
                        "trace_id": parent,
                        "project_name": PROJECT,
                        "name": "live-span",
                        "type": "llm",
                        "start_time": now,
                        "end_time": now,
                        "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10},
                    }
                ]
            },
        )

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=url + "/", timeout=60) as client:
            local = Reads(client, reads.project_id, reads.tree_id)
            calls = local.calls()
            calls.pop("project metrics", None)
            calls["get one trace"] = lambda: client.get(
                f"v1/private/traces/{rng.choice(trace_ids) if trace_ids else reads.tree_id}"
            )
            names = list(calls)
            due = time.perf_counter() + rng.random() * pace  # spread the clients' starts
            while time.perf_counter() < stop:
                if pace:
                    time.sleep(max(0.0, due - time.perf_counter()))
                    due = max(due + pace, time.perf_counter())
                if rng.random() < 0.45:
                    name, call = "write (1 trace or span)", lambda: write(client, rng)
                else:
                    name = rng.choice(names)
                    call = calls[name]
                start = time.perf_counter()
                try:
                    response = call()
                    ok = response.status_code in (200, 204)
                    detail = f"{name}: {response.status_code} {response.text[:120]}"
                except httpx.HTTPError as exc:
                    ok, detail = False, f"{name}: {exc!r}"
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    samples.setdefault(name, []).append(elapsed)
                    if not ok:
                        errors.append(detail)

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    all_reads = [
        s for name, values in samples.items() if not name.startswith("write") for s in values
    ]
    done = sum(len(values) for values in samples.values())
    mode = f"one request every {pace:g} s each" if pace else "closed loop"
    print(
        f"  {clients} clients ({mode}) for {seconds:.0f} s: {done / seconds:,.0f} requests/s, "
        f"errors: {len(errors)}"
    )
    if errors:
        print(f"    first error: {errors[0]}")
    for name, values in sorted(samples.items()):
        print(
            f"  {name:32s} n {len(values):6d}  p50 {percentile(values, 0.5):7.1f} ms  "
            f"p99 {percentile(values, 0.99):7.1f} ms"
        )
    print(
        f"  {'all reads':32s} n {len(all_reads):6d}  p50 {percentile(all_reads, 0.5):7.1f} ms  "
        f"p99 {percentile(all_reads, 0.99):7.1f} ms"
    )
    return samples


def uptime() -> str:
    """The machine's load averages (it is shared: every figure needs them beside it)."""
    return subprocess.run(["uptime"], check=False, capture_output=True, text=True).stdout.strip()


def measure(
    data_dir: Path, label: str, args: argparse.Namespace, env: dict[str, str] | None = None
) -> dict[str, dict[str, float]]:
    """Start a backend on the loaded ``data_dir`` and time the reads (and the mixed load)."""
    process = start_backend(data_dir, env)
    backend = psutil.Process(process.pid)
    url = runtime.read(data_dir).url  # type: ignore[union-attr]
    client = httpx.Client(base_url=url + "/", timeout=300)
    try:
        meta = msgspec.json.decode((data_dir / "bench-reads.json").read_bytes())
        reads = Reads(client, meta["project_id"], meta["tree_id"])
        print(f"{label}: uptime: {uptime()}")
        for call in reads.calls().values():  # warm caches and the page cache once
            call()
        figures = time_reads(reads, args.runs, backend, args.cap)
        if args.clients:
            mixed(url, reads, args.clients, args.seconds)
            if args.pace:
                mixed(url, reads, args.clients, args.seconds, args.pace)
        print(
            f"  RSS at the end {backend.memory_info().rss / 2**20:.0f} MB "
            f"(peak {peak_rss(backend) / 2**20:.0f} MB); "
            f"uptime: {uptime()}"
        )
        return figures
    finally:
        client.close()
        process.terminate()
        process.wait(120)


def prepare(data_dir: Path, args: argparse.Namespace) -> None:
    """Load the data into a fresh ``data_dir`` and wait for merges to settle."""
    process = start_backend(data_dir)
    backend = psutil.Process(process.pid)
    url = runtime.read(data_dir).url  # type: ignore[union-attr]
    client = httpx.Client(base_url=url + "/", timeout=300)
    try:
        traces = args.spans // SPANS_PER_TRACE
        print(f"loading {traces:,} traces x {SPANS_PER_TRACE} spans through the batch routes")
        start = time.perf_counter()
        load(url, traces, args.threads)
        elapsed = time.perf_counter() - start
        print(f"  {traces * 5 / elapsed:,.0f} events/s over {elapsed:.0f} s")
        tree_id = big_trace(client, PROJECT, TREE_SPANS)
        project_id = client.get("v1/private/projects", params={"name": PROJECT}).json()["content"][
            0
        ]["id"]
        settle(data_dir)
        print(f"  RSS after load {backend.memory_info().rss / 2**20:.0f} MB")
        (data_dir / "bench-reads.json").write_bytes(
            msgspec.json.encode({"project_id": project_id, "tree_id": tree_id})
        )
    finally:
        client.close()
        process.terminate()
        process.wait(120)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spans", type=int, default=1_000_000, help="spans to load (4 per trace)")
    parser.add_argument("--runs", type=int, default=100, help="requests per read")
    parser.add_argument("--cap", type=float, default=60, help="seconds at most per read")
    parser.add_argument("--clients", type=int, default=50, help="mixed-load clients (0: skip)")
    parser.add_argument("--seconds", type=float, default=30, help="mixed-load duration")
    parser.add_argument(
        "--pace",
        type=float,
        default=1.0,
        help="then again, each client starting one request every PACE seconds (0: skip)",
    )
    parser.add_argument("--threads", type=int, default=4, help="loading client threads")
    parser.add_argument("--data", type=Path, help="an already loaded data directory to reuse")
    parser.add_argument("--keep", type=Path, help="load into this directory and keep it")
    parser.add_argument("--baseline", type=Path, help="older backend source to compare with")
    args = parser.parse_args(argv)
    tmp = None
    if args.data:
        data_dir = args.data
    elif args.keep:
        data_dir = args.keep
        prepare(data_dir, args)
    else:
        tmp = tempfile.mkdtemp(prefix="bench-reads-")
        data_dir = Path(tmp) / "data"
        prepare(data_dir, args)
    try:
        old = None
        if args.baseline:
            pythonpath = os.pathsep.join(
                [str(args.baseline.resolve()), os.environ.get("PYTHONPATH", "")]
            )
            old = measure(data_dir, f"baseline ({args.baseline})", args, {"PYTHONPATH": pythonpath})
        new = measure(data_dir, "this tree", args)
        if old:
            print("ratios, baseline / this tree (p50, p95, backend CPU per request):")
            for name, figures in new.items():
                if name in old:
                    ratios = "  ".join(
                        f"{key} {old[name][key] / max(figures[key], 1e-9):6.1f}x"
                        for key in ("p50", "p95", "cpu")
                    )
                    print(f"  {name:32s} {ratios}")
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
