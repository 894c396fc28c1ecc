"""Estimated cost of an LLM span from its model and token usage (USD).

Placeholder with a few models until the full price table lands.
"""

from __future__ import annotations

from collections.abc import Mapping

_PER_MILLION = {"gpt-4o-mini": (0.15, 0.60), "gpt-4o": (2.50, 10.00)}


def estimate_cost(model: str, provider: str, usage: Mapping[str, int]) -> float | None:
    """USD for ``usage`` tokens of ``model``, or None if the model or usage is unknown."""
    del provider
    name = model.lower().rsplit("/", 1)[-1]
    for known in sorted(_PER_MILLION, key=len, reverse=True):
        if name.startswith(known):
            prompt = usage.get("prompt_tokens", 0)
            completion = usage.get("completion_tokens", 0)
            if not prompt and not completion:
                return None
            inp, out = _PER_MILLION[known]
            return (prompt * inp + completion * out) / 1_000_000
    return None
