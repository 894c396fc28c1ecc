"""``evaluate()`` against the real backend: traces, scores and experiment items as the
backend sees them; sync and async tasks; failures, timeouts and malformed judges that leave
the run going."""

from __future__ import annotations

import asyncio
import json
import math
import threading
import time
from typing import Any

import httpx
import pytest

import opik_jupyter
from opik_jupyter.evaluation import (
    Contains,
    Dataset,
    Equals,
    EvaluationInputError,
    EvaluationResult,
    Hallucination,
    ItemResult,
    JudgeModel,
    LevenshteinRatio,
    MetricSummary,
    evaluate,
    evaluate_async,
)
from opik_jupyter.testing import FakeLLMServer
from tests.testlib.evaluation import CAPITALS, MAPPING, answer, experiment, linked_items, prompt_of
from tests.testlib.waiting import wait_for


def trace_of(sdk: opik_jupyter.Client, trace_id: str) -> dict[str, Any]:
    return wait_for(lambda: sdk.get_trace(trace_id), what=f"trace {trace_id}")


def test_evaluate__records_an_experiment_the_backend_averages(
    capitals: Dataset, sdk: opik_jupyter.Client, api: httpx.Client
) -> None:
    def shouting(output: str) -> float:
        return float(output.isupper())

    result = evaluate(
        capitals,
        answer,
        [Equals(), LevenshteinRatio(), shouting],
        experiment_name="baseline",
        experiment_config={"prompt": "v1"},
        scoring_key_mapping=MAPPING,
        progress=False,
    )
    assert isinstance(result, EvaluationResult)
    assert all(isinstance(item, ItemResult) for item in result.items)
    assert isinstance(result.scores["equals_metric"], MetricSummary)
    assert (result.experiment_name, result.dataset_name, len(result.items)) == (
        "baseline",
        "capitals",
        4,
    )
    assert [item.index for item in result.items] == [1, 2, 3, 4]
    assert result.scores["equals_metric"].mean == 1.0
    assert result.scores["shouting"].count == 4
    assert result.errors == []
    stored = wait_for(
        lambda: (
            (e := experiment(api, result.experiment_id))["trace_count"] == 4
            and len(e["feedback_scores"]) == 3
            and e
        ),
        what="the experiment",
    )
    averages = {s["name"]: s["value"] for s in stored["feedback_scores"]}
    assert averages == pytest.approx({name: s.mean for name, s in result.scores.items()})
    assert (stored["status"], stored["dataset_name"], stored["metadata"]) == (
        "completed",
        "capitals",
        {"prompt": "v1"},
    )
    assert sorted(i["dataset_item_id"] for i in linked_items(api, "baseline")) == sorted(
        item.dataset_item_id for item in result.items
    )


def test_evaluate__each_item_is_a_trace_with_task_and_metric_spans(
    capitals: Dataset, sdk: opik_jupyter.Client
) -> None:
    result = evaluate(
        capitals,
        answer,
        [Equals()],
        scoring_key_mapping=MAPPING,
        experiment_name="spans",
        progress=False,
    )
    item = result.items[0]
    trace = trace_of(sdk, str(item.trace_id))
    assert trace["name"] == "evaluation_task"
    assert item.trace_id in {t["id"] for t in sdk.search_traces(project_name="evals")}
    assert trace["input"] == {
        "input": "france",
        "expected_output": "Paris",
        "id": item.dataset_item_id,
    }
    assert trace["output"] == {"output": "Paris"}
    assert trace["metadata"]["evaluation"] == {
        "experiment": "spans",
        "dataset": "capitals",
        "dataset_item_id": item.dataset_item_id,
    }
    assert [(s["name"], s["value"]) for s in trace["feedback_scores"]] == [("equals_metric", 1.0)]
    spans = {s["name"]: s for s in trace["spans"]}
    assert set(spans) == {"answer", "metrics_calculation", "equals_metric"}
    assert spans["answer"]["output"] == {"output": "Paris"}
    assert spans["equals_metric"]["parent_span_id"] == spans["metrics_calculation"]["id"]
    assert spans["equals_metric"]["output"] == {"equals_metric": {"value": 1.0, "reason": "equal"}}


def test_evaluate__a_tracked_task_keeps_its_own_spans(
    capitals: Dataset, sdk: opik_jupyter.Client
) -> None:
    @opik_jupyter.track(name="rag")
    def task(item: dict[str, Any]) -> dict[str, Any]:
        with opik_jupyter.start_span("retrieve", type="tool"):
            pass
        return {"output": answer(item), "context": ["notes"]}

    result = evaluate(
        capitals, task, [Contains()], scoring_key_mapping=MAPPING, progress=False, nb_samples=1
    )
    assert len(result.items) == 1
    spans = trace_of(sdk, str(result.items[0].trace_id))["spans"]
    by_name = {s["name"]: s for s in spans}
    assert set(by_name) == {"rag", "retrieve", "metrics_calculation", "contains_metric"}
    assert by_name["retrieve"]["parent_span_id"] == by_name["rag"]["id"]


def test_evaluate__a_failing_item_is_recorded_and_the_run_goes_on(
    capitals: Dataset, sdk: opik_jupyter.Client, api: httpx.Client
) -> None:
    def flaky(item: dict[str, Any]) -> str:
        if item["input"] == "peru":
            raise ValueError("no idea about peru")
        return answer(item)

    result = evaluate(
        capitals,
        flaky,
        [Equals()],
        scoring_key_mapping=MAPPING,
        experiment_name="flaky",
        progress=False,
    )
    failed = result.items[1]
    assert failed.error == "ValueError: no idea about peru"
    assert failed.scores == []
    assert result.errors == [
        f"item 2 (id {failed.dataset_item_id}, input 'peru'): ValueError: no idea about peru"
    ]
    assert result.scores["equals_metric"].count == 3
    trace = trace_of(sdk, str(failed.trace_id))
    assert trace["error_info"]["exception_type"] == "ValueError"
    assert "no idea about peru" in trace["error_info"]["traceback"]
    assert trace["metadata"]["evaluation"]["error"] == "ValueError: no idea about peru"
    wait_for(
        lambda: experiment(api, result.experiment_id)["trace_count"] == 4,
        what="all four items linked, the failed one too",
    )
    frame = result.to_pandas()
    assert frame.loc[failed.dataset_item_id, "error"] == "ValueError: no idea about peru"
    assert math.isnan(frame.loc[failed.dataset_item_id, "equals_metric"])


def test_evaluate__a_hanging_task_times_out_for_its_item_only(capitals: Dataset) -> None:
    release = threading.Event()

    def hangs_on_chad(item: dict[str, Any]) -> str:
        if item["input"] == "chad":
            release.wait(30)
        return answer(item)

    started = time.monotonic()
    try:
        result = evaluate(
            capitals,
            hangs_on_chad,
            [Equals()],
            scoring_key_mapping=MAPPING,
            timeout=0.5,
            workers=2,
            progress=False,
        )
    finally:
        release.set()
    assert time.monotonic() - started < 10
    errors = {item.item["input"]: item.error for item in result.items}
    assert errors == {
        "france": None,
        "peru": None,
        "japan": None,
        "chad": "TimeoutError: the task did not finish within 0.5 s (it may go on in the "
        "background; what it returns is ignored)",
    }
    assert result.scores["equals_metric"].count == 3


def test_evaluate__malformed_judge_output_fails_that_score_and_the_run_goes_on(
    capitals: Dataset, judge: FakeLLMServer, sdk: opik_jupyter.Client, api: httpx.Client
) -> None:
    def reply(request: Any) -> str:
        if "Lima" in prompt_of(request):
            return "Looks right to me!"
        return json.dumps({"score": 0.0, "reason": "supported by the question"})

    judge.replies = reply
    metric = Hallucination(JudgeModel("judge", base_url=judge.openai_base_url, api_key="t"))
    result = evaluate(
        capitals,
        answer,
        [metric, Equals()],
        scoring_key_mapping=MAPPING,
        experiment_name="judged",
        progress=False,
    )
    peru = result.items[1]
    [failed] = [s for s in peru.scores if not s.ok]
    assert failed.name == "hallucination_metric"
    assert failed.error == (
        "JudgeOutputError: the judge's reply is not the JSON object "
        '{"score", "reason"} it was asked for: \'Looks right to me!\''
    )
    assert math.isnan(failed.value)
    assert result.scores["hallucination_metric"].count == 3
    assert result.scores["hallucination_metric"].failed == 1
    assert any("hallucination_metric failed: JudgeOutputError" in e for e in result.errors)
    trace = trace_of(sdk, str(peru.trace_id))
    assert [s["name"] for s in trace["feedback_scores"]] == ["equals_metric"]  # no fake score
    assert trace["metadata"]["evaluation"]["scoring_errors"] == {
        "hallucination_metric": failed.error
    }
    metric_span = next(s for s in trace["spans"] if s["name"] == "hallucination_metric")
    assert metric_span["error_info"]["exception_type"] == "ScoringFailed"
    stored = wait_for(
        lambda: (
            (e := experiment(api, result.experiment_id))["trace_count"] == 4
            and len(e["feedback_scores"]) == 2
            and e
        ),
        what="the experiment",
    )
    assert {s["name"]: s["value"] for s in stored["feedback_scores"]} == {
        "equals_metric": 1.0,
        "hallucination_metric": 0.0,
    }


def test_evaluate__async_task_from_inside_a_running_event_loop(capitals: Dataset) -> None:
    async def slow_answer(item: dict[str, Any]) -> str:
        await asyncio.sleep(0.05)
        return answer(item)

    async def notebook_cell() -> tuple[Any, Any]:
        # a cell's code runs while the kernel's loop runs: evaluate() must not asyncio.run
        assert asyncio.get_running_loop().is_running()
        synced = evaluate(
            capitals,
            slow_answer,
            [Equals()],
            scoring_key_mapping=MAPPING,
            experiment_name="sync-call",
            progress=False,
        )
        awaited = await evaluate_async(
            capitals,
            slow_answer,
            [Equals()],
            scoring_key_mapping=MAPPING,
            experiment_name="awaited",
            progress=False,
        )
        return synced, awaited

    started = time.monotonic()
    synced, awaited = asyncio.run(notebook_cell())
    assert synced.scores["equals_metric"].mean == awaited.scores["equals_metric"].mean == 1.0
    assert time.monotonic() - started < 5  # the four sleeps overlap


def test_evaluate_async__runs_async_tasks_on_the_callers_loop(capitals: Dataset) -> None:
    seen: set[int] = set()

    async def on_my_loop(item: dict[str, Any]) -> str:
        seen.add(id(asyncio.get_running_loop()))
        await asyncio.sleep(0)
        return answer(item)

    async def main() -> Any:
        result = await evaluate_async(
            capitals, on_my_loop, [Equals()], scoring_key_mapping=MAPPING, progress=False
        )
        return result, id(asyncio.get_running_loop())

    result, loop_id = asyncio.run(main())
    assert seen == {loop_id}
    assert len(result.items) == 4


def test_evaluate__async_clients_keep_working_across_runs(
    capitals: Dataset, judge: FakeLLMServer
) -> None:
    import openai  # noqa: PLC0415

    client = openai.AsyncOpenAI(base_url=judge.openai_base_url, api_key="t")

    async def ask(item: dict[str, Any]) -> str:
        reply = await client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": item["input"]}]
        )
        return str(reply.choices[0].message.content)

    first = evaluate(capitals, ask, [], experiment_name="one", progress=False)
    second = evaluate(capitals, ask, [], experiment_name="two", progress=False)
    assert [i.error for i in first.items + second.items] == [None] * 8
    assert second.items[0].output == {"output": json.dumps({"score": 0.8, "reason": "fine"})}


def test_evaluate__by_dataset_name_with_a_sample(capitals: Dataset) -> None:
    result = evaluate(
        "capitals", answer, [Equals()], scoring_key_mapping=MAPPING, nb_samples=2, progress=False
    )
    assert [i.item["input"] for i in result.items] == ["france", "peru"]
    assert result.experiment_name.startswith("answer-")
    assert "equals_metric=1.000" in repr(result)


def test_evaluate__on_a_dataset_version(capitals: Dataset, api: httpx.Client) -> None:
    version = capitals.create_version("four")
    capitals.insert([{"input": "italy", "expected_output": "Rome"}])
    result = evaluate(
        capitals,
        answer,
        [Equals()],
        scoring_key_mapping=MAPPING,
        experiment_name="on-v1",
        dataset_version="four",
        progress=False,
    )
    assert [i.item["input"] for i in result.items] == [country for country, _ in CAPITALS]
    assert experiment(api, result.experiment_id)["dataset_version_id"] == version.id
    live = evaluate(
        capitals,
        answer,
        [Equals()],
        scoring_key_mapping=MAPPING,
        experiment_name="live",
        progress=False,
    )
    assert len(live.items) == 5
    assert "dataset_version_id" not in experiment(api, live.experiment_id)
    with pytest.raises(EvaluationInputError, match=r"dataset_version: .*no version 'v9'"):
        evaluate(capitals, answer, [Equals()], dataset_version="v9", progress=False)
    with pytest.raises(EvaluationInputError, match="resume it with the same dataset_version"):
        evaluate(capitals, answer, [Equals()], experiment_name="on-v1", resume=True, progress=False)
    again = evaluate(
        capitals,
        answer,
        [Equals()],
        scoring_key_mapping=MAPPING,
        experiment_name="on-v1",
        dataset_version=version,
        resume=True,
        progress=False,
    )
    assert len(again.items) == 4  # all done before: read back, nothing run again


def test_evaluate__summary_and_frame(capitals: Dataset) -> None:
    result = evaluate(
        capitals,
        lambda item: item["input"].title(),
        [Equals(), Contains()],
        scoring_key_mapping=MAPPING,
        progress=False,
    )
    summary = result.summary()
    assert list(summary.index) == ["contains_metric", "equals_metric"]
    assert summary.loc["equals_metric", "mean"] == 0.0
    frame = result.to_pandas()
    assert list(frame.columns) == [
        "trace_id",
        "item",
        "output",
        "error",
        "duration_ms",
        "contains_metric",
        "equals_metric",
        "score_errors",
    ]
    assert frame["output"].iloc[0] == {"output": "France"}
