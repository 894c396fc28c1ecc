"""What the benchmark scripts share: a backend process on a fresh data directory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from opik_backend import runtime


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
