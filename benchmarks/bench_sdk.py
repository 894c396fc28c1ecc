"""SDK benchmark: ``@track`` overhead (ours vs the official ``opik`` SDK), sender throughput
to a real backend process, and DataFrame export of 100k spans.

Each SDK runs in its own child process against the same real backend process (embedded
chDB + SQLite on a fresh data directory), with the official SDK's Sentry and analytics off.
Overhead is measured two ways:

* calling thread: the time a tracked call adds in the caller, the background sender being
  idle meanwhile (ours lingers to fill a batch; its work is done after the timed loop);
* with the sender busy: the same loop while the background sender serialises and sends at
  the same time (default settings), so its CPU competes with the caller's on 2 cores.

Usage::

    python benchmarks/bench_sdk.py            # full run (about two minutes)
    python benchmarks/bench_sdk.py --quick    # smaller counts, for a smoke check
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import start_backend

from opik_backend import runtime

HERE = Path(__file__).resolve()


# -- children: one SDK per process -------------------------------------------------------


def _functions(track: Callable[..., Any]) -> tuple[Callable[..., Any], Callable[..., Any]]:
    @track
    def leaf(x: dict[str, int]) -> dict[str, int]:
        return x

    @track
    def middle(x: dict[str, int]) -> dict[str, int]:
        return leaf(x)

    @track
    def top(x: dict[str, int]) -> dict[str, int]:
        return middle(x)

    return leaf, top


def _per_call_us(
    fn: Callable[..., Any], calls: int, per_round: int, between: Callable[[], Any]
) -> float:
    """Median over rounds of ``per_round`` calls; the sender works between rounds only."""
    rounds = []
    for _ in range(max(1, calls // per_round)):
        payload = [{"q": i} for i in range(per_round)]
        start = time.perf_counter()
        for item in payload:
            fn(item)
        rounds.append((time.perf_counter() - start) / per_round)
        between()
    return statistics.median(rounds) * 1e6


def _busy_us(fn: Callable[..., Any], calls: int, flush: Callable[[], Any]) -> float:
    """Per call while the sender works concurrently (the flush afterwards is not timed)."""
    flush()
    start = time.perf_counter()
    for i in range(calls):
        fn({"q": i})
    elapsed = time.perf_counter() - start
    flush()
    return elapsed / calls * 1e6


def child_ours(url: str, calls: int) -> dict[str, float]:
    import opik_jupyter as oj  # noqa: PLC0415 - each child process loads only its SDK

    # the sender lingers (up to 60 s or 5,000 messages) while a round of 2,000 calls runs
    oj.configure(url=url, project="bench-overhead-ours", flush_interval=60)
    leaf, top = _functions(oj.track)
    result = {
        "depth1": _per_call_us(leaf, calls, 2000, lambda: oj.flush(120)),
        "depth3": _per_call_us(top, calls // 3, 600, lambda: oj.flush(120)),
    }
    oj.configure(flush_interval=0.5)
    result["busy1"] = _busy_us(leaf, calls, lambda: oj.flush(120))
    result["busy3"] = _busy_us(top, calls // 3, lambda: oj.flush(120))
    status = oj.shutdown(60).status
    assert status.dropped == 0, status
    assert status.pending == 0, status
    return result


def child_official(url: str, calls: int) -> dict[str, float]:
    os.environ.update(
        OPIK_URL_OVERRIDE=url,
        OPIK_SENTRY_ENABLE="false",
        OPIK_ANALYTICS_ENABLE="false",
        OPIK_PROJECT_NAME="bench-overhead-official",
    )
    import opik  # noqa: PLC0415 - imported after its env vars are set, in its own process

    leaf, top = _functions(opik.track)
    result = {
        "depth1": _per_call_us(leaf, calls, 500, lambda: opik.flush_tracker(120)),
        "depth3": _per_call_us(top, calls // 3, 150, lambda: opik.flush_tracker(120)),
    }
    result["busy1"] = _busy_us(leaf, calls, lambda: opik.flush_tracker(120))
    result["busy3"] = _busy_us(top, calls // 3, lambda: opik.flush_tracker(120))
    return result


def run_child(kind: str, url: str, calls: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, str(HERE), "--child", kind, "--url", url, "--calls", str(calls)],
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- throughput and export (in this process) ---------------------------------------------


def throughput(url: str, traces: int, project: str, pace: int | None = None) -> dict[str, float]:
    """``traces`` chat turns (1 trace + 4 spans each) until all are stored and readable;
    with ``pace``, flush every ``pace`` turns (a tight loop outruns any sender)."""
    import opik_jupyter as oj  # noqa: PLC0415 - the parent process imports it only here

    oj.configure(url=url, project=project)

    @oj.track(type="llm")
    def answer(question: str) -> dict[str, str]:
        oj.update_current_span(
            model="gpt-4o-mini",
            provider="openai",
            usage={"prompt_tokens": 120, "completion_tokens": 40, "total_tokens": 160},
        )
        return {"answer": f"an answer to {question} of moderate length " * 3}

    @oj.track(type="tool")
    def rerank(docs: list[str]) -> list[str]:
        return docs[::-1]

    @oj.track
    def retrieve(question: str) -> list[str]:
        return rerank([f"doc-a for {question}", "doc-b"])

    @oj.track
    def chat_turn(i: int) -> dict[str, str]:
        retrieve(f"question number {i}?")
        return answer(f"question number {i}?")

    start = time.perf_counter()
    for i in range(traces):
        chat_turn(i)
        if pace and i % pace == pace - 1:
            oj.flush(600)
    traced = time.perf_counter() - start
    result = oj.flush(600)
    assert result.delivered, result
    with oj.Client(url=url, project=project) as client:  # readable: the list counts them
        page = json.loads(
            client.request("GET", "v1/private/traces", params={"project_name": project, "size": 1})
            or b"{}"
        )
    stored = page.get("total")
    total = time.perf_counter() - start
    assert stored == traces, (stored, traces)
    events = result.status.sent
    return {
        "traces": traces,
        "events": events,
        "trace_loop_s": traced,
        "total_s": total,
        "events_per_s": events / total,
    }


def export(url: str, project: str) -> dict[str, float]:
    import opik_jupyter as oj  # noqa: PLC0415

    client = oj.Client(url=url, project=project)
    start = time.perf_counter()
    frame = client.spans_dataframe()
    spans_s = time.perf_counter() - start
    start = time.perf_counter()
    traces = client.traces_dataframe()
    traces_s = time.perf_counter() - start
    return {
        "spans": len(frame),
        "spans_s": spans_s,
        "traces": len(traces),
        "traces_s": traces_s,
        "spans_per_s": len(frame) / spans_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", choices=["ours", "official"])
    parser.add_argument("--url")
    parser.add_argument("--calls", type=int, default=30_000)
    args = parser.parse_args()
    if args.child:
        run = child_ours if args.child == "ours" else child_official
        print(json.dumps(run(args.url, args.calls)))
        return
    calls, official_calls = (6_000, 1_500) if args.quick else (30_000, 3_000)
    turns, export_turns = (2_000, 5_000) if args.quick else (10_000, 25_000)
    with tempfile.TemporaryDirectory(prefix="bench-sdk-") as tmp:
        os.environ["OPIK_JUPYTER_DATA_DIR"] = str(Path(tmp) / "sdk")
        backend = start_backend(Path(tmp) / "backend")
        try:
            info = runtime.read(Path(tmp) / "backend")
            assert info is not None
            report(info.url, calls, official_calls, turns, export_turns)
        finally:
            backend.terminate()
            backend.wait(60)


def report(url: str, calls: int, official_calls: int, turns: int, export_turns: int) -> None:
    ours = run_child("ours", url, calls)
    official = run_child("official", url, official_calls)
    print(
        f"@track overhead, µs per top-level call (ours {calls} calls, official {official_calls}):"
    )
    print("| measure | opik-jupyter | official opik | ratio |")
    print("|---|---|---|---|")
    for key, label in (
        ("depth1", "calling thread, depth 1 (1 trace + 1 span)"),
        ("depth3", "calling thread, depth 3 (1 trace + 3 spans)"),
        ("busy1", "sender busy meanwhile, depth 1"),
        ("busy3", "sender busy meanwhile, depth 3"),
    ):
        print(
            f"| {label} | {ours[key]:.2f} | {official[key]:.1f} | "
            f"{official[key] / ours[key]:.0f}x |"
        )
    sent = throughput(url, turns, "bench-throughput")
    print(
        f"sender throughput: {sent['events']} events ({turns} traces x 4 spans + trace) "
        f"stored and readable in {sent['total_s']:.2f} s = {sent['events_per_s']:,.0f} "
        f"events/s (traced in {sent['trace_loop_s']:.2f} s)"
    )
    throughput(url, export_turns, "bench-export", pace=5_000)
    out = export(url, "bench-export")
    print(
        f"DataFrame export: {out['spans']:,} spans in {out['spans_s']:.2f} s "
        f"({out['spans_per_s']:,.0f} spans/s); {out['traces']:,} traces in "
        f"{out['traces_s']:.2f} s"
    )


if __name__ == "__main__":
    main()
