"""OpenAI: chat completions (``create``/``parse``, streamed or not) and the Responses API.

Spans are named ``chat.completions.create``, ``chat.completions.parse``,
``responses.create`` and ``responses.parse``. The ``.stream()`` helpers of both APIs go
through ``create`` and are traced with it. The provider is ``openai``, or the host that the
client's ``base_url`` names when it serves the OpenAI API for another provider (Groq, Mistral,
DeepSeek, Together, Ollama, ...: :func:`provider_of`), so those calls are priced at the
host's own rates.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any
from urllib.parse import urlsplit

from openai.resources.chat import AsyncCompletions, Completions
from openai.resources.responses import AsyncResponses, Responses

from ._instrument import wrap_instance
from ._llm import Endpoint, Reading, dump, traced, usage

__all__ = ["track_openai"]


def chat_usage(original: Any) -> dict[str, int]:
    return usage(original, ("prompt_tokens",), "completion_tokens")


def read_chat(completion: Any) -> Reading:
    """A ``ChatCompletion`` (or LiteLLM ``ModelResponse``): the assistant message(s)."""
    messages = [dump(choice.message) for choice in completion.choices]
    output = messages[0] if len(messages) == 1 else {"choices": messages}
    return Reading(
        output, chat_usage(getattr(completion, "usage", None)), getattr(completion, "model", None)
    )


class ChatChunks:
    """Accumulates ``chat.completion.chunk`` deltas: text, tool calls and the usage chunk."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.tool_calls: dict[int, dict[str, Any]] = {}
        self.finish_reason: str | None = None
        self.model: str | None = None
        self.usage: Any = None

    @property
    def has_content(self) -> bool:
        return bool(self.text or self.tool_calls)

    def add(self, chunk: Any) -> None:
        self.model = getattr(chunk, "model", None) or self.model
        self.usage = getattr(chunk, "usage", None) or self.usage
        for choice in getattr(chunk, "choices", None) or ():
            if choice.index == 0:
                self._delta(choice.delta)
                self.finish_reason = choice.finish_reason or self.finish_reason

    def _delta(self, delta: Any) -> None:
        if delta is None:
            return
        if delta.content:
            self.text.append(delta.content)
        for call in getattr(delta, "tool_calls", None) or ():
            kept = self.tool_calls.setdefault(
                call.index,
                {"id": call.id, "type": "function", "function": {"name": "", "arguments": ""}},
            )
            function = kept["function"]
            if call.function is not None:
                function["name"] += call.function.name or ""
                arguments = call.function.arguments or ""  # Mistral's may be a dict
                function["arguments"] += (
                    arguments if isinstance(arguments, str) else json.dumps(arguments)
                )

    def reading(self) -> Reading:
        message: dict[str, Any] = {"role": "assistant", "content": "".join(self.text)}
        if self.tool_calls:
            message["tool_calls"] = [self.tool_calls[i] for i in sorted(self.tool_calls)]
        if self.finish_reason:
            message["finish_reason"] = self.finish_reason
        return Reading(message, chat_usage(self.usage), self.model)


def read_response(response: Any) -> Reading:
    """A Responses API ``Response``: its text, plus any items that are not messages."""
    output: dict[str, Any] = {"role": "assistant", "content": response.output_text}
    others = [dump(item) for item in response.output or () if item.type != "message"]
    if others:
        output["output"] = others
    return Reading(
        output, usage(response.usage, ("input_tokens",), "output_tokens"), response.model
    )


class ResponseEvents:
    """Accumulates Responses API stream events; the final ``response.*`` event has it all."""

    _FINAL = frozenset({"response.completed", "response.incomplete", "response.failed"})

    def __init__(self) -> None:
        self.text: list[str] = []
        self.final: Any = None
        self.has_content = False

    def add(self, event: Any) -> None:
        kind = getattr(event, "type", None)
        if isinstance(kind, str) and kind.endswith(".delta"):  # text, arguments, reasoning
            self.has_content = True
        if kind == "response.output_text.delta":
            self.text.append(event.delta)
        elif kind in self._FINAL:
            self.final = event.response

    def reading(self) -> Reading:
        if self.final is not None:
            return read_response(self.final)
        return Reading({"role": "assistant", "content": "".join(self.text)})


# hosts that serve the OpenAI API for another provider -> that provider (LiteLLM's name)
_HOSTS = {
    "api.groq.com": "groq",
    "api.mistral.ai": "mistral",
    "api.deepseek.com": "deepseek",
    "api.together.xyz": "together_ai",
    "api.fireworks.ai": "fireworks_ai",
    "generativelanguage.googleapis.com": "gemini",
    "api.x.ai": "xai",
    "openrouter.ai": "openrouter",
    "api.perplexity.ai": "perplexity",
    "api.cerebras.ai": "cerebras",
    "api.deepinfra.com": "deepinfra",
}
_LOCAL_PORTS = {11434: "ollama", 1234: "lm_studio"}  # their default ports


def provider_of(base_url: Any) -> str:
    """The provider behind an OpenAI-compatible ``base_url`` (``openai`` when unknown)."""
    parts = urlsplit(str(base_url))
    host = (parts.hostname or "").lower()
    if host.endswith(".openai.azure.com"):
        return "azure"
    for known, provider in _HOSTS.items():
        if host == known or host.endswith("." + known):
            return provider
    return _LOCAL_PORTS.get(parts.port or 0, "openai")


def _params(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The call's keyword arguments, and (for a patched class) the provider of its client."""
    client = getattr(args[0], "_client", None) if args else None
    if client is None:
        return kwargs
    return {**kwargs, "_provider": provider_of(client.base_url)}


def _endpoint(name: str, read: Any, accumulator: Any) -> Endpoint:
    return Endpoint(
        name,
        "openai",
        read,
        accumulator,
        provider="openai",
        params=_params,
        find_provider=lambda params: params.get("_provider") or "openai",
    )


CHAT = _endpoint("chat.completions.create", read_chat, ChatChunks)
CHAT_PARSE = _endpoint("chat.completions.parse", read_chat, ChatChunks)
RESPONSES = _endpoint("responses.create", read_response, ResponseEvents)
RESPONSES_PARSE = _endpoint("responses.parse", read_response, ResponseEvents)
_METHODS = {
    "chat": {"create": CHAT, "parse": CHAT_PARSE},
    "responses": {"create": RESPONSES, "parse": RESPONSES_PARSE},
}


def install(patch: Any) -> None:
    """Patch the client classes (``instrument``)."""
    for owner, group in (
        (Completions, "chat"),
        (AsyncCompletions, "chat"),
        (Responses, "responses"),
        (AsyncResponses, "responses"),
    ):
        for attr, endpoint in _METHODS[group].items():
            patch(owner, attr, traced, endpoint)


def track_openai(client: Any, provider: str | None = None) -> Any:
    """Trace the calls of one ``OpenAI`` / ``AsyncOpenAI`` client (returned, for chaining).

    Every ``chat.completions.create``/``parse`` and ``responses.create``/``parse`` call,
    and their ``.stream()`` helpers, becomes an ``llm`` span, inside a trace or not.
    ``provider`` names who serves the API (``"groq"``); by default it is read from the
    client's ``base_url``.
    """
    chosen = provider or provider_of(client.base_url)
    for group, resource in (("chat", client.chat.completions), ("responses", client.responses)):
        for attr, endpoint in _METHODS[group].items():
            mine = dataclasses.replace(endpoint, provider=chosen, find_provider=None)
            wrap_instance(resource, attr, traced, mine)
    return client
