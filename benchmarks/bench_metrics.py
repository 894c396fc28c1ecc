"""Metric benchmark: ``LevenshteinRatio`` on two 2,000-character texts, and the official
``opik`` metric of the same name on the same texts (in a child process) for reference.

The texts are seeded random lowercase letters and spaces, the second a copy of the first
with every tenth character changed, so the edit distance is neither zero nor the whole
text. Usage::

    python benchmarks/bench_metrics.py [--length 2000] [--rounds 20] [--official]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from typing import Any

from opik_jupyter.evaluation.metrics import LevenshteinRatio

_OFFICIAL = """
import json, sys, time
from opik.evaluation.metrics import LevenshteinRatio
a, b, rounds = json.loads(sys.stdin.read())
metric = LevenshteinRatio(track=False)
times, value = [], None
for _ in range(rounds):
    start = time.perf_counter()
    value = metric.score(output=a, reference=b).value
    times.append(time.perf_counter() - start)
print(json.dumps({"times": times, "value": value}))
"""


def texts(length: int) -> tuple[str, str]:
    chooser = random.Random(42)
    first = "".join(chooser.choice("abcdefghij klmnop") for _ in range(length))
    second = "".join(c if i % 10 else chooser.choice("qrstuvwxyz") for i, c in enumerate(first))
    return first, second


def ours(a: str, b: str, rounds: int) -> dict[str, Any]:
    metric = LevenshteinRatio()
    times, value = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        value = metric.score(output=a, reference=b).value
        times.append(time.perf_counter() - start)
    return {"times": times, "value": value}


def official(a: str, b: str, rounds: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _OFFICIAL],
        input=json.dumps([a, b, rounds]),
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--official", action="store_true")
    args = parser.parse_args()
    a, b = texts(args.length)
    runs = {"opik-jupyter": ours(a, b, args.rounds)}
    if args.official:
        runs["official opik"] = official(a, b, args.rounds)
    for label, run in runs.items():
        median = statistics.median(run["times"]) * 1000
        print(f"{label}: median {median:.3f} ms over {args.rounds} rounds, value {run['value']}")


if __name__ == "__main__":
    main()
