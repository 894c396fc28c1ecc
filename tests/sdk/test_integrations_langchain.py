"""The LangChain callback handler (and ``instrument(["langchain"])``) with ``ChatOpenAI``."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI

import opik_jupyter as oj
from opik_jupyter.sdk.integrations import OpikTracer, instrument, uninstrument
from tests.testlib.llm_helpers import FakeLLMServer, llm_spans, tokens, traces, tree
from tests.testlib.trees import S, T, tree_of

QUESTION = [{"role": "user", "content": "tell me about cats"}]
REPLY = "Echo: tell me about cats"
PROMPT = tokens("tell me about cats")


def _chain(server: FakeLLMServer, **options: Any) -> Any:
    llm = ChatOpenAI(
        model="gpt-4o-mini",
        base_url=server.openai_base_url,
        api_key="test",
        max_retries=0,
        **options,
    )
    prompt = ChatPromptTemplate.from_messages([("user", "tell me about {topic}")])
    return prompt | llm | StrOutputParser()


def _chain_tree(llm: S) -> T:
    return T(
        "RunnableSequence",
        input={"topic": "cats"},
        output={"output": REPLY},
        spans=[
            S(
                "RunnableSequence",
                input={"topic": "cats"},
                output={"output": REPLY},
                spans=[
                    S("ChatPromptTemplate", input={"topic": "cats"}),
                    llm,
                    S("StrOutputParser", output={"output": REPLY}),
                ],
            )
        ],
    )


LLM = S(
    "ChatOpenAI",
    type="llm",
    model="gpt-4o-mini",
    provider="openai",
    output={"role": "assistant", "content": REPLY},
)


def test_handler__chain__runs_become_nested_spans_with_model_and_usage(
    traced: oj.Client, project: str, llm_server: FakeLLMServer
) -> None:
    chain = _chain(llm_server, temperature=0.3)
    assert chain.invoke({"topic": "cats"}, config={"callbacks": [OpikTracer()]}) == REPLY
    assert tree(traced, project) == _chain_tree(LLM)
    [span] = llm_spans(traced, project)
    assert span["input"]["messages"] == QUESTION
    assert span["input"]["temperature"] == 0.3
    assert span["usage"]["prompt_tokens"] == PROMPT
    assert span["usage"]["completion_tokens"] == tokens(REPLY)
    assert span["usage"]["original_usage.prompt_tokens_details.cached_tokens"] == 0
    assert span["total_estimated_cost"] > 0


def test_handler__stream_and_async__same_tree_with_usage(
    traced: oj.Client, project: str, llm_server: FakeLLMServer
) -> None:
    chain = _chain(llm_server, stream_usage=True)
    config: Any = {"callbacks": [OpikTracer()]}
    assert "".join(chain.stream({"topic": "cats"}, config=config)) == REPLY
    assert asyncio.run(chain.ainvoke({"topic": "cats"}, config=config)) == REPLY
    assert len(traces(traced, project)) == 2
    for span in llm_spans(traced, project):
        assert span["output"] == {"role": "assistant", "content": REPLY}
        assert span["usage"]["total_tokens"] == PROMPT + tokens(REPLY)


def test_handler__inside_track__tools_and_chains_nest_under_the_function(
    traced: oj.Client, project: str
) -> None:
    @tool
    def shout(text: str) -> str:
        """Upper-case the text."""
        return text.upper()

    @oj.track
    def agent(text: str) -> str:
        return shout.invoke({"text": text}, config={"callbacks": [OpikTracer()]})

    assert agent("hi") == "HI"
    assert tree(traced, project).spans == [
        S("agent", spans=[S("shout", type="tool", input={"text": "hi"}, output={"output": "HI"})])
    ]


def test_handler__failing_step__error_recorded_and_raised_unchanged(
    traced: oj.Client, project: str
) -> None:
    def boom(_: Any) -> None:
        raise ValueError("no cats")

    chain = RunnableLambda(lambda x: x) | RunnableLambda(boom)
    with pytest.raises(ValueError, match="no cats"):
        chain.invoke(1, config={"callbacks": [OpikTracer()]})
    assert tree(traced, project).spans == [
        S(
            "RunnableSequence",
            error="ValueError",
            spans=[S("RunnableLambda", error=None), S("boom", error="ValueError")],
        )
    ]


def test_instrument__every_run_is_traced_without_callbacks_and_openai_not_twice(
    traced: oj.Client, project: str, llm_server: FakeLLMServer
) -> None:
    assert instrument(["langchain", "openai"]) == ["langchain", "openai"]
    chain = _chain(llm_server)
    assert chain.invoke({"topic": "cats"}) == REPLY
    assert chain.invoke({"topic": "cats"}, config={"callbacks": [OpikTracer()]}) == REPLY
    assert [tree_of(trace) for trace in traces(traced, project)] == [_chain_tree(LLM)] * 2
    uninstrument()
    assert chain.invoke({"topic": "cats"}) == REPLY
    assert len(traces(traced, project)) == 2


def test_instrument__only_inside_traces__runs_outside_a_trace_are_left_alone(
    traced: oj.Client, project: str, llm_server: FakeLLMServer
) -> None:
    instrument(["langchain"], only_inside_traces=True)
    chain = _chain(llm_server)
    chain.invoke({"topic": "cats"})
    with oj.start_trace("cell"):
        chain.invoke({"topic": "cats"})
    [trace] = traces(traced, project)
    assert trace["name"] == "cell"
    assert [s["name"] for s in trace["spans"] if s.get("parent_span_id") is None] == [
        "RunnableSequence"
    ]
