"""``%%opik_track`` overhead: a traced trivial cell against the same cell untraced.

Runs cells through a real IPython shell (``InteractiveShell.run_cell``, the full cell
machinery: transformers, hooks, compile, display hook, history) with the extension
loaded and the SDK sending to a real local backend (embedded, on a fresh data directory,
stopped at the end). Runs of the variants are interleaved so drift hits them alike; the
result is the median per cell, and the overhead the difference of medians.

Each traced variant is compared with the untraced cell: ``%%opik_track --no-display``
(the trace, its metadata, stdout capture, the result's text) and ``%%opik_track`` with the
live tree widget (created, displayed, updated at the end, then refreshed from the backend
on a background thread; in a terminal shell its comm is a no-op, so this is the
kernel-side cost without the messages).

``--kernel`` measures the same inside a real ipykernel (``get_ipython().run_cell`` there,
so the widget's comm and display messages are really sent), 500 runs of each.

Usage::

    python benchmarks/bench_magic.py            # 2,000 runs of each
    python benchmarks/bench_magic.py --quick    # 200 runs of each
    python benchmarks/bench_magic.py --kernel   # in a real kernel
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from IPython.core.interactiveshell import InteractiveShell

from opik_backend import runtime

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for the tests' kernel helper

CELL = "x = 1 + 1\nx"
TRACED = {
    "%%opik_track --no-display": f"%%opik_track --no-display\n{CELL}",
    "%%opik_track (live tree)": f"%%opik_track\n{CELL}",
}


def timed(shell: InteractiveShell, code: str) -> float:
    start = time.perf_counter_ns()
    shell.run_cell(code, store_history=True)
    return (time.perf_counter_ns() - start) / 1000


def compare(shell: InteractiveShell, code: str, runs: int) -> tuple[list[float], list[float]]:
    """Microseconds per cell of the untraced cell and of ``code``, interleaved."""
    plain: list[float] = []
    traced: list[float] = []
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink):
        for _ in range(max(runs // 10, 20)):  # warm up: imports, caches, the sender
            shell.run_cell(CELL, store_history=True)
            shell.run_cell(code, store_history=True)
        for _ in range(runs):
            plain.append(timed(shell, CELL))
            traced.append(timed(shell, code))
            sink.seek(0)
            sink.truncate()
    return plain, traced


IN_KERNEL = """
import json, time
_shell = get_ipython()
_shell.cache_size = 0
def _timed(code):
    start = time.perf_counter_ns()
    _shell.run_cell(code, store_history=True)
    return (time.perf_counter_ns() - start) / 1000
for _ in range(30):
    _timed({plain!r}), _timed({traced!r})
_pairs = [(_timed({plain!r}), _timed({traced!r})) for _ in range({runs})]
print(json.dumps(_pairs))
"""


def compare_in_kernel(
    url: str, data_dir: Path, code: str, runs: int
) -> tuple[list[float], list[float]]:
    """Like :func:`compare`, inside a real ipykernel (its comm and display messages are
    sent for real), timed there."""
    from tests.testlib.kernel import Kernel, kernel_env  # noqa: PLC0415 - test helper

    kernel = Kernel(kernel_env(OPIK_JUPYTER_URL=url, OPIK_JUPYTER_DATA_DIR=str(data_dir)), data_dir)
    try:
        kernel.run("%load_ext opik_jupyter")
        done = kernel.run(IN_KERNEL.format(plain=CELL, traced=code, runs=runs), timeout=600)
        pairs = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        kernel.shutdown()
    return [p for p, _ in pairs], [t for _, t in pairs]


def report(name: str, plain: list[float], traced: list[float]) -> None:
    base, median = statistics.median(plain), statistics.median(traced)
    p90 = statistics.quantiles(traced, n=10)[-1]
    print(
        f"{name:<28} untraced {base:>7.0f} µs  traced {median:>7.0f} µs (p90 {p90:>6.0f})"
        f"  overhead {median - base:>6.0f} µs"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 runs instead of 2,000")
    parser.add_argument("--kernel", action="store_true", help="in a real ipykernel")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-magic-"))
    os.environ["OPIK_JUPYTER_DATA_DIR"] = str(data_dir)
    info = runtime.ensure_running(data_dir)
    try:
        import opik_jupyter  # noqa: PLC0415 - after the data directory is set

        if args.kernel:
            for name, code in TRACED.items():
                report(name, *compare_in_kernel(info.url, data_dir, code, 500))
            return
        opik_jupyter.configure(url=info.url, project="bench-magic")
        shell = InteractiveShell.instance()
        shell.cache_size = 0  # no Out[] history: the runs would fill it
        shell.run_line_magic("load_ext", "opik_jupyter")
        for name, code in TRACED.items():
            report(name, *compare(shell, code, 200 if args.quick else 2000))
            opik_jupyter.flush(60)
        result = opik_jupyter.flush(60)
        print(f"traces delivered: {result.sent} events sent, {result.dropped} dropped")
    finally:
        os.kill(info.pid, signal.SIGTERM)


if __name__ == "__main__":
    main()
