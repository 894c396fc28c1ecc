"""ExperimentTable and ScoreChart from Python: view models from real experiments, static
HTML with every string escaped, opening a run's trace."""

from __future__ import annotations

from typing import Any

import pytest

from opik_jupyter import ExperimentTable, ScoreChart
from opik_jupyter.evaluation import Dataset, Equals, IsJson, evaluate
from opik_jupyter.evaluation._compare import Comparison, load
from opik_jupyter.evaluation.views._experiment_view_model import chart_model, histogram, table_model
from opik_jupyter.evaluation.views._html import chart_html, classify, table_html
from tests.testlib.evaluation import MAPPING, answer

XSS = "<img src=x onerror=alert(1)>"


def sloppy(item: dict[str, Any]) -> str:
    if item["input"] == "japan":
        raise ValueError(XSS)
    return answer(item) if item["input"] != "peru" else XSS


@pytest.fixture
def comparison(capitals: Dataset) -> Comparison:
    evaluate(
        capitals,
        answer,
        [Equals()],
        scoring_key_mapping=MAPPING,
        experiment_name="good",
        progress=False,
    )
    evaluate(
        capitals,
        sloppy,
        [Equals(), IsJson()],
        scoring_key_mapping=MAPPING,
        experiment_name=XSS,
        progress=False,
    )
    return load(["good", XSS], baseline="good")


def test_table_model__rows_of_items_with_each_experiments_run(comparison: Comparison) -> None:
    data = table_model(comparison)
    assert [e["name"] for e in data["experiments"]] == ["good", XSS]
    assert data["metrics"] == ["equals_metric", "is_json_metric"]
    assert data["lower_is_better"] == ["hallucination_metric"]
    assert [r["index"] for r in data["rows"]] == [1, 2, 3, 4]
    peru = data["rows"][1]
    assert peru["fields"] == [
        {"name": "input", "text": "peru"},
        {"name": "expected_output", "text": "Lima"},
    ]
    good, bad = (peru["runs"][e["id"]] for e in data["experiments"])
    assert (good["output"], good["scores"]) == ("Lima", {"equals_metric": 1.0})
    assert (bad["output"], bad["scores"]["equals_metric"]) == (XSS, 0.0)
    assert bad["reasons"]["is_json_metric"].startswith("not JSON")
    japan = data["rows"][3]["runs"][data["experiments"][1]["id"]]
    assert japan["error"] == f"ValueError: {XSS}"
    assert japan["scores"] == {}


def test_table_html__escapes_and_shades_regressions(comparison: Comparison) -> None:
    data = table_model(comparison)
    html = table_html(data, comparison.baseline_id)
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "good (baseline)" in html
    regression = "background:rgba(209,36,47,0.2)"  # translucent: readable in both themes
    assert html.count(regression) == 1  # peru's equals_metric went 1 -> 0
    assert "equals_metric 0 (-1)" in html  # the change against the baseline
    assert table_html(data, None).count(regression) == 0


def test_classify__direction_and_threshold() -> None:
    assert classify(0.0, 1.0, False) == "regression"
    assert classify(1.0, 0.0, True) == "regression"
    assert classify(0.5, 0.45, False, threshold=0.1) == ""
    assert classify(None, 1.0, False) == ""


def test_chart_model__histograms_means_and_runs(comparison: Comparison) -> None:
    history = [
        {
            "id": "2",
            "name": "later",
            "created_at": "2026-02-01",
            "feedback_scores": [{"name": "equals_metric", "value": 0.5}],
        },
        {"id": "1", "name": "earlier", "created_at": "2026-01-01", "feedback_scores": []},
    ]
    data = chart_model(comparison, history)
    equals = data["metrics"][0]
    assert equals["name"] == "equals_metric"
    assert equals["range"] == [0.0, 1.0]
    good, bad = equals["experiments"]
    assert (good["count"], good["mean"], good["bins"]) == (4, 1.0, [0] * 9 + [4])
    assert (bad["count"], bad["mean"], bad["bins"]) == (3, 2 / 3, [1] + [0] * 8 + [2])
    assert [r["name"] for r in data["history"]] == ["earlier", "later"]
    html = chart_html(data)
    assert "<img" not in html
    assert html.count("display:inline-block;width:8px") == 10 * 2 + 10 * 2  # two metrics


def test_histogram__edges_and_other_ranges() -> None:
    assert histogram([0.0, 0.1, 0.99, 1.0], 0.0, 1.0) == [1, 1] + [0] * 7 + [2]
    assert histogram([3.0, 3.0], 3.0, 3.0, bins=2) == [2, 0]
    assert histogram([10, 20, 30], 10, 30, bins=2) == [1, 2]


def test_labels__repeated_names_get_the_id_tail() -> None:
    comparison = Comparison(
        "d",
        "data",
        [
            {"id": "0000aa", "name": "x"},
            {"id": "0000bb", "name": "x"},
            {"id": "0000cc", "name": "y"},
        ],
        None,
        [],
    )
    assert comparison.labels() == {"0000aa": "x#0000aa", "0000bb": "x#0000bb", "0000cc": "y"}


def test_experiment_table__from_names_opens_a_trace(comparison: Comparison) -> None:
    table = ExperimentTable(["good", XSS], baseline="good", threshold=0.1)
    assert table.baseline == comparison.baseline_id
    assert table.threshold == 0.1
    assert len(table.data["rows"]) == 4
    data, _ = table._repr_mimebundle_()
    assert data["text/plain"].startswith("ExperimentTable('capitals': 4 items, experiments good")
    assert "&lt;img" in data["text/html"]
    trace_id = table.data["rows"][0]["runs"][comparison.baseline_id]["trace_id"]
    table._on_message(table, {"type": "open", "trace_id": trace_id}, [])
    assert table.selected["trace"]["id"] == trace_id
    assert table.error == ""
    table.open_trace("01a00000-0000-7000-8000-000000000000")
    assert table.error.startswith("could not open trace 01a00000")
    table.close()


def test_score_chart__with_the_runs_of_the_dataset(comparison: Comparison) -> None:
    chart = ScoreChart([XSS])
    assert [e["name"] for e in chart.data["metrics"][0]["experiments"]] == [XSS]
    assert [r["name"] for r in chart.data["history"]] == ["good", XSS]
    data, _ = chart._repr_mimebundle_()
    assert "Over runs" in data["text/html"]
    assert data["text/plain"].splitlines()[1].startswith("  equals_metric: ")
    assert ScoreChart.from_comparison(comparison, history=False).data["history"] == []
    chart.close()
