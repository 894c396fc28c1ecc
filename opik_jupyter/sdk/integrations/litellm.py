"""LiteLLM: ``litellm.completion`` and ``litellm.acompletion`` (``stream=True`` too).

Spans are named ``litellm.completion`` / ``litellm.acompletion``; the provider is LiteLLM's
(``openai``, ``anthropic``, ``bedrock``...). Only the ``litellm`` module attributes are
patched: a ``from litellm import completion`` done before ``instrument()`` keeps the
untraced function. While a LiteLLM span is open, the OpenAI client LiteLLM uses inside is
not traced a second time.
"""

from __future__ import annotations

from typing import Any

import litellm

from ._llm import Endpoint, Reading, traced
from .openai import ChatChunks, read_chat

_POSITIONAL = ("model", "messages")


def _params(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    return {**dict(zip(_POSITIONAL, args, strict=False)), **kwargs}


def _provider(params: dict[str, Any]) -> str | None:
    given = params.get("custom_llm_provider")
    if given:
        return str(given)
    try:
        return litellm.get_llm_provider(
            model=str(params.get("model")), api_base=params.get("api_base")
        )[1]
    except Exception:  # an unknown model: LiteLLM itself will say so
        return None


def read_model_response(response: Any) -> Reading:
    reading = read_chat(response)
    hidden = getattr(response, "_hidden_params", None) or {}
    return reading._replace(provider=hidden.get("custom_llm_provider"))


COMPLETION = Endpoint(
    "litellm.completion",
    "litellm",
    read_model_response,
    ChatChunks,
    params=_params,
    find_provider=_provider,
)
ACOMPLETION = Endpoint(
    "litellm.acompletion",
    "litellm",
    read_model_response,
    ChatChunks,
    params=_params,
    find_provider=_provider,
)


def install(patch: Any) -> None:
    """Patch ``litellm.completion`` and ``litellm.acompletion`` (``instrument``)."""
    patch(litellm, "completion", traced, COMPLETION)
    patch(litellm, "acompletion", traced, ACOMPLETION)
