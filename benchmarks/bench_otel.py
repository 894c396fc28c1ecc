"""OTLP ingestion benchmark: spans per second through ``/v1/private/otel/v1/traces``.

Runs a real backend process (embedded chDB + SQLite) on a fresh data directory and posts
gzipped protobuf ``ExportTraceServiceRequest`` bodies from two threads, as OTLP exporters
batch them (each trace's children in one request, its root in a later one, so every trace
is first partial and then completed). Bodies are built before the clock starts. Usage::

    python benchmarks/bench_otel.py            # 20,000 traces x 5 spans
    python benchmarks/bench_otel.py --quick    # 2,000 traces
"""

from __future__ import annotations

import argparse
import gzip
import os
import tempfile
import threading
import time
from pathlib import Path

import httpx
from common import start_backend
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

from opik_backend import runtime

SPANS_PER_TRACE = 5
TRACES_PER_REQUEST = 100


def _kv(key: str, value: str | int) -> KeyValue:
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=value))


def _span(trace_id: bytes, span_id: bytes, parent: bytes, start: int, llm: bool) -> Span:
    span = Span(
        trace_id=trace_id,
        span_id=span_id,
        parent_span_id=parent,
        name="chat gpt-4o-mini" if llm else "step",
        kind=Span.SPAN_KIND_CLIENT if llm else Span.SPAN_KIND_INTERNAL,
        start_time_unix_nano=start,
        end_time_unix_nano=start + 50_000_000,
    )
    if llm:
        span.attributes.extend(
            [
                _kv("gen_ai.operation.name", "chat"),
                _kv("gen_ai.request.model", "gpt-4o-mini"),
                _kv("gen_ai.provider.name", "openai"),
                _kv("gen_ai.usage.input_tokens", 420),
                _kv("gen_ai.usage.output_tokens", 80),
                _kv("gen_ai.input.messages", '[{"role": "user", "content": "hello"}]'),
            ]
        )
    return span


def bodies(traces: int) -> list[bytes]:
    """Gzipped requests: for each group of traces, one of children, then one of roots."""
    out = []
    now = time.time_ns()
    for first in range(0, traces, TRACES_PER_REQUEST):
        children, roots = [], []
        for _ in range(min(TRACES_PER_REQUEST, traces - first)):
            trace_id, root_id = os.urandom(16), os.urandom(8)
            roots.append(_span(trace_id, root_id, b"", now, llm=False))
            for i in range(SPANS_PER_TRACE - 1):
                children.append(_span(trace_id, os.urandom(8), root_id, now + i, llm=i == 0))
        for spans in (children, roots):
            request = ExportTraceServiceRequest(
                resource_spans=[ResourceSpans(scope_spans=[ScopeSpans(spans=spans)])]
            )
            out.append(gzip.compress(request.SerializeToString(), 1))
    return out


def post_all(url: str, payloads: list[bytes], threads: int = 2) -> None:
    headers = {
        "Content-Type": "application/x-protobuf",
        "Content-Encoding": "gzip",
        "projectName": "otel-bench",
    }

    def worker(share: list[bytes]) -> None:
        with httpx.Client(timeout=120) as client:
            for body in share:
                response = client.post(url, content=body, headers=headers)
                response.raise_for_status()

    # children before roots, per thread: each thread takes whole (children, roots) pairs
    pairs = [payloads[i : i + 2] for i in range(0, len(payloads), 2)]
    shares = [[body for pair in pairs[t::threads] for body in pair] for t in range(threads)]
    workers = [threading.Thread(target=worker, args=(share,)) for share in shares]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    traces = 2_000 if parser.parse_args().quick else 20_000
    payloads = bodies(traces)
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "data"
        process = start_backend(data_dir)
        try:
            info = runtime.read(data_dir)
            assert info is not None
            started = time.perf_counter()
            post_all(f"{info.url}/v1/private/otel/v1/traces", payloads)
            elapsed = time.perf_counter() - started
            with httpx.Client(base_url=info.url + "/", timeout=60) as client:
                page = client.get(
                    "v1/private/traces", params={"project_name": "otel-bench", "size": 1}
                ).json()
            spans = traces * SPANS_PER_TRACE
            print(
                f"{traces} traces x {SPANS_PER_TRACE} spans in {len(payloads)} requests: "
                f"{elapsed:.2f} s, {spans / elapsed:,.0f} spans/s; traces stored: {page['total']}"
            )
        finally:
            process.terminate()
            process.wait(60)


if __name__ == "__main__":
    main()
