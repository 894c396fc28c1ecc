"""Google's GenAI client (``google-genai``, Gemini): ``models.generate_content`` and
``models.generate_content_stream``, sync (``client.models``) and async (``client.aio.models``).

Spans are named ``generate_content`` / ``generate_content_stream``; the provider is
``gemini``, or ``vertex_ai`` for a client on Vertex AI. Usage is Gemini's
``usage_metadata``: ``prompt_token_count`` and ``candidates_token_count`` (thinking tokens,
``thoughts_token_count``, are billed as output and counted in).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from google.genai.models import AsyncModels, Models

from ._instrument import wrap_instance
from ._llm import Endpoint, Reading, dump, traced, usage

__all__ = ["track_genai"]


def _usage(metadata: Any) -> dict[str, int]:
    counts = usage(metadata, ("prompt_token_count",), "candidates_token_count")
    thoughts = counts.get("original_usage.thoughts_token_count", 0)
    if counts and thoughts:
        counts["completion_tokens"] += thoughts
        counts["total_tokens"] += thoughts
    return counts


def _content(response: Any) -> dict[str, Any]:
    """The first candidate's message (text and function calls) and why it stopped."""
    candidates = response.candidates or []
    if not candidates:
        return {"role": "model", "parts": []}
    first = candidates[0]
    output = dump(first.content) if first.content is not None else {"role": "model"}
    if first.finish_reason is not None:
        output["finish_reason"] = str(getattr(first.finish_reason, "value", first.finish_reason))
    return output


def read_response(response: Any) -> Reading:
    """A ``GenerateContentResponse``."""
    return Reading(_content(response), _usage(response.usage_metadata), response.model_version)


class ResponseChunks:
    """Accumulates streamed ``GenerateContentResponse`` chunks (the last has the usage)."""

    def __init__(self) -> None:
        self.parts: list[dict[str, Any]] = []
        self.finish_reason: str | None = None
        self.usage: Any = None
        self.model: str | None = None

    @property
    def has_content(self) -> bool:
        return bool(self.parts)

    def add(self, chunk: Any) -> None:
        content = _content(chunk)
        self.finish_reason = content.get("finish_reason") or self.finish_reason
        for part in content.get("parts", ()):
            text = part.get("text") if isinstance(part, dict) else None
            if text is not None and self.parts and "text" in self.parts[-1]:
                self.parts[-1] = {**self.parts[-1], "text": self.parts[-1]["text"] + text}
            else:
                self.parts.append(part)
        self.usage = chunk.usage_metadata or self.usage
        self.model = chunk.model_version or self.model

    def reading(self) -> Reading:
        output: dict[str, Any] = {"role": "model", "parts": self.parts}
        if self.finish_reason:
            output["finish_reason"] = self.finish_reason
        return Reading(output, _usage(self.usage), self.model)


def _params(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The call's arguments, and (for a patched class) the provider its client speaks to."""
    client = getattr(args[0], "_api_client", None) if args else None
    if client is None:
        return kwargs
    return {**kwargs, "_provider": "vertex_ai" if client.vertexai else "gemini"}


def _streaming(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    return {**_params(args, kwargs), "stream": True}


def _provider(params: dict[str, Any]) -> str:
    return str(params.get("_provider") or "gemini")


GENERATE = Endpoint(
    "generate_content",
    "google_genai",
    read_response,
    ResponseChunks,
    provider="gemini",
    params=_params,
    find_provider=_provider,
)
STREAM = dataclasses.replace(
    GENERATE, name="generate_content_stream", params=_streaming, streams=True
)
_METHODS = {"generate_content": GENERATE, "generate_content_stream": STREAM}


def install(patch: Any) -> None:
    """Patch ``Models`` and ``AsyncModels`` (``instrument``)."""
    for owner in (Models, AsyncModels):
        for attr, endpoint in _METHODS.items():
            patch(owner, attr, traced, endpoint)


def track_genai(client: Any) -> Any:
    """Trace the ``generate_content`` calls of one ``genai.Client`` (sync and ``.aio``)."""
    provider = "vertex_ai" if client.vertexai else "gemini"
    for models in (client.models, client.aio.models):
        for attr, endpoint in _METHODS.items():
            mine = dataclasses.replace(endpoint, provider=provider, find_provider=None)
            wrap_instance(models, attr, traced, mine)
    return client
