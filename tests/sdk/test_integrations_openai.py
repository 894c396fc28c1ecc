"""The OpenAI integration with the real ``openai`` client against ``FakeLLMServer``."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import openai
import pytest

import opik_jupyter as oj
from opik_jupyter.sdk.integrations import track_openai
from tests.testlib.llm_helpers import (
    USER,
    FakeLLMServer,
    llm_spans,
    only_span,
    openai_usage,
    tokens,
    traces,
    tree,
    usage,
)
from tests.testlib.trees import S

PROMPT = tokens("capital of France?")
REPLY = "Echo: capital of France?"
TOOLS = [{"type": "function", "function": {"name": "lookup", "parameters": {}}}]


def _client(server: FakeLLMServer, asynchronous: bool = False) -> Any:
    kind = openai.AsyncOpenAI if asynchronous else openai.OpenAI
    return track_openai(kind(base_url=server.openai_base_url, api_key="test", max_retries=0))


def test_chat__sync__span_has_model_provider_input_output_and_usage(
    traced: oj.Client, project: str, llm_server: FakeLLMServer
) -> None:
    result = _client(llm_server).chat.completions.create(
        model="gpt-4o-mini", messages=USER, temperature=0.2, max_tokens=50, tools=TOOLS
    )
    assert result.choices[0].message.content == REPLY
    span = only_span(traced, project)
    assert span["name"] == "chat.completions.create"
    assert (span["type"], span["model"], span["provider"]) == ("llm", "gpt-4o-mini", "openai")
    assert span["input"] == {"messages": USER, "temperature": 0.2, "max_tokens": 50, "tools": TOOLS}
    assert span["output"] == {"role": "assistant", "content": REPLY}
    assert span["usage"] == openai_usage(PROMPT, tokens(REPLY))
    assert span["metadata"] == {"provider": "openai", "created_from": "openai"}


def test_chat__async__same_span_as_sync(
    traced: oj.Client, project: str, llm_server: FakeLLMServer
) -> None:
    async def call() -> Any:
        return await _client(llm_server, asynchronous=True).chat.completions.create(
            model="gpt-4o-mini", messages=USER
        )

    assert asyncio.run(call()).choices[0].message.content == REPLY
    span = only_span(traced, project)
    assert (span["name"], span["output"]["content"]) == ("chat.completions.create", REPLY)
    assert span["usage"] == openai_usage(PROMPT, tokens(REPLY))


def _stream_sync(server: FakeLLMServer) -> list[str]:
    stream = _client(server).chat.completions.create(
        model="gpt-4o-mini", messages=USER, stream=True, stream_options={"include_usage": True}
    )
    return [c.choices[0].delta.content or "" for c in stream if c.choices]


def _stream_async(server: FakeLLMServer) -> list[str]:
    async def consume() -> list[str]:
        stream = await _client(server, asynchronous=True).chat.completions.create(
            model="gpt-4o-mini", messages=USER, stream=True, stream_options={"include_usage": True}
        )
        return [c.choices[0].delta.content or "" async for c in stream if c.choices]

    return asyncio.run(consume())


@pytest.mark.parametrize("consume", [_stream_sync, _stream_async], ids=["sync", "async"])
def test_chat_stream__consumed__span_has_the_accumulated_text_and_usage(
    traced: oj.Client, project: str, llm_server: FakeLLMServer, consume: Any
) -> None:
    assert "".join(consume(llm_server)) == REPLY
    span = only_span(traced, project)
    assert span["output"] == {"role": "assistant", "content": REPLY, "finish_reason": "stop"}
    assert span["usage"] == openai_usage(PROMPT, tokens(REPLY))
    assert span["metadata"] == {"provider": "openai", "created_from": "openai", "stream": True}


def test_chat_stream__abandoned_half_way__span_ends_when_collected(
    traced: oj.Client, project: str, llm_server: FakeLLMServer
) -> None:
    stream = _client(llm_server).chat.completions.create(
        model="gpt-4o-mini", messages=USER, stream=True
    )
    next(stream)
    next(stream)
    del stream
    gc.collect()
    span = only_span(traced, project)
    assert span["output"] == {"role": "assistant", "content": "Echo: "}
    assert span["metadata"]["closed_early"] is True
    assert span["end_time"] is not None


def test_chat_stream__left_in_a_with_block__span_ends_at_close(
    traced: oj.Client, project: str, llm_server: FakeLLMServer
) -> None:
    client = _client(llm_server)
    with client.chat.completions.create(model="gpt-4o-mini", messages=USER, stream=True) as stream:
        first = next(stream)
    assert first.choices[0].delta.role == "assistant"
    assert only_span(traced, project)["metadata"]["closed_early"] is True


def test_chat_stream_helper__works_unchanged_and_is_one_span(
    traced: oj.Client, project: str, llm_server: FakeLLMServer
) -> None:
    client = _client(llm_server)
    helper = (
        getattr(client.chat.completions, "stream", None) or client.beta.chat.completions.stream
    )  # older openai: the beta helper
    with helper(model="gpt-4o-mini", messages=USER) as stream:
        text = [event.delta for event in stream if event.type == "content.delta"]
        final = stream.get_final_completion()
    assert "".join(text) == final.choices[0].message.content == REPLY
    span = only_span(traced, project)
    assert (span["name"], span["output"]["content"]) == ("chat.completions.create", REPLY)


def test_with_raw_response__the_parsed_completion_is_recorded(
    traced: oj.Client, project: str, llm_server: FakeLLMServer
) -> None:
    raw = _client(llm_server).chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=USER
    )
    assert raw.parse().choices[0].message.content == REPLY
    assert only_span(traced, project)["output"]["content"] == REPLY


def _responses_sync(client: Any) -> str:
    return client.responses.create(model="gpt-4o-mini", input="capital of France?").output_text


def _responses_async(server: FakeLLMServer) -> str:
    async def call() -> str:
        response = await _client(server, asynchronous=True).responses.create(
            model="gpt-4o-mini", input="capital of France?"
        )
        return response.output_text

    return asyncio.run(call())


def _responses_stream(client: Any) -> str:
    with client.responses.stream(model="gpt-4o-mini", input="capital of France?") as stream:
        return stream.get_final_response().output_text


@pytest.mark.parametrize("call", ["sync", "async", "stream"])
def test_responses__text_and_usage_are_recorded(
    traced: oj.Client, project: str, llm_server: FakeLLMServer, call: str
) -> None:
    calls = {
        "sync": lambda: _responses_sync(_client(llm_server)),
        "async": lambda: _responses_async(llm_server),
        "stream": lambda: _responses_stream(_client(llm_server)),
    }
    assert calls[call]() == REPLY
    span = only_span(traced, project)
    assert (span["name"], span["model"], span["provider"]) == (
        "responses.create",
        "gpt-4o-mini",
        "openai",
    )
    assert span["input"] == {"input": "capital of France?"}
    assert span["output"] == {"role": "assistant", "content": REPLY}
    assert span["usage"] == usage(
        PROMPT,
        tokens(REPLY),
        input_tokens=PROMPT,
        output_tokens=tokens(REPLY),
        total_tokens=PROMPT + tokens(REPLY),
        **{"input_tokens_details.cached_tokens": 0, "output_tokens_details.reasoning_tokens": 0},
    )


@pytest.mark.parametrize(
    ("status", "error"), [(500, openai.InternalServerError), (429, openai.RateLimitError)]
)
def test_errors__reach_the_caller_unchanged_and_are_recorded(
    traced: oj.Client, project: str, llm_server: FakeLLMServer, status: int, error: type[Exception]
) -> None:
    llm_server.fail(status)
    with pytest.raises(error) as caught:
        _client(llm_server).chat.completions.create(model="gpt-4o-mini", messages=USER)
    assert caught.value.status_code == status
    [trace] = traces(traced, project)
    [span] = trace["spans"]
    assert span["error_info"]["exception_type"] == error.__name__
    assert str(status) in span["error_info"]["message"]
    assert trace["error_info"]["exception_type"] == error.__name__
    assert "output" not in span or span["output"] is None


def test_inside_track__llm_spans_nest_under_the_function_span(
    traced: oj.Client, project: str, llm_server: FakeLLMServer
) -> None:
    client = _client(llm_server)

    @oj.track
    def answer(question: str) -> str:
        first = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": question}]
        )
        return first.choices[0].message.content or ""

    assert answer("hi") == "Echo: hi"
    assert tree(traced, project).spans == [
        S(
            "answer",
            spans=[
                S("chat.completions.create", type="llm", model="gpt-4o-mini", provider="openai")
            ],
        )
    ]


def test_cost__gpt_4o_mini_usage_gets_a_positive_estimated_cost(
    traced: oj.Client, project: str, llm_server: FakeLLMServer
) -> None:
    _client(llm_server).chat.completions.create(model="gpt-4o-mini", messages=USER)
    [span] = llm_spans(traced, project)
    assert span["total_estimated_cost"] > 0
