"""Cost estimate of an LLM span from its model name and token usage.

Prices live in ``prices.json`` beside this module (USD per million tokens, the model maker's
list price, reviewed by hand); it is the source for every model it lists. Models it does not
list are priced from ``litellm_prices.json``, an extraction of LiteLLM's model price map
(rebuilt by ``python -m opik_backend.pricing.refresh``), where hosts such as groq or together
have their own provider-prefixed entries (``groq/llama-3.1-8b-instant``). Both are loaded once,
at import; :func:`price` says which one priced a span. ``estimate_cost`` runs per ingested
span, so a model name is resolved to a price entry once (``lru_cache``) and a priced call is
a few dict look-ups and multiplications.

Token accounting follows the usage dicts the Opik SDKs send:

* OpenAI-style cached tokens (``prompt_tokens_details.cached_tokens``, Responses API
  ``input_tokens_details.cached_tokens``, Gemini ``cached_content_token_count``) are part of
  the prompt count: they are billed at the cache-read rate and taken off the input count.
* Anthropic / Bedrock cache counters (``cache_read_input_tokens``,
  ``cache_creation_input_tokens``, ``cacheReadInputTokens``, ``cacheWriteInputTokens``) are
  not part of the provider's ``input_tokens``: they are billed on top of it, at the cache-read
  and cache-write rates.
* Output is ``completion_tokens`` (reasoning tokens included) or the provider's own count.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = ["PRICES_UPDATED", "estimate_cost", "price", "resolve_fallback", "resolve_model"]

_PER_TOKEN = 1e-6  # prices.json is in USD per million tokens

# Hosts that bill open-weight models at their own rates (or not at all): a model maker's list
# price would be wrong for them.
_SELF_PRICED_HOSTS = frozenset(
    {
        "groq",
        "together",
        "together_ai",
        "fireworks",
        "fireworks_ai",
        "deepinfra",
        "ollama",
        "vllm",
        "lm_studio",
        "huggingface",
        "cerebras",
    }
)
# A known name followed by one of these words is a different (cheaper or dearer) model.
_TIER_WORDS = frozenset(
    {
        "mini",
        "nano",
        "pro",
        "lite",
        "flash",
        "turbo",
        "large",
        "medium",
        "small",
        "haiku",
        "sonnet",
        "opus",
        "ultra",
    }
)
_HOST_PREFIX = re.compile(
    r"^(?:(?:us|eu|apac|jp|au|ca|global|us-gov)\.)?"
    r"(?:anthropic|mistral|meta|amazon|cohere|ai21|openai|google)\."
)
_VERSION_SUFFIX = re.compile(r"-v\d+(?::\d+)?$")
_SNAPSHOT_SUFFIX = re.compile(r"(?:-latest|-\d{4}-\d{2}-\d{2}|-\d{8}|-\d{3,4})$")


@dataclass(frozen=True, slots=True)
class _Rates:
    """USD per token for each kind of token."""

    input: float
    output: float
    cache_read: float
    cache_write: float
    cache_write_1h: float


@dataclass(frozen=True, slots=True)
class _Price:
    """A model's rates, with an optional dearer tier for long prompts."""

    provider: str
    base: _Rates
    long_above: int | None = None
    long: _Rates | None = None

    def rates(self, prompt_tokens: int) -> _Rates:
        """The rates that apply to a request with this many prompt tokens."""
        if (
            self.long is not None
            and self.long_above is not None
            and prompt_tokens > self.long_above
        ):
            return self.long
        return self.base


def _rates(spec: Mapping[str, Any]) -> _Rates:
    """Per-token rates from a per-million entry, defaulting the cache rates to input's."""
    inp = float(spec["input"])
    write = float(spec.get("cache_write", inp))
    return _Rates(
        input=inp * _PER_TOKEN,
        output=float(spec["output"]) * _PER_TOKEN,
        cache_read=float(spec.get("cache_read", inp)) * _PER_TOKEN,
        cache_write=write * _PER_TOKEN,
        cache_write_1h=float(spec.get("cache_write_1h", write)) * _PER_TOKEN,
    )


def _price(spec: Mapping[str, Any]) -> _Price:
    long = spec.get("long_context")
    if long is None:
        return _Price(provider=spec["provider"], base=_rates(spec))
    return _Price(
        provider=spec["provider"],
        base=_rates(spec),
        long_above=int(long["above_prompt_tokens"]),
        long=_rates(long),
    )


def _read(file_name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files(__package__).joinpath(file_name).read_text("utf-8")
    )
    return data


def _load() -> tuple[dict[str, _Price], dict[str, str], str]:
    """Prices by model name, model name by name or alias, and the file's ``updated`` date."""
    raw = _read("prices.json")
    prices = {name: _price(spec) for name, spec in raw["models"].items()}
    names = {
        key: name
        for name, spec in raw["models"].items()
        for key in (name, *spec.get("aliases", ()))
    }
    return prices, names, raw["updated"]


def _load_fallback() -> tuple[dict[str, _Price], str]:
    raw = _read("litellm_prices.json")
    return {name: _price(spec) for name, spec in raw["models"].items()}, raw["litellm_version"]


_PRICES, _NAMES, PRICES_UPDATED = _load()
_FALLBACK, _FALLBACK_VERSION = _load_fallback()
_FALLBACK_LOWER = {name.lower(): name for name in _FALLBACK}
REVIEWED_SOURCE = f"prices.json@{PRICES_UPDATED}"
FALLBACK_SOURCE = f"litellm@{_FALLBACK_VERSION}"
# what spans call a provider (GenAI conventions, SDK integrations) -> LiteLLM's prefix
_LITELLM_PROVIDER = {
    "together": "together_ai",
    "fireworks": "fireworks_ai",
    "google": "gemini",
    "google_ai": "gemini",
    "gcp.gemini": "gemini",
    "gcp.vertex_ai": "vertex_ai",
    "google_vertexai": "vertex_ai",
    "aws.bedrock": "bedrock",
    "aws_bedrock": "bedrock",
    "mistralai": "mistral",
    "mistral_ai": "mistral",
    "x_ai": "xai",
    "azure.ai.inference": "azure_ai",
    "az.ai.inference": "azure_ai",
    "azure.ai.openai": "azure",
    "ibm.watsonx.ai": "watsonx",
}
_LONGEST_FIRST = tuple(sorted(_NAMES, key=len, reverse=True))


def _clean(model: str) -> str:
    """Lower-case, and drop a ``provider/`` path, Bedrock region/vendor and Vertex ``@``."""
    name = model.strip().lower().rsplit("/", 1)[-1]
    name = _HOST_PREFIX.sub("", name).split("@", 1)[0]
    name = _VERSION_SUFFIX.sub("", name)
    return name.replace(".", "-") if name.startswith("claude") else name


def _by_prefix(name: str) -> str | None:
    """The longest known name that ``name`` extends by a non-numeric, non-tier suffix."""
    for key in _LONGEST_FIRST:
        if name.startswith(key + "-"):
            rest = name[len(key) + 1 :].split("-")
            if rest[0][:1].isdigit() or not _TIER_WORDS.isdisjoint(rest):
                return None
            return _NAMES[key]
    return None


@functools.lru_cache(maxsize=4096)
def resolve_model(model: str, provider: str = "", guess: bool = True) -> str | None:
    """The price-table name for ``model`` (as a span names it), or None when unpriced.

    Without ``guess``, only a listed name, alias or dated snapshot of one counts, not a name
    that merely extends a listed one."""
    host = provider or (model.split("/", 1)[0] if "/" in model else "")
    if host.strip().lower() in _SELF_PRICED_HOSTS:
        return None
    name = _clean(model)
    while True:
        if name in _NAMES:
            return _NAMES[name]
        shorter = _SNAPSHOT_SUFFIX.sub("", name)
        if shorter == name:
            return _by_prefix(name) if guess else None
        name = shorter


@functools.lru_cache(maxsize=4096)
def resolve_fallback(model: str, provider: str = "") -> str | None:
    """The key of ``model`` in LiteLLM's map, or None: the name itself when its entry is the
    provider's, else the provider-prefixed name, else the bare name (but a model that a
    self-pricing host serves is only priced from that host's own entries)."""
    name = model.strip()
    host = provider.strip().lower()
    if not host and "/" in name:
        host = name.split("/", 1)[0].lower()
    prefix = _LITELLM_PROVIDER.get(host, host)
    exact = _FALLBACK_LOWER.get(name.lower())
    if exact is not None and (not prefix or _FALLBACK[exact].provider == prefix):
        return exact
    bare = name.split("/", 1)[-1]
    for candidate in (f"{prefix}/{name}", f"{prefix}/{bare}") if prefix else ():
        if (found := _FALLBACK_LOWER.get(candidate.lower())) is not None:
            return found
    for candidate in (name, bare):
        found = _FALLBACK_LOWER.get(candidate.lower())
        if found is not None and (
            host not in _SELF_PRICED_HOSTS or _FALLBACK[found].provider == prefix
        ):
            return found
    return None


def _rates_of(model: str, provider: str) -> tuple[_Price, str] | None:
    """The price of ``model`` and its source: the reviewed table for the models it lists,
    else LiteLLM's entry, else the reviewed price of the listed model that ``model`` extends."""
    listed = resolve_model(model, provider, guess=False)
    if listed is not None:
        return _PRICES[listed], REVIEWED_SOURCE
    fallback = resolve_fallback(model, provider)
    if fallback is not None:
        return _FALLBACK[fallback], FALLBACK_SOURCE
    guessed = resolve_model(model, provider)
    return (_PRICES[guessed], REVIEWED_SOURCE) if guessed is not None else None


def _count(usage: Mapping[str, Any], *keys: str) -> int | None:
    """The first of ``keys`` that ``usage`` holds as a number."""
    for key in keys:
        value = usage.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return int(value)
    return None


def _output_tokens(usage: Mapping[str, Any]) -> int:
    out = _count(
        usage,
        "completion_tokens",
        "original_usage.output_tokens",
        "original_usage.outputTokens",
        "original_usage.completion_tokens",
    )
    if out is not None:
        return out
    return (_count(usage, "original_usage.candidates_token_count") or 0) + (
        _count(usage, "original_usage.thoughts_token_count") or 0
    )


def _input_tokens(usage: Mapping[str, Any]) -> tuple[int, int, int, int]:
    """(uncached input, cache reads, 5-minute cache writes, 1-hour cache writes)."""
    read = _count(
        usage, "original_usage.cache_read_input_tokens", "original_usage.cacheReadInputTokens"
    )
    write = _count(
        usage, "original_usage.cache_creation_input_tokens", "original_usage.cacheWriteInputTokens"
    )
    if read is None and write is None:
        total = (
            _count(
                usage,
                "prompt_tokens",
                "original_usage.input_tokens",
                "original_usage.prompt_tokens",
                "original_usage.inputTokens",
                "original_usage.prompt_token_count",
            )
            or 0
        )
        cached = (
            _count(
                usage,
                "original_usage.prompt_tokens_details.cached_tokens",
                "original_usage.input_tokens_details.cached_tokens",
                "original_usage.cached_content_token_count",
            )
            or 0
        )
        cached = min(cached, total)
        return total - cached, cached, 0, 0
    read, write = read or 0, write or 0
    base = _count(usage, "original_usage.input_tokens", "original_usage.inputTokens")
    if base is None:  # the SDK's prompt_tokens then includes both cache counters
        base = max((_count(usage, "prompt_tokens") or 0) - read - write, 0)
    write_1h = min(
        _count(usage, "original_usage.cache_creation.ephemeral_1h_input_tokens") or 0, write
    )
    return base, read, write - write_1h, write_1h


def estimate_cost(model: str, provider: str, usage: Mapping[str, int] | None) -> float | None:
    """Estimated USD cost of one LLM call, or None if the model or the usage can't be priced."""
    priced = price(model, provider, usage)
    return priced[0] if priced else None


def price(model: str, provider: str, usage: Mapping[str, int] | None) -> tuple[float, str] | None:
    """(estimated USD cost, source of the price) of one LLM call, or None if unpriced.

    The source is ``prices.json@<updated>`` or ``litellm@<version>``."""
    if not model or not usage:
        return None
    found = _rates_of(model, provider or "")
    if found is None:
        return None
    model_price, source = found
    uncached, read, write_5m, write_1h = _input_tokens(usage)
    output = _output_tokens(usage)
    if uncached + read + write_5m + write_1h + output <= 0:
        return None
    r = model_price.rates(uncached + read + write_5m + write_1h)
    cost = (
        uncached * r.input
        + read * r.cache_read
        + write_5m * r.cache_write
        + write_1h * r.cache_write_1h
        + output * r.output
    )
    return cost, source
