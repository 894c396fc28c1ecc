"""The ``Dashboard``: its view model (pinned with the panel's TypeScript by a shared
fixture), its static HTML for exported notebooks, and the widget in a real kernel reading
the metrics of what the kernel just traced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opik_jupyter.widgets._dashboard_html import dashboard_html, dashboard_text
from opik_jupyter.widgets._dashboard_model import interval_for, model
from tests.testlib.kernel import WIDGET_MIME, Kernel

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "dashboard_model.json"
CASES = json.loads(FIXTURE.read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["about"] for c in CASES])
def test_model_matches_the_shared_contract(case: dict) -> None:
    assert model(case["meta"], case["raw"]) == case["model"]


def test_the_contract_covers_totals_ordering_and_empty_projects() -> None:
    full, new, quiet = (c["model"] for c in CASES)
    kpis = {k["id"]: k["value"] for k in full["kpis"]}
    assert kpis["traces"] == 6
    assert kpis["errors"] == pytest.approx(100 * 2 / 6)  # 25% of 4 and 50% of 2
    assert kpis["tokens"] == 620  # total_tokens, not the sum of every kind
    latency = next(c for c in full["charts"] if c["id"] == "latency")
    assert [s["name"] for s in latency["series"]] == ["p50", "p95", "p99"]
    assert new["kpis"] == []
    assert all(c["series"] == [] for c in new["charts"])
    assert {k["id"] for k in quiet["kpis"]} == {"traces", "tokens", "cost", "errors"}


def test_interval_follows_the_range() -> None:
    assert [interval_for(d) for d in (1, 2, 7, 90, 365)] == [
        "HOURLY",
        "HOURLY",
        "DAILY",
        "DAILY",
        "WEEKLY",
    ]


def test_static_html_has_a_row_per_bucket_in_units() -> None:
    html = dashboard_html(CASES[0]["model"])
    assert "Dashboard · shop-bot" in html
    assert "last 3 days · daily" in html
    assert html.count("<tr>") == 1 + 3  # the header and three days
    for shown in ("$0.0123", "$0.000027", "300 ms", "2.40 s", "25.0%", "0.80", "33.3%"):
        assert shown in html
    assert "latency p95" in html
    assert "relevance" in html
    assert "Traces: 6" in dashboard_text(CASES[0]["model"])


def test_static_html_of_an_empty_range_says_so() -> None:
    html = dashboard_html(CASES[2]["model"])
    assert "No traces in quiet in this range." in html
    assert "<table" not in html


def test_static_html_escapes_names() -> None:
    data = json.loads(json.dumps(CASES[0]["model"]))
    data["project"] = "<script>x</script>"
    data["charts"][5]["series"][0]["name"] = "<b>s</b>"
    html = dashboard_html(data)
    assert "<script>" not in html
    assert "<b>s</b>" not in html
    assert "&lt;script&gt;" in html


TRACE = """
@oj.track(name="answer")
def answer(question, fail=False):
    with oj.start_span(name="llm", type="llm") as span:
        span.update(model="gpt-4o-mini", provider="openai",
                    usage={"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120})
    if fail:
        raise ValueError("no answer")
    oj.log_feedback_score("relevance", 0.5)
    return question.upper()

answer("a"); answer("b")
try:
    answer("c", fail=True)
except ValueError:
    pass
oj.flush()
"""


@pytest.mark.slow
def test_dashboard_widget_in_a_kernel(kernel: Kernel, project: str) -> None:
    traced = kernel.run(TRACE)
    assert traced.ok, traced.traceback
    run = kernel.run("dash = oj.Dashboard(days=1)\ndash")
    assert run.ok, run.traceback
    (shown,) = [r["data"] for r in run.of("execute_result") if WIDGET_MIME in r["data"]]
    assert f"Dashboard · {project}" in shown["text/html"]
    assert "Traces: 3" in shown["text/plain"]
    (data,) = [s for s in run.widget_states("data") if s]
    assert data["project"] == project
    assert data["interval"] == "HOURLY"
    kpis = {k["id"]: k["value"] for k in data["kpis"]}
    assert kpis["traces"] == 3
    assert kpis["errors"] == pytest.approx(100 / 3)
    assert kpis["tokens"] == 360
    assert kpis["cost"] > 0  # priced by the backend from the model and usage
    assert kpis["p50"] > 0
    assert kpis["score:relevance"] == pytest.approx(0.5)
    charts = {c["id"]: c for c in data["charts"]}
    (traces,) = charts["traces"]["series"]
    assert len(traces["points"]) in (24, 25)  # the hours of the range, filled
    assert sum(p["v"] for p in traces["points"]) == 3
    # a wider range: read again, per day
    wider = kernel.run(
        "dash.days = 30\n"
        "print(dash.data['interval'], len(dash.data['charts'][0]['series'][0]['points']))"
    )
    assert wider.ok, wider.traceback
    assert wider.stdout.split()[:2] in (["DAILY", "30"], ["DAILY", "31"])


@pytest.mark.slow
def test_dashboard_of_a_project_without_traces(kernel: Kernel) -> None:
    run = kernel.run("oj.Dashboard('nothing-here-yet', days=7)")
    assert run.ok, run.traceback
    (shown,) = [r["data"] for r in run.of("execute_result") if WIDGET_MIME in r["data"]]
    assert "No traces in nothing-here-yet" in shown["text/html"]
    bad = kernel.run("oj.Dashboard(days=0)")
    assert not bad.ok
    assert "days must be positive" in bad.reply["evalue"]
