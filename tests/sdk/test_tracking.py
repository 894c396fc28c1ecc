"""Behaviour of ``@track`` and the context API, read back from a real backend process."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

import opik_jupyter as oj
from tests.testlib.trees import S, T, all_trees, only_trace, tree_of


def _delivered() -> None:
    result = oj.flush(30)
    assert result.delivered, result


@oj.track(name="retrieve", type="tool", tags=["rag"], metadata={"k": 3})
def retrieve(query: str, k: int = 3) -> list[str]:
    return [f"doc-{i}" for i in range(k)]


@oj.track(type="llm")
def generate(prompt: str) -> str:
    oj.update_current_span(
        model="gpt-4o-mini",
        provider="openai",
        usage={"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15},
    )
    return prompt.upper()


@oj.track(tags=["app"])
def answer(question: str) -> dict[str, Any]:
    docs = retrieve(question, k=2)
    oj.update_current_trace(thread_id="conversation-1", metadata={"user": "u1"})
    return {"answer": generate(" ".join(docs))}


def test_track__nested_depth_3__one_trace_with_the_whole_tree(
    traced: oj.Client, project: str
) -> None:
    assert answer("why?") == {"answer": "DOC-0 DOC-1"}
    _delivered()
    assert tree_of(only_trace(traced, project)) == T(
        name="answer",
        input={"question": "why?"},
        output={"answer": "DOC-0 DOC-1"},
        tags=["app"],
        metadata={"providers": ["openai"], "user": "u1"},  # its spans' providers first
        thread_id="conversation-1",
        spans=[
            S(
                "answer",
                input={"question": "why?"},
                output={"answer": "DOC-0 DOC-1"},
                tags=["app"],
                spans=[
                    S(
                        "retrieve",
                        type="tool",
                        input={"query": "why?", "k": 2},
                        output={"output": ["doc-0", "doc-1"]},
                        tags=["rag"],
                        metadata={"k": 3},
                    ),
                    S(
                        "generate",
                        type="llm",
                        input={"prompt": "doc-0 doc-1"},
                        output={"output": "DOC-0 DOC-1"},
                        model="gpt-4o-mini",
                        provider="openai",
                        usage={"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15},
                    ),
                ],
            )
        ],
    )


class Boom(ValueError):
    pass


@oj.track
def explode(n: int) -> None:
    raise Boom(f"bad {n}")


@oj.track
def calls_explode() -> None:
    explode(7)


def test_track__exception__propagates_unchanged_and_is_recorded(
    traced: oj.Client, project: str
) -> None:
    with pytest.raises(Boom) as caught:
        calls_explode()
    assert str(caught.value) == "bad 7"
    frames = [frame.name for frame in traceback.extract_tb(caught.value.__traceback__)]
    assert frames[-1] == "explode"
    _delivered()
    trace = only_trace(traced, project)
    assert tree_of(trace) == T(
        "calls_explode",
        error="Boom",
        output=None,
        spans=[
            S(
                "calls_explode",
                error="Boom",
                output=None,
                spans=[S("explode", input={"n": 7}, error="Boom", output=None)],
            )
        ],
    )
    info = trace["error_info"]
    assert info["message"] == "bad 7"
    assert "raise Boom" in info["traceback"]


def test_track__keyboard_interrupt__is_not_swallowed(traced: oj.Client, project: str) -> None:
    @oj.track
    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    _delivered()
    assert tree_of(only_trace(traced, project)).error == "KeyboardInterrupt"


def test_track__asyncio_tasks__nest_under_the_awaiting_span(
    traced: oj.Client, project: str
) -> None:
    @oj.track
    async def leaf(i: int) -> int:
        await asyncio.sleep(0.01 * (3 - i))
        return i

    @oj.track
    async def fan_out() -> list[int]:
        return list(await asyncio.gather(*(leaf(i) for i in range(3))))

    assert asyncio.run(fan_out()) == [0, 1, 2]
    _delivered()
    tree = tree_of(only_trace(traced, project))
    assert tree.spans == [
        S(
            "fan_out",
            output={"output": [0, 1, 2]},
            spans=[S("leaf", input={"i": i}, output={"output": i}) for i in range(3)],
        )
    ]


def test_track__threads__copied_context_nests_and_bare_threads_start_traces(
    traced: oj.Client, project: str
) -> None:
    @oj.track
    def work(i: int) -> int:
        return i * i

    @oj.track
    def parallel() -> list[int]:
        with ThreadPoolExecutor(2) as pool:
            futures = [pool.submit(contextvars.copy_context().run, work, i) for i in range(2)]
            return [f.result() for f in futures]

    assert parallel() == [0, 1]
    thread = threading.Thread(target=work, args=(5,))
    thread.start()
    thread.join()
    _delivered()
    trees = all_trees(traced, project)
    by_name = {t.name: t for t in trees}
    assert set(by_name) == {"parallel", "work"}
    assert sorted(s.input["i"] for s in by_name["parallel"].spans[0].spans) == [0, 1]
    assert by_name["work"] == T(
        "work",
        input={"i": 5},
        output={"output": 25},
        spans=[S("work", input={"i": 5}, output={"output": 25})],
    )


def test_track__generator__records_yielded_items_and_nests_inner_calls(
    traced: oj.Client, project: str
) -> None:
    @oj.track
    def double(x: int) -> int:
        return 2 * x

    @oj.track
    def stream(n: int) -> Any:
        for i in range(n):
            yield double(i)
        return "done"

    assert list(stream(3)) == [0, 2, 4]
    _delivered()
    assert tree_of(only_trace(traced, project)).spans == [
        S(
            "stream",
            input={"n": 3},
            output={"output": [0, 2, 4]},
            spans=[S("double", input={"x": i}, output={"output": 2 * i}) for i in range(3)],
        )
    ]


def test_track__generator_abandoned_half_way__span_ends_as_closed_early(
    traced: oj.Client, project: str
) -> None:
    cleaned = []

    @oj.track
    def numbers() -> Any:
        try:
            yield from range(100)
        finally:
            cleaned.append(True)

    for value in numbers():
        if value == 2:
            break
    assert cleaned == [True]
    _delivered()
    tree = tree_of(only_trace(traced, project))
    assert tree.spans == [
        S("numbers", input={}, error=None, output={"output": [0, 1, 2], "closed_early": True})
    ]


def test_track__async_generator__records_items(traced: oj.Client, project: str) -> None:
    @oj.track(name="tokens")
    async def tokens(text: str) -> Any:
        for word in text.split():
            await asyncio.sleep(0)
            yield word

    async def consume() -> list[str]:
        return [word async for word in tokens("a b c")]

    assert asyncio.run(consume()) == ["a", "b", "c"]
    _delivered()
    assert tree_of(only_trace(traced, project)).spans == [
        S("tokens", input={"text": "a b c"}, output={"output": ["a", "b", "c"]})
    ]


def test_track__capture_switches__keep_payloads_out(traced: oj.Client, project: str) -> None:
    @oj.track(capture_input=False, capture_output=False)
    def secret(password: str) -> str:
        return password[::-1]

    assert secret("hunter2") == "2retnuh"
    _delivered()
    tree = tree_of(only_trace(traced, project))
    assert tree.spans == [S("secret", input=None, output=None)]
    assert tree.input is None
    assert tree.output is None


class Unprintable:
    def __repr__(self) -> str:
        raise RuntimeError("no repr for you")


def test_track__unserialisable_input__is_logged_as_markers(traced: oj.Client, project: str) -> None:
    cycle: dict[str, Any] = {"name": "loop"}
    cycle["self"] = cycle

    @oj.track
    def odd(thing: Any, loop: dict[str, Any], blob: bytes) -> str:
        return "ok"

    assert odd(Unprintable(), cycle, b"\x00\x01") == "ok"
    _delivered()
    span = tree_of(only_trace(traced, project)).spans[0]
    assert span.input == {
        "thing": "<Unprintable object (repr failed)>",
        "loop": {"name": "loop", "self": "[circular reference]"},
        "blob": {"bytes_length": 2, "base64": "AAE="},
    }


def test_context_managers__trace_spans_scores_and_thread(traced: oj.Client, project: str) -> None:
    with oj.start_trace("chat-turn", input={"q": "hi"}, thread_id="t-9", tags=["x"]) as trace:
        with oj.start_span(
            "call-llm", type="llm", model="m1", provider="acme", input={"messages": ["hi"]}
        ) as span:
            span.update(
                output={"text": "hello"},
                total_cost=0.25,
                usage={"prompt_tokens": 1, "completion_tokens": 2},
            )
            assert oj.get_current_span() is span
            assert oj.get_current_trace() is trace
            assert oj.log_feedback_score("relevance", 0.5, span_id=span.id, reason="meh")
        trace.update(output={"a": "hello"})
        assert oj.log_feedback_score("quality", 1, reason="good", category_name="great")
    assert oj.get_current_trace() is None
    _delivered()
    found = only_trace(traced, project)
    assert tree_of(found) == T(
        "chat-turn",
        input={"q": "hi"},
        output={"a": "hello"},
        thread_id="t-9",
        tags=["x"],
        spans=[
            S(
                "call-llm",
                type="llm",
                model="m1",
                provider="acme",
                input={"messages": ["hi"]},
                output={"text": "hello"},
                usage={"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
            )
        ],
    )
    assert [
        (s["name"], s["value"], s["reason"], s.get("category_name"))
        for s in found["feedback_scores"]
    ] == [("quality", 1.0, "good", "great")]
    span_found = found["spans"][0]
    assert span_found["total_estimated_cost"] == 0.25
    assert [(s["name"], s["value"]) for s in span_found["feedback_scores"]] == [("relevance", 0.5)]


def test_start_span__exception_in_block__recorded_and_reraised(
    traced: oj.Client, project: str
) -> None:
    with pytest.raises(ZeroDivisionError), oj.start_span("divide"):
        _ = 1 / 0
    _delivered()
    tree = tree_of(only_trace(traced, project))
    assert tree == T(
        "divide", error="ZeroDivisionError", spans=[S("divide", error="ZeroDivisionError")]
    )


def test_long_running_span__is_visible_before_it_ends(traced: oj.Client, project: str) -> None:
    started, release = threading.Event(), threading.Event()

    @oj.track
    def slow() -> str:
        started.set()
        release.wait(30)
        return "finally"

    worker = threading.Thread(target=contextvars.copy_context().run, args=(slow,))
    worker.start()
    try:
        assert started.wait(10)
        _delivered_soon(traced, project)
    finally:
        release.set()
        worker.join()
    _delivered()
    assert tree_of(only_trace(traced, project)).output == {"output": "finally"}


def _delivered_soon(client: oj.Client, project: str) -> None:
    """The running call's trace and span are stored, without an end, while it runs."""
    oj.flush(10)
    trace = only_trace(client, project)
    assert "end_time" not in trace
    assert [s["name"] for s in trace["spans"]] == ["slow"]
    assert "end_time" not in trace["spans"][0]


def test_get_current__ids_and_data(traced: oj.Client, project: str) -> None:
    seen: dict[str, Any] = {}

    @oj.track(project_name=None)
    def inner() -> None:
        span = oj.get_current_span()
        trace = oj.get_current_trace()
        assert span is not None
        assert trace is not None
        seen.update(span=span.id, trace=trace.id, parent=span.parent_span_id, data=span.to_dict())

    @oj.track
    def outer() -> None:
        seen["outer"] = oj.get_current_span().id  # type: ignore[union-attr]
        inner()

    outer()
    assert seen["parent"] == seen["outer"]
    assert seen["data"]["trace_id"] == seen["trace"]
    assert seen["data"]["name"] == "inner"
    _delivered()
    trace = only_trace(traced, project)
    assert trace["id"] == seen["trace"]
    assert {s["id"] for s in trace["spans"]} == {seen["span"], seen["outer"]}
