"""Google GenAI (Gemini): the real ``google-genai`` client against ``FakeLLMServer``'s
``generateContent`` / ``streamGenerateContent`` routes, in a ``%%opik_track`` cell and under
``@oj.track``."""

from __future__ import annotations

import asyncio

import pytest
from google import genai
from google.genai import types

import opik_jupyter as oj
from opik_jupyter.sdk.integrations import track_genai
from opik_jupyter.testing import ToolCall
from tests.testlib.llm_helpers import FakeLLMServer, cell_spans, in_cell, priced, traces

MODEL = "gemini-2.0-flash"
WEATHER = ToolCall("get_weather", {"city": "Paris"})


def _client(server: FakeLLMServer) -> genai.Client:
    return genai.Client(api_key="k", http_options=types.HttpOptions(base_url=server.url))


def test_a_cell__generate_content_streamed_or_not_and_a_function_call_are_llm_spans(
    traced: oj.Client, project: str, cell_shell: object
) -> None:
    with FakeLLMServer(replies=["Paris is the capital.", "It is Paris.", WEATHER]) as server:
        in_cell(
            cell_shell,
            "answer = client.models.generate_content(model=MODEL, contents='capital?')\n"
            "pieces = [c.text for c in client.models.generate_content_stream(\n"
            "    model=MODEL, contents='and again?')]\n"
            "call = client.models.generate_content(model=MODEL, contents='weather?')\n",
            client=_client(server),
            MODEL=MODEL,
        )
    assert cell_shell.user_ns["answer"].text == "Paris is the capital."
    assert "".join(cell_shell.user_ns["pieces"]) == "It is Paris."
    plain, streamed, function = cell_spans(traced, project)
    for span in (plain, streamed, function):
        assert (span["model"], span["provider"]) == (MODEL, "gemini")
        priced(span)
    assert plain["name"] == "generate_content"
    assert plain["output"]["parts"] == [{"text": "Paris is the capital."}]
    assert plain["usage"]["prompt_tokens"] == answer_usage(cell_shell).prompt_token_count
    assert streamed["name"] == "generate_content_stream"
    assert streamed["metadata"]["stream"] is True
    assert streamed["output"]["parts"] == [{"text": "It is Paris."}]
    assert streamed["input"]["contents"] == "and again?"
    [part] = function["output"]["parts"]
    assert part["function_call"] == {"name": "get_weather", "args": {"city": "Paris"}}


def answer_usage(shell: object) -> types.GenerateContentResponseUsageMetadata:
    return shell.user_ns["answer"].usage_metadata  # type: ignore[attr-defined]


def test_track_genai__async_calls_under_oj_track_nest_in_the_function_span(
    traced: oj.Client, project: str, llm_server: FakeLLMServer
) -> None:
    client = track_genai(_client(llm_server))

    @oj.track(name="ask")
    async def ask() -> str:
        reply = await client.aio.models.generate_content(model=MODEL, contents="hello")
        chunks = await client.aio.models.generate_content_stream(model=MODEL, contents="again")
        return reply.text + "".join([c.text async for c in chunks])

    assert asyncio.run(ask()) == "Echo: helloEcho: again"
    [trace] = traces(traced, project)
    spans = {s["name"]: s for s in trace["spans"]}
    root = spans["ask"]
    for name in ("generate_content", "generate_content_stream"):
        assert spans[name]["parent_span_id"] == root["id"]
        priced(spans[name])
    assert spans["generate_content_stream"]["output"]["parts"] == [{"text": "Echo: again"}]


@pytest.mark.parametrize("streamed", [False, True])
def test_outside_a_trace_an_instrumented_call_in_notebook_mode_is_left_alone(
    traced: oj.Client, project: str, llm_server: FakeLLMServer, streamed: bool
) -> None:
    oj.instrument(["google_genai"], only_inside_traces=True)
    client = _client(llm_server)
    if streamed:
        list(client.models.generate_content_stream(model=MODEL, contents="x"))
    else:
        client.models.generate_content(model=MODEL, contents="x")
    assert len(llm_server.requests) == 1
    assert traces(traced, project) == []
