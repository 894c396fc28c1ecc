"""The experiment table and the score chart in a real browser (the JupyterLab and Chromium
set-up of ``tests/notebook/test_browser.py``: the ``lab`` and ``page`` fixtures of
``tests/conftest.py``): rendered from the bundles, a click opens a run's trace tree,
untrusted text stays text. Screenshots go to ``tests/artifacts/``."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.testlib.browser import ARTIFACTS, XSS_ALERT, run_all_cells, write_cells
from tests.testlib.jupyter import Lab

pytestmark = pytest.mark.slow

CELLS = [
    f"""\
import opik_jupyter as oj
from opik_jupyter.evaluation import Contains, Equals

dataset = oj.Dataset("browser")
dataset.insert([{{"input": "france", "expected_output": "Paris"}},
                {{"input": "peru", "expected_output": "Lima"}},
                {{"input": {XSS_ALERT!r}, "expected_output": "?"}}])
answers = {{"france": "Paris", "peru": "Lima"}}
metrics = [Equals(), Contains()]
mapping = {{"reference": "expected_output"}}
good = oj.evaluate(dataset, lambda item: answers.get(item["input"], "?"), metrics,
                   experiment_name="good", scoring_key_mapping=mapping, display=False)
worse = oj.evaluate(dataset, lambda item: "Lima" if item["input"] == "peru" else {XSS_ALERT!r},
                    metrics, experiment_name="worse", scoring_key_mapping=mapping,
                    display=False)""",
    "oj.ExperimentTable([good, worse], baseline=good)",
    "oj.ScoreChart([good, worse])",
]


@pytest.fixture(scope="module")
def notebook(lab: Lab, page: Page) -> Page:
    """The evaluation notebook open in JupyterLab, its cells run."""
    write_cells(lab.root / "evaluation.ipynb", CELLS)
    page.goto(f"{lab.url}/lab/tree/evaluation.ipynb?token={lab.token}")
    run_all_cells(page)
    return page


def test_experiment_table__regressions_and_a_click_to_the_trace(notebook: Page) -> None:
    table = notebook.locator(".oj-exp").first
    rows = table.locator("tbody tr[data-id]")
    expect(rows).to_have_count(3, timeout=120_000)
    expect(table.locator("thead")).to_contain_text("good (baseline)")
    expect(table.locator(".oj-regression")).to_have_count(4)  # two items: both scores
    expect(rows.nth(2)).to_contain_text(XSS_ALERT)
    table.locator(".oj-exp-toggle input").first.check()
    expect(rows).to_have_count(2)
    rows.first.locator(".oj-exp-output").last.click()
    opened = notebook.locator(".oj-opened .oj-tree")
    expect(opened.locator(".oj-title")).to_have_text("evaluation_task", timeout=60_000)
    expect(opened.locator(".oj-row[data-id] .oj-name")).to_contain_text(
        ["evaluation_task", "<lambda>", "metrics_calculation", "equals_metric", "contains_metric"]
    )
    root_name = opened.locator(".oj-row[data-id] .oj-name").first
    assert root_name.evaluate("n => n.scrollWidth <= n.clientWidth")  # not cut by its scores
    assert notebook.locator(".jp-OutputArea img").count() == 0
    assert notebook.dialogs == []  # type: ignore[attr-defined]
    ARTIFACTS.mkdir(exist_ok=True)
    table.locator(".oj-exp-toggle input").first.uncheck()
    notebook.locator(".oj-root", has=table).screenshot(path=str(ARTIFACTS / "experiment-table.png"))


def test_score_chart__draws_the_distributions_and_means(notebook: Page) -> None:
    chart = notebook.locator(".oj-charts").first
    expect(chart.locator(".oj-chart-card[data-metric]")).to_have_count(2, timeout=120_000)
    equals = chart.locator('[data-metric="equals_metric"]')
    expect(equals.locator("svg rect")).to_have_count(20)
    expect(equals.locator("svg g.oj-bars-0 rect")).to_have_count(10)  # a bar per bin
    expect(equals.locator("svg g.oj-mean line")).to_have_count(2)  # a mean per experiment
    expect(equals.locator(".oj-chart-legend")).to_contain_text(
        "good: mean 1 (n=3)worse: mean 0.33 (n=3)"
    )
    # Plot is given the theme's CSS variables as colours: they resolve in the browser.
    fill = equals.locator("svg g.oj-bars-0 rect").first.evaluate(
        "node => getComputedStyle(node).fill"
    )
    assert fill == "rgb(9, 105, 218)"  # --oj-series-0
    points = chart.locator(".oj-chart-runs g.oj-run-points circle")
    expect(points).to_have_count(4)  # 2 runs x 2 metrics
    chart.scroll_into_view_if_needed()
    chart.screenshot(path=str(ARTIFACTS / "score-chart.png"))
