"""The span cost estimator: name normalisation, token accounting and the price file."""

from __future__ import annotations

import importlib.util
import json
import math
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from opik_backend.pricing import (
    FALLBACK_SOURCE,
    PRICES_UPDATED,
    REVIEWED_SOURCE,
    estimate_cost,
    price,
    refresh,
    resolve_model,
)

M = 1_000_000  # prices.json is in USD per million tokens


def _file() -> dict[str, Any]:
    text = resources.files("opik_backend.pricing").joinpath("prices.json").read_text("utf-8")
    return json.loads(text)


def _approx(value: float | None, expected: float) -> bool:
    return value is not None and math.isclose(value, expected, rel_tol=1e-9, abs_tol=1e-15)


# -- plain prompt + completion -------------------------------------------------------------


def test_gpt_4o_mini_prompt_and_completion() -> None:
    cost = estimate_cost(
        "gpt-4o-mini",
        "openai",
        {"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500},
    )
    # $0.15 / M input, $0.60 / M output
    assert _approx(cost, 1000 * 0.15 / M + 500 * 0.60 / M)
    assert _approx(cost, 0.00045)


def test_mini_is_not_priced_as_its_big_sibling() -> None:
    usage = {"prompt_tokens": 1000, "completion_tokens": 500}
    assert _approx(estimate_cost("gpt-4o", "openai", usage), 1000 * 2.5 / M + 500 * 10.0 / M)
    assert _approx(estimate_cost("gpt-4o-mini", "openai", usage), 1000 * 0.15 / M + 500 * 0.60 / M)
    assert _approx(estimate_cost("gpt-4.1-mini", "openai", usage), 1000 * 0.4 / M + 500 * 1.6 / M)
    assert _approx(estimate_cost("gpt-4.1-nano", "openai", usage), 1000 * 0.1 / M + 500 * 0.4 / M)
    assert _approx(estimate_cost("o3-mini", "openai", usage), 1000 * 1.1 / M + 500 * 4.4 / M)
    assert resolve_model("gpt-4o-mini-2024-07-18") == "gpt-4o-mini"
    assert resolve_model("gemini-2.5-flash-lite") == "gemini-2.5-flash-lite"
    assert resolve_model("gemini-2.0-flash-lite-001") == "gemini-2.0-flash-lite"


def test_an_unknown_tier_of_a_known_model_is_not_priced_as_the_base_model() -> None:
    # a made-up "-mini" / "-pro" variant must not inherit the base model's price
    assert resolve_model("gpt-4.1-pro") is None
    assert resolve_model("o3-mini-ultra") is None
    assert resolve_model("claude-opus-4-9") is None  # a new minor version: unknown, not Opus 4
    assert resolve_model("gpt-4-32k") is None


def test_output_only_and_input_only_usage() -> None:
    assert _approx(
        estimate_cost(
            "text-embedding-3-small", "openai", {"prompt_tokens": 10_000, "total_tokens": 10_000}
        ),
        10_000 * 0.02 / M,
    )
    assert _approx(estimate_cost("gpt-4o", "openai", {"completion_tokens": 100}), 100 * 10.0 / M)


def test_original_usage_keys_alone_are_enough() -> None:
    usage = {"original_usage.input_tokens": 2000, "original_usage.output_tokens": 300}
    assert _approx(estimate_cost("gpt-5", "openai", usage), 2000 * 1.25 / M + 300 * 10.0 / M)


# -- model name normalisation --------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("gpt-4o", "gpt-4o"),
        ("GPT-4o", "gpt-4o"),
        (" openai/gpt-4o ", "gpt-4o"),
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-4o-2024-05-13", "gpt-4o-2024-05-13"),  # the dearer first snapshot has its own price
        ("azure/gpt-4.1-mini-2025-04-14", "gpt-4.1-mini"),
        ("gpt-3.5-turbo-0125", "gpt-3.5-turbo"),
        ("o1-2024-12-17", "o1"),
        ("gpt-5.1-codex", "gpt-5.1"),
        ("gpt-5.2-pro-2025-12-11", "gpt-5.2-pro"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("claude-sonnet-4-20250514", "claude-sonnet-4"),
        ("claude-3-5-sonnet-latest", "claude-3-5-sonnet"),
        ("anthropic/claude-3-5-haiku-latest", "claude-3-5-haiku"),
        ("anthropic/claude-3.5-haiku", "claude-3-5-haiku"),
        ("claude-opus-4-1-20250805", "claude-opus-4-1"),
        ("claude-opus-4-6", "claude-opus-4-5"),  # same list price: an alias in the file
        ("claude-3-5-sonnet@20240620", "claude-3-5-sonnet"),
        ("claude-3-5-sonnet-v2@20241022", "claude-3-5-sonnet"),
        ("anthropic.claude-3-5-sonnet-20240620-v1:0", "claude-3-5-sonnet"),
        ("us.anthropic.claude-sonnet-4-20250514-v1:0", "claude-sonnet-4"),
        ("bedrock/eu.anthropic.claude-3-7-sonnet-20250219-v1:0", "claude-3-7-sonnet"),
        ("gemini-2.5-flash", "gemini-2.5-flash"),
        ("models/gemini-1.5-flash-002", "gemini-1.5-flash"),
        ("gemini-1.5-flash-8b", "gemini-1.5-flash-8b"),
        ("vertex_ai/gemini-2.0-flash-001", "gemini-2.0-flash"),
        ("gemini-2.5-flash-preview-09-2025", "gemini-2.5-flash"),
        ("mistral-large-latest", "mistral-large"),
        ("mistral/mistral-large-2411", "mistral-large-2411"),
        ("mistral-small-latest", "mistral-small"),
        ("codestral-2501", "codestral"),
        ("ministral-8b-latest", "ministral-8b"),
        ("ministral-8b-2410", "ministral-8b-2410"),
        ("open-mistral-nemo-2407", "open-mistral-nemo"),
    ],
)
def test_model_names_are_normalised(model: str, expected: str) -> None:
    assert resolve_model(model) == expected


def test_dated_snapshot_is_priced_like_its_alias() -> None:
    usage = {"prompt_tokens": 1234, "completion_tokens": 567}
    assert estimate_cost("claude-sonnet-4-5-20250929", "anthropic", usage) == estimate_cost(
        "claude-sonnet-4-5", "anthropic", usage
    )
    assert _approx(
        estimate_cost("gpt-4o-2024-05-13", "openai", usage), 1234 * 5.0 / M + 567 * 15.0 / M
    )


def test_unknown_model_is_not_priced() -> None:
    usage = {"prompt_tokens": 1000, "completion_tokens": 500}
    assert estimate_cost("my-finetune-7b", "openai", usage) is None
    assert estimate_cost("llama-3.3-70b-versatile", "groq", usage) is None
    assert estimate_cost("", "openai", usage) is None


def test_hosts_with_their_own_prices_are_not_given_list_prices() -> None:
    usage = {"prompt_tokens": 1000, "completion_tokens": 500}
    assert estimate_cost("mistral-small", "mistral", usage) is not None
    assert estimate_cost("mistral-small", "ollama", usage) is None
    assert estimate_cost("ollama/mistral-small", "", usage) is None


def test_empty_usage_is_not_priced() -> None:
    assert estimate_cost("gpt-4o", "openai", {}) is None
    assert estimate_cost("gpt-4o", "openai", None) is None
    assert estimate_cost("gpt-4o", "openai", {"total_tokens": 1500}) is None
    assert estimate_cost("gpt-4o", "openai", {"prompt_tokens": 0, "completion_tokens": 0}) is None


# -- cached tokens --------------------------------------------------------------------------


def test_openai_cached_tokens_are_part_of_prompt_tokens() -> None:
    usage = {
        "prompt_tokens": 2000,
        "completion_tokens": 100,
        "total_tokens": 2100,
        "original_usage.prompt_tokens": 2000,
        "original_usage.completion_tokens": 100,
        "original_usage.prompt_tokens_details.cached_tokens": 1500,
        "original_usage.completion_tokens_details.reasoning_tokens": 40,
    }
    # gpt-4o: input $2.50, cached input $1.25, output $10 per M; reasoning is in completion
    expected = 500 * 2.5 / M + 1500 * 1.25 / M + 100 * 10.0 / M
    assert _approx(estimate_cost("gpt-4o", "openai", usage), expected)


def test_openai_responses_api_cached_tokens() -> None:
    usage = {
        "original_usage.input_tokens": 1000,
        "original_usage.output_tokens": 10,
        "original_usage.input_tokens_details.cached_tokens": 800,
    }
    # gpt-4.1: input $2, cached input $0.50, output $8 per M
    assert _approx(
        estimate_cost("gpt-4.1", "openai", usage), 200 * 2.0 / M + 800 * 0.5 / M + 10 * 8.0 / M
    )


def test_anthropic_cache_tokens_are_billed_on_top_of_input_tokens() -> None:
    original = {
        "original_usage.input_tokens": 100,
        "original_usage.output_tokens": 200,
        "original_usage.cache_read_input_tokens": 5000,
        "original_usage.cache_creation_input_tokens": 1000,
    }
    # claude-sonnet-4-5: input $3, output $15, cache read $0.30, cache write $3.75 per M
    expected = 100 * 3.0 / M + 5000 * 0.30 / M + 1000 * 3.75 / M + 200 * 15.0 / M
    # an SDK that reports prompt_tokens as input + cache reads + cache writes
    new_sdk = {"prompt_tokens": 6100, "completion_tokens": 200, **original}
    # an SDK that reports prompt_tokens as the uncached input only
    old_sdk = {"prompt_tokens": 100, "completion_tokens": 200, **original}
    for usage in (new_sdk, old_sdk, original):
        assert _approx(estimate_cost("claude-sonnet-4-5-20250929", "anthropic", usage), expected)


def test_anthropic_one_hour_cache_writes() -> None:
    usage = {
        "original_usage.input_tokens": 10,
        "original_usage.output_tokens": 20,
        "original_usage.cache_read_input_tokens": 0,
        "original_usage.cache_creation_input_tokens": 3000,
        "original_usage.cache_creation.ephemeral_5m_input_tokens": 1000,
        "original_usage.cache_creation.ephemeral_1h_input_tokens": 2000,
    }
    # claude-haiku-4-5: input $1, output $5, 5-minute write $1.25, 1-hour write $2 per M
    expected = 10 * 1.0 / M + 1000 * 1.25 / M + 2000 * 2.0 / M + 20 * 5.0 / M
    assert _approx(estimate_cost("claude-haiku-4-5", "anthropic", usage), expected)


def test_bedrock_cache_counters() -> None:
    usage = {
        "prompt_tokens": 1600,
        "completion_tokens": 50,
        "original_usage.inputTokens": 100,
        "original_usage.outputTokens": 50,
        "original_usage.cacheReadInputTokens": 1000,
        "original_usage.cacheWriteInputTokens": 500,
    }
    # claude-3-5-haiku: input $0.80, output $4, cache read $0.08, cache write $1 per M
    expected = 100 * 0.8 / M + 1000 * 0.08 / M + 500 * 1.0 / M + 50 * 4.0 / M
    assert _approx(
        estimate_cost("anthropic.claude-3-5-haiku-20241022-v1:0", "bedrock", usage), expected
    )


def test_gemini_cached_content_and_thoughts() -> None:
    usage = {
        "original_usage.prompt_token_count": 10_000,
        "original_usage.cached_content_token_count": 4000,
        "original_usage.candidates_token_count": 300,
        "original_usage.thoughts_token_count": 700,
    }
    # gemini-2.5-flash: input $0.30, cached $0.03, output (thinking included) $2.50 per M
    expected = 6000 * 0.3 / M + 4000 * 0.03 / M + 1000 * 2.5 / M
    assert _approx(estimate_cost("gemini-2.5-flash", "google_vertexai", usage), expected)


def test_cached_tokens_without_a_cache_price_bill_as_input() -> None:
    usage = {
        "prompt_tokens": 1000,
        "completion_tokens": 0,
        "original_usage.prompt_tokens_details.cached_tokens": 600,
    }
    # gemini-2.0-flash-lite publishes no cache price: all 1000 at $0.075 per M
    assert _approx(estimate_cost("gemini-2.0-flash-lite", "google_ai", usage), 1000 * 0.075 / M)


def test_long_prompt_tier() -> None:
    short = {"prompt_tokens": 200_000, "completion_tokens": 1000}
    long = {"prompt_tokens": 200_001, "completion_tokens": 1000}
    # gemini-2.5-pro: $1.25 / $10 per M up to 200k prompt tokens, $2.50 / $15 above
    assert _approx(
        estimate_cost("gemini-2.5-pro", "gemini", short), 200_000 * 1.25 / M + 1000 * 10.0 / M
    )
    assert _approx(
        estimate_cost("gemini-2.5-pro", "gemini", long), 200_001 * 2.5 / M + 1000 * 15.0 / M
    )


def test_mistral_prices() -> None:
    usage = {"prompt_tokens": 1000, "completion_tokens": 500}
    assert _approx(
        estimate_cost("mistral-large-latest", "mistral", usage), 1000 * 0.5 / M + 500 * 1.5 / M
    )
    assert _approx(
        estimate_cost("mistral-large-2411", "mistral", usage), 1000 * 2.0 / M + 500 * 6.0 / M
    )
    assert _approx(
        estimate_cost("codestral-latest", "mistral", usage), 1000 * 0.3 / M + 500 * 0.9 / M
    )


# -- the price file -------------------------------------------------------------------------


def test_every_entry_has_a_provider_and_non_negative_prices() -> None:
    data = _file()
    assert data["unit"] == "USD per 1,000,000 tokens"
    assert data["updated"] == PRICES_UPDATED
    assert data["_source"]
    rate_fields = {"input", "output", "cache_read", "cache_write", "cache_write_1h"}
    for name, entry in data["models"].items():
        assert entry["provider"] in {"openai", "anthropic", "google", "mistral"}, name
        assert {"input", "output"} <= entry.keys(), name
        tiers = [entry, entry.get("long_context", {})]
        for tier in tiers:
            for field in rate_fields & tier.keys():
                value = tier[field]
                assert isinstance(value, int | float), (name, field)
                assert value >= 0, (name, field)
        if "long_context" in entry:
            assert entry["long_context"]["above_prompt_tokens"] > 0, name


def test_every_name_and_alias_resolves_to_its_entry() -> None:
    seen: set[str] = set()
    for name, entry in _file()["models"].items():
        for key in (name, *entry.get("aliases", [])):
            assert key not in seen, f"{key} is listed twice"
            seen.add(key)
            assert resolve_model(key) == name


def test_the_file_covers_the_required_models() -> None:
    for model in [
        "gpt-4.1",
        "gpt-4.1-mini",
        "gpt-4.1-nano",
        "gpt-4o",
        "gpt-4o-mini",
        "o1",
        "o3",
        "o3-mini",
        "o4-mini",
        "gpt-5",
        "gpt-5-mini",
        "gpt-5-nano",
        "gpt-3.5-turbo",
        "text-embedding-3-small",
        "text-embedding-3-large",
        "claude-3-haiku",
        "claude-3-5-haiku",
        "claude-3-5-sonnet",
        "claude-3-7-sonnet",
        "claude-sonnet-4",
        "claude-sonnet-4-5",
        "claude-opus-4",
        "claude-opus-4-1",
        "claude-haiku-4-5",
        "gemini-1.5-flash",
        "gemini-1.5-pro",
        "gemini-2.0-flash",
        "gemini-2.5-flash",
        "gemini-2.5-pro",
        "mistral-large",
        "mistral-small",
        "codestral",
        "ministral-8b",
        "open-mistral-nemo",
    ]:
        assert estimate_cost(model, "", {"prompt_tokens": 1, "completion_tokens": 1}), model


# -- LiteLLM's map as the fallback ----------------------------------------------------------


def _litellm_map() -> dict[str, Any]:
    """The model price map the installed litellm package ships (the fallback's source)."""
    path = Path(importlib.util.find_spec("litellm").submodule_search_locations[0])  # type: ignore[union-attr, index]
    return json.loads((path / "model_prices_and_context_window_backup.json").read_text())


def _per_token_chat_models() -> dict[str, dict[str, Any]]:
    return {
        name: spec
        for name, spec in _litellm_map().items()
        if isinstance(spec, dict)
        and spec.get("mode") in ("chat", "completion")
        and ("input_cost_per_token" in spec or "output_cost_per_token" in spec)
    }


def test_every_chat_and_completion_model_of_litellms_map_gets_a_price() -> None:
    usage = {"prompt_tokens": 1000, "completion_tokens": 100}
    models = _per_token_chat_models()
    assert len(models) > 2500
    unpriced = [name for name in models if price(name, "", usage) is None]
    unpriced += [
        name
        for name, spec in models.items()
        if price(name, spec["litellm_provider"], usage) is None
    ]
    assert unpriced == []


def test_a_model_missing_from_the_reviewed_table_is_priced_at_litellms_rates() -> None:
    usage = {"prompt_tokens": 1000, "completion_tokens": 100}
    models = _per_token_chat_models()
    for name, spec in models.items():
        if resolve_model(name, spec["litellm_provider"], guess=False) is not None:
            continue  # the reviewed table lists it: its own price applies
        cost, source = price(name, spec["litellm_provider"], usage)  # type: ignore[misc]
        expected = 1000 * spec.get("input_cost_per_token", 0) + 100 * spec.get(
            "output_cost_per_token", 0
        )
        assert source == FALLBACK_SOURCE, name
        assert math.isclose(cost, expected, rel_tol=1e-6, abs_tol=1e-12), name


def test_the_reviewed_table_wins_for_the_models_it_lists() -> None:
    usage = {"prompt_tokens": 1000, "completion_tokens": 500}
    cost, source = price("gpt-4o-mini", "openai", usage)  # type: ignore[misc]
    assert source == REVIEWED_SOURCE == f"prices.json@{PRICES_UPDATED}"
    assert _approx(cost, 0.00045)


def test_new_makers_are_priced_from_litellm() -> None:
    usage = {"prompt_tokens": 1_000_000, "completion_tokens": 0}
    for model, provider in (("deepseek-chat", "deepseek"), ("command-a-03-2025", "cohere")):
        priced = price(model, provider, usage)
        assert priced is not None, model
        assert priced[1] == FALLBACK_SOURCE
        assert priced[0] > 0


def test_hosts_price_open_weight_models_at_their_own_rates() -> None:
    usage = {"prompt_tokens": 1_000_000, "completion_tokens": 1_000_000}
    litellm = _litellm_map()
    groq = litellm["groq/openai/gpt-oss-120b"]
    cost, source = price("openai/gpt-oss-120b", "groq", usage)  # type: ignore[misc]
    assert source == FALLBACK_SOURCE
    assert math.isclose(
        cost, 1e6 * (groq["input_cost_per_token"] + groq["output_cost_per_token"]), rel_tol=1e-6
    )
    assert price("some-unknown-model", "groq", usage) is None  # never a model maker's price


def test_the_pinned_extraction_is_what_the_refresh_script_makes_of_the_installed_map() -> None:
    pinned = json.loads(
        resources.files("opik_backend.pricing").joinpath("litellm_prices.json").read_text()
    )
    fresh = refresh.extract(_litellm_map(), pinned["litellm_version"])
    assert fresh["models"] == pinned["models"]
