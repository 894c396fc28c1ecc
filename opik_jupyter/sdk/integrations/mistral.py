"""Mistral's own client (``mistralai``): ``chat.complete`` and ``chat.stream``, and their
``_async`` twins.

Spans are named ``chat.complete`` / ``chat.stream``, provider ``mistral``. A stream's events
wrap OpenAI-style chunks (``event.data``); its last chunk carries the usage.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from mistralai.client.chat import Chat

from ._instrument import wrap_instance
from ._llm import Endpoint, traced
from .openai import ChatChunks, read_chat

__all__ = ["track_mistral"]


class MistralEvents(ChatChunks):
    """Accumulates ``CompletionEvent`` s (each holding one chunk in ``.data``)."""

    def add(self, chunk: Any) -> None:
        super().add(getattr(chunk, "data", chunk))


def _streaming(_args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    return {**kwargs, "stream": True}


COMPLETE = Endpoint("chat.complete", "mistral", read_chat, MistralEvents, provider="mistral")
STREAM = dataclasses.replace(COMPLETE, name="chat.stream", params=_streaming, streams=True)
_METHODS = {
    "complete": COMPLETE,
    "complete_async": COMPLETE,
    "stream": STREAM,
    "stream_async": STREAM,
}


def install(patch: Any) -> None:
    """Patch the ``Chat`` resource class (``instrument``)."""
    for attr, endpoint in _METHODS.items():
        patch(Chat, attr, traced, endpoint)


def track_mistral(client: Any) -> Any:
    """Trace the chat calls of one ``Mistral`` client (returned, for chaining)."""
    for attr, endpoint in _METHODS.items():
        wrap_instance(client.chat, attr, traced, endpoint)
    return client
