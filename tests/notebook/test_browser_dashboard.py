"""The Dashboard in JupyterLab and Chromium (the ``lab`` and ``page`` fixtures of
``tests/conftest.py``): a week of traces seeded through the REST API, the widget's charts
and totals, its range menu, and the panel's Dashboard section, in the light and the dark
theme. Screenshots go to ``tests/artifacts/`` (``dashboard-*.png``)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.testlib.browser import KERNEL_READY, PANEL, command, run_all_cells, shoot, write_cells
from tests.testlib.jupyter import Lab

pytestmark = pytest.mark.slow

PROJECT = "dash-browser"
SEED = """\
import datetime as dt, random, uuid
import opik_jupyter as oj

rest = oj.Client()
random.seed(7)
now = dt.datetime.now(dt.timezone.utc)
PROJECT = "dash-browser"

def id_at(moment):
    value = (int(moment.timestamp() * 1000) << 80) | (0x7 << 76)
    value |= (random.getrandbits(12) << 64) | (0b10 << 62) | random.getrandbits(62)
    return str(uuid.UUID(int=value))

def iso(moment):
    return moment.isoformat().replace("+00:00", "Z")

traces, spans, scores = [], [], []
for day in range(7):
    for k in range(2 + (day * 5) % 7):
        start = now - dt.timedelta(days=6 - day, hours=random.uniform(1, 20))
        end = start + dt.timedelta(milliseconds=random.uniform(300, 2500) * (1 + day / 6))
        trace = dict(id=id_at(start), project_name=PROJECT, name="answer",
                     start_time=iso(start), end_time=iso(end))
        if random.random() < 0.15:
            trace["error_info"] = dict(exception_type="TimeoutError", message="slow")
        traces.append(trace)
        prompt, completion = random.randint(200, 900), random.randint(20, 200)
        usage = dict(prompt_tokens=prompt, completion_tokens=completion,
                     total_tokens=prompt + completion)
        spans.append(dict(id=id_at(start), trace_id=trace["id"], project_name=PROJECT,
                          name="chat", type="llm", model="gpt-4o-mini", provider="openai",
                          start_time=trace["start_time"], end_time=trace["end_time"],
                          usage=usage))
        for name, low, high in (("relevance", 0.5, 1.0), ("hallucination", 0.0, 0.3)):
            scores.append(dict(id=trace["id"], project_name=PROJECT, name=name,
                               value=round(random.uniform(low, high), 2), source="sdk"))
rest.json("POST", "v1/private/traces/batch", {"traces": traces})
rest.json("POST", "v1/private/spans/batch", {"spans": spans})
rest.json("PUT", "v1/private/traces/feedback-scores", {"scores": scores})
len(traces)"""
CELLS = [SEED, f"oj.Dashboard({PROJECT!r}, days=7)"]


@pytest.fixture(scope="module")
def notebook(lab: Lab, page: Page) -> Page:
    """The dashboard notebook open in JupyterLab, its cells run."""
    write_cells(lab.root / "dashboard.ipynb", CELLS)
    page.goto(f"{lab.url}/lab/tree/dashboard.ipynb?token={lab.token}")
    run_all_cells(page)
    expect(page.locator('.oj-dash [data-chart="traces"] svg')).to_be_visible(timeout=180_000)
    page.wait_for_function(KERNEL_READY)
    return page


def kpi(root: Locator, kpi_id: str) -> Locator:
    return root.locator(f'[data-kpi="{kpi_id}"] .oj-dash-kpi-value')


def test_widget__charts_totals_and_axes(notebook: Page) -> None:
    dash = notebook.locator(".jp-OutputArea-output .oj-dash").first
    expect(dash.locator(".oj-title")).to_have_text(f"Dashboard · {PROJECT}")
    charts = dash.locator("[data-chart]")
    expect(charts).to_have_count(6)
    assert [charts.nth(i).get_attribute("data-chart") for i in range(6)] == [
        "traces",
        "tokens",
        "cost",
        "latency",
        "errors",
        "scores",
    ]
    seeded = int(notebook.locator(".jp-OutputArea-output").first.inner_text().strip())
    expect(kpi(dash, "traces")).to_have_text(str(seeded))
    assert kpi(dash, "cost").inner_text().startswith("$")
    assert kpi(dash, "errors").inner_text().endswith("%")
    assert kpi(dash, "p50").inner_text().endswith(("ms", " s"))
    # a bar per day with traces; lines with a point per day for the rest
    expect(dash.locator('[data-chart="traces"] .oj-dash-bars rect')).to_have_count(8, timeout=5_000)
    expect(dash.locator('[data-chart="latency"] .oj-chart-key')).to_have_text(["p50", "p95", "p99"])
    expect(dash.locator('[data-chart="scores"] .oj-chart-key')).to_have_text(
        ["hallucination", "relevance"]
    )
    ticks = dash.locator('[data-chart="cost"] [aria-label="y-axis tick label"] text')
    labels = ticks.all_text_contents()
    assert labels[0] == "0"
    assert all(t.startswith("$") for t in labels[1:])
    # the chart fits its card: nothing drawn outside it
    card = dash.locator('[data-chart="latency"]').bounding_box()
    svg = dash.locator('[data-chart="latency"] svg').bounding_box()
    assert card is not None
    assert svg is not None
    assert svg["x"] >= card["x"] - 1
    assert svg["x"] + svg["width"] <= card["x"] + card["width"] + 1
    shoot(notebook, dash, "dashboard-widget")


def test_widget__range_menu_reads_the_new_range(notebook: Page) -> None:
    dash = notebook.locator(".jp-OutputArea-output .oj-dash").first
    dash.locator("select.oj-dash-range").select_option("1")
    expect(dash.locator(".oj-dash-interval")).to_have_text("hourly · UTC", timeout=30_000)
    bars = dash.locator('[data-chart="traces"] .oj-dash-bars rect')
    expect(bars).not_to_have_count(8)
    dash.locator("select.oj-dash-range").select_option("7")
    expect(dash.locator(".oj-dash-interval")).to_have_text("daily · UTC", timeout=30_000)


def test_panel__dashboard_section_shows_the_chosen_project(notebook: Page) -> None:
    command(notebook, "opik-jupyter:open-panel")
    panel = notebook.locator(PANEL)
    expect(panel).to_be_visible()
    section = panel.locator(".oj-lab-dashboard")
    for title in ("Live traces", "Experiments", "Prompts"):  # room for the charts
        header = panel.locator(".lm-AccordionPanel-title", has_text=title)
        if header.count() and header.get_attribute("aria-expanded") == "true":
            header.click()
    title = panel.locator(".lm-AccordionPanel-title", has_text="Dashboard")
    if title.get_attribute("aria-expanded") != "true":
        title.click()
    panel.locator(".jp-SidePanel-toolbar button").first.click()  # refresh
    section.locator("select.oj-dash-project").select_option(label=PROJECT)
    dash = section.locator(".oj-dash")
    expect(dash.locator("select.oj-dash-project option:checked")).to_have_text(
        PROJECT, timeout=30_000
    )
    expect(dash.locator("[data-chart]")).to_have_count(6)
    widget_total = notebook.locator(".jp-OutputArea-output .oj-dash").first
    expect(kpi(dash, "traces")).to_have_text(kpi(widget_total, "traces").inner_text())
    expect(dash.locator('[data-chart="traces"] .oj-dash-bars rect')).to_have_count(8)
    shoot(notebook, panel, "dashboard-panel")
