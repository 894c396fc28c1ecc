"""Online evaluation benchmark: scoring throughput and the lag from trace end to score.

A backend process (embedded stores, or the Redis on 127.0.0.1:6379 with ``--redis``) with
one rule: a trivial Python metric, or an LLM judge answered by a local OpenAI-compatible
server. Lag is the score's ``created_at`` minus the trace's (both server times). Usage::

    python benchmarks/bench_online.py [--traces 300] [--workers 2] [--redis]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import uuid6
from common import percentile, start_backend

from opik_backend import runtime
from opik_jupyter.testing import FakeLLMServer

METRIC = "def score(answer):\n    return len(answer) / 100\n"


def rule(kind: str, project: str) -> dict[str, object]:
    if kind == "metric":
        return {
            "name": "length",
            "project_name": project,
            "type": "user_defined_metric_python",
            "code": {"metric": METRIC, "arguments": {"answer": "output.answer"}},
        }
    return {
        "name": "judged",
        "project_name": project,
        "type": "llm_as_judge",
        "code": {
            "model": {"name": "judge"},
            "variables": {"a": "output.answer"},
            "messages": [{"role": "USER", "content": "Rate {{a}}"}],
            "schema": [{"name": "judged", "type": "DOUBLE"}],
        },
    }


def seconds(stamp: str) -> float:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def bodies(project: str, count: int) -> list[dict[str, object]]:
    now = dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
    return [
        {
            "id": str(uuid6.uuid7()),
            "project_name": project,
            "name": "t",
            "start_time": now,
            "end_time": now,
            "output": {"answer": "x" * (i % 50)},
        }
        for i in range(count)
    ]


def run(url: str, kind: str, traces: int, spaced: bool) -> dict[str, float]:
    """Scores ``traces`` sent in one burst, or one at a time (lag without a backlog)."""
    project = f"online-{kind}-{'spaced' if spaced else 'burst'}"
    with httpx.Client(base_url=url + "/", timeout=120) as api:
        api.post("v1/private/automations/evaluators", json=rule(kind, project))
        sent = bodies(project, traces)
        for start in range(0, traces, 1 if spaced else 100):
            api.post(
                "v1/private/traces/batch",
                json={"traces": sent[start : start + 100] if not spaced else [sent[start]]},
            )
            if spaced:
                time.sleep(0.5)
        flt = json.dumps(
            [
                {
                    "field": "feedback_scores",
                    "key": rule(kind, "")["name"],
                    "operator": "is_not_empty",
                }
            ]
        )
        while (
            api.get(
                "v1/private/traces", params={"project_name": project, "filters": flt, "size": 1}
            ).json()["total"]
            < traces
        ):
            time.sleep(0.2)
        rows = api.get(
            "v1/private/traces", params={"project_name": project, "size": traces}
        ).json()["content"]
    lags = [seconds(r["feedback_scores"][0]["created_at"]) - seconds(r["created_at"]) for r in rows]
    first = min(seconds(r["created_at"]) for r in rows)
    last = max(seconds(r["feedback_scores"][0]["created_at"]) for r in rows)
    return {
        "events_per_s": traces / (last - first),
        "lag_p50_ms": percentile(lags, 0.5) * 1000,
        "lag_p95_ms": percentile(lags, 0.95) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--traces", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--redis", action="store_true", help="queue through Redis streams")
    args = parser.parse_args()
    with (
        FakeLLMServer(replies=json.dumps({"judged": 0.7})) as judge,
        tempfile.TemporaryDirectory() as tmp,
    ):
        env = {
            "OPIK_JUPYTER_JUDGE_BASE_URL": judge.openai_base_url,
            "OPIK_JUPYTER_ONLINE_WORKERS": str(args.workers),
        }
        if args.redis:
            env.update(
                OPIK_JUPYTER_REDIS_URL="redis://127.0.0.1:6379/14",
                OPIK_JUPYTER_REDIS_PREFIX=f"bench-{uuid.uuid4().hex[:8]}",
            )
        process = start_backend(Path(tmp) / "data", env)
        try:
            url = runtime.read(Path(tmp) / "data").url  # type: ignore[union-attr]
            queue = "redis" if args.redis else "embedded"
            for kind in ("metric", "judge"):
                burst = run(url, kind, args.traces, spaced=False)
                alone = run(url, kind, 20, spaced=True)
                print(
                    f"{kind:>6} ({queue} queue, {args.workers} workers): "
                    f"burst of {args.traces}: {burst['events_per_s']:.1f} events/s, lag p50 "
                    f"{burst['lag_p50_ms']:.0f} ms, p95 {burst['lag_p95_ms']:.0f} ms; "
                    f"one at a time: lag p50 {alone['lag_p50_ms']:.0f} ms, "
                    f"p95 {alone['lag_p95_ms']:.0f} ms"
                )
        finally:
            process.terminate()
            process.wait(60)


if __name__ == "__main__":
    main()
