"""The OpenAI Agents SDK against ``FakeLLMServer``'s Responses API (function calls
included): one run is ONE trace in which the agents, the tool, the handoff and the model
calls are nested spans, not separate raw LLM traces."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import openai
import pytest
from agents import Agent, OpenAIResponsesModel, Runner, function_tool, set_trace_processors
from agents.tracing import add_trace_processor

import opik_jupyter as oj
from opik_jupyter.sdk.integrations import OpikTracingProcessor
from opik_jupyter.testing import ToolCall
from tests.testlib.llm_helpers import FakeLLMServer, cell_spans, in_cell, priced, traces

SCRIPT = [
    ToolCall("get_weather", {"city": "Paris"}),
    ToolCall("transfer_to_french_agent", {}),
    "Il fait beau à Paris.",
]


@function_tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


@pytest.fixture(autouse=True)
def no_default_exporter() -> Iterator[None]:
    """The agents SDK's own exporter would post to OpenAI: tests run without it."""
    set_trace_processors([])
    yield
    set_trace_processors([])


def _triage(server: FakeLLMServer) -> Agent:
    client = openai.AsyncOpenAI(base_url=server.openai_base_url, api_key="k", max_retries=0)
    model = OpenAIResponsesModel(model="gpt-4o-mini", openai_client=client)
    french = Agent(name="French agent", instructions="Answer in French.", model=model)
    return Agent(
        name="Triage",
        instructions="Look up the weather, then hand off.",
        tools=[get_weather],
        handoffs=[french],
        model=model,
    )


def _above(by_id: dict[str, dict], span: dict) -> list[str]:
    """The names of ``span``'s ancestors, nearest first."""
    names = []
    while span.get("parent_span_id") in by_id:
        span = by_id[span["parent_span_id"]]
        names.append(span["name"])
    return names


def _check_run(spans: list[dict], parent_id: str | None) -> None:
    by_id = {span["id"]: span for span in spans}
    [workflow] = [s for s in spans if s["name"] == "Agent workflow"]
    assert workflow.get("parent_span_id") == parent_id
    agents = {
        s["name"]: s for s in spans if s.get("metadata", {}).get("agents_span_type") == "agent"
    }
    assert set(agents) == {"Triage", "French agent"}
    assert all("Agent workflow" in _above(by_id, a) for a in agents.values())
    [tool] = [s for s in spans if s["type"] == "tool"]
    assert tool["name"] == "get_weather"
    assert "Triage" in _above(by_id, tool)
    assert tool["input"] == {"city": "Paris"}
    assert tool["output"] == {"value": "sunny in Paris"}
    [handoff] = [s for s in spans if s["name"].startswith("handoff")]
    assert handoff["name"] == "handoff: Triage -> French agent"
    assert "Triage" in _above(by_id, handoff)
    llm = sorted((s for s in spans if s["type"] == "llm"), key=lambda s: s["start_time"])
    assert len(llm) == 3  # each model call once: no raw duplicate from the openai client
    for span in llm:
        assert (span["model"], span["provider"]) == ("gpt-4o-mini", "openai")
        priced(span)
    assert [_above(by_id, s)[1] for s in llm] == ["Triage", "Triage", "French agent"]
    assert llm[0]["output"]["output"][0]["name"] == "get_weather"
    assert llm[-1]["output"]["content"] == "Il fait beau à Paris."


def test_a_cell__one_run_is_one_trace_with_agents_tool_handoff_and_llm_spans(
    traced: oj.Client, project: str, cell_shell: object
) -> None:
    with FakeLLMServer(replies=SCRIPT) as server:
        triage = _triage(server)
        in_cell(
            cell_shell,
            "result = Runner.run_sync(triage, 'weather in Paris?')",
            triage=triage,
            Runner=Runner,
        )
    result = cell_shell.user_ns["result"]  # type: ignore[attr-defined]
    assert result.final_output == "Il fait beau à Paris."
    _check_run(cell_spans(traced, project), parent_id=None)


def test_a_processor_added_by_hand__a_run_under_oj_track_nests_in_the_function(
    traced: oj.Client, project: str
) -> None:
    add_trace_processor(OpikTracingProcessor())
    oj.instrument(["openai"])  # the raw client calls would be traced, but not inside agents
    with FakeLLMServer(replies=SCRIPT) as server:
        triage = _triage(server)

        @oj.track(name="ask")
        async def ask() -> str:
            return (await Runner.run(triage, "weather in Paris?")).final_output

        assert asyncio.run(ask()) == "Il fait beau à Paris."
    [trace] = traces(traced, project)
    [root] = [s for s in trace["spans"] if s["name"] == "ask"]
    _check_run(trace["spans"], parent_id=root["id"])
