"""Time to first token: a streamed LLM call's span carries ``ttft`` (milliseconds from the
call to the first chunk with content), read back from the real backend; a call that does not
stream has none. ``FakeLLMServer`` holds a stream's first event back, then spaces the rest."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import anthropic
import boto3
import groq
import litellm
import ollama
import openai
import pytest
from google import genai
from google.genai import types
from mistralai.client import Mistral

import opik_jupyter as oj
from opik_jupyter.sdk.integrations import (
    instrument,
    track_anthropic,
    track_bedrock,
    track_genai,
    track_groq,
    track_mistral,
    track_ollama,
    track_openai,
)
from tests.testlib.llm_helpers import USER, FakeLLMServer, only_span

FIRST = 0.3  # seconds before a stream's first event
EACH = 0.03  # seconds after every event
REPLY = "Echo: capital of France?"

# LiteLLM's own deprecation noise (pydantic 2.11 attribute access), not ours
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:litellm.*"),
    pytest.mark.filterwarnings("ignore:Item .*ReadOnly:UserWarning"),
]


@pytest.fixture
def slow_server() -> Any:
    with FakeLLMServer(first_chunk_delay=FIRST, chunk_delay=EACH) as server:
        yield server


def _openai(server: FakeLLMServer, asynchronous: bool = False) -> Any:
    kind = openai.AsyncOpenAI if asynchronous else openai.OpenAI
    return track_openai(kind(base_url=server.openai_base_url, api_key="k", max_retries=0))


def _chat_sync(server: FakeLLMServer) -> str:
    stream = _openai(server).chat.completions.create(
        model="gpt-4o-mini", messages=USER, stream=True
    )
    return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)


def _chat_async(server: FakeLLMServer) -> str:
    async def consume() -> str:
        stream = await _openai(server, asynchronous=True).chat.completions.create(
            model="gpt-4o-mini", messages=USER, stream=True
        )
        return "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])

    return asyncio.run(consume())


def _responses_sync(server: FakeLLMServer) -> str:
    stream = _openai(server).responses.create(
        model="gpt-4o-mini", input="capital of France?", stream=True
    )
    return "".join(e.delta for e in stream if e.type == "response.output_text.delta")


def _anthropic_helper(server: FakeLLMServer) -> str:
    client = track_anthropic(
        anthropic.Anthropic(base_url=server.anthropic_base_url, api_key="k", max_retries=0)
    )
    with client.messages.stream(model="claude-3-5-haiku-latest", max_tokens=64, messages=USER) as s:
        return "".join(s.text_stream)


def _genai_stream(server: FakeLLMServer) -> str:
    client = genai.Client(api_key="k", http_options=types.HttpOptions(base_url=server.url))
    chunks = track_genai(client).models.generate_content_stream(
        model="gemini-2.0-flash", contents="capital of France?"
    )
    return "".join(chunk.text or "" for chunk in chunks)


def _ollama_async(server: FakeLLMServer) -> str:
    async def consume() -> str:
        parts = await track_ollama(ollama.AsyncClient(host=server.url)).chat(
            model="llama3.1", messages=USER, stream=True
        )
        return "".join([part.message.content async for part in parts])

    return asyncio.run(consume())


def _bedrock_stream(server: FakeLLMServer) -> str:
    client = boto3.client(
        "bedrock-runtime",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="k",
        aws_secret_access_key="k",
    )
    stream = track_bedrock(client).converse_stream(
        modelId="anthropic.claude-3-haiku-20240307-v1:0",
        messages=[{"role": "user", "content": [{"text": "capital of France?"}]}],
    )["stream"]
    return "".join(
        e["contentBlockDelta"]["delta"]["text"] for e in stream if "contentBlockDelta" in e
    )


def _litellm_stream(server: FakeLLMServer) -> str:
    instrument(["litellm"])
    stream = litellm.completion(
        model="openai/gpt-4o-mini",
        messages=USER,
        stream=True,
        api_base=server.openai_base_url,
        api_key="k",
        num_retries=0,
    )
    return "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)


def _mistral_stream(server: FakeLLMServer) -> str:
    client = track_mistral(Mistral(api_key="k", server_url=server.url))
    with client.chat.stream(model="mistral-small-latest", messages=USER) as events:
        return "".join(e.data.choices[0].delta.content or "" for e in events)


def _groq_stream(server: FakeLLMServer) -> str:
    client = track_groq(groq.Groq(api_key="k", base_url=server.url, max_retries=0))
    stream = client.chat.completions.create(
        model="llama-3.1-8b-instant", messages=USER, stream=True
    )
    return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)


# each call, and how many events without content the fake server sends before the first
# text (the OpenAI-style role chunk; the Responses API's created/in_progress/item/part
# events; Anthropic's message_start and content_block_start; Bedrock's messageStart):
# ttft must count those too
CALLS: list[tuple[Callable[[FakeLLMServer], str], int]] = [
    (_chat_sync, 1),
    (_chat_async, 1),
    (_responses_sync, 4),
    (_anthropic_helper, 2),
    (_genai_stream, 0),
    (_ollama_async, 0),
    (_bedrock_stream, 1),
    (_litellm_stream, 1),
    (_mistral_stream, 1),
    (_groq_stream, 1),
]


@pytest.mark.parametrize(("call", "empty_events"), CALLS, ids=[c.__name__ for c, _ in CALLS])
def test_a_stream__span_ttft_spans_the_wait_for_the_first_content_and_ends_before_the_span(
    traced: oj.Client,
    project: str,
    slow_server: FakeLLMServer,
    call: Callable[[FakeLLMServer], str],
    empty_events: int,
) -> None:
    assert call(slow_server).endswith("capital of France?")
    span = only_span(traced, project)
    assert span["metadata"]["stream"] is True
    assert span["ttft"] >= (FIRST + empty_events * EACH) * 1000
    # the rest of the stream (at least two more spaced events) comes after the first token
    assert span["ttft"] <= span["duration"] - 2 * EACH * 1000


def test_a_call_that_does_not_stream__has_no_ttft(
    traced: oj.Client, project: str, slow_server: FakeLLMServer
) -> None:
    reply = _openai(slow_server).chat.completions.create(model="gpt-4o-mini", messages=USER)
    assert reply.choices[0].message.content == REPLY
    span = only_span(traced, project)
    assert span["type"] == "llm"
    assert span.get("ttft") is None  # reads leave unset fields out
