"""``compare_experiments``: per item, each experiment's output and scores, deltas against a
baseline; experiments named by name, id or result."""

from __future__ import annotations

import math
from typing import Any

import pytest

from opik_jupyter.evaluation import Dataset, Equals, compare_experiments, evaluate
from tests.testlib.evaluation import MAPPING, answer


def lowercase(item: dict[str, Any]) -> str:
    if item["input"] == "japan":
        raise RuntimeError("lost")
    return answer(item).lower()


@pytest.fixture
def two_runs(capitals: Dataset) -> tuple[Any, Any]:
    base = evaluate(
        capitals,
        answer,
        [Equals(case_sensitive=True)],
        scoring_key_mapping=MAPPING,
        experiment_name="base",
        progress=False,
    )
    lower = evaluate(
        capitals,
        lowercase,
        [Equals(case_sensitive=True)],
        scoring_key_mapping=MAPPING,
        experiment_name="lower",
        progress=False,
    )
    return base, lower


def test_compare__outputs_scores_and_deltas_per_item(two_runs: tuple[Any, Any]) -> None:
    base, _ = two_runs
    frame = compare_experiments([base, "lower"], baseline="base")
    assert list(frame.columns) == [
        "input",
        "expected_output",
        "base.output",
        "base.equals_metric",
        "lower.output",
        "lower.equals_metric",
        "lower.equals_metric.delta",
        "lower.error",
    ]
    assert frame.index.name == "dataset_item_id"
    assert frame["input"].tolist() == ["france", "peru", "chad", "japan"]
    assert frame["base.output"].tolist() == ["Paris", "Lima", "N'Djamena", "Tokyo"]
    assert frame["lower.output"].tolist()[:3] == ["paris", "lima", "n'djamena"]
    assert frame["lower.equals_metric.delta"].tolist()[:3] == [-1.0, -1.0, -1.0]
    assert frame.loc[base.items[3].dataset_item_id, "lower.error"] == "RuntimeError: lost"
    assert math.isnan(frame["lower.equals_metric"].iloc[3])


def test_compare__by_id_without_a_baseline(two_runs: tuple[Any, Any]) -> None:
    base, lower = two_runs
    frame = compare_experiments([lower.experiment_id, base.experiment_id])
    assert [c for c in frame.columns if c.endswith("delta")] == []
    assert list(frame.columns)[2:4] == ["lower.output", "lower.equals_metric"]


def test_compare__a_baseline_not_in_the_list_comes_first(two_runs: tuple[Any, Any]) -> None:
    frame = compare_experiments(["lower"], baseline="base")
    assert list(frame.columns)[2] == "base.output"


def test_compare__bad_references(two_runs: tuple[Any, Any], capitals: Dataset) -> None:
    with pytest.raises(LookupError, match="no experiment named 'nope'"):
        compare_experiments(["nope"])
    other = Dataset("other", client=capitals.client)
    other.insert([{"input": "peru", "expected_output": "Lima"}])
    evaluate(
        other,
        answer,
        [Equals()],
        scoring_key_mapping=MAPPING,
        experiment_name="elsewhere",
        progress=False,
    )
    with pytest.raises(
        ValueError,
        match="experiments of different datasets cannot be "
        "compared: 'base' on 'capitals', 'elsewhere' on 'other'",
    ):
        compare_experiments(["base", "elsewhere"])
    evaluate(
        other,
        answer,
        [Equals()],
        scoring_key_mapping=MAPPING,
        experiment_name="base",
        progress=False,
    )
    with pytest.raises(ValueError, match="2 experiments are named 'base': pass the id"):
        compare_experiments(["base"])


def test_compare__an_equal_run_has_zero_deltas(
    two_runs: tuple[Any, Any], capitals: Dataset
) -> None:
    base, _ = two_runs
    again = evaluate(
        capitals,
        answer,
        [Equals(case_sensitive=True)],
        scoring_key_mapping=MAPPING,
        experiment_name="base-2",
        progress=False,
    )
    frame = compare_experiments([base, again], baseline=base)
    assert "base-2.equals_metric.delta" in frame.columns
    assert (frame["base-2.equals_metric.delta"] == 0).all()
