"""Groq's own client (``groq``): ``chat.completions.create``, streamed or not.

Spans are named ``chat.completions.create``, provider ``groq``, so the backend prices them
at Groq's rates. Groq reports a stream's usage in the last chunk's ``x_groq.usage``.
"""

from __future__ import annotations

from typing import Any

from groq.resources.chat.completions import AsyncCompletions, Completions

from ._instrument import wrap_instance
from ._llm import Endpoint, traced
from .openai import ChatChunks, read_chat

__all__ = ["track_groq"]


class GroqChunks(ChatChunks):
    """OpenAI-style chunks, with the usage Groq sends in ``x_groq``."""

    def add(self, chunk: Any) -> None:
        super().add(chunk)
        extra = getattr(chunk, "x_groq", None)
        self.usage = getattr(extra, "usage", None) or self.usage


CREATE = Endpoint("chat.completions.create", "groq", read_chat, GroqChunks, provider="groq")


def install(patch: Any) -> None:
    """Patch the client classes (``instrument``)."""
    for owner in (Completions, AsyncCompletions):
        patch(owner, "create", traced, CREATE)


def track_groq(client: Any) -> Any:
    """Trace the calls of one ``Groq`` / ``AsyncGroq`` client (returned, for chaining)."""
    wrap_instance(client.chat.completions, "create", traced, CREATE)
    return client
