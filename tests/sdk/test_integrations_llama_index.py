"""LlamaIndex over the real ``openai`` client (``llama-index-llms-openai``) against
``FakeLLMServer``: a query is one span tree, its LLM call an ``llm`` span (model, usage, cost)
nested under the query and synthesis spans, and the OpenAI client call inside it is not
recorded a second time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from llama_index.core import Document, Settings, SummaryIndex
from llama_index.core.instrumentation import get_dispatcher
from llama_index.llms.openai import OpenAI

import opik_jupyter as oj
from opik_jupyter.sdk.integrations import OpikSpanHandler
from tests.testlib.llm_helpers import FakeLLMServer, cell_spans, in_cell, priced, traces

DOCS = [Document(text="Paris is the capital of France. It has the Eiffel Tower.")]


@pytest.fixture(autouse=True)
def offline_tokenizer() -> Iterator[None]:
    """LlamaIndex's default tokenizer loads a BPE file; whitespace splitting needs none."""
    before = Settings._tokenizer
    Settings.tokenizer = str.split
    yield
    Settings._tokenizer = before


def _ancestors(spans: dict[str, dict], span: dict) -> list[str]:
    names = []
    while span.get("parent_span_id"):
        span = spans[span["parent_span_id"]]
        names.append(span["name"])
    return names


def test_a_cell__a_query_is_a_span_tree_with_the_llm_call_inside(
    traced: oj.Client, project: str, cell_shell: object
) -> None:
    with FakeLLMServer(replies="Paris.") as server:
        llm = OpenAI(model="gpt-4o-mini", api_base=server.openai_base_url, api_key="k")
        engine = SummaryIndex.from_documents(DOCS).as_query_engine(llm=llm)
        in_cell(cell_shell, "answer = engine.query('capital of France?')", engine=engine)
    assert str(cell_shell.user_ns["answer"]) == "Paris."  # type: ignore[attr-defined]
    spans = cell_spans(traced, project)
    by_id = {span["id"]: span for span in spans}
    [llm_span] = [span for span in spans if span["type"] == "llm"]  # not twice
    assert llm_span["name"] == "OpenAI.chat"
    assert (llm_span["model"], llm_span["provider"]) == ("gpt-4o-mini", "openai")
    assert llm_span["output"] == {"role": "assistant", "content": "Paris."}
    priced(llm_span)
    above = _ancestors(by_id, llm_span)
    assert above[-1].endswith(".query")  # the query is the outermost LlamaIndex span
    assert any("synthesize" in name for name in above)
    [retrieve] = [span for span in spans if span["name"].endswith(".retrieve")]
    assert _ancestors(by_id, retrieve)[-1] == above[-1]
    assert retrieve["type"] == "general"


def test_a_handler_added_by_hand_records_outside_notebooks_under_oj_track(
    traced: oj.Client, project: str, llm_server: FakeLLMServer
) -> None:
    handler = OpikSpanHandler()
    dispatcher = get_dispatcher()
    dispatcher.add_span_handler(handler)
    try:
        llm = OpenAI(model="gpt-4o-mini", api_base=llm_server.openai_base_url, api_key="k")

        @oj.track(name="ask")
        def ask() -> str:
            return llm.complete("capital of France?").text

        assert ask() == "Echo: capital of France?"
    finally:
        dispatcher.span_handlers.remove(handler)
    [trace] = traces(traced, project)
    spans = {span["name"]: span for span in trace["spans"]}
    assert spans["OpenAI.complete"]["parent_span_id"] == spans["ask"]["id"]
    priced(spans["OpenAI.complete"])
