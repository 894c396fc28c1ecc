"""The official ``opik`` SDK's ``evaluate()`` and ours, on the same dataset of our backend:
the backend, the comparison and each SDK's reads show the same experiment data."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

import opik_jupyter
from opik_jupyter.evaluation import Dataset, Equals, compare_experiments, evaluate
from tests.testlib.backends import RunningBackend
from tests.testlib.evaluation import MAPPING, experiment
from tests.testlib.official_sdk import run_sdk
from tests.testlib.waiting import wait_for

pytestmark = pytest.mark.slow

OFFICIAL_RUN = """
    from opik.evaluation import evaluate
    from opik.evaluation.metrics import Equals

    client = opik.Opik()
    dataset = client.get_dataset("shared")
    result = evaluate(dataset=dataset, task=lambda item: {"output": item["input"].upper()},
                      scoring_metrics=[Equals()], experiment_name="official",
                      scoring_key_mapping={"reference": "expected_output"}, verbose=0)

    def items(name):
        found = client.get_experiment_by_name(name).get_items()
        return sorted((i.dataset_item_id, i.evaluation_task_output["output"],
                       [(s["name"], s["value"]) for s in i.feedback_scores]) for i in found)

    print(json.dumps({"experiment_id": result.experiment_id, "official": items("official"),
                      "ours": items("ours")}))
"""


def shared_dataset(sdk: opik_jupyter.Client) -> Dataset:
    dataset = Dataset("shared", client=sdk)
    dataset.insert(
        [
            {"input": "france", "expected_output": "FRANCE"},
            {"input": "peru", "expected_output": "PERU"},
            {"input": "chad", "expected_output": "wrong"},
        ]
    )
    return dataset


def test_official_and_our_evaluate__show_the_same_experiment_data(
    backend: RunningBackend, sdk: opik_jupyter.Client, api: httpx.Client, workspace: str
) -> None:
    dataset = shared_dataset(sdk)
    ours = evaluate(
        dataset,
        lambda item: item["input"].upper(),
        [Equals()],
        scoring_key_mapping=MAPPING,
        experiment_name="ours",
        progress=False,
    )
    official = run_sdk(backend, workspace, "evals", OFFICIAL_RUN)
    stored = {
        name: wait_for(
            lambda i=experiment_id: (
                (e := experiment(api, i))["trace_count"] == 3 and e["feedback_scores"] and e
            ),
            what=name,
        )
        for name, experiment_id in (
            ("ours", ours.experiment_id),
            ("official", official["experiment_id"]),
        )
    }
    for field in ("trace_count", "feedback_scores", "dataset_id", "dataset_name", "status"):
        assert stored["ours"][field] == stored["official"][field], field
    assert stored["ours"]["feedback_scores"] == [
        {"name": "equals_metric", "value": pytest.approx(2 / 3)}
    ]
    # the official SDK reads our experiment as it reads its own
    assert official["ours"] == official["official"]
    assert sorted(row[1] for row in official["ours"]) == ["CHAD", "FRANCE", "PERU"]
    same_rows(api, dataset, ours.experiment_id, official["experiment_id"])
    frame = compare_experiments(["official", ours], baseline="official")
    assert (
        frame["ours.output"].tolist()
        == frame["official.output"].tolist()
        == ["FRANCE", "PERU", "CHAD"]
    )
    assert (frame["ours.equals_metric.delta"] == 0).all()


def same_rows(api: httpx.Client, dataset: Dataset, ours: str, official: str) -> None:
    """In the comparison view, each item has both runs with the same input, output and
    scores."""
    page = api.get(
        f"v1/private/datasets/{dataset.id}/items/experiments/items",
        params={"experiment_ids": json.dumps([ours, official])},
    ).json()
    assert page["total"] == 3
    for row in page["content"]:
        runs = {run["experiment_id"]: run for run in row["experiment_items"]}
        assert set(runs) == {ours, official}
        assert runs[ours]["output"] == runs[official]["output"]
        assert runs[ours]["input"] == runs[official]["input"] == {**row["data"], "id": row["id"]}
        assert scores(runs[ours]) == scores(runs[official])


def scores(run: dict[str, Any]) -> list[tuple[str, float]]:
    return [(s["name"], s["value"]) for s in run["feedback_scores"]]
