"""Bad input to ``evaluate()``: refused with a message naming the item and what to do, and
nothing half-written (no experiment, no traces, or whatever was written removed again)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import opik_jupyter
from opik_jupyter.evaluation import BaseMetric, Dataset, Equals, EvaluationInputError, evaluate
from tests.testlib.evaluation import MAPPING, answer, experiments_of


def nothing_written(api: httpx.Client, dataset: Dataset, sdk: opik_jupyter.Client) -> None:
    opik_jupyter.flush()
    assert experiments_of(api, dataset) == []
    assert sdk.search_traces(project_name="evals") == []


def test_empty_dataset(sdk: opik_jupyter.Client, api: httpx.Client) -> None:
    empty = Dataset("empty", client=sdk)
    with pytest.raises(
        EvaluationInputError,
        match=r"dataset 'empty' has no items: add some "
        r"first \(dataset.insert",
    ):
        evaluate(empty, answer, [Equals()], progress=False)
    nothing_written(api, empty, sdk)


def test_a_metric_class_without_score(
    capitals: Dataset, sdk: opik_jupyter.Client, api: httpx.Client
) -> None:
    class Unfinished(BaseMetric):
        pass

    with pytest.raises(EvaluationInputError, match=r"not a metric: Unfinished\(name='metric'\)"):
        evaluate(capitals, answer, [Unfinished()], progress=False)
    nothing_written(api, capitals, sdk)


def test_unknown_dataset_name(sdk: opik_jupyter.Client) -> None:
    with pytest.raises(LookupError, match="no dataset named 'missing'"):
        evaluate("missing", answer, progress=False)


def test_items_missing_a_field_a_metric_needs(
    capitals: Dataset, sdk: opik_jupyter.Client, api: httpx.Client
) -> None:
    capitals.insert([{"input": "mali"}, {"input": "laos"}])
    with pytest.raises(EvaluationInputError) as raised:
        evaluate(capitals, answer, [Equals()], scoring_key_mapping=MAPPING, progress=False)
    ids = [i["id"] for i in capitals.items()[4:]]
    assert str(raised.value) == (
        "equals_metric needs 'reference' (from 'expected_output'), but 2 of 6 items have no "
        f"'expected_output': item 5 (id {ids[0]}), item 6 (id {ids[1]}). Add "
        "'expected_output' to those items or delete them (dataset.delete_items([...])); "
        "nothing was run."
    )
    nothing_written(api, capitals, sdk)


def test_a_metric_argument_nobody_provides_stops_the_run_and_removes_it(
    capitals: Dataset, sdk: opik_jupyter.Client, api: httpx.Client
) -> None:
    calls: list[str] = []

    def task(item: dict[str, Any]) -> str:
        calls.append(item["input"])
        return answer(item)

    with pytest.raises(EvaluationInputError) as raised:  # no mapping: no 'reference' anywhere
        evaluate(capitals, task, [Equals()], experiment_name="unmapped", workers=1, progress=False)
    message = str(raised.value)
    assert message.startswith("equals_metric cannot score item 1 (id ")
    assert (
        "needs 'reference', which neither the item nor the task output has (they have: "
        "expected_output, id, input, output)" in message
    )
    assert "scoring_key_mapping={'reference': '<field>'}" in message
    assert message.endswith("The run was stopped and nothing of it was kept.")
    assert calls == ["france"]
    nothing_written(api, capitals, sdk)


def test_duplicate_experiment_name(capitals: Dataset, api: httpx.Client) -> None:
    first = evaluate(
        capitals,
        answer,
        [Equals()],
        scoring_key_mapping=MAPPING,
        experiment_name="v1",
        progress=False,
    )
    with pytest.raises(EvaluationInputError) as raised:
        evaluate(
            capitals,
            answer,
            [Equals()],
            scoring_key_mapping=MAPPING,
            experiment_name="v1",
            progress=False,
        )
    assert str(raised.value) == (
        f"dataset 'capitals' already has an experiment named 'v1' (id {first.experiment_id}, "
        "4 items run): pick another experiment_name, or pass resume=True to run only the "
        "items it has not done"
    )
    assert [e["id"] for e in experiments_of(api, capitals)] == [first.experiment_id]
    other = Dataset("other", client=capitals.client)
    other.insert([{"input": "peru", "expected_output": "Lima"}])
    evaluate(
        other, answer, [Equals()], scoring_key_mapping=MAPPING, experiment_name="v1", progress=False
    )  # the same name on another dataset is another experiment


@pytest.mark.parametrize(
    ("metrics", "mapping", "message"),
    [
        ([Equals(), Equals()], {}, "two metrics are named 'equals_metric'"),
        (
            [Equals()],
            {"refrence": "expected_output"},
            "scoring_key_mapping maps 'refrence', which no metric takes (they take: output, "
            "reference)",
        ),
        (["equals"], {}, "not a metric: 'equals'"),
    ],
)
def test_bad_metrics(
    capitals: Dataset,
    sdk: opik_jupyter.Client,
    api: httpx.Client,
    metrics: list[Any],
    mapping: dict[str, str],
    message: str,
) -> None:
    with pytest.raises(EvaluationInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        evaluate(capitals, answer, metrics, scoring_key_mapping=mapping, progress=False)
    nothing_written(api, capitals, sdk)


def test_task_that_is_not_callable(capitals: Dataset) -> None:
    with pytest.raises(EvaluationInputError, match="task must be a function of one dataset item"):
        evaluate(capitals, "answer", [Equals()], progress=False)  # type: ignore[arg-type]


def test_tracing_switched_off(capitals: Dataset) -> None:
    opik_jupyter.configure(enabled=False)
    with pytest.raises(EvaluationInputError, match="tracing is switched off"):
        evaluate(capitals, answer, [Equals()], progress=False)
