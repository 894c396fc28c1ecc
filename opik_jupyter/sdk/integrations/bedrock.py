"""AWS Bedrock through boto3's ``bedrock-runtime`` client: ``converse``,
``converse_stream`` and ``invoke_model`` (with Anthropic's Messages body).

boto3 builds its client classes at run time, so the one method they all share,
``botocore.client.BaseClient._make_api_call``, is patched; any other service or operation
goes straight through. Spans are named ``bedrock.converse``, ``bedrock.converse_stream``
and ``bedrock.invoke_model``, provider ``bedrock``, model the ``modelId`` (which the
backend prices from LiteLLM's Bedrock entries). A ``converse_stream`` span ends with its
event stream; an ``invoke_model`` body is read once and handed back as a fresh stream.
"""

from __future__ import annotations

import functools
import io
import json
from typing import Any

from botocore.client import BaseClient
from botocore.response import StreamingBody

from ._llm import Endpoint, LLMCall, Reading, internal_error, mark, traced, usage

__all__ = ["track_bedrock"]

_SERVICE = "bedrock-runtime"
_PROMPT = ("inputTokens", "cacheReadInputTokens", "cacheWriteInputTokens")
_ANTHROPIC_PROMPT = ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")


def _params(args: tuple[Any, ...], _kwargs: dict[str, Any]) -> dict[str, Any]:
    """``_make_api_call(self, operation, api_params)``: the request, model first."""
    request = dict(args[2])
    params: dict[str, Any] = {"model": request.pop("modelId", None)}
    body = request.pop("body", None)
    if body is not None:  # InvokeModel: the model's own JSON body
        params.update(json.loads(body) if isinstance(body, str | bytes) else {"body": body})
    return {**params, **request}


def read_converse(response: Any) -> Reading:
    """A ``Converse`` response: the assistant message and why it stopped."""
    output = dict(response["output"]["message"])
    output["stopReason"] = response.get("stopReason")
    return Reading(output, usage(response.get("usage"), _PROMPT, "outputTokens"))


class ConverseEvents:
    """Accumulates ``ConverseStream`` events: text and tool-use deltas, then the metadata."""

    def __init__(self) -> None:
        self.blocks: dict[int, dict[str, Any]] = {}
        self.stop_reason: str | None = None
        self.usage: Any = None
        self.has_content = False

    def add(self, event: Any) -> None:
        if "contentBlockStart" in event:
            start = event["contentBlockStart"]
            tool = dict(start["start"].get("toolUse") or {})
            self.blocks[start["contentBlockIndex"]] = {"toolUse": {**tool, "input": ""}}
        elif "contentBlockDelta" in event:
            self.has_content = True
            self._delta(event["contentBlockDelta"])
        elif "messageStop" in event:
            self.stop_reason = event["messageStop"].get("stopReason")
        elif "metadata" in event:
            self.usage = event["metadata"].get("usage")

    def _delta(self, delta: dict[str, Any]) -> None:
        block = self.blocks.setdefault(delta["contentBlockIndex"], {"text": ""})
        piece = delta["delta"]
        if "text" in piece:
            block["text"] = block.get("text", "") + piece["text"]
        elif "toolUse" in piece and "toolUse" in block:
            block["toolUse"]["input"] += piece["toolUse"].get("input", "")

    def reading(self) -> Reading:
        content = [_parsed_tool_input(self.blocks[i]) for i in sorted(self.blocks)]
        output = {"role": "assistant", "content": content, "stopReason": self.stop_reason}
        return Reading(output, usage(self.usage, _PROMPT, "outputTokens"))


def _parsed_tool_input(block: dict[str, Any]) -> dict[str, Any]:
    tool = block.get("toolUse")
    if tool is None:
        return block
    try:
        return {"toolUse": {**tool, "input": json.loads(tool["input"] or "{}")}}
    except ValueError:
        return block


def read_invoke(data: dict[str, Any]) -> Reading:
    """An ``InvokeModel`` answer in Anthropic's Messages format."""
    output = {"role": "assistant", "content": data.get("content")}
    if data.get("stop_reason"):
        output["stop_reason"] = data["stop_reason"]
    return Reading(output, usage(data.get("usage"), _ANTHROPIC_PROMPT, "output_tokens"))


def _no_stream() -> Any:
    raise TypeError("not a streaming operation")


CONVERSE = Endpoint(
    "bedrock.converse", "bedrock", read_converse, _no_stream, provider="bedrock", params=_params
)
CONVERSE_STREAM = Endpoint(
    "bedrock.converse_stream",
    "bedrock",
    read_converse,
    ConverseEvents,
    provider="bedrock",
    params=_params,
    streams=True,
)
INVOKE = Endpoint(
    "bedrock.invoke_model", "bedrock", read_invoke, _no_stream, provider="bedrock", params=_params
)


def _requested(endpoint: Endpoint, original: Any, explicit: bool, args: tuple[Any, ...]) -> Any:
    """Run the request with its span open: ``(call or None when untraced, response)``."""
    call = LLMCall.open(endpoint, args, {}, explicit)
    if call is None:
        return None, original(*args)
    with call:
        return call, original(*args)


def _converse_stream(original: Any, explicit: bool, args: tuple[Any, ...]) -> Any:
    call, response = _requested(CONVERSE_STREAM, original, explicit, args)
    if call is not None:
        response["stream"] = call.follow(response["stream"], asynchronous=False)
    return response


def _invoke(original: Any, explicit: bool, args: tuple[Any, ...]) -> Any:
    call, response = _requested(INVOKE, original, explicit, args)
    if call is None:
        return response
    try:
        raw = response["body"].read()
        response["body"] = StreamingBody(io.BytesIO(raw), len(raw))
        call.finish(read_invoke(json.loads(raw)))
    except Exception:  # tracing must not break user code
        internal_error("bedrock-invoke")
        call.finish(None)
    return response


def wrap(original: Any, _endpoint: Any = None, explicit: bool = False) -> Any:
    """``_make_api_call`` tracing the Bedrock runtime's LLM operations."""
    converse = traced(original, CONVERSE, explicit)
    special = {"ConverseStream": _converse_stream, "InvokeModel": _invoke}

    @functools.wraps(original)
    def make_api_call(client: Any, operation: str, api_params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name != _SERVICE:
            return original(client, operation, api_params)
        if operation == "Converse":
            return converse(client, operation, api_params)
        handler = special.get(operation)
        if handler is None:
            return original(client, operation, api_params)
        return handler(original, explicit, (client, operation, api_params))

    return mark(make_api_call)


def install(patch: Any) -> None:
    """Patch ``BaseClient._make_api_call`` (``instrument``)."""
    patch(BaseClient, "_make_api_call", wrap, None)


def track_bedrock(client: Any) -> Any:
    """Trace the LLM calls of one boto3 ``bedrock-runtime`` client (returned, for chaining)."""
    if client.meta.service_model.service_name != _SERVICE:
        raise ValueError(
            f"track_bedrock expects a 'bedrock-runtime' client, not "
            f"{client.meta.service_model.service_name!r}: boto3.client('bedrock-runtime')"
        )
    original = type(client)._make_api_call
    traced_call = wrap(original, explicit=True)
    client._make_api_call = functools.partial(traced_call, client)
    return client
