"""``FakeLLMServer``: scripted replies, failures, recorded requests, the extra routes."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import anthropic
import openai
import pytest

from opik_jupyter.testing import FakeLLMServer, RecordedRequest, ToolCall
from tests.testlib.llm_helpers import USER


def _openai(server: FakeLLMServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.openai_base_url, api_key="test", max_retries=0)


def _ask(server: FakeLLMServer, model: str = "gpt-4o-mini") -> str:
    reply = _openai(server).chat.completions.create(model=model, messages=USER)
    return reply.choices[0].message.content or ""


def _post(server: FakeLLMServer, path: str, body: bytes) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{server.url}{path}",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_replies__queues_per_model_then_echo() -> None:
    with FakeLLMServer(replies={"gpt-4o": ["one", "two"], "gpt-4o-mini": "always"}) as server:
        assert [_ask(server, "gpt-4o") for _ in range(3)] == [
            "one",
            "two",
            "Echo: capital of France?",
        ]
        assert [_ask(server) for _ in range(2)] == ["always", "always"]


def test_replies__a_callable_sees_the_request_and_requests_are_recorded() -> None:
    def reply(request: RecordedRequest) -> str | None:
        return f"{len(request.body['messages'])} message(s)" if request.model == "x" else None

    with FakeLLMServer(replies=reply) as server:
        assert _ask(server, "x") == "1 message(s)"
        assert _ask(server) == "Echo: capital of France?"
        assert [(r.method, r.path, r.model) for r in server.requests] == [
            ("POST", "/v1/chat/completions", "x"),
            ("POST", "/v1/chat/completions", "gpt-4o-mini"),
        ]
        assert server.requests[0].headers["Authorization"] == "Bearer test"


def test_fail__the_next_requests_get_the_status_then_it_recovers(llm_server: FakeLLMServer) -> None:
    llm_server.fail(429, times=2, message="slow down", retry_after=7)
    for _ in range(2):
        with pytest.raises(openai.RateLimitError) as caught:
            _ask(llm_server)
        assert caught.value.response.headers["retry-after"] == "7"
        assert caught.value.body == {
            "message": "slow down",
            "type": "requests",
            "param": None,
            "code": "rate_limit_exceeded",
        }
    assert _ask(llm_server) == "Echo: capital of France?"


def test_error_model__anthropic_gets_anthropic_errors(llm_server: FakeLLMServer) -> None:
    client = anthropic.Anthropic(
        base_url=llm_server.anthropic_base_url, api_key="test", max_retries=0
    )
    with pytest.raises(anthropic.APIStatusError) as caught:
        client.messages.create(model="error-529", max_tokens=8, messages=USER)
    assert caught.value.status_code == 529
    assert caught.value.body == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "fake error 529"},
    }


def test_embeddings_and_models__the_client_parses_them(llm_server: FakeLLMServer) -> None:
    client = _openai(llm_server)
    first = client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
    again = client.embeddings.create(
        model="text-embedding-3-small", input="a", encoding_format="float"
    )
    assert [len(item.embedding) for item in first.data] == [8, 8]
    assert again.data[0].embedding == pytest.approx(first.data[0].embedding, abs=1e-6)
    assert "gpt-4o-mini" in [model.id for model in client.models.list()]


def test_bad_requests__404_and_400_in_the_providers_shape(llm_server: FakeLLMServer) -> None:
    assert _post(llm_server, "/v1/nothing", b"{}")[0] == 404
    status, body = _post(llm_server, "/v1/messages", b"not json")
    assert status == 400
    assert body["type"] == "error"


def test_start_stop__url_only_while_running() -> None:
    server = FakeLLMServer().start()
    assert server.openai_base_url.endswith("/v1")
    server.stop()
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.url


CALLS = [ToolCall("get_weather", {"city": "Paris"}), ToolCall("get_time", {"tz": "CET"})]


@pytest.mark.parametrize("stream", [False, True])
def test_tool_calls__the_openai_client_reads_them_streamed_or_not(stream: bool) -> None:
    with FakeLLMServer(replies=lambda _request: CALLS) as server:
        client = _openai(server)
        if stream:
            chunks = list(client.chat.completions.create(model="m", messages=USER, stream=True))
            calls = {}
            for chunk in chunks:
                for delta in chunk.choices[0].delta.tool_calls or ():
                    kept = calls.setdefault(delta.index, {"name": "", "arguments": ""})
                    kept["name"] += delta.function.name or ""
                    kept["arguments"] += delta.function.arguments or ""
            found = [(c["name"], json.loads(c["arguments"])) for c in calls.values()]
            assert chunks[-1].choices[0].finish_reason == "tool_calls"
        else:
            choice = client.chat.completions.create(model="m", messages=USER).choices[0]
            assert choice.finish_reason == "tool_calls"
            found = [
                (c.function.name, json.loads(c.function.arguments))
                for c in choice.message.tool_calls
            ]
    assert found == [(c.name, c.arguments) for c in CALLS]


@pytest.mark.parametrize("stream", [False, True])
def test_tool_calls__the_anthropic_client_reads_tool_use_blocks(stream: bool) -> None:
    with FakeLLMServer(replies=[CALLS]) as server:
        client = anthropic.Anthropic(base_url=server.anthropic_base_url, api_key="k")
        if stream:
            with client.messages.stream(model="m", max_tokens=50, messages=USER) as events:
                message = events.get_final_message()
        else:
            message = client.messages.create(model="m", max_tokens=50, messages=USER)
    assert message.stop_reason == "tool_use"
    assert [(b.type, b.name, b.input) for b in message.content] == [
        ("tool_use", c.name, c.arguments) for c in CALLS
    ]


def test_tool_calls__the_responses_api_returns_function_call_items(
    llm_server: FakeLLMServer,
) -> None:
    llm_server.replies = [CALLS[0]]
    response = _openai(llm_server).responses.create(model="m", input="weather?")
    [item] = response.output
    assert (item.type, item.name, json.loads(item.arguments)) == (
        "function_call",
        "get_weather",
        {"city": "Paris"},
    )
