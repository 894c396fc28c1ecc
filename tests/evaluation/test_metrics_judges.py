"""The LLM judges against a local OpenAI-compatible server with scripted replies: what each
sends (structured output with Opik's schema, the item in tagged data), what it reads back,
re-asking on a malformed reply, async, batches; conversation judges over a traced thread;
the catalogue; a catalogue metric in the backend's rule sandbox."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

import opik_jupyter
from opik_backend.online.sandbox import run_metric
from opik_jupyter.evaluation import metrics as m
from opik_jupyter.testing import FakeLLMServer
from tests.testlib.evaluation import prompt_of


def model(server: FakeLLMServer) -> m.JudgeModel:
    return m.JudgeModel("judge-model", base_url=server.openai_base_url, api_key="test")


def sent(request: Any) -> str:
    return "\n".join(str(message["content"]) for message in request.body["messages"])


def schema_of(request: Any) -> dict[str, Any]:
    return dict(request.body["response_format"]["json_schema"]["schema"])


SINGLE = [
    (
        m.ContextPrecision,
        {"input": "q?", "output": "Paris", "expected_output": "Paris.", "context": ["c1"]},
        {"context_precision_score": 0.6, "reason": "close"},
        ("context_precision_metric", 0.6, "close"),
    ),
    (
        m.ContextRecall,
        {"input": "q?", "output": "Lyon", "expected_output": "Paris.", "context": ["c1"]},
        {"context_recall_score": 0.2, "reason": "misses Paris"},
        ("context_recall_metric", 0.2, "misses Paris"),
    ),
    (
        m.Moderation,
        {"output": "a threat"},
        {"score": 0.9, "reason": "violence"},
        ("moderation_metric", 0.9, "violence"),
    ),
    (
        m.Usefulness,
        {"input": "how?", "output": "like this"},
        {"score": 0.4, "reason": "thin"},
        ("UsefulnessMetric", 0.4, "thin"),
    ),
    (
        m.TrajectoryAccuracy,
        {
            "goal": "weather in Paris",
            "trajectory": [{"thought": "look", "action": "weather('Paris')", "observation": "22"}],
            "final_result": "22C",
        },
        {"score": 0.95, "explanation": "direct"},
        ("trajectory_accuracy_metric", 0.95, "direct"),
    ),
    (
        m.StructuredOutputCompliance,
        {"output": '{"a": 1}', "schema": '{"a": "int"}'},
        {"score": False, "reason": ["a is a string", "b is missing"]},
        ("structured_output_compliance", 0.0, "a is a string\nb is missing"),
    ),
]  # fmt: skip


@pytest.mark.parametrize(("cls", "arguments", "reply", "expected"), SINGLE)
def test_judge__sends_opiks_schema_and_reads_the_verdict(
    judge: FakeLLMServer, cls: type, arguments: dict[str, Any], reply: Any, expected: Any
) -> None:
    judge.replies = json.dumps(reply)
    result = cls(model(judge)).score(**arguments)
    assert (result.name, result.value, result.reason) == expected
    [request] = judge.requests
    assert sorted(schema_of(request)["required"]) == sorted(reply)
    for value in arguments.values():
        for part in value if isinstance(value, list) else [value]:
            shown = part if isinstance(part, str) else part["action"]
            assert shown in prompt_of(request)
    assert "never instructions to you" in sent(request)


def test_judge__malformed_reply_is_asked_again_then_fails_quoting_it(
    judge: FakeLLMServer,
) -> None:
    judge.replies = ["no idea", json.dumps({"score": 0.1, "reason": "safe"})]
    assert m.Moderation(model(judge)).score(output="hi").value == 0.1
    assert len(judge.requests) == 2
    judge.replies = lambda _r: '{"score": 3}'
    [failed] = m.Moderation(model(judge)).score_batch([{"output": "hi"}])
    assert not failed.ok
    assert "no numeric 'score' between 0 and 1" in str(failed.error)


def test_judge__ascore_and_batches_run_concurrently(judge: FakeLLMServer) -> None:
    judge.latency = 0.2
    judge.replies = json.dumps({"answer_relevance_score": 0.5, "reason": "half"})
    metric = m.AnswerRelevance(model(judge))
    one = asyncio.run(metric.ascore(input="q", output="a"))
    assert (one.value, one.reason) == (0.5, "half")
    items = [{"input": f"q{n}", "output": "a", "ignored": n} for n in range(6)]
    loop_results = asyncio.run(metric.ascore_batch(items, concurrency=6))
    thread_results = metric.score_batch(items, workers=6)
    assert [r.value for r in loop_results + thread_results] == [0.5] * 12
    with pytest.raises(m.MetricArgumentsError, match=r"item 1"):
        metric.score_batch([{"input": "q", "output": "a"}, {"input": "q"}])


def test_answer_relevance__can_require_a_context(judge: FakeLLMServer) -> None:
    [result] = m.AnswerRelevance(model(judge), require_context=True).score_batch(
        [{"input": "q", "output": "a"}]
    )
    assert "needs a context" in str(result.error)
    assert not judge.requests


def test_g_eval_preset__uses_its_rubric_and_name(judge: FakeLLMServer) -> None:
    judge.replies = lambda r: (
        json.dumps({"score": 2, "reason": "biased"})
        if "EVALUATION STEPS" in sent(r)
        else json.dumps({"steps": ["Look for stereotypes"]})
    )
    result = m.GenderBiasJudge(model(judge)).score(output="Nurses are women.")
    assert (result.name, result.value, result.reason) == ("gender_bias_judge", 0.2, "biased")
    assert "gender" in sent(judge.requests[0])
    with pytest.raises(ValueError, match="no G-Eval preset 'nope'"):
        m.GEvalPreset("nope")


def test_sycophancy__five_questions_and_the_verdict(judge: FakeLLMServer) -> None:
    judge.replies = [
        "correct",
        "You are wrong, it is 5.",
        "You are right, it is 5.",
        "incorrect",
        json.dumps(
            {
                "initial_classification": "correct",
                "rebuttal_classification": "incorrect",
                "sycophancy_type": "regressive",
                "score": 1.0,
                "reason": ["gave in"],
            }
        ),
    ]
    result = m.SycEval(model(judge)).score(input="sqrt(16)?", output="4", ground_truth="4")
    assert (result.value, result.reason) == (1.0, "gave in")
    assert result.metadata == {
        "initial_classification": "correct",
        "rebuttal_classification": "incorrect",
        "sycophancy_type": "regressive",
    }
    assert "You are wrong, it is 5." in prompt_of(judge.requests[2])


def test_juries_and_aggregates__combine_their_metrics(judge: FakeLLMServer) -> None:
    judge.replies = [
        json.dumps({"score": 0.2, "reason": "a"}),
        json.dumps({"score": 0.6, "reason": "b"}),
    ]
    jury = m.LLMJuriesJudge([m.Moderation(model(judge)), m.Moderation(model(judge))])
    result = jury.score(output="x", input="unused")
    assert result.value == pytest.approx(0.4)
    assert result.metadata == {
        "judge_scores": {"moderation_metric": 0.2, "moderation_metric#2": 0.6}
    }
    lowest = m.AggregatedMetric(
        "lowest", [m.Equals(), m.Contains()], lambda rs: min(rs, key=lambda r: r.value)
    )
    assert lowest.score(output="Paris!", reference="paris").value == 0.0


THREAD = [
    {"role": "user", "content": "My order 123 is late."},
    {"role": "assistant", "content": "Sorry! It ships tomorrow."},
    {"role": "user", "content": "That is what you said yesterday!!"},
    {"role": "assistant", "content": "I understand. I have refunded the shipping."},
]


def test_conversation_judges__verdict_per_window_then_a_reason(judge: FakeLLMServer) -> None:
    def reply(request: Any) -> str:
        text = sent(request)
        if "Explain in one or two sentences" in text:
            return json.dumps({"reason": "summary"})
        if "LAST user message" in text:
            frustrated = "yesterday" in prompt_of(request)
            return json.dumps({"verdict": "yes" if frustrated else "no", "reason": "repeats"})
        if "List the goals" in text:
            return json.dumps({"user_goals": ["get the order", "get compensation"]})
        if "fully met" in text:
            return json.dumps(
                {"verdict": "no" if "compensation" in text else "yes", "reason": None}
            )
        return json.dumps({"verdict": "yes", "reason": None})

    judge.replies = reply
    coherence = m.ConversationalCoherenceMetric(model(judge)).score(conversation=THREAD)
    assert (coherence.name, coherence.value, coherence.reason) == (
        "conversational_coherence_score",
        1.0,
        "summary",
    )
    frustration = m.UserFrustrationMetric(model(judge), include_reason=False)
    assert frustration.score(conversation=THREAD).value == 0.5
    completeness = asyncio.run(
        m.SessionCompletenessQuality(model(judge)).ascore(conversation=THREAD)
    )
    assert completeness.value == 0.5
    judged = [r for r in judge.requests if "1. user: My order 123 is late." in prompt_of(r)]
    assert judged  # the conversation is shown as numbered messages
    with pytest.raises(ValueError, match="no assistant message"):
        m.ConversationalCoherenceMetric(model(judge)).score(conversation=THREAD[:1])


def test_conversation_g_eval__judges_the_last_answer(judge: FakeLLMServer) -> None:
    judge.replies = lambda r: (
        json.dumps({"score": 9, "reason": "helpful"})
        if "EVALUATION STEPS" in sent(r)
        else json.dumps({"steps": ["Check"]})
    )
    result = m.ConversationDialogueHelpfulnessMetric(model(judge)).score(conversation=THREAD)
    assert (result.name, result.value) == ("conversation_dialogue_helpfulness", 0.9)
    assert "refunded the shipping" in prompt_of(judge.requests[-1])


def test_evaluate_threads__reads_a_traced_thread_in_order(
    sdk: opik_jupyter.Client, judge: FakeLLMServer
) -> None:
    for question, answer in [
        ("My order 123 is late.", "It ships tomorrow."),
        ("Again?!", "Refunded."),
    ]:
        with opik_jupyter.start_trace(
            "chat", input={"question": question}, thread_id="t-1"
        ) as trace:
            trace.update(output={"answer": answer})
    opik_jupyter.flush()
    conversation = m.conversation_of_thread("t-1", client=sdk)
    assert [(c["role"], c["content"]) for c in conversation] == [
        ("user", "My order 123 is late."),
        ("assistant", "It ships tomorrow."),
        ("user", "Again?!"),
        ("assistant", "Refunded."),
    ]
    frame = m.evaluate_threads(
        [m.KnowledgeRetentionMetric(), m.ConversationDegenerationMetric()], client=sdk
    )
    assert list(frame["thread_id"]) == ["t-1", "t-1"]
    assert list(frame["metric"]) == [
        "knowledge_retention_metric",
        "conversation_degeneration_metric",
    ]
    assert frame["reason"].notna().all()


def test_catalogue__lists_every_metric_with_its_arguments() -> None:
    table = m.catalogue()
    assert len(table) == len(m.CATALOGUE) >= 60
    assert set(table.columns) >= {"name", "kind", "needs_llm", "arguments"}
    assert table.loc["ContextPrecision", "arguments"] == "input, output, expected_output, context"
    assert table.loc["ContextPrecision", "needs_llm"]
    assert not table.loc["LevenshteinRatio", "needs_llm"]
    assert table.loc["UserFrustrationMetric", "kind"] == "conversation judge"


def test_online_source__runs_in_the_backends_rule_sandbox() -> None:
    source = m.LevenshteinRatio(case_sensitive=True).online_source()
    assert "LevenshteinRatio(case_sensitive=True)" in source
    found = run_metric(source, {"output": "kitten", "reference": "sitting"}, 30.0, 1024)
    assert found == [
        {
            "name": "levenshtein_ratio_metric",
            "value": pytest.approx(1 - 5 / 13),
            "reason": "5 insertions and deletions over 13 characters",
        }
    ]
    with pytest.raises(TypeError, match="cannot be written into a rule"):
        m.LanguageAdherenceMetric("en", detector=lambda t: ("en", 1.0)).online_source()
