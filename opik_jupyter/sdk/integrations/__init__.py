"""LLM client integrations: every call of OpenAI, Anthropic, LiteLLM or LangChain as a span.

* ``track_openai(client)`` / ``track_anthropic(client)``: trace one client object.
* ``instrument()`` / ``uninstrument()``: patch the installed libraries globally (the
  ``%%opik_track`` magic uses ``instrument(only_inside_traces=True)``).
* ``OpikTracer``: a LangChain callback handler (runs -> nested spans).

Importing this package imports none of the client libraries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._instrument import instrument, instrumented, uninstrument

if TYPE_CHECKING:
    from .langchain import OpikTracer

__all__ = [
    "OpikTracer",
    "instrument",
    "instrumented",
    "track_anthropic",
    "track_openai",
    "uninstrument",
]


def track_openai(client: Any, provider: str | None = None) -> Any:
    """Trace the calls of one ``OpenAI`` / ``AsyncOpenAI`` client; returns the client.

    ``provider`` names who serves the API (``"groq"``); by default it is read from the
    client's ``base_url`` (Groq, Mistral, DeepSeek, Together, Ollama, ... or ``openai``)."""
    from .openai import track_openai as track  # noqa: PLC0415 - imports openai

    return track(client, provider)


def track_anthropic(client: Any) -> Any:
    """Trace the calls of one ``Anthropic`` / ``AsyncAnthropic`` client; returns it."""
    from .anthropic import track_anthropic as track  # noqa: PLC0415 - imports anthropic

    return track(client)


def __getattr__(name: str) -> Any:
    if name == "OpikTracer":  # needs langchain-core: imported on first use
        from .langchain import OpikTracer  # noqa: PLC0415 - imports langchain-core

        return OpikTracer
    if name == "OpikDSPyCallback":  # needs dspy: imported on first use
        from .dspy import OpikDSPyCallback  # noqa: PLC0415 - imports dspy

        return OpikDSPyCallback
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
