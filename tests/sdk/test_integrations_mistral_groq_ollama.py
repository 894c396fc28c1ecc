"""The native clients of Mistral (``mistralai``), Groq (``groq``) and Ollama (``ollama``)
against ``FakeLLMServer`` (the OpenAI-style chat route, Groq's ``/openai/v1`` paths, Ollama's
``/api/chat`` with newline-delimited JSON streams), in a ``%%opik_track`` cell and under
``@oj.track``."""

from __future__ import annotations

import asyncio

import groq
import ollama
from mistralai.client import Mistral

import opik_jupyter as oj
from opik_jupyter.sdk.integrations import track_groq, track_mistral, track_ollama
from opik_jupyter.testing import ToolCall
from tests.testlib.llm_helpers import USER, FakeLLMServer, cell_spans, in_cell, priced, traces

WEATHER = ToolCall("get_weather", {"city": "Paris"})
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "The weather in a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
]
REPLIES = ["Paris.", "Paris, France.", WEATHER]


def _check_three(spans: list[dict], provider: str, model: str, names: tuple[str, str]) -> None:
    """A plain call, a stream and a tool call, recorded as LLM spans with cost."""
    plain, streamed, tool = spans
    for span in spans:
        assert (span["type"], span["provider"], span["model"]) == ("llm", provider, model)
        assert span["usage"]["total_tokens"] == (
            span["usage"]["prompt_tokens"] + span["usage"]["completion_tokens"]
        )
        assert span["usage"]["completion_tokens"] > 0
    assert (plain["name"], streamed["name"]) == names
    assert plain["output"]["content"] == "Paris."
    assert plain["input"]["messages"] == USER
    assert streamed["output"]["content"] == "Paris, France."
    assert streamed["metadata"]["stream"] is True
    [call] = tool["output"]["tool_calls"]
    assert call["function"]["name"] == "get_weather"
    assert "Paris" in str(call["function"]["arguments"])


MISTRAL_CELL = """\
client.chat.complete(model="mistral-small-latest", messages=USER)
with client.chat.stream(model="mistral-small-latest", messages=USER) as events:
    text = "".join(e.data.choices[0].delta.content or "" for e in events)
client.chat.complete(model="mistral-small-latest", messages=USER, tools=TOOLS)
"""


def test_mistral__a_cell_records_complete_stream_and_tool_calls(
    traced: oj.Client, project: str, cell_shell: object
) -> None:
    with FakeLLMServer(replies=REPLIES) as server:
        client = Mistral(api_key="k", server_url=server.url)
        in_cell(cell_shell, MISTRAL_CELL, client=client, USER=USER, TOOLS=TOOLS)
    assert cell_shell.user_ns["text"] == "Paris, France."  # type: ignore[attr-defined]
    spans = cell_spans(traced, project)
    _check_three(spans, "mistral", "mistral-small-latest", ("chat.complete", "chat.stream"))
    for span in spans:
        priced(span)


def test_mistral__track_mistral_async_under_oj_track(
    traced: oj.Client, project: str, llm_server: FakeLLMServer
) -> None:
    client = track_mistral(Mistral(api_key="k", server_url=llm_server.url))

    @oj.track(name="ask")
    async def ask() -> str:
        reply = await client.chat.complete_async(model="mistral-small-latest", messages=USER)
        return reply.choices[0].message.content

    assert asyncio.run(ask()) == "Echo: capital of France?"
    [trace] = traces(traced, project)
    root, call = sorted(trace["spans"], key=lambda s: s["start_time"])
    assert (call["parent_span_id"], call["name"]) == (root["id"], "chat.complete")
    priced(call)


GROQ_CELL = """\
client.chat.completions.create(model="openai/gpt-oss-20b", messages=USER)
chunks = client.chat.completions.create(model="openai/gpt-oss-20b", messages=USER, stream=True)
text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
client.chat.completions.create(model="openai/gpt-oss-20b", messages=USER, tools=TOOLS)
"""


def test_groq__a_cell_records_create_stream_with_x_groq_usage_and_tool_calls(
    traced: oj.Client, project: str, cell_shell: object
) -> None:
    with FakeLLMServer(replies=REPLIES) as server:
        client = groq.Groq(api_key="k", base_url=server.url, max_retries=0)
        in_cell(cell_shell, GROQ_CELL, client=client, USER=USER, TOOLS=TOOLS)
    assert cell_shell.user_ns["text"] == "Paris, France."  # type: ignore[attr-defined]
    names = ("chat.completions.create", "chat.completions.create")
    spans = cell_spans(traced, project)
    _check_three(spans, "groq", "openai/gpt-oss-20b", names)
    for span in spans:
        priced(span)  # at Groq's own rates


def test_groq__track_groq_async_under_oj_track(
    traced: oj.Client, project: str, llm_server: FakeLLMServer
) -> None:
    client = track_groq(groq.AsyncGroq(api_key="k", base_url=llm_server.url, max_retries=0))

    @oj.track(name="ask")
    async def ask() -> str:
        reply = await client.chat.completions.create(model="openai/gpt-oss-20b", messages=USER)
        return reply.choices[0].message.content

    assert asyncio.run(ask()) == "Echo: capital of France?"
    [trace] = traces(traced, project)
    root, call = sorted(trace["spans"], key=lambda s: s["start_time"])
    assert call["parent_span_id"] == root["id"]
    priced(call)


OLLAMA_CELL = """\
client.chat("llama3.1", USER)
text = "".join(part.message.content for part in client.chat("llama3.1", USER, stream=True))
client.chat(model="llama3.1", messages=USER, tools=TOOLS)
"""


def test_ollama__a_cell_records_chat_streams_and_tool_calls_at_no_cost(
    traced: oj.Client, project: str, cell_shell: object
) -> None:
    with FakeLLMServer(replies=REPLIES) as server:
        client = ollama.Client(host=server.url)
        in_cell(cell_shell, OLLAMA_CELL, client=client, USER=USER, TOOLS=TOOLS)
    assert cell_shell.user_ns["text"] == "Paris, France."  # type: ignore[attr-defined]
    spans = cell_spans(traced, project)
    _check_three(spans, "ollama", "llama3.1", ("ollama.chat", "ollama.chat"))
    assert spans[0]["usage"]["original_usage.eval_count"] == spans[0]["usage"]["completion_tokens"]
    assert all(span["total_estimated_cost"] == 0 for span in spans)  # a local model
    assert spans[2]["output"]["tool_calls"][0]["function"]["arguments"] == {"city": "Paris"}


def test_ollama__track_ollama_async_stream_under_oj_track(
    traced: oj.Client, project: str, llm_server: FakeLLMServer
) -> None:
    client = track_ollama(ollama.AsyncClient(host=llm_server.url))

    @oj.track(name="ask")
    async def ask() -> str:
        parts = await client.chat(model="llama3.1", messages=USER, stream=True)
        return "".join([part.message.content async for part in parts])

    assert asyncio.run(ask()) == "Echo: capital of France?"
    [trace] = traces(traced, project)
    root, call = sorted(trace["spans"], key=lambda s: s["start_time"])
    assert call["parent_span_id"] == root["id"]
    assert call["output"]["content"] == "Echo: capital of France?"
    assert call["usage"]["prompt_tokens"] > 0
