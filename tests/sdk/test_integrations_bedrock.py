"""AWS Bedrock: boto3's real ``bedrock-runtime`` client (signing, serialising, parsing the
event stream) against ``FakeLLMServer``'s Converse, ConverseStream and InvokeModel routes, in
a ``%%opik_track`` cell and under ``@oj.track``."""

from __future__ import annotations

import json

import boto3
import pytest

import opik_jupyter as oj
from opik_jupyter.sdk.integrations import track_bedrock
from opik_jupyter.testing import ToolCall
from tests.testlib.llm_helpers import FakeLLMServer, cell_spans, in_cell, priced, traces

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
ASK = [{"role": "user", "content": [{"text": "capital of France?"}]}]
WEATHER = ToolCall("get_weather", {"city": "Paris"})


def _client(server: FakeLLMServer) -> object:
    return boto3.client(
        "bedrock-runtime",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


CELL = """\
said = client.converse(modelId=MODEL, messages=ASK)
stream = client.converse_stream(modelId=MODEL, messages=ASK)["stream"]
streamed = [e["contentBlockDelta"]["delta"]["text"] for e in stream if "contentBlockDelta" in e]
tool = client.converse(modelId=MODEL, messages=ASK)
body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50, "messages":
                   [{"role": "user", "content": "capital of Italy?"}]})
invoked = json.loads(client.invoke_model(modelId=MODEL, body=body)["body"].read())
"""


def test_a_cell__converse_stream_tool_use_and_invoke_model_are_llm_spans(
    traced: oj.Client, project: str, cell_shell: object
) -> None:
    replies = ["Paris.", "Paris, France.", WEATHER, "Rome."]
    with FakeLLMServer(replies=replies) as server:
        in_cell(cell_shell, CELL, client=_client(server), MODEL=MODEL, ASK=ASK, json=json)
    ns = cell_shell.user_ns  # type: ignore[attr-defined]
    assert "".join(ns["streamed"]) == "Paris, France."
    assert ns["invoked"]["content"][0]["text"] == "Rome."  # the body is still readable
    said, streamed, tool, invoked = cell_spans(traced, project)
    for span in (said, streamed, tool, invoked):
        assert (span["model"], span["provider"]) == (MODEL, "bedrock")
        priced(span)
    assert said["name"] == "bedrock.converse"
    assert said["input"]["messages"] == ASK
    assert said["output"]["content"] == [{"text": "Paris."}]
    assert said["usage"]["prompt_tokens"] == ns["said"]["usage"]["inputTokens"]
    assert streamed["name"] == "bedrock.converse_stream"
    assert streamed["output"]["content"] == [{"text": "Paris, France."}]
    assert streamed["usage"]["completion_tokens"] > 0
    [block] = tool["output"]["content"]
    assert block["toolUse"]["name"] == "get_weather"
    assert block["toolUse"]["input"] == {"city": "Paris"}
    assert tool["output"]["stopReason"] == "tool_use"
    assert invoked["name"] == "bedrock.invoke_model"
    assert invoked["input"]["messages"] == [{"role": "user", "content": "capital of Italy?"}]
    assert invoked["output"]["content"] == [{"type": "text", "text": "Rome."}]


def test_a_streamed_tool_use_is_put_back_together(
    traced: oj.Client, project: str, llm_server: FakeLLMServer
) -> None:
    llm_server.replies = [WEATHER]
    client = track_bedrock(_client(llm_server))
    events = list(client.converse_stream(modelId=MODEL, messages=ASK)["stream"])
    assert any("contentBlockStart" in e for e in events)
    [trace] = traces(traced, project)
    [span] = trace["spans"]
    assert span["output"]["content"] == [
        {
            "toolUse": {
                "toolUseId": "call_fake_1_0",
                "name": "get_weather",
                "input": {"city": "Paris"},
            }
        }
    ]
    assert span["output"]["stopReason"] == "tool_use"


def test_track_bedrock__calls_under_oj_track_nest_and_other_services_are_untouched(
    traced: oj.Client, project: str, llm_server: FakeLLMServer
) -> None:
    client = track_bedrock(_client(llm_server))

    @oj.track(name="ask")
    def ask() -> str:
        reply = client.converse(modelId=MODEL, messages=ASK)
        return reply["output"]["message"]["content"][0]["text"]

    assert ask() == "Echo: capital of France?"
    [trace] = traces(traced, project)
    root, call = sorted(trace["spans"], key=lambda s: s["start_time"])
    assert call["parent_span_id"] == root["id"]
    priced(call)
    s3 = boto3.client(
        "s3", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )
    with pytest.raises(ValueError, match="bedrock-runtime"):
        track_bedrock(s3)
