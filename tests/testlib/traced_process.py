"""Tracing in a child process (a real interpreter that starts, traces and exits), and the
counts of what the backend stored, read through the REST API."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import opik_jupyter as oj
from tests.testlib.sdk_env import env_without_sdk_settings

# argv: url project data_dir traces settings-json then [pause-dir]. ``then`` is "flush"
# (flush and print the result) or "exit" (just end: the SDK's exit hook delivers). With a
# pause directory, the burst stops half way, creates <dir>/half and waits for <dir>/go.
BURST = textwrap.dedent("""
    import json, pathlib, sys, time
    import opik_jupyter as oj

    url, project, data_dir, count, settings, then = sys.argv[1:7]
    pause = pathlib.Path(sys.argv[7]) if len(sys.argv) > 7 else None
    oj.configure(url=url, project=project, data_dir=data_dir, **json.loads(settings))

    @oj.track(type="llm")
    def generate(prompt):
        return prompt.upper()

    @oj.track(type="tool")
    def lookup(key):
        return {"key": key}

    @oj.track
    def answer(i):
        lookup(i)
        return generate(f"question {i}")

    traces, worst = int(count), 0.0
    for i in range(traces):
        if pause is not None and i == traces // 2:
            (pause / "half").touch()
            while not (pause / "go").exists():
                time.sleep(0.05)
        start = time.perf_counter()
        answer(i)
        worst = max(worst, time.perf_counter() - start)
    if then == "exit":
        print(json.dumps({"max_call_s": worst}))
        sys.exit(0)
    result = oj.flush(900)
    status = result.status
    print(json.dumps({
        "delivered": result.delivered, "timed_out": result.timed_out, "max_call_s": worst,
        "sent": status.sent, "dropped": status.dropped, "spilled": status.spilled,
        "queued": status.queued, "enqueued": status.enqueued, "superseded": status.superseded,
    }))
    """)
SPANS_PER_TRACE = 3  # the root span of answer(), lookup() and generate()


def start_burst(
    url: str,
    project: str,
    data_dir: Path,
    traces: int,
    pause: Path | None = None,
    then: str = "flush",
    **settings: Any,
) -> subprocess.Popen[str]:
    """Start a child process tracing ``traces`` calls of ``answer`` (see ``BURST``)."""
    args = [sys.executable, "-c", BURST, url, project, str(data_dir), str(traces)]
    args += [json.dumps(settings), then]
    if pause is not None:
        args.append(str(pause))
    return subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env_without_sdk_settings(),
    )


def finish(process: subprocess.Popen[str], timeout: float = 900) -> tuple[dict[str, Any], str]:
    """Wait for a burst; what it printed last (as JSON) and its stderr (the SDK's log)."""
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1]), err


def run_burst(
    url: str, project: str, data_dir: Path, traces: int, then: str = "flush", **settings: Any
) -> tuple[dict[str, Any], str]:
    return finish(start_burst(url, project, data_dir, traces, then=then, **settings))


def stored(url: str, project: str) -> tuple[int, int]:
    """How many traces and spans of ``project`` the backend stores (each id once)."""
    with oj.Client(url=url, project=project) as client:
        traces = client.list_traces(project, size=1).get("total", 0)
        spans = client.json("GET", "v1/private/spans", params={"project_name": project, "size": 1})
    return int(traces), int((spans or {}).get("total", 0))
