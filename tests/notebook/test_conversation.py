"""An LLM call read as a conversation, in Python for the static export; the cases are
shared with ``frontend/src/__tests__/conversation.test.ts``, which reads them the same way
for the live views."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opik_jupyter.widgets._conversation import conversation
from opik_jupyter.widgets._html import tree_html
from opik_jupyter.widgets._html_io import MAX_PAYLOAD_CHARS, MAX_SECTION_CHARS, pretty

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "conversations.json"
CASES = json.loads(FIXTURE.read_text(encoding="utf-8"))
XSS = "<img src=x onerror=alert(1)>"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_conversation__reads_the_shared_cases(case: dict) -> None:
    assert conversation(case["input"], case["output"]) == case["expected"]


def test_the_cases_cover_roles_tool_calls_and_results() -> None:
    turns = [turn for case in CASES for turn in case["expected"] or ()]
    assert {"system", "user", "assistant", "tool"} <= {turn["role"] for turn in turns}
    assert any(turn["tool_calls"] for turn in turns)
    assert any(turn["tool_call_id"] for turn in turns)
    assert any(turn["parts"] for turn in turns)


def _trace(spans: list[dict], **trace: object) -> dict:
    root = {"id": "t", "name": "cell", "type": "trace", "start_ms": 0, "duration_ms": 10}
    return {"trace": {**root, **trace}, "spans": spans, "live": False}


def _span(span_id: str, kind: str, **extra: object) -> dict:
    return {
        "id": span_id,
        "parent_id": None,
        "name": span_id,
        "type": kind,
        "start_ms": 1,
        "duration_ms": 2,
        **extra,
    }


def test_tree_html__shows_an_llm_call_as_its_turns() -> None:
    case = CASES[0]
    html = tree_html(_trace([_span("chat", "llm", input=case["input"], output=case["output"])]))
    roles = [part.split('"')[0] for part in html.split('class="opik-turn" data-role="')[1:]]
    assert roles == ["system", "user", "assistant", "tool", "assistant"]
    assert "calls <code>get_weather</code> · call_1" in html
    assert "> · result of call_1<" in html


def test_tree_html__exports_every_span_input_and_output_readably() -> None:
    given = {"question": f'He said "hi"\nthen {XSS}', "k": [1, 2]}
    html = tree_html(_trace([_span("step", "tool", input=given, output="line one\nline two")]))
    assert "<img" not in html
    assert "then &lt;img src=x onerror=alert(1)&gt;" in html
    assert "\\n" not in html
    assert '\\"' not in html
    assert "&quot;He said &quot;hi&quot;\nthen" in html
    assert ">line one\nline two</pre>" in html


def test_tree_html__caps_payloads_and_says_what_it_cut() -> None:
    big = "x" * (MAX_PAYLOAD_CHARS + 500)
    html = tree_html(_trace([_span("big", "tool", input=big)]))
    assert "… [500 more characters cut from the export]" in html
    many = [_span(f"s{i}", "tool", output="y" * MAX_PAYLOAD_CHARS) for i in range(60)]
    html = tree_html(_trace(many))
    kept = html.count("<details")
    assert (kept - 1) * MAX_PAYLOAD_CHARS < MAX_SECTION_CHARS <= (kept + 1) * MAX_PAYLOAD_CHARS
    assert f"inputs and outputs of {60 - kept} more span(s) left out" in html


def test_tree_html__header_has_cost_and_tokens_only_when_there_are_some() -> None:
    priced = tree_html(_trace([], total_tokens=42, total_cost=0.000027)).split("<table")[0]
    assert "(ok, 10 ms, 0 spans, 42 tokens, cost $0.000027)" in priced
    plain = tree_html(_trace([])).split("<table")[0]
    assert "(ok, 10 ms, 0 spans)" in plain


def test_pretty__indents_and_keeps_text_as_written() -> None:
    assert pretty({"a": {"b": [1, "x\ny"]}, "e": {}}) == (
        '{\n  "a": {\n    "b": [\n      1,\n      "x\ny"\n    ]\n  },\n  "e": {}\n}'
    )
    assert pretty("top level") == "top level"
