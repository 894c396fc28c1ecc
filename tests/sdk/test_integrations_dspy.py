"""DSPy against ``FakeLLMServer`` with ``OpikDSPyCallback``: under a trace (what
``%%opik_track`` opens) the module is a ``general`` span and its LM call an ``llm`` span with
usage and cost inside it."""

from __future__ import annotations

import dspy
import pytest

import opik_jupyter as oj
from opik_jupyter.sdk.integrations import OpikDSPyCallback
from tests.testlib.llm_helpers import FakeLLMServer, traces

ANSWER = "[[ ## answer ## ]]\nParis\n\n[[ ## completed ## ]]"  # DSPy's chat adapter format


@pytest.fixture
def dspy_server() -> FakeLLMServer:
    with FakeLLMServer(replies=lambda _request: ANSWER) as server:
        yield server


def test_dspy_predict_inside_a_trace_is_an_llm_span_with_usage_and_cost(
    traced: oj.Client, project: str, dspy_server: FakeLLMServer
) -> None:
    lm = dspy.LM(
        "openai/gpt-4o-mini", api_base=dspy_server.openai_base_url, api_key="k", cache=False
    )
    with dspy.context(lm=lm, callbacks=[OpikDSPyCallback()]), oj.start_trace("cell"):
        prediction = dspy.Predict("question -> answer")(question="capital of France?")

    assert prediction.answer == "Paris"
    [trace] = traces(traced, project)
    [module] = [s for s in trace["spans"] if s["name"] == "Predict"]
    assert module["type"] == "general"
    assert module["output"]["answer"] == "Paris"
    [span] = [s for s in trace["spans"] if s["type"] == "llm"]
    assert span["parent_span_id"] == module["id"]
    assert (span["model"], span["provider"]) == ("gpt-4o-mini", "openai")
    assert span["usage"]["prompt_tokens"] > 0
    assert span["usage"]["total_tokens"] == (
        span["usage"]["prompt_tokens"] + span["usage"]["completion_tokens"]
    )
    assert span["total_estimated_cost"] > 0
    assert "capital of France?" in str(span["input"])
