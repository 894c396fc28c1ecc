"""Prompts in a real kernel: ``%opik_prompt NAME`` shows the PromptHistory widget (its
synced model and static fallback carry the versions, the diff and the experiments), an
unknown name is a usage error, and a prompt formatted in a ``%%opik_track`` cell is
recorded on the cell's trace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.testlib.backends import RunningBackend
from tests.testlib.kernel import WIDGET_MIME, Kernel, kernel_after
from tests.testlib.waiting import wait_for

pytestmark = pytest.mark.slow

SETUP = """
%load_ext opik_jupyter
import opik_jupyter as oj
from opik_jupyter.evaluation import Dataset, Equals

oj.configure(url={url!r}, workspace={workspace!r}, project="prompts", flush_interval=0.05)
v1 = oj.Prompt("qa", "Question: {{{{q}}}}\\nAnswer briefly.")
v2 = oj.Prompt("qa", "Question: {{{{q}}}}\\nAnswer in one word.", change_description="terse")
dataset = Dataset("words")
dataset.insert([{{"input": "sky colour", "expected_output": "blue"}}])
oj.evaluate(dataset, lambda item: "blue", [Equals()], experiment_name="one-word",
            scoring_key_mapping={{"reference": "expected_output"}}, prompts=[v2],
            display=False, progress=False)
"""


@pytest.fixture
def kernel(backend: RunningBackend, workspace: str, tmp_path: Path) -> Iterator[Kernel]:
    setup = SETUP.format(url=backend.url, workspace=workspace)
    with kernel_after(setup, tmp_path) as running:
        yield running


def test_opik_prompt_magic_shows_the_history(kernel: Kernel) -> None:
    run = kernel.run("%opik_prompt qa")
    assert run.ok, run.traceback
    (shown,) = [r["data"] for r in run.of("execute_result") if WIDGET_MIME in r["data"]]
    assert shown["text/plain"].startswith("Prompt qa (text): 2 versions")
    assert "experiment one-word used" in shown["text/plain"]
    assert "equals_metric 1" in shown["text/plain"]
    html = shown["text/html"]
    assert "Answer briefly." in html  # the diff's two sides
    assert "Answer in one word." in html
    (data,) = [s for s in run.widget_states("data") if s]
    assert [v["change_description"] for v in data["versions"]] == ["terse", None]
    assert data["experiments"][0]["name"] == "one-word"
    assert data["experiments"][0]["commit"] == data["versions"][0]["commit"]


def test_opik_prompt_magic_names_an_unknown_prompt(kernel: Kernel) -> None:
    run = kernel.run("%opik_prompt nope")
    assert not run.ok
    assert run.reply["ename"] == "UsageError"
    assert run.reply["evalue"] == "no prompt named 'nope'"


def test_a_prompt_formatted_in_a_traced_cell_is_on_its_trace(
    kernel: Kernel, api: httpx.Client
) -> None:
    run = kernel.run("%%opik_track --name prompt-cell --no-display\nv1.format(q='why?')")
    assert run.ok, run.traceback
    assert kernel.run("oj.flush()").ok

    def cell_traces() -> list[dict] | None:
        page = api.get("v1/private/traces", params={"project_name": "prompts", "size": 50})
        return [t for t in page.json()["content"] if t["name"] == "prompt-cell"] or None

    (cell,) = wait_for(cell_traces, what="the cell's trace")
    used = cell["metadata"]["opik_prompts"]
    assert [(p["name"], p["version"]["template"]) for p in used] == [
        ("qa", "Question: {{q}}\nAnswer briefly.")
    ]
