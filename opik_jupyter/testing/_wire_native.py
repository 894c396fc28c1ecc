"""What the fake LLM server sends for the providers with their own APIs: Gemini
(``generateContent``), AWS Bedrock (``Converse``, ``ConverseStream``, ``InvokeModel``) and
Ollama (``/api/chat``).

Gemini streams server-sent events; Ollama streams newline-delimited JSON (:class:`Lines`);
Bedrock streams the AWS event stream binary format (:class:`AwsEvents`), which
:func:`send_native` writes with its length prefixes and CRC32 checksums.
"""

from __future__ import annotations

import json
import re
import struct
import time
import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._wire import Answer, Event, Reply, _messages, _pieces

if TYPE_CHECKING:
    from .llm_server import FakeLLMServer, RecordedRequest


class Lines(list[dict[str, Any]]):
    """A stream sent as newline-delimited JSON (Ollama)."""


class AwsEvents(list[tuple[str, dict[str, Any]]]):
    """A stream sent as AWS event stream messages: ``(event type, payload)`` pairs (Bedrock)."""


# -- Gemini --------------------------------------------------------------------------------


def _gemini_chunk(reply: Reply, parts: list[dict[str, Any]], last: bool) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
    chunk: dict[str, Any] = {
        "candidates": [candidate],
        "modelVersion": reply.model,
        "responseId": f"resp_fake_{reply.n}",
    }
    if last:
        candidate["finishReason"] = "STOP"
        chunk["usageMetadata"] = {
            "promptTokenCount": reply.prompt_tokens,
            "candidatesTokenCount": reply.completion_tokens,
            "totalTokenCount": reply.prompt_tokens + reply.completion_tokens,
        }
    return chunk


def _gemini_calls(reply: Reply) -> list[dict[str, Any]]:
    return [{"functionCall": {"name": c.name, "args": c.arguments}} for c in reply.calls]


def _gemini(fake: FakeLLMServer, request: RecordedRequest) -> Answer:
    reply = fake.make_reply(request)
    if not request.path.endswith(":streamGenerateContent"):
        parts = ([{"text": reply.text}] if reply.text else []) + _gemini_calls(reply)
        return _gemini_chunk(reply, parts, last=True)
    pieces = [[{"text": piece}] for piece in _pieces(reply.text)] if reply.text else []
    pieces.append(_gemini_calls(reply) or [{"text": ""}])
    return [
        (None, _gemini_chunk(reply, parts, last=i == len(pieces) - 1))
        for i, parts in enumerate(pieces)
    ]


# -- Bedrock -------------------------------------------------------------------------------


def _converse_blocks(reply: Reply) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"text": reply.text}] if reply.text else []
    blocks += [
        {"toolUse": {"toolUseId": reply.call_id(i), "name": c.name, "input": c.arguments}}
        for i, c in enumerate(reply.calls)
    ]
    return blocks


def _bedrock_usage(reply: Reply) -> dict[str, int]:
    return {
        "inputTokens": reply.prompt_tokens,
        "outputTokens": reply.completion_tokens,
        "totalTokens": reply.prompt_tokens + reply.completion_tokens,
    }


def _converse(fake: FakeLLMServer, request: RecordedRequest) -> Answer:
    reply = fake.make_reply(request)
    stop = "tool_use" if reply.calls else "end_turn"
    if not request.path.endswith("/converse-stream"):
        return {
            "output": {"message": {"role": "assistant", "content": _converse_blocks(reply)}},
            "stopReason": stop,
            "usage": _bedrock_usage(reply),
            "metrics": {"latencyMs": 1},
        }
    events = AwsEvents([("messageStart", {"role": "assistant"})])
    index = 0
    if reply.text:
        events += [
            ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": piece}})
            for piece in _pieces(reply.text)
        ]
        events.append(("contentBlockStop", {"contentBlockIndex": 0}))
        index = 1
    for i, call in enumerate(reply.calls, start=index):
        start = {"toolUse": {"toolUseId": reply.call_id(i - index), "name": call.name}}
        events += [
            ("contentBlockStart", {"contentBlockIndex": i, "start": start}),
            (
                "contentBlockDelta",
                {"contentBlockIndex": i, "delta": {"toolUse": {"input": call.arguments_json}}},
            ),
            ("contentBlockStop", {"contentBlockIndex": i}),
        ]
    events += [
        ("messageStop", {"stopReason": stop}),
        ("metadata", {"usage": _bedrock_usage(reply), "metrics": {"latencyMs": 1}}),
    ]
    return events


def _invoke(fake: FakeLLMServer, request: RecordedRequest) -> Answer:
    """``InvokeModel`` with a model's native body: Anthropic's Messages format for Claude."""
    if "anthropic." not in (request.model or ""):
        raise ValueError(f"the fake InvokeModel speaks only Anthropic models, not {request.model}")
    request.body = {**request.body, "stream": False}
    return _messages(fake, request)


# -- Ollama --------------------------------------------------------------------------------


def _ollama(fake: FakeLLMServer, request: RecordedRequest) -> Answer:
    reply = fake.make_reply(request)
    head = {"model": reply.model, "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ")}
    message: dict[str, Any] = {"role": "assistant", "content": reply.text}
    if reply.calls:
        message["tool_calls"] = [
            {"function": {"name": c.name, "arguments": c.arguments}} for c in reply.calls
        ]
    final = {
        **head,
        "message": message,
        "done": True,
        "done_reason": "stop",
        "total_duration": 1000,
        "load_duration": 10,
        "prompt_eval_count": reply.prompt_tokens,
        "prompt_eval_duration": 100,
        "eval_count": reply.completion_tokens,
        "eval_duration": 500,
    }
    if request.body.get("stream") is False:
        return final
    pieces = _pieces(reply.text) if reply.text and not reply.calls else []
    lines = Lines(
        {**head, "message": {"role": "assistant", "content": piece}, "done": False}
        for piece in pieces
    )
    if pieces:
        final = {**final, "message": {"role": "assistant", "content": ""}}
    lines.append(final)
    return lines


# -- sending -------------------------------------------------------------------------------


def _aws_header(name: str, value: str) -> bytes:
    raw_name, raw_value = name.encode(), value.encode()
    return (
        struct.pack("B", len(raw_name)) + raw_name + b"\x07" + struct.pack(">H", len(raw_value))
    ) + raw_value


def aws_event(kind: str, payload: dict[str, Any]) -> bytes:
    """One AWS event stream message: prelude, its CRC, headers, payload, message CRC."""
    headers = (
        _aws_header(":event-type", kind)
        + _aws_header(":content-type", "application/json")
        + _aws_header(":message-type", "event")
    )
    body = json.dumps(payload).encode()
    prelude = struct.pack(">II", 12 + len(headers) + len(body) + 4, len(headers))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + headers + body
    return message + struct.pack(">I", zlib.crc32(message))


def send_native(handler: Any, status: int, answer: Answer, delays: tuple[float, float]) -> bool:
    """Send a :class:`Lines` or :class:`AwsEvents` stream; False for any other answer.
    ``delays``: before the first frame, and after each."""
    if isinstance(answer, Lines):
        kind, frames = (
            "application/x-ndjson",
            [json.dumps(line).encode() + b"\n" for line in answer],
        )
    elif isinstance(answer, AwsEvents):
        kind = "application/vnd.amazon.eventstream"
        frames = [aws_event(event, payload) for event, payload in answer]
    else:
        return False
    # chunked (so HTTP/1.1): a client reading in large blocks (botocore) still gets each
    # frame as it is sent, not all of them when the connection closes
    handler.protocol_version = "HTTP/1.1"
    handler.send_response(status)
    handler.send_header("Content-Type", kind)
    handler.send_header("Transfer-Encoding", "chunked")
    handler.send_header("Connection", "close")
    handler.end_headers()
    time.sleep(delays[0])
    for frame in frames:
        handler.wfile.write(b"%x\r\n%b\r\n" % (len(frame), frame))
        handler.wfile.flush()
        time.sleep(delays[1])
    handler.wfile.write(b"0\r\n\r\n")
    return True


_Route = Callable[["FakeLLMServer", "RecordedRequest"], Answer]
PATTERN_ROUTES: list[tuple[str, re.Pattern[str], _Route]] = [
    (
        "POST",
        re.compile(r"/v1(?:beta|alpha)?/models/(?P<model>[^:/]+):(?:stream)?[gG]enerateContent"),
        _gemini,
    ),
    ("POST", re.compile(r"/model/(?P<model>[^/]+)/converse(?:-stream)?"), _converse),
    ("POST", re.compile(r"/model/(?P<model>[^/]+)/invoke"), _invoke),
    ("POST", re.compile(r"/api/chat"), _ollama),
]

__all__ = ["PATTERN_ROUTES", "AwsEvents", "Event", "Lines", "aws_event", "send_native"]
