"""The Anthropic integration with the real ``anthropic`` client against ``FakeLLMServer``."""

from __future__ import annotations

import asyncio
from typing import Any

import anthropic
import pytest

import opik_jupyter as oj
from opik_jupyter.sdk.integrations import track_anthropic
from opik_jupyter.sdk.integrations.anthropic import message_usage
from tests.testlib.llm_helpers import USER, FakeLLMServer, only_span, tokens, traces, tree, usage
from tests.testlib.trees import S

MODEL = "claude-3-5-haiku-latest"
PROMPT = tokens("Be brief. capital of France?")  # the system prompt counts too
REPLY = "Echo: capital of France?"
OUTPUT = {
    "role": "assistant",
    "content": [{"type": "text", "text": REPLY}],
    "stop_reason": "end_turn",
}
USAGE = usage(
    PROMPT,
    tokens(REPLY),
    input_tokens=PROMPT,
    output_tokens=tokens(REPLY),
    cache_creation_input_tokens=0,
    cache_read_input_tokens=0,
)


def _client(server: FakeLLMServer, asynchronous: bool = False) -> Any:
    kind = anthropic.AsyncAnthropic if asynchronous else anthropic.Anthropic
    return track_anthropic(kind(base_url=server.anthropic_base_url, api_key="test", max_retries=0))


def _create(server: FakeLLMServer) -> str:
    message = _client(server).messages.create(
        model=MODEL, max_tokens=64, messages=USER, system="Be brief."
    )
    return message.content[0].text


def _create_async(server: FakeLLMServer) -> str:
    async def call() -> str:
        message = await _client(server, asynchronous=True).messages.create(
            model=MODEL, max_tokens=64, messages=USER, system="Be brief."
        )
        return message.content[0].text

    return asyncio.run(call())


def _raw_stream(server: FakeLLMServer) -> str:
    stream = _client(server).messages.create(
        model=MODEL, max_tokens=64, messages=USER, system="Be brief.", stream=True
    )
    return "".join(e.delta.text for e in stream if e.type == "content_block_delta")


def _raw_stream_async(server: FakeLLMServer) -> str:
    async def consume() -> str:
        stream = await _client(server, asynchronous=True).messages.create(
            model=MODEL, max_tokens=64, messages=USER, system="Be brief.", stream=True
        )
        return "".join([e.delta.text async for e in stream if e.type == "content_block_delta"])

    return asyncio.run(consume())


def _helper(server: FakeLLMServer) -> str:
    with _client(server).messages.stream(
        model=MODEL, max_tokens=64, messages=USER, system="Be brief."
    ) as stream:
        return "".join(stream.text_stream)


def _helper_async(server: FakeLLMServer) -> str:
    async def consume() -> str:
        async with _client(server, asynchronous=True).messages.stream(
            model=MODEL, max_tokens=64, messages=USER, system="Be brief."
        ) as stream:
            return (await stream.get_final_message()).content[0].text

    return asyncio.run(consume())


CALLS = {
    "create": ("messages.create", _create),
    "create-async": ("messages.create", _create_async),
    "stream": ("messages.create", _raw_stream),
    "stream-async": ("messages.create", _raw_stream_async),
    "stream-helper": ("messages.stream", _helper),
    "stream-helper-async": ("messages.stream", _helper_async),
}


@pytest.mark.parametrize("call", list(CALLS))
def test_messages__every_way_of_calling__one_span_with_content_and_usage(
    traced: oj.Client, project: str, llm_server: FakeLLMServer, call: str
) -> None:
    name, run = CALLS[call]
    assert run(llm_server) == REPLY
    span = only_span(traced, project)
    assert (span["name"], span["type"], span["model"], span["provider"]) == (
        name,
        "llm",
        MODEL,
        "anthropic",
    )
    assert span["input"] == {"messages": USER, "max_tokens": 64, "system": "Be brief."}
    assert span["output"] == OUTPUT
    assert span["usage"] == USAGE


def test_usage__cache_counters_count_in_the_prompt_tokens() -> None:
    got = message_usage(
        {
            "input_tokens": 10,
            "output_tokens": 5,
            "cache_read_input_tokens": 100,
            "cache_creation_input_tokens": 20,
            "cache_creation": {"ephemeral_1h_input_tokens": 20},
            "service_tier": "standard",
        }
    )
    assert got == usage(
        130,
        5,
        input_tokens=10,
        output_tokens=5,
        cache_read_input_tokens=100,
        cache_creation_input_tokens=20,
        **{"cache_creation.ephemeral_1h_input_tokens": 20},
    )


@pytest.mark.parametrize(
    ("model", "error"),
    [("error-529", anthropic.APIStatusError), ("error-429", anthropic.RateLimitError)],
)
def test_errors__reach_the_caller_unchanged_and_are_recorded(
    traced: oj.Client, project: str, llm_server: FakeLLMServer, model: str, error: type[Exception]
) -> None:
    with pytest.raises(error) as caught:
        _client(llm_server).messages.create(model=model, max_tokens=8, messages=USER)
    [trace] = traces(traced, project)
    [span] = trace["spans"]
    assert span["model"] == model
    assert span["error_info"]["exception_type"] == type(caught.value).__name__


def test_stream_helper_inside_track__nests_and_text_stream_still_works(
    traced: oj.Client, project: str, llm_server: FakeLLMServer
) -> None:
    @oj.track
    def ask() -> str:
        return _helper(llm_server)

    assert ask() == REPLY
    assert tree(traced, project).spans == [
        S(
            "ask",
            output={"output": REPLY},
            spans=[
                S("messages.stream", type="llm", model=MODEL, provider="anthropic", output=OUTPUT)
            ],
        )
    ]
