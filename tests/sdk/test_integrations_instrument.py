"""``instrument()`` / ``uninstrument()``: global patching, its modes, and its safety."""

from __future__ import annotations

import dataclasses
from typing import Any

import anthropic.resources.messages
import groq.resources.chat.completions
import litellm
import ollama
import openai
import pytest
from agents.tracing import get_trace_provider
from botocore.client import BaseClient
from google.genai.models import Models
from llama_index.core.instrumentation import root_dispatcher
from mistralai.client.chat import Chat
from openai.resources.chat import AsyncCompletions, Completions
from openai.resources.responses import Responses

import opik_jupyter as oj
from opik_jupyter.sdk.integrations import (
    _llm,
    instrument,
    instrumented,
    track_openai,
    uninstrument,
)
from opik_jupyter.sdk.integrations import openai as openai_integration
from opik_jupyter.sdk.integrations.langchain import _HOOK
from tests.testlib.llm_helpers import USER, FakeLLMServer, llm_spans, traces
from tests.testlib.sdk_env import run_python
from tests.testlib.trees import S, tree_of

ALL = [
    "openai",
    "anthropic",
    "litellm",
    "langchain",
    "google_genai",
    "bedrock",
    "mistral",
    "groq",
    "ollama",
    "llama_index",
    "openai_agents",
]


def _patched() -> list[Any]:
    return [
        vars(Completions)["create"],
        vars(AsyncCompletions)["create"],
        vars(Responses)["parse"],
        vars(anthropic.resources.messages.Messages)["stream"],
        litellm.completion,
        litellm.acompletion,
        _HOOK.handler,
        vars(Models)["generate_content_stream"],
        vars(BaseClient)["_make_api_call"],
        vars(Chat)["stream"],
        vars(groq.resources.chat.completions.Completions)["create"],
        vars(ollama.Client)["chat"],
        ollama.chat,
        root_dispatcher.span_handlers,
        get_trace_provider()._multi_processor._processors,
    ]


def _chat(client: Any) -> str:
    return client.chat.completions.create(model="gpt-4o-mini", messages=USER).id


@pytest.fixture
def client(llm_server: FakeLLMServer) -> Any:
    return openai.OpenAI(base_url=llm_server.openai_base_url, api_key="test", max_retries=0)


def test_instrument__covers_installed_libraries_and_is_idempotent(
    traced: oj.Client, project: str, client: Any
) -> None:
    assert instrument() == ALL
    first = _patched()
    assert instrument() == ALL
    assert all(a is b for a, b in zip(first, _patched(), strict=True))
    _chat(client)
    assert len(llm_spans(traced, project)) == 1


def test_uninstrument__puts_back_the_original_attributes_exactly() -> None:
    originals = _patched()
    instrument()
    assert set(instrumented()) == set(ALL)
    assert not any(a is b for a, b in zip(originals, _patched(), strict=True))
    uninstrument()
    assert all(a is b for a, b in zip(originals, _patched(), strict=True))
    assert instrumented() == []


def test_uninstrument__nothing_is_traced_afterwards_even_through_captured_methods(
    traced: oj.Client, project: str, client: Any
) -> None:
    instrument(["openai"])
    raw = client.chat.completions.with_raw_response  # captures the patched create
    raw.create(model="gpt-4o-mini", messages=USER)
    uninstrument()
    raw.create(model="gpt-4o-mini", messages=USER)
    _chat(client)
    assert len(traces(traced, project)) == 1


def test_only_inside_traces__calls_outside_are_left_alone(
    traced: oj.Client, project: str, client: Any
) -> None:
    instrument(only_inside_traces=True)
    _chat(client)

    @oj.track
    def cell() -> str:
        return _chat(client)

    cell()
    [trace] = traces(traced, project)
    assert tree_of(trace).spans == [S("cell", spans=[S("chat.completions.create", type="llm")])]


def test_not_only_inside_traces__a_call_outside_starts_its_own_trace(
    traced: oj.Client, project: str, client: Any
) -> None:
    instrument(["openai"])
    _chat(client)
    _chat(client)
    assert [t["name"] for t in traces(traced, project)] == ["chat.completions.create"] * 2


def test_track_openai_with_instrument__one_span_not_two(
    traced: oj.Client, project: str, client: Any
) -> None:
    instrument(["openai"], only_inside_traces=True)
    track_openai(client)
    track_openai(client)
    _chat(client)  # outside a trace: traced because the client is tracked explicitly
    assert len(llm_spans(traced, project)) == 1


def test_tracing_bug__the_call_still_returns_and_the_failure_is_counted(
    traced: oj.Client, project: str, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_: Any) -> Any:
        raise RuntimeError("reader bug")

    monkeypatch.setitem(
        openai_integration._METHODS["chat"],
        "create",
        dataclasses.replace(openai_integration.CHAT, read=broken),
    )
    monkeypatch.setattr(_llm, "errors", _llm.errors.__class__())
    instrument(["openai"])
    assert _chat(client).startswith("chatcmpl-fake-")
    assert _llm.errors == {"response": 1}
    [span] = llm_spans(traced, project)
    assert span["end_time"] is not None


def test_instrument__unknown_library__is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown libraries"):
        instrument(["openai", "cohere"])


def test_instrument__imports_nothing_and_patches_a_library_when_it_is_imported() -> None:
    code = (
        "import sys; from opik_jupyter.sdk.integrations import instrument, instrumented\n"
        "assert instrument(['openai', 'litellm']) == ['openai', 'litellm']\n"
        "assert 'openai' not in sys.modules and 'litellm' not in sys.modules\n"
        "assert instrumented() == []\n"
        "import openai\n"
        "assert instrumented() == ['openai'], instrumented()\n"
        "assert openai.resources.chat.Completions.create.__opik_traced__\n"
        "print('ok')"
    )
    assert run_python(code) == "ok"
