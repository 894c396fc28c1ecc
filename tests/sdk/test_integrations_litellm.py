"""The LiteLLM integration (``instrument(["litellm"])``) against ``FakeLLMServer``."""

from __future__ import annotations

import asyncio
from typing import Any

import litellm
import openai
import pytest

import opik_jupyter as oj
from opik_jupyter.sdk.integrations import instrument
from tests.testlib.llm_helpers import USER, FakeLLMServer, llm_spans, only_span, tokens, traces

PROMPT = tokens("capital of France?")
REPLY = "Echo: capital of France?"


# LiteLLM's own deprecation noise (pydantic 2.11 attribute access), not ours
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:litellm.*"),
    pytest.mark.filterwarnings("ignore:Item .*ReadOnly:UserWarning"),
]


@pytest.fixture(autouse=True)
def quiet_litellm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(litellm, "suppress_debug_info", True)


def _openai(server: FakeLLMServer, **more: Any) -> dict[str, Any]:
    return {
        "api_base": server.openai_base_url,
        "api_key": "test",
        "num_retries": 0,
        "max_retries": 0,
        **more,
    }


def _completion(server: FakeLLMServer) -> str:
    response = litellm.completion("openai/gpt-4o-mini", USER, **_openai(server))
    return response.choices[0].message.content


def _acompletion(server: FakeLLMServer) -> str:
    async def call() -> str:
        response = await litellm.acompletion(
            model="openai/gpt-4o-mini", messages=USER, **_openai(server)
        )
        return response.choices[0].message.content

    return asyncio.run(call())


def _stream(server: FakeLLMServer) -> str:
    stream = litellm.completion(
        model="openai/gpt-4o-mini",
        messages=USER,
        stream=True,
        stream_options={"include_usage": True},
        **_openai(server),
    )
    return "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)


def _astream(server: FakeLLMServer) -> str:
    async def consume() -> str:
        stream = await litellm.acompletion(
            model="openai/gpt-4o-mini",
            messages=USER,
            stream=True,
            stream_options={"include_usage": True},
            **_openai(server),
        )
        return "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])

    return asyncio.run(consume())


CALLS = {
    "completion": ("litellm.completion", _completion),
    "acompletion": ("litellm.acompletion", _acompletion),
    "stream": ("litellm.completion", _stream),
    "astream": ("litellm.acompletion", _astream),
}


@pytest.mark.parametrize("call", list(CALLS))
def test_completion__every_way__one_llm_span_and_no_inner_openai_span(
    traced: oj.Client, project: str, llm_server: FakeLLMServer, call: str
) -> None:
    assert instrument(["litellm", "openai"]) == ["litellm", "openai"]
    name, run = CALLS[call]
    assert run(llm_server) == REPLY
    span = only_span(traced, project)  # LiteLLM calls the OpenAI client: not traced twice
    assert (span["name"], span["type"], span["provider"]) == (name, "llm", "openai")
    assert span["model"].startswith("gpt-4o-mini")
    assert span["input"]["messages"] == USER
    assert "api_key" not in span["input"]
    assert span["output"]["content"] == REPLY
    assert span["usage"]["prompt_tokens"] == PROMPT
    assert span["usage"]["completion_tokens"] == tokens(REPLY)


def test_completion__anthropic_model__provider_and_usage_from_litellm(
    traced: oj.Client, project: str, llm_server: FakeLLMServer
) -> None:
    instrument(["litellm"])
    response = litellm.completion(
        model="anthropic/claude-3-5-haiku-latest",
        messages=USER,
        max_tokens=32,
        api_base=llm_server.anthropic_base_url,
        api_key="test",
        num_retries=0,
    )
    assert response.choices[0].message.content == REPLY
    span = only_span(traced, project)
    assert (span["provider"], span["model"]) == ("anthropic", "claude-3-5-haiku-latest")
    assert span["usage"]["total_tokens"] == PROMPT + tokens(REPLY)
    assert span["usage"]["original_usage.cache_read_input_tokens"] == 0


def test_completion__server_error__recorded_and_raised(
    traced: oj.Client, project: str, llm_server: FakeLLMServer
) -> None:
    instrument(["litellm"])
    llm_server.fail(500)
    with pytest.raises(openai.APIError) as caught:  # LiteLLM's own subclass of it
        litellm.completion(model="openai/gpt-4o-mini", messages=USER, **_openai(llm_server))
    [trace] = traces(traced, project)
    [span] = trace["spans"]
    assert span["error_info"]["exception_type"] == type(caught.value).__name__


def test_cost__litellm_gpt_4o_mini_is_priced(
    traced: oj.Client, project: str, llm_server: FakeLLMServer
) -> None:
    instrument(["litellm"])
    _completion(llm_server)
    [span] = llm_spans(traced, project)
    assert span["total_estimated_cost"] > 0
