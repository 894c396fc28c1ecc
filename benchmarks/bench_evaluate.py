"""Evaluation benchmark: the per-item overhead of ``evaluate()`` with heuristic metrics.

A backend process (embedded stores, fresh data directory) and a dataset of ``--items``
items. Each round runs ``evaluate()`` with a trivial task and two heuristic metrics
(``Equals``, ``Contains``), and the same task and metrics in a plain loop; the overhead per
item is the difference over the number of items, so the task and the metrics themselves
are excluded. The time is split into preparing (reading the dataset, creating the
experiment), running the items, and finishing (the last flush and links). Every round is
checked in the backend (trace count and score averages). ``--official`` measures the
official ``opik`` SDK's ``evaluate()`` the same way, in a child process. Usage::

    python benchmarks/bench_evaluate.py [--items 1000] [--rounds 5] [--workers 1 8] [--official]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import httpx
from common import start_backend

import opik_jupyter as oj
from opik_backend import runtime
from opik_jupyter.evaluation import Contains, Dataset, Equals
from opik_jupyter.evaluation._evaluate import Options, _Run
from opik_jupyter.evaluation._threads import run_blocking

MAPPING = {"reference": "expected_output"}


def task(item: dict[str, Any]) -> str:
    return str(item["input"]).upper()


def plain_loop(items: list[dict[str, Any]]) -> float:
    """Seconds for the task and the metrics on every item, with nothing around them."""
    metrics = [Equals(), Contains()]
    started = time.perf_counter()
    for item in items:
        output = task(item)
        for metric in metrics:
            metric.score(output=output, reference=item["expected_output"])
    return time.perf_counter() - started


def one_round(dataset: Dataset, name: str, workers: int) -> dict[str, float]:
    """``evaluate()``'s three phases, timed (as ``evaluate`` runs them)."""
    options = Options(
        experiment_name=name, scoring_key_mapping=MAPPING, workers=workers, progress=False
    )
    started = time.perf_counter()
    run = _Run.prepare(dataset, task, [Equals(), Contains()], options)
    prepared = time.perf_counter()
    run_blocking(run.execute())
    ran = time.perf_counter()
    result = run.finish()
    finished = time.perf_counter()
    assert len(result.items) == len(run.positions)
    assert not result.errors
    return {
        "prepare": prepared - started,
        "run": ran - prepared,
        "finish": finished - ran,
        "total": finished - started,
        "experiment_id": result.experiment_id,
    }  # type: ignore[dict-item]


def check(api: httpx.Client, experiment_id: str, items: int) -> None:
    """The backend holds every trace and the scores (averages of an all-correct task)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = api.get(f"v1/private/experiments/{experiment_id}").json()
        scores = {s["name"]: s["value"] for s in found.get("feedback_scores", [])}
        if found.get("trace_count") == items and scores == {
            "equals_metric": 1.0,
            "contains_metric": 1.0,
        }:
            return
        time.sleep(0.2)
    raise AssertionError(f"experiment {experiment_id} is incomplete: {found}")


OFFICIAL = """
import json, time
import opik
from opik.evaluation import evaluate
from opik.evaluation.metrics import Contains, Equals

def task(item):
    return {"output": str(item["input"]).upper()}

client = opik.Opik()
dataset = client.get_dataset("bench")
times = []
for n in range(ROUNDS):
    started = time.perf_counter()
    evaluate(dataset=dataset, task=task, scoring_metrics=[Equals(), Contains()],
             experiment_name=f"official-{n}", scoring_key_mapping={"reference": "expected_output"},
             task_threads=WORKERS, verbose=0)
    times.append(time.perf_counter() - started)
print(json.dumps(times))
"""


def official(url: str, rounds: int, workers: int) -> list[float]:
    env = {
        **os.environ,
        "OPIK_URL_OVERRIDE": url,
        "OPIK_WORKSPACE": "default",
        "OPIK_PROJECT_NAME": "bench-official",
        "OPIK_SENTRY_ENABLE": "false",
        "OPIK_ANALYTICS_ENABLE": "false",
        "OPIK_CHECK_TLS_CERTIFICATE": "false",
    }
    code = textwrap.dedent(OFFICIAL).replace("ROUNDS", str(rounds)).replace("WORKERS", str(workers))
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=True,
    )
    return [float(t) for t in json.loads(done.stdout.strip().splitlines()[-1])]


def report(label: str, rounds: list[dict[str, float]], plain: float, items: int) -> None:
    def median(key: str) -> float:
        return statistics.median(r[key] for r in rounds)

    overhead = (median("total") - plain) / items * 1e6
    print(
        f"{label}: total {median('total'):.3f} s (prepare {median('prepare'):.3f}, "
        f"run {median('run'):.3f}, finish {median('finish'):.3f}); task + metrics alone "
        f"{plain * 1e3:.1f} ms; overhead {overhead:.0f} µs per item "
        f"(run phase only: {(median('run') - plain) / items * 1e6:.0f} µs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--official", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-evaluate-") as tmp:
        data_dir = Path(tmp) / "data"
        backend = start_backend(data_dir)
        try:
            url = runtime.read(data_dir).url  # type: ignore[union-attr]
            measure(url, args, Path(tmp) / "sdk")
        finally:
            backend.terminate()
            backend.wait(60)


def measure(url: str, args: argparse.Namespace, sdk_dir: Path) -> None:
    oj.configure(url=url, project="bench", data_dir=sdk_dir)
    dataset = Dataset("bench")
    dataset.insert(
        [{"input": f"item {n}", "expected_output": f"ITEM {n}"} for n in range(args.items)]
    )
    items = dataset.items()
    plain = statistics.median(plain_loop(items) for _ in range(args.rounds))
    with httpx.Client(base_url=url + "/", timeout=60) as api:
        for workers in args.workers:
            one_round(dataset, f"warm-up-{workers}", workers)
            rounds = [one_round(dataset, f"w{workers}-{n}", workers) for n in range(args.rounds)]
            for measured in rounds:
                check(api, str(measured["experiment_id"]), args.items)
            report(f"opik-jupyter, workers={workers}", rounds, plain, args.items)
    if args.official:
        for workers in args.workers:
            times = official(url, args.rounds, workers)
            total = statistics.median(times)
            print(
                f"official opik, task_threads={workers}: total {total:.3f} s; overhead "
                f"{(total - plain) / args.items * 1e6:.0f} µs per item (runs: "
                f"{', '.join(f'{t:.2f}' for t in times)})"
            )


if __name__ == "__main__":
    main()
