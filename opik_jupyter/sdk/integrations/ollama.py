"""Ollama's own client (``ollama``): ``Client.chat`` / ``AsyncClient.chat`` (``/api/chat``),
streamed or not, and the module-level ``ollama.chat``.

Spans are named ``ollama.chat``, provider ``ollama`` (a local model: priced at zero).
Usage is Ollama's ``prompt_eval_count`` / ``eval_count``, sent with the last chunk of a
stream.
"""

from __future__ import annotations

from typing import Any

import ollama
from ollama import AsyncClient, Client

from ._instrument import wrap_instance
from ._llm import Endpoint, Reading, dump, traced, usage

__all__ = ["track_ollama"]

_COUNTS = ("prompt_eval_count", "eval_count")


def _usage(response: Any) -> dict[str, int]:
    counts = {key: getattr(response, key, None) for key in _COUNTS}
    return usage({k: v for k, v in counts.items() if v is not None}, _COUNTS[:1], _COUNTS[1])


def read_chat(response: Any) -> Reading:
    """A ``ChatResponse``: the assistant message, and why it stopped."""
    output = dump(response.message)
    if response.done_reason:
        output["done_reason"] = response.done_reason
    return Reading(output, _usage(response), response.model)


class ChatParts:
    """Accumulates streamed ``ChatResponse`` parts; the last (``done``) one has the counts."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.tool_calls: list[Any] = []
        self.last: Any = None
        self.has_content = False

    def add(self, part: Any) -> None:
        message = part.message
        self.has_content = self.has_content or bool(message.content or message.tool_calls)
        self.text.append(message.content or "")
        self.tool_calls += [dump(call) for call in message.tool_calls or ()]
        self.last = part

    def reading(self) -> Reading:
        output: dict[str, Any] = {"role": "assistant", "content": "".join(self.text)}
        if self.tool_calls:
            output["tool_calls"] = self.tool_calls
        last = self.last
        if last is None:
            return Reading(output)
        if last.done_reason:
            output["done_reason"] = last.done_reason
        return Reading(output, _usage(last), last.model)


def _params(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """``chat(model, messages, ...)`` on the class (``self`` first) or bound."""
    positional = args[1:] if args and isinstance(args[0], Client | AsyncClient) else args
    return {**dict(zip(("model", "messages"), positional, strict=False)), **kwargs}


CHAT = Endpoint("ollama.chat", "ollama", read_chat, ChatParts, provider="ollama", params=_params)


def install(patch: Any) -> None:
    """Patch ``Client.chat``, ``AsyncClient.chat`` and ``ollama.chat`` (``instrument``)."""
    for owner in (Client, AsyncClient, ollama):
        patch(owner, "chat", traced, CHAT)


def track_ollama(client: Any) -> Any:
    """Trace the ``chat`` calls of one ``ollama.Client`` / ``AsyncClient`` (returned)."""
    wrap_instance(client, "chat", traced, CHAT)
    return client
