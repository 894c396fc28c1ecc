"""Anthropic: ``messages.create`` (streamed or not) and the ``messages.stream(...)`` helper.

Spans are named ``messages.create`` / ``messages.stream``, provider ``anthropic``. Usage
keeps Anthropic's cache counters (``original_usage.cache_read_input_tokens``...), which the
backend prices at the cache rates; ``prompt_tokens`` counts them in.
"""

from __future__ import annotations

import json
from typing import Any

from anthropic.resources.messages import AsyncMessages, Messages

from ._instrument import wrap_instance
from ._llm import Endpoint, Reading, dump, traced, traced_manager, usage

__all__ = ["track_anthropic"]

_PROMPT = ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")


def message_usage(original: Any) -> dict[str, int]:
    return usage(original, _PROMPT, "output_tokens")


def read_message(message: Any) -> Reading:
    output = {"role": "assistant", "content": [dump(block) for block in message.content]}
    if message.stop_reason:
        output["stop_reason"] = message.stop_reason
    return Reading(output, message_usage(message.usage), message.model)


class MessageEvents:
    """Accumulates message stream events (raw, or the ``MessageStream`` helper's)."""

    def __init__(self) -> None:
        self.model: str | None = None
        self.usage: dict[str, Any] = {}
        self.blocks: dict[int, dict[str, Any]] = {}
        self.stop_reason: str | None = None
        self.has_content = False

    def add(self, event: Any) -> None:
        kind = getattr(event, "type", None)
        if kind == "message_start":
            self.model = event.message.model
            self.usage.update(dump(event.message.usage))
        elif kind == "content_block_start":
            self.blocks[event.index] = dump(event.content_block)
        elif kind == "content_block_delta":
            self.has_content = True
            self._delta(
                self.blocks.setdefault(event.index, {"type": "text", "text": ""}), event.delta
            )
        elif kind == "message_delta":
            self.usage.update(dump(event.usage))
            self.stop_reason = event.delta.stop_reason or self.stop_reason

    @staticmethod
    def _delta(block: dict[str, Any], delta: Any) -> None:
        for field in ("text", "thinking", "partial_json"):
            piece = getattr(delta, field, None)
            if isinstance(piece, str):
                block[field] = block.get(field, "") + piece

    def reading(self) -> Reading:
        blocks = [self._finished(self.blocks[i]) for i in sorted(self.blocks)]
        output: dict[str, Any] = {"role": "assistant", "content": blocks}
        if self.stop_reason:
            output["stop_reason"] = self.stop_reason
        return Reading(output, message_usage(self.usage), self.model)

    @staticmethod
    def _finished(block: dict[str, Any]) -> dict[str, Any]:
        partial = block.pop("partial_json", None)
        if partial:
            try:
                block["input"] = json.loads(partial)
            except ValueError:
                block["input"] = partial
        return block


CREATE = Endpoint("messages.create", "anthropic", read_message, MessageEvents, provider="anthropic")
STREAM = Endpoint(
    "messages.stream", "anthropic", read_message, MessageEvents, provider="anthropic", streams=True
)
_METHODS = (("create", traced, CREATE), ("stream", traced_manager, STREAM))


def install(patch: Any) -> None:
    """Patch the client classes (``instrument``)."""
    for owner in (Messages, AsyncMessages):
        for attr, wrap, endpoint in _METHODS:
            patch(owner, attr, wrap, endpoint)


def track_anthropic(client: Any) -> Any:
    """Trace the calls of one ``Anthropic`` / ``AsyncAnthropic`` client (returned).

    ``messages.create`` (``stream=True`` too) and ``messages.stream(...)`` become ``llm``
    spans, inside a trace or not.
    """
    for attr, wrap, endpoint in _METHODS:
        wrap_instance(client.messages, attr, wrap, endpoint)
    return client
