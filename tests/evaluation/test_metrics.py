"""Metrics on their own: the heuristic ones, custom ones, and LLM judges on a local
OpenAI-compatible server (no backend needed)."""

from __future__ import annotations

import builtins
import json
import math
from typing import Any

import pytest

from opik_jupyter.evaluation import metrics as m
from opik_jupyter.evaluation.metrics import (
    AnswerRelevance,
    BaseMetric,
    GEval,
    Hallucination,
    JudgeModel,
    JudgeOutputError,
    MetricArgumentsError,
    ScoreResult,
)
from opik_jupyter.evaluation.metrics._base import Metric
from opik_jupyter.evaluation.metrics._llm import verdict
from opik_jupyter.testing import FakeLLMServer
from tests.testlib.evaluation import prompt_of
from tests.testlib.sdk_env import run_python


@pytest.mark.parametrize(
    ("metric", "arguments", "value"),
    [
        (m.Equals(), {"output": "Paris", "reference": "paris"}, 1.0),
        (m.Equals(case_sensitive=True), {"output": "Paris", "reference": "paris"}, 0.0),
        (m.Equals(), {"output": {"a": 1}, "reference": {"a": 1}}, 1.0),
        (m.Contains(), {"output": "It is Paris.", "reference": "paris"}, 1.0),
        (m.Contains(reference="Lima"), {"output": "It is Paris."}, 0.0),
        (m.RegexMatch(r"\d{4}"), {"output": "in 1789"}, 1.0),
        (m.RegexMatch(r"^\d+$"), {"output": "in 1789"}, 0.0),
        (m.IsJson(), {"output": '{"a": [1, 2]}'}, 1.0),
        (m.IsJson(), {"output": "{a: 1}"}, 0.0),
        (m.IsJson(), {"output": {"already": "parsed"}}, 1.0),
        (m.LevenshteinRatio(), {"output": "kitten", "reference": "sitting"}, 1 - 5 / 13),
        (m.LevenshteinRatio(), {"output": "", "reference": ""}, 1.0),
        (
            m.SentenceBLEU(),
            {"output": "a cat sat on the mat", "reference": "a cat sat on the mat"},
            1.0,
        ),
        (
            m.RougeL(),
            {"output": "the cat is on the mat", "reference": "the cat sat on the mat"},
            5 / 6,
        ),
    ],
)
def test_heuristic__values(metric: BaseMetric, arguments: dict[str, Any], value: float) -> None:
    result = metric.score(**arguments)
    assert result.name == metric.name
    assert result.value == pytest.approx(value)
    assert result.reason


def test_bleu__matches_the_smoothed_sentence_bleu_by_hand() -> None:
    # 5/6 unigrams, 3/5 bigrams, 1/4 trigrams, no 4-gram (smoothed to 0.1/3), same length
    expected = math.exp(
        (math.log(5 / 6) + math.log(3 / 5) + math.log(1 / 4) + math.log(0.1 / 3)) / 4
    )
    result = m.SentenceBLEU().score(
        output="the cat is on the mat", reference=["a dog", "the cat sat on the mat"]
    )
    assert result.value == pytest.approx(expected)
    # two words: only unigrams and bigrams count (both all matched), times the brevity
    # penalty exp(1 - 6/2), as the official metric computes it
    short = m.SentenceBLEU().score(output="the cat", reference="the cat sat on the mat")
    assert short.value == pytest.approx(math.exp(1 - 6 / 2))


@pytest.mark.parametrize(
    ("metric", "arguments", "message"),
    [
        (m.RougeL(), {"output": "", "reference": "anything"}, "the output is empty"),
        (m.SentenceBLEU(), {"output": "a b", "reference": ["  "]}, "the reference is empty"),
        (m.Equals(), {"output": None, "reference": "a"}, "got None for output"),
        (m.Contains(), {"output": "abc", "reference": ""}, "the reference is empty"),
        (m.SpearmanRanking(), {"output": ["a", "a"], "reference": ["a", "b"]}, "twice"),
    ],
)
def test_heuristic__unscorable_input_fails_with_what_is_wrong(
    metric: BaseMetric, arguments: dict[str, Any], message: str
) -> None:
    [result] = Metric.of(metric).score(arguments, {})
    assert not result.ok
    assert message in str(result.error)


def test_contains__without_a_reference_fails_the_score() -> None:
    [result] = Metric.of(m.Contains()).score({"output": "x"}, {})
    assert not result.ok
    assert "no reference" in str(result.error)
    assert math.isnan(result.value)


def test_function_metric__named_after_the_function_with_its_arguments() -> None:
    def short_answer(output: str, limit: int = 10) -> tuple[float, str]:
        return float(len(output) <= limit), f"{len(output)} characters"

    metric = Metric.of(short_answer)
    assert (metric.name, metric.required, metric.optional) == (
        "short_answer",
        ("output",),
        ("limit",),
    )
    [result] = metric.score({"output": "Paris", "input": "unused"}, {})
    assert (result.name, result.value, result.reason) == ("short_answer", 1.0, "5 characters")


@pytest.mark.parametrize(
    ("returned", "expected"),
    [
        (True, [("m", 1.0, None)]),
        (0.25, [("m", 0.25, None)]),
        ((0.5, "half"), [("m", 0.5, "half")]),
        ({"value": 0.1, "reason": "low", "name": "renamed"}, [("renamed", 0.1, "low")]),
        (ScoreResult("own", 0.3, "mine"), [("own", 0.3, "mine")]),
        (
            [{"name": "a", "value": 1}, {"name": "b", "value": 0}],
            [("a", 1.0, None), ("b", 0.0, None)],
        ),
    ],
)
def test_metric_results__are_normalised(returned: Any, expected: list[tuple[Any, ...]]) -> None:
    results = Metric.of(BaseMetricReturning(returned)).score({}, {})
    assert [(r.name, r.value, r.reason) for r in results] == expected


class BaseMetricReturning(BaseMetric):
    name = "m"

    def __init__(self, returned: Any) -> None:
        super().__init__()
        self.returned = returned

    def score(self) -> Any:
        return self.returned


@pytest.mark.parametrize("returned", ["high", None, math.nan, {"reason": "no value"}])
def test_metric_results__unusable_returns_fail_with_a_clear_error(returned: Any) -> None:
    [result] = Metric.of(BaseMetricReturning(returned)).score({}, {})
    assert not result.ok
    assert "a metric must return a number" in str(result.error)


def test_metric__that_raises_fails_only_its_score() -> None:
    def broken(output: str) -> float:
        raise ZeroDivisionError("nope")

    [result] = Metric.of(broken).score({"output": "x"}, {})
    assert result.error == "ZeroDivisionError: nope"


def test_metric_arguments__mapped_and_missing() -> None:
    metric = Metric.of(m.Equals())
    assert metric.arguments(
        {"output": "a", "expected_output": "b", "id": "x"}, {"reference": "expected_output"}
    ) == {"output": "a", "reference": "b"}
    with pytest.raises(MetricArgumentsError) as raised:
        metric.arguments({"output": "a", "answer": "b"}, {})
    assert raised.value.missing == ["reference"]
    assert "equals_metric needs 'reference'" in str(raised.value)
    assert "(they have: answer, output)" in str(raised.value)


def test_official_opik_metrics__work_as_they_are() -> None:
    # in a child process: importing opik sets up logging and more
    found = run_python(
        "from opik.evaluation.metrics import Equals, IsJson\n"
        "from opik_jupyter.evaluation.metrics._base import Metric\n"
        "inputs = {'output': 'a', 'reference': 'a', 'input': 'q'}\n"
        "print([(r.name, r.value, r.ok) for m in (Equals(), IsJson())\n"
        "       for r in Metric.of(m).score(inputs, {})])"
    )
    assert found == "[('equals_metric', 1.0, True), ('is_json_metric', 0.0, True)]"


def test_not_a_metric__is_refused() -> None:
    with pytest.raises(TypeError, match="not a metric"):
        Metric.of(42)


# -- judges ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ('{"score": 0.5, "reason": "meh"}', (0.5, "meh")),
        ('```json\n{"score": 1, "reason": "yes"}\n```', (1.0, "yes")),
        ('Sure. {"score": "0.25", "reason": "partly"} Hope this helps', (0.25, "partly")),
        ('{"value": 0, "reason": "no"}', (0.0, "no")),
        ("It looks right to me", "is not the JSON object"),
        ('{"score": "high"}', "no numeric 'score' between 0 and 1"),
        ('{"score": 7}', "no numeric 'score' between 0 and 1"),
        ("[0.5]", "is not the JSON object"),
    ],
)
def test_verdict__reads_the_judges_json_or_quotes_what_came_back(
    reply: str, expected: tuple[float, str] | str
) -> None:
    if isinstance(expected, tuple):
        assert verdict(reply) == expected
        return
    with pytest.raises(JudgeOutputError, match=expected) as raised:
        verdict(reply)
    assert repr(reply)[:20] in str(raised.value)


def judge_model(server: FakeLLMServer) -> JudgeModel:
    return JudgeModel("judge-model", base_url=server.openai_base_url, api_key="test")


def everything_sent(request: Any) -> str:
    """All the messages of a request: the judge's instructions and the data."""
    return "\n".join(str(m["content"]) for m in request.body["messages"])


def test_judges__send_the_item_and_read_score_and_reason(judge: FakeLLMServer) -> None:
    judge.replies = [
        json.dumps({"score": 0.8, "reason": ["Quito is not in the context"]}),
        json.dumps({"answer_relevance_score": 0.9, "reason": "on topic"}),
    ]
    model = judge_model(judge)
    hallucination = Hallucination(model).score(
        input="capital of Peru?", output="Quito", context=["Lima is the capital of Peru."]
    )
    relevance = AnswerRelevance(model).score(input="capital of Peru?", output="Quito")
    assert (hallucination.name, hallucination.value, hallucination.reason) == (
        "hallucination_metric",
        0.8,
        "Quito is not in the context",
    )
    assert (relevance.name, relevance.value, relevance.reason) == (
        "answer_relevance_metric",
        0.9,
        "on topic",
    )
    first, second = judge.requests
    assert first.model == "judge-model"
    assert first.body["response_format"]["type"] == "json_schema"
    assert first.body["response_format"]["json_schema"]["schema"]["required"] == [
        "score",
        "reason",
    ]
    assert "<context>\n- Lima is the capital of Peru.\n</context>" in prompt_of(first)
    assert "<output>\nQuito\n</output>" in prompt_of(first)
    assert "capital of Peru?" in prompt_of(second)
    assert "<context>" not in prompt_of(second)


def test_g_eval__asks_for_steps_once_then_scores_out_of_ten(judge: FakeLLMServer) -> None:
    def reply(request: Any) -> str:
        if "EVALUATION STEPS" in everything_sent(request):
            return json.dumps({"score": 7, "reason": "mostly polite"})
        return json.dumps({"steps": ["Read the reply", "Check the greeting"]})

    judge.replies = reply
    metric = GEval(
        "You review support replies.",
        "Polite and addresses the customer by name.",
        judge_model(judge),
    )
    first = metric.score(output="Hello Ann, sorry about that.")
    second = metric.score(output="whatever", input="a question")
    assert (first.name, first.value, first.reason) == ("g_eval_metric", 0.7, "mostly polite")
    assert second.value == 0.7
    assert len(judge.requests) == 3  # one for the steps, one per output
    assert "1. Read the reply\n2. Check the greeting" in everything_sent(judge.requests[1])
    assert "<input>\na question\n</input>" in prompt_of(judge.requests[2])
    assert "<solution>\nwhatever\n</solution>" in prompt_of(judge.requests[2])


def test_judge__malformed_reply_fails_the_score_with_the_reply(judge: FakeLLMServer) -> None:
    judge.replies = lambda _r: "I would say it is fine"
    [result] = Metric.of(Hallucination(judge_model(judge))).score(
        {"input": "q", "output": "a", "unused": 1}, {}
    )
    assert not result.ok
    assert result.error.startswith("JudgeOutputError: the judge's reply is not the JSON object")
    assert "'I would say it is fine'" in result.error


def test_judge__without_the_openai_package_posts_itself(
    judge: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_import = builtins.__import__

    def no_openai(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "openai":
            raise ImportError("no openai here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_openai)
    judge.replies = json.dumps({"answer_relevance_score": 0.8, "reason": "fine"})
    result = AnswerRelevance(judge_model(judge)).score(input="q", output="a")
    assert result.value == 0.8
    assert judge.requests[0].headers.get("Authorization") == "Bearer test"


def test_judge__endpoint_errors_fail_the_score(judge: FakeLLMServer) -> None:
    import openai  # noqa: PLC0415

    judge.fail(500, times=10)
    model = JudgeModel(
        "judge-model",
        client=openai.OpenAI(base_url=judge.openai_base_url, api_key="t", max_retries=0),
    )
    [result] = Metric.of(AnswerRelevance(model)).score({"input": "q", "output": "a"}, {})
    assert not result.ok
    assert "500" in result.error
