"""Running a user's Python metric in a separate, limited process.

The metric never runs inside the backend: a fresh interpreter (isolated mode) gets the
source and the arguments on stdin, caps its own memory and CPU time before running any
user code (hard limits, which the code cannot raise), and prints the result behind a
random marker, so whatever else the metric prints is ignored. A metric that hangs is killed
at the time limit; one that crashes or prints nothing usable is an error, never a stuck
worker.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from typing import Any

_RUNNER = r"""
import json, resource, sys
job = json.loads(sys.stdin.read())
memory = job["memory_mb"] * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
resource.setrlimit(resource.RLIMIT_CPU, (job["cpu_seconds"], job["cpu_seconds"]))
namespace = {"__name__": "opik_metric"}
exec(compile(job["source"], "<metric>", "exec"), namespace)
score = namespace.get("score")
if not callable(score):
    raise SystemExit("the metric source must define a function score(**arguments)")
result = score(**job["arguments"])
sys.stdout.write("\n" + job["marker"] + json.dumps(result) + "\n")
"""


class MetricFailed(Exception):
    """The metric did not produce a result; the message says why."""


def run_metric(source: str, arguments: dict[str, Any], timeout: float, memory_mb: int) -> Any:
    """Call ``score(**arguments)`` defined by ``source`` in a limited child process."""
    marker = f"@@opik-result-{secrets.token_hex(8)}@@"
    job = {
        "source": source,
        "arguments": arguments,
        "marker": marker,
        "memory_mb": memory_mb,
        "cpu_seconds": max(1, int(timeout) + 1),
    }
    try:
        done = subprocess.run(  # noqa: S603 - our interpreter, the metric is data on stdin
            [sys.executable, "-I", "-c", _RUNNER],
            input=json.dumps(job),
            text=True,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise MetricFailed(f"the metric ran longer than {timeout:g}s and was killed") from None
    results = [line[len(marker) :] for line in done.stdout.splitlines() if line.startswith(marker)]
    if done.returncode != 0 or not results:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise MetricFailed(f"the metric failed (exit {done.returncode}): {tail[0][:500]}")
    try:
        return json.loads(results[-1])
    except ValueError as exc:
        raise MetricFailed(f"the metric returned something that is not JSON: {exc}") from exc
