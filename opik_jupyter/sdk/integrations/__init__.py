"""LLM client integrations: every call of OpenAI, Anthropic, LiteLLM, Google GenAI (Gemini),
Bedrock, Mistral, Groq or Ollama as an ``llm`` span, and the runs of LangChain, LlamaIndex,
DSPy and the OpenAI Agents SDK as span trees.

* ``track_openai(client)``, ``track_anthropic``, ``track_genai``, ``track_bedrock``,
  ``track_mistral``, ``track_groq``, ``track_ollama``: trace one client object.
* ``instrument()`` / ``uninstrument()``: patch the installed libraries globally (the
  ``%%opik_track`` magic uses ``instrument(only_inside_traces=True)``).
* ``OpikTracer`` (LangChain callback handler), ``OpikDSPyCallback`` (DSPy callback),
  ``OpikSpanHandler`` (LlamaIndex span handler), ``OpikTracingProcessor`` (agents SDK
  tracing processor).

Importing this package imports none of the client libraries.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._instrument import instrument, instrumented, uninstrument

if TYPE_CHECKING:
    from .langchain import OpikTracer

__all__ = [
    "OpikTracer",
    "instrument",
    "instrumented",
    "track_anthropic",
    "track_bedrock",
    "track_genai",
    "track_groq",
    "track_mistral",
    "track_ollama",
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


def track_genai(client: Any) -> Any:
    """Trace the ``generate_content`` calls of one ``google.genai.Client``; returns it."""
    from .google_genai import track_genai as track  # noqa: PLC0415 - imports google-genai

    return track(client)


def track_bedrock(client: Any) -> Any:
    """Trace one boto3 ``bedrock-runtime`` client (converse, converse_stream,
    invoke_model); returns it."""
    from .bedrock import track_bedrock as track  # noqa: PLC0415 - imports botocore

    return track(client)


def track_mistral(client: Any) -> Any:
    """Trace the chat calls of one ``mistralai.Mistral`` client; returns it."""
    from .mistral import track_mistral as track  # noqa: PLC0415 - imports mistralai

    return track(client)


def track_groq(client: Any) -> Any:
    """Trace the chat calls of one ``Groq`` / ``AsyncGroq`` client; returns it."""
    from .groq import track_groq as track  # noqa: PLC0415 - imports groq

    return track(client)


def track_ollama(client: Any) -> Any:
    """Trace the ``chat`` calls of one ``ollama.Client`` / ``AsyncClient``; returns it."""
    from .ollama import track_ollama as track  # noqa: PLC0415 - imports ollama

    return track(client)


# handlers whose library is imported on their first use: name -> module
_LAZY = {
    "OpikTracer": "langchain",
    "OpikDSPyCallback": "dspy",
    "OpikSpanHandler": "llama_index",
    "OpikTracingProcessor": "openai_agents",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f"{__name__}.{_LAZY[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
