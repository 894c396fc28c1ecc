"""What the benchmark scripts share: a backend process on a fresh data directory."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx
import psutil
import uuid6

from opik_backend import runtime


def iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def start_backend(data_dir: Path, env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
    """``python -m opik_backend`` on ``data_dir``, returned once it answers its ping."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir.parent / f"{data_dir.name}-backend.log").open("ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "opik_backend",
                "--data-dir",
                str(data_dir),
                "--port",
                "0",
                "--log-level",
                "warning",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
    for _ in range(1200):
        info = runtime.read(data_dir)
        if info is not None and info.pid == process.pid and runtime.ping(info.url):
            return process
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError(f"the backend on {data_dir} did not start")


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def big_trace(client: httpx.Client, project: str, spans: int) -> str:
    """One trace whose root span has ``spans - 1`` children: a big tree to read back."""
    trace_id = str(uuid6.uuid7())
    now = iso(dt.datetime.now(dt.UTC))
    client.post(
        "v1/private/traces/batch",
        json={
            "traces": [
                {"id": trace_id, "project_name": project, "name": "agent", "start_time": now}
            ]
        },
    )
    root = str(uuid6.uuid7())
    rows = [
        {
            "id": root,
            "trace_id": trace_id,
            "project_name": project,
            "name": "root",
            "start_time": now,
        }
    ]
    rows += [
        {
            "id": str(uuid6.uuid7()),
            "trace_id": trace_id,
            "parent_span_id": root,
            "project_name": project,
            "name": f"step-{i}",
            "type": "tool",
            "start_time": now,
            "end_time": now,
            "input": {"i": i},
            "output": {"ok": True},
        }
        for i in range(spans - 1)
    ]
    assert client.post("v1/private/spans/batch", json={"spans": rows}).status_code == 204
    return trace_id


def peak_rss(process: psutil.Process) -> int:
    """VmHWM: the highest resident set size the process reached."""
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0
