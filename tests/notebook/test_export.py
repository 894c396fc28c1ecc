"""A shipped notebook, re-executed as ``jupyter nbconvert --execute`` would and exported to
HTML, shows what the live view showed: the ``%%opik_track`` tree with its costs, the LLM
calls as conversations and every span's input and output, both in the static HTML (what
nbviewer and GitHub show) and in the saved widget state (what nbconvert's HTML draws)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from tests.testlib.backends import stop_backend

pytestmark = pytest.mark.slow

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
QUICKSTART = Path(__file__).resolve().parents[2] / "notebooks" / "quickstart.ipynb"


@pytest.fixture
def executed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> nbformat.NotebookNode:
    """quickstart.ipynb run top to bottom in a fresh kernel, on a backend of its own."""
    for name in [n for n in os.environ if n.startswith(("OPIK_", "JPY_"))]:
        monkeypatch.delenv(name)
    data_dir = tmp_path / "opik-data"
    monkeypatch.setenv("OPIK_JUPYTER_DATA_DIR", str(data_dir))
    notebook = nbformat.read(QUICKSTART, as_version=4)
    client = NotebookClient(
        notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    try:
        client.execute()
    finally:
        stop_backend(data_dir)
    return notebook


def test_quickstart__exported_html_shows_costs_and_conversations(
    executed: nbformat.NotebookNode,
) -> None:
    tracked = next(c for c in executed.cells if c.source.startswith("%%opik_track"))
    tree = "".join(o.get("data", {}).get("text/html", "") for o in tracked.outputs)
    assert "opik-trace-static" in tree
    assert "cost $0.0" in tree  # the priced stored trace replaced the live one
    assert tree.count('class="opik-turn" data-role="user"') == 2  # both LLM calls as turns
    assert tree.count('class="opik-turn" data-role="assistant"') == 2
    assert "Paris is the capital of France." in tree  # the tool span's output
    # nbconvert's HTML draws the widget from the saved widget state: the stored trace too
    view = next(o for o in tracked.outputs if WIDGET_VIEW in o.get("data", {}))
    model = view["data"][WIDGET_VIEW]["model_id"]
    state = executed.metadata.widgets[WIDGET_STATE]["state"][model]["state"]
    assert state["data"]["trace"]["total_cost"] > 0
    assert all(span["cost"] for span in state["data"]["spans"] if span["type"] == "llm")
    html, _ = HTMLExporter().from_notebook_node(executed)
    assert model in html
    assert json.dumps(state["data"]["trace"]["total_cost"]) in html


def test_quickstart__ends_with_a_dashboard_that_exports_as_a_table(
    executed: nbformat.NotebookNode,
) -> None:
    shown = next(c for c in executed.cells if c.source.startswith("dashboard = oj.Dashboard"))
    (result,) = [o for o in shown.outputs if o.output_type == "execute_result"]
    html = result["data"]["text/html"]
    assert "Dashboard · Default Project" in html
    assert "<b>2</b>" in html  # the two traces of the notebook, in the totals
    assert "<th" in html  # the per-hour table
    assert "$0.0" in html  # their cost, priced by the backend
    model = result["data"][WIDGET_VIEW]["model_id"]
    state = executed.metadata.widgets[WIDGET_STATE]["state"][model]["state"]
    assert [c["id"] for c in state["data"]["charts"]] == [
        "traces",
        "tokens",
        "cost",
        "latency",
        "errors",
        "scores",
    ]
