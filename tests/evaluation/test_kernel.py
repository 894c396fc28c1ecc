"""``evaluate()`` in a real kernel: inside its running event loop (sync and async tasks,
top-level ``await``), with the progress bar and the two widgets shown at the end (or not),
and a click in the table answered with the trace's tree."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.testlib.backends import RunningBackend
from tests.testlib.kernel import WIDGET_MIME, Execution, Kernel, kernel_after

pytestmark = pytest.mark.slow

SETUP = """
import asyncio
import opik_jupyter as oj
from opik_jupyter.evaluation import Dataset, Equals

oj.configure(url={url!r}, workspace={workspace!r}, project="evals", flush_interval=0.05)
dataset = Dataset("capitals")
dataset.insert([{{"input": "france", "expected_output": "Paris"}},
                {{"input": "peru", "expected_output": "Lima"}}])
CAPITALS = {{"france": "Paris", "peru": "Lima"}}

async def ask(item):
    assert asyncio.get_running_loop() is not None
    await asyncio.sleep(0.01)
    return CAPITALS[item["input"]]

mapping = {{"reference": "expected_output"}}
"""


@pytest.fixture
def kernel(backend: RunningBackend, workspace: str, tmp_path: Path) -> Iterator[Kernel]:
    setup = SETUP.format(url=backend.url, workspace=workspace)
    with kernel_after(setup, tmp_path, timeout=60) as running:
        yield running


def widgets_shown(run: Execution) -> list[dict[str, Any]]:
    """The anywidget displays of a cell (with their text/html and the model id)."""
    return [d["data"] for d in run.displays(WIDGET_MIME) if "text/html" in d["data"]]


def test_evaluate__in_the_kernels_loop_shows_progress_table_and_chart(kernel: Kernel) -> None:
    run = kernel.run(
        "loop = asyncio.get_event_loop()\nassert loop.is_running()\n"
        "result = oj.evaluate(dataset, ask, [Equals()], scoring_key_mapping=mapping,"
        " experiment_name='in-kernel')\nresult.scores['equals_metric'].mean",
        timeout=120,
    )
    assert run.ok, run.traceback
    assert run.result == "1.0"
    table, chart = widgets_shown(run)
    assert table["text/plain"] == "ExperimentTable('capitals': 2 items, experiments in-kernel)"
    assert "Lima" in table["text/html"]
    assert chart["text/plain"].startswith("ScoreChart('capitals')\n  equals_metric: in-kernel=1")
    progress = [s for s in run.widget_states("_model_name") if s == "HBoxModel"]
    assert progress, "tqdm's notebook bar is a widget"


def test_evaluate_async__with_top_level_await(kernel: Kernel) -> None:
    run = kernel.run(
        "result = await oj.evaluate_async(dataset, ask, [Equals()], "
        "scoring_key_mapping=mapping, display=False, progress=False)\n"
        "len(result.items), result.errors",
        timeout=120,
    )
    assert run.ok, run.traceback
    assert run.result == "(2, [])"
    assert widgets_shown(run) == []


def test_display__follows_the_opik_display_switch(kernel: Kernel) -> None:
    assert kernel.run("%load_ext opik_jupyter\n%opik_display off").ok
    run = kernel.run(
        "oj.evaluate(dataset, ask, [Equals()], scoring_key_mapping=mapping, progress=False);",
        timeout=120,
    )
    assert run.ok, run.traceback
    assert widgets_shown(run) == []


def test_table__a_click_in_the_browser_opens_the_trace_tree(kernel: Kernel) -> None:
    run = kernel.run(
        "result = oj.evaluate(dataset, ask, [Equals()], scoring_key_mapping="
        "mapping, progress=False, display=False)\n"
        "table = oj.ExperimentTable([result])\ntable",
        timeout=120,
    )
    assert run.ok, run.traceback
    model_id = run.of("execute_result")[0]["data"][WIDGET_MIME]["model_id"]
    trace_id = kernel.run("result.items[0].trace_id").result.strip("'")
    message = kernel.client.session.msg(
        "comm_msg",
        {
            "comm_id": model_id,
            "data": {"method": "custom", "content": {"type": "open", "trace_id": trace_id}},
        },
    )
    kernel.client.shell_channel.send(message)
    opened = kernel.run("table.selected['trace']['id'], table.error", timeout=60)
    assert opened.result == f"('{trace_id}', '')"
