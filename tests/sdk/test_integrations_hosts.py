"""Hosts that serve the OpenAI API for other providers (Groq, Ollama, Mistral, ...): the real
``openai`` client against ``FakeLLMServer``, the span naming the host as its provider so the
backend prices it at the host's own rate."""

from __future__ import annotations

import json
from importlib import resources

import openai
import pytest

import opik_jupyter as oj
from opik_backend.pricing import FALLBACK_SOURCE
from opik_jupyter.sdk.integrations import track_openai
from opik_jupyter.sdk.integrations.openai import provider_of
from tests.testlib.llm_helpers import USER, FakeLLMServer, only_span, traces


@pytest.mark.parametrize(
    ("base_url", "provider"),
    [
        ("https://api.openai.com/v1", "openai"),
        ("https://api.groq.com/openai/v1", "groq"),
        ("https://api.mistral.ai/v1", "mistral"),
        ("https://api.deepseek.com", "deepseek"),
        ("https://api.together.xyz/v1", "together_ai"),
        ("https://generativelanguage.googleapis.com/v1beta/openai/", "gemini"),
        ("https://my-team.openai.azure.com/openai", "azure"),
        ("http://localhost:11434/v1", "ollama"),
        ("http://127.0.0.1:8000/v1", "openai"),
    ],
)
def test_the_provider_is_read_from_the_clients_base_url(base_url: str, provider: str) -> None:
    assert provider_of(openai.OpenAI(base_url=base_url, api_key="k").base_url) == provider


def _litellm_rate(key: str) -> tuple[float, float]:
    text = resources.files("opik_backend.pricing").joinpath("litellm_prices.json").read_text()
    entry = json.loads(text)["models"][key]
    return entry["input"] / 1e6, entry["output"] / 1e6


def test_groq__a_named_provider_is_priced_at_groqs_own_rate(
    traced: oj.Client, project: str, llm_server: FakeLLMServer
) -> None:
    client = track_openai(
        openai.OpenAI(base_url=llm_server.openai_base_url, api_key="k", max_retries=0),
        provider="groq",
    )
    reply = client.chat.completions.create(model="openai/gpt-oss-120b", messages=USER)

    span = only_span(traced, project)
    assert (span["type"], span["provider"], span["model"]) == ("llm", "groq", reply.model)
    rate_in, rate_out = _litellm_rate("groq/openai/gpt-oss-120b")
    expected = reply.usage.prompt_tokens * rate_in + reply.usage.completion_tokens * rate_out
    assert span["total_estimated_cost"] == pytest.approx(expected)
    assert span["total_estimated_cost_version"] == FALLBACK_SOURCE


def test_ollama__instrumented_calls_inside_a_trace_are_llm_spans_of_provider_ollama(
    traced: oj.Client, project: str
) -> None:
    with FakeLLMServer(port=11434) as server:
        oj.instrument(["openai"], only_inside_traces=True)  # what %%opik_track does
        try:
            client = openai.OpenAI(base_url="http://localhost:11434/v1", api_key="ollama")
            client.chat.completions.create(model="llama3.1", messages=USER)  # outside: not traced
            with oj.start_trace("cell"):
                client.chat.completions.create(model="llama3.1", messages=USER)
        finally:
            oj.uninstrument()
    assert len(server.requests) == 2
    [trace] = traces(traced, project)
    [span] = trace["spans"]
    assert (span["type"], span["provider"], span["model"]) == ("llm", "ollama", "llama3.1")
    assert span["usage"]["total_tokens"] > 0
    assert span["total_estimated_cost"] == 0  # a local model costs nothing
    assert span["total_estimated_cost_version"] == FALLBACK_SOURCE
