"""What the fake LLM server sends: the OpenAI and Anthropic wire formats (the other
providers' are in ``_wire_native``).

Each route takes the server and the request and returns an :data:`Answer`: a JSON body,
or a list of ``(event name, data)`` pairs sent as server-sent events. The shapes follow the
providers' API references closely enough for their own client libraries to parse them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from .llm_server import FakeLLMServer, RecordedRequest

Event = tuple[str | None, Any]  # (SSE event name, data)
Answer = dict[str, Any] | list[Any]  # a JSON body, or the events of a stream

_OPENAI_ERRORS = {
    400: "invalid_request_error",
    401: "invalid_api_key",
    404: "not_found_error",
    429: "rate_limit_exceeded",
    500: "server_error",
    503: "server_error",
}
_ANTHROPIC_ERRORS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


@dataclass(frozen=True)
class ToolCall:
    """A reply that calls a tool: ``ToolCall("get_weather", {"city": "Paris"})``."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)

    @property
    def arguments_json(self) -> str:
        return json.dumps(self.arguments)


class Reply(NamedTuple):
    """What one LLM request gets."""

    text: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    n: int  # numbers the ids
    calls: tuple[ToolCall, ...] = ()

    def call_id(self, index: int) -> str:
        return f"call_fake_{self.n}_{index}"


def tokens(text: str) -> int:
    """The fake token count of ``text``: its length / 4, rounded up, at least 1."""
    return max(1, -(-len(text) // 4))


def _pieces(text: str) -> list[str]:
    """How a reply is streamed: word by word."""
    return re.findall(r"\S+\s*|\s+", text) or [""]


def _openai_usage(reply: Reply) -> dict[str, Any]:
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "total_tokens": reply.prompt_tokens + reply.completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
    }


def _chat(fake: FakeLLMServer, request: RecordedRequest) -> Answer:
    reply, body = fake.make_reply(request), request.body
    head = {
        "id": f"chatcmpl-fake-{reply.n}",
        "created": int(time.time()),
        "model": reply.model,
        "system_fingerprint": "fp_fake",
    }
    finish = "tool_calls" if reply.calls else "stop"
    if not body.get("stream"):
        message: dict[str, Any] = {
            "role": "assistant",
            "content": reply.text or None if reply.calls else reply.text,
            "refusal": None,
        }
        if reply.calls:
            message["tool_calls"] = _chat_tool_calls(reply)
        return {
            **head,
            "object": "chat.completion",
            "usage": _openai_usage(reply),
            "choices": [
                {"index": 0, "message": message, "logprobs": None, "finish_reason": finish}
            ],
        }
    head["object"] = "chat.completion.chunk"
    pieces = [{"content": piece} for piece in _pieces(reply.text)] if reply.text else []
    deltas = [{"role": "assistant", "content": ""}, *pieces, *_chat_call_deltas(reply), {}]
    events: list[Event] = [
        (
            None,
            {
                **head,
                "choices": [
                    {
                        "index": 0,
                        "delta": delta,
                        "logprobs": None,
                        "finish_reason": None if delta else finish,
                    }
                ],
            },
        )
        for delta in deltas
    ]
    _, last = events[-1]
    if request.path.startswith("/openai/"):  # Groq: the usage rides on the last chunk
        last["x_groq"] = {"id": f"req_fake_{reply.n}", "usage": _openai_usage(reply)}
    elif "mistral" in _user_agent(request):  # Mistral: the same
        last["usage"] = _openai_usage(reply)
    elif (body.get("stream_options") or {}).get("include_usage"):  # OpenAI: when asked
        events.append((None, {**head, "choices": [], "usage": _openai_usage(reply)}))
    return [*events, (None, "[DONE]")]


def _chat_tool_calls(reply: Reply) -> list[dict[str, Any]]:
    return [
        {
            "id": reply.call_id(i),
            "type": "function",
            "function": {"name": call.name, "arguments": call.arguments_json},
        }
        for i, call in enumerate(reply.calls)
    ]


def _chat_call_deltas(reply: Reply) -> list[dict[str, Any]]:
    """Each tool call streamed as OpenAI does: its name first, then its arguments."""
    deltas: list[dict[str, Any]] = []
    for i, call in enumerate(reply.calls):
        start = {"name": call.name, "arguments": ""}
        deltas.append(
            {
                "tool_calls": [
                    {"index": i, "id": reply.call_id(i), "type": "function", "function": start}
                ]
            }
        )
        deltas.append(
            {"tool_calls": [{"index": i, "function": {"arguments": call.arguments_json}}]}
        )
    return deltas


def _function_calls(reply: Reply) -> list[dict[str, Any]]:
    """The Responses API's ``function_call`` output items."""
    return [
        {
            "type": "function_call",
            "id": f"fc_fake_{reply.n}_{i}",
            "call_id": reply.call_id(i),
            "name": call.name,
            "arguments": call.arguments_json,
            "status": "completed",
        }
        for i, call in enumerate(reply.calls)
    ]


def _user_agent(request: RecordedRequest) -> str:
    agents = (v for k, v in request.headers.items() if k.lower() == "user-agent")
    return next(agents, "").lower()


def _response_object(reply: Reply, done: bool) -> dict[str, Any]:
    content = [{"type": "output_text", "text": reply.text, "annotations": [], "logprobs": []}]
    output = (
        _function_calls(reply) if reply.calls else [_response_message(reply, content, "completed")]
    )
    usage = {
        "input_tokens": reply.prompt_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": reply.completion_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": reply.prompt_tokens + reply.completion_tokens,
    }
    return {
        "id": f"resp_fake_{reply.n}",
        "object": "response",
        "created_at": int(time.time()),
        "status": "completed" if done else "in_progress",
        "model": reply.model,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "metadata": {},
        "parallel_tool_calls": True,
        "temperature": 1.0,
        "top_p": 1.0,
        "tool_choice": "auto",
        "tools": [],
        "text": {"format": {"type": "text"}},
        "output": output if done else [],
        "usage": usage if done else None,
    }


def _response_message(reply: Reply, content: list[Any], status: str) -> dict[str, Any]:
    return {
        "type": "message",
        "id": f"msg_fake_{reply.n}",
        "status": status,
        "role": "assistant",
        "content": content,
    }


def _responses(fake: FakeLLMServer, request: RecordedRequest) -> Answer:
    reply = fake.make_reply(request)
    final = _response_object(reply, done=True)
    if not request.body.get("stream"):
        return final
    if reply.calls:
        return _streamed_function_calls(reply, final)
    part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
    at = {"item_id": f"msg_fake_{reply.n}", "output_index": 0, "content_index": 0}
    raw: list[dict[str, Any]] = [
        {"type": "response.created", "response": _response_object(reply, done=False)},
        {"type": "response.in_progress", "response": _response_object(reply, done=False)},
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": _response_message(reply, [], "in_progress"),
        },
        {"type": "response.content_part.added", **at, "part": part},
    ]
    raw += [
        {"type": "response.output_text.delta", **at, "delta": piece, "logprobs": []}
        for piece in _pieces(reply.text)
    ]
    raw += [
        {"type": "response.output_text.done", **at, "text": reply.text, "logprobs": []},
        {"type": "response.content_part.done", **at, "part": {**part, "text": reply.text}},
        {"type": "response.output_item.done", "output_index": 0, "item": final["output"][0]},
        {"type": "response.completed", "response": final},
    ]
    return [(e["type"], {**e, "sequence_number": i}) for i, e in enumerate(raw)]


def _streamed_function_calls(reply: Reply, final: dict[str, Any]) -> Answer:
    raw: list[dict[str, Any]] = [
        {"type": "response.created", "response": _response_object(reply, done=False)}
    ]
    for i, item in enumerate(final["output"]):
        raw += [
            {
                "type": "response.output_item.added",
                "output_index": i,
                "item": {**item, "arguments": "", "status": "in_progress"},
            },
            {
                "type": "response.function_call_arguments.delta",
                "item_id": item["id"],
                "output_index": i,
                "delta": item["arguments"],
            },
            {
                "type": "response.function_call_arguments.done",
                "item_id": item["id"],
                "output_index": i,
                "arguments": item["arguments"],
            },
            {"type": "response.output_item.done", "output_index": i, "item": item},
        ]
    raw.append({"type": "response.completed", "response": final})
    return [(e["type"], {**e, "sequence_number": i}) for i, e in enumerate(raw)]


def _embeddings(_fake: FakeLLMServer, request: RecordedRequest) -> Answer:
    body = request.body
    texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
    size = 8
    data = []
    for i, text in enumerate(texts):
        digest = hashlib.sha256(str(text).encode()).digest() * (size // 32 + 1)
        vector: Any = [byte / 255 for byte in digest[:size]]
        if body.get("encoding_format") == "base64":
            vector = base64.b64encode(struct.pack(f"<{size}f", *vector)).decode()
        data.append({"object": "embedding", "index": i, "embedding": vector})
    used = sum(tokens(str(text)) for text in texts)
    return {
        "object": "list",
        "data": data,
        "model": body.get("model"),
        "usage": {"prompt_tokens": used, "total_tokens": used},
    }


def _models(_fake: FakeLLMServer, _request: RecordedRequest) -> Answer:
    return {
        "object": "list",
        "data": [
            {"id": name, "object": "model", "created": 0, "owned_by": "fake"}
            for name in (
                "gpt-4o-mini",
                "gpt-4o",
                "text-embedding-3-small",
                "claude-3-5-haiku-latest",
            )
        ],
    }


def _messages(fake: FakeLLMServer, request: RecordedRequest) -> Answer:
    """Anthropic's Messages API."""
    reply = fake.make_reply(request)
    usage = {
        "input_tokens": reply.prompt_tokens,
        "output_tokens": reply.completion_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }
    message: dict[str, Any] = {
        "id": f"msg_fake_{reply.n}",
        "type": "message",
        "role": "assistant",
        "model": reply.model,
        "content": _anthropic_blocks(reply),
        "stop_reason": "tool_use" if reply.calls else "end_turn",
        "stop_sequence": None,
        "usage": usage,
    }
    if not request.body.get("stream"):
        return message
    start = {**message, "content": [], "stop_reason": None, "usage": {**usage, "output_tokens": 1}}
    raw: list[dict[str, Any]] = [{"type": "message_start", "message": start}, {"type": "ping"}]
    for index, block in enumerate(message["content"]):
        raw += _anthropic_block_events(index, block)
    raw += [
        {
            "type": "message_delta",
            "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
            "usage": {"output_tokens": reply.completion_tokens},
        },
        {"type": "message_stop"},
    ]
    return [(event["type"], event) for event in raw]


def _anthropic_blocks(reply: Reply) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"type": "text", "text": reply.text}] if reply.text else []
    blocks += [
        {
            "type": "tool_use",
            "id": f"toolu_fake_{reply.n}_{i}",
            "name": c.name,
            "input": c.arguments,
        }
        for i, c in enumerate(reply.calls)
    ]
    return blocks or [{"type": "text", "text": ""}]


def _anthropic_block_events(index: int, block: dict[str, Any]) -> list[dict[str, Any]]:
    """One content block streamed: text word by word, a tool's input as one JSON delta."""
    if block["type"] == "tool_use":
        start = {**block, "input": {}}
        deltas = [{"type": "input_json_delta", "partial_json": json.dumps(block["input"])}]
    else:
        start = {"type": "text", "text": ""}
        deltas = [{"type": "text_delta", "text": piece} for piece in _pieces(block["text"])]
    return [
        {"type": "content_block_start", "index": index, "content_block": start},
        *({"type": "content_block_delta", "index": index, "delta": d} for d in deltas),
        {"type": "content_block_stop", "index": index},
    ]


def error_body(request: RecordedRequest, status: int, message: str | None) -> dict[str, Any]:
    text = message or f"fake error {status}"
    if request.path.endswith("/messages"):
        kind = _ANTHROPIC_ERRORS.get(status, "api_error")
        return {"type": "error", "error": {"type": kind, "message": text}}
    code = _OPENAI_ERRORS.get(status, "server_error")
    kind = "requests" if status == 429 else code
    return {"error": {"message": text, "type": kind, "param": None, "code": code}}


ROUTES: dict[tuple[str, str], Callable[[FakeLLMServer, RecordedRequest], Answer]] = {
    ("POST", "/chat/completions"): _chat,
    ("POST", "/responses"): _responses,
    ("POST", "/embeddings"): _embeddings,
    ("GET", "/models"): _models,
    ("POST", "/messages"): _messages,
}
