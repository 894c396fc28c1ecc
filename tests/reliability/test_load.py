"""Sustained load: 50 clients sending batches for a minute. No error, no lost event, memory
bounded. The figures are written to tests/artifacts/reliability-load.json."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.testlib.backends import start_backend_process
from tests.testlib.builders import span, trace

pytestmark = pytest.mark.slow

CLIENTS = 50
SECONDS = float(os.environ.get("OPIK_JUPYTER_SOAK_SECONDS", "60"))
RSS_LIMIT = 1.5 * 2**30  # the backend's memory budget
ARTIFACTS = Path(__file__).parents[1] / "artifacts"


class Client(threading.Thread):
    def __init__(self, url: str, number: int, stop: threading.Event) -> None:
        super().__init__(name=f"load-client-{number}", daemon=True)
        self.url, self.number, self.stop = url, number, stop
        self.traces: list[str] = []
        self.spans = 0
        self.errors: list[str] = []
        self.requests = 0

    def run(self) -> None:
        with httpx.Client(base_url=self.url + "/", timeout=120) as api:
            while not self.stop.is_set():
                traces = [trace("load", name=f"c{self.number}") for _ in range(5)]
                spans = [span(t["id"], "load") for t in traces for _ in range(3)]
                for path, body in (("traces", {"traces": traces}), ("spans", {"spans": spans})):
                    response = api.post(f"v1/private/{path}/batch", json=body)
                    self.requests += 1
                    if response.status_code != 204:
                        self.errors.append(f"{response.status_code} {response.text[:200]}")
                        break
                else:
                    self.traces += [t["id"] for t in traces]
                    self.spans += len(spans)


def test_fifty_clients_for_a_minute_lose_nothing(tmp_path: Path) -> None:
    backend = start_backend_process(tmp_path)
    process = psutil.Process(backend.process.pid)
    stop = threading.Event()
    clients = [Client(backend.url, i, stop) for i in range(CLIENTS)]
    peak = 0
    try:
        for client in clients:
            client.start()
        deadline = time.monotonic() + SECONDS
        while time.monotonic() < deadline:
            peak = max(peak, process.memory_info().rss)
            time.sleep(0.5)
        stop.set()
        for client in clients:
            client.join(120)
        errors = [e for c in clients for e in c.errors]
        sent_traces = sum(len(c.traces) for c in clients)
        sent_spans = sum(c.spans for c in clients)
        with httpx.Client(base_url=backend.url + "/", timeout=120) as api:
            stored = api.get("v1/private/traces", params={"project_name": "load", "size": 1})
            project_id = stored.json()["content"][0]["project_id"]
            stored_spans = api.get(
                "v1/private/spans", params={"project_id": project_id, "size": 1}
            ).json()["total"]
        figures = {
            "clients": CLIENTS,
            "seconds": SECONDS,
            "requests": sum(c.requests for c in clients),
            "errors": len(errors),
            "traces_acknowledged": sent_traces,
            "traces_stored": stored.json()["total"],
            "spans_acknowledged": sent_spans,
            "spans_stored": stored_spans,
            "events_per_second": round((sent_traces + sent_spans) / SECONDS),
            "peak_rss_mb": round(peak / 2**20),
        }
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "reliability-load.json").write_text(json.dumps(figures, indent=2))
        assert errors == []
        assert figures["traces_stored"] == sent_traces
        assert stored_spans == sent_spans
        assert peak < RSS_LIMIT
    finally:
        stop.set()
        backend.stop()
