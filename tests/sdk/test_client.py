"""The read client against a real backend: one trace, searches, paging, DataFrames."""

from __future__ import annotations

import pytest

import opik_jupyter as oj
from opik_jupyter.sdk import _client


def _traces(n: int) -> list[str]:
    ids = []
    for i in range(n):
        with oj.start_trace(
            f"t{i % 2}",
            input={"i": i},
            tags=["even" if i % 2 == 0 else "odd"],
            metadata={"model": f"m{i % 3}"},
        ) as trace:
            with oj.start_span("llm", type="llm", model="gpt-4o-mini") as span:
                span.update(
                    usage={"prompt_tokens": i, "completion_tokens": 1, "total_tokens": i + 1},
                    total_cost=0.5,
                )
            oj.log_feedback_score("score", i / 10)
        ids.append(trace.id)
    assert oj.flush(30).delivered
    return ids


def test_get_trace__with_spans_or_none(traced: oj.Client) -> None:
    (trace_id,) = _traces(1)
    trace = traced.get_trace(trace_id)
    assert trace is not None
    assert trace["id"] == trace_id
    assert trace["span_count"] == 1
    assert [s["name"] for s in trace["spans"]] == ["llm"]
    assert traced.get_trace(trace_id, with_spans=False).get("spans") is None  # type: ignore[union-attr]
    assert traced.get_trace("01a21921-8f9c-7ff8-91a9-078917b2c945") is None


def test_search__filter_strings_and_paging(
    traced: oj.Client, project: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _traces(7)
    monkeypatch.setattr(_client, "SEARCH_PAGE", 2)
    found = traced.search_traces(limit=None)
    assert [t["id"] for t in found] == ids[::-1]
    even = traced.search_traces('tags contains "even" and metadata.model = "m0"', limit=None)
    assert [t["input"]["i"] for t in even] == [6, 0]
    assert len(traced.search_traces(limit=3)) == 3
    spans = traced.search_spans('type = "llm" and usage.total_tokens > 4', limit=None)
    assert len(spans) == 3
    assert oj.search_traces(project_name=project, limit=1)[0]["id"] == ids[-1]


def test_dataframes__are_typed(traced: oj.Client) -> None:
    pd = pytest.importorskip("pandas")
    _traces(5)
    traces = traced.traces_dataframe()
    spans = traced.spans_dataframe(parse_json=False)
    assert len(traces) == 5
    assert len(spans) == 5
    for frame in (traces, spans):
        for column in ("start_time", "end_time", "created_at", "last_updated_at"):
            assert frame[column].dtype == "datetime64[ns, UTC]"
        assert pd.api.types.is_float_dtype(frame["duration"])
        assert pd.api.types.is_integer_dtype(frame["usage.total_tokens"])
    assert traces["input"].iloc[0] == {"i": 4}
    assert spans["total_estimated_cost"].tolist() == [0.5] * 5
    assert isinstance(spans["input"].iloc[0], (str, type(None)))
    assert sorted(traces["feedback_scores"].map(lambda s: s["score"])) == [0, 0.1, 0.2, 0.3, 0.4]


def test_comments__added_to_a_trace_and_a_span_come_back_with_them(traced: oj.Client) -> None:
    (trace_id,) = _traces(1)
    span_id = traced.get_trace(trace_id)["spans"][0]["id"]  # type: ignore[index]
    comment_id = traced.add_trace_comment(trace_id, "looks wrong")
    traced.add_span_comment(span_id, "this call")
    trace = traced.get_trace(trace_id)
    assert trace is not None
    assert [(c["id"], c["text"]) for c in trace["comments"]] == [(comment_id, "looks wrong")]
    assert [c["text"] for c in trace["spans"][0]["comments"]] == ["this call"]
    with pytest.raises(_client.HttpStatusError) as failure:
        traced.add_trace_comment(trace_id, "   ")
    assert failure.value.status == 422
    with pytest.raises(_client.HttpStatusError) as missing:
        traced.add_trace_comment("01a21921-8f9c-7ff8-91a9-078917b2c945", "x")
    assert missing.value.status == 404
