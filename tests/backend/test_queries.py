"""Lists, filters, search streams, threads and statistics."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.testlib.builders import at, span, trace
from tests.testlib.rest import seed

TRACES = "v1/private/traces"


def names(api: httpx.Client, project: str, *filters: dict) -> list[str]:
    response = api.get(
        TRACES, params={"project_name": project, "size": 100, "filters": json.dumps(list(filters))}
    )
    assert response.status_code == 200, response.text
    return [t["name"] for t in response.json()["content"]]


@pytest.fixture
def catalogue(api: httpx.Client) -> dict[str, dict]:
    """Four traces with different names, tags, metadata, durations, usage and scores."""
    bodies = {
        "alpha": trace(
            "cat",
            name="alpha",
            tags=["red"],
            metadata={"model": "gpt-4o", "n": 3, "nested": {"deep": [{"x": "found"}]}},
            input={"q": "What is AI?"},
            start_time=at(0),
            end_time=at(0.5),
        ),
        "beta": trace(
            "cat",
            name="beta",
            tags=["blue"],
            metadata={"model": "claude", "n": 10},
            input={"q": "Tell me a joke"},
            start_time=at(10),
            end_time=at(13),
        ),
        "gamma": trace(
            "cat",
            name="gamma",
            tags=[],
            error_info={"exception_type": "ValueError", "message": "bad", "traceback": "tb"},
            start_time=at(20),
            end_time=at(20.1),
        ),
        "delta": trace(
            "cat", name="delta-prime", tags=["red", "blue"], start_time=at(30), end_time=None
        ),
    }
    seed(
        api,
        list(bodies.values()),
        [
            span(
                bodies["alpha"]["id"],
                "cat",
                type="llm",
                model="gpt-4o-mini",
                usage={"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150},
            ),
            span(
                bodies["beta"]["id"],
                "cat",
                type="llm",
                model="gpt-4o-mini",
                usage={"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500},
            ),
        ],
    )
    api.put(
        f"{TRACES}/feedback-scores",
        json={
            "scores": [
                {"id": bodies["alpha"]["id"], "project_name": "cat", "name": "acc", "value": 0.2},
                {"id": bodies["beta"]["id"], "project_name": "cat", "name": "acc", "value": 0.9},
            ]
        },
    )
    return bodies


def test_list_is_newest_first_and_paged(api: httpx.Client) -> None:
    bodies = [trace("paged", name=f"t{i}") for i in range(5)]
    seed(api, bodies)
    first = api.get(TRACES, params={"project_name": "paged", "page": 1, "size": 2}).json()
    third = api.get(TRACES, params={"project_name": "paged", "page": 3, "size": 2}).json()
    assert first["total"] == 5
    assert [t["name"] for t in first["content"]] == ["t4", "t3"]
    assert [t["name"] for t in third["content"]] == ["t0"]


@pytest.mark.usefixtures("catalogue")
@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ({"field": "name", "operator": "=", "value": "beta"}, ["beta"]),
        ({"field": "name", "operator": "!=", "value": "beta"}, ["delta-prime", "gamma", "alpha"]),
        ({"field": "name", "operator": "contains", "value": "ELT"}, ["delta-prime"]),
        ({"field": "name", "operator": "not_contains", "value": "a"}, []),
        ({"field": "name", "operator": "starts_with", "value": "gam"}, ["gamma"]),
        ({"field": "name", "operator": "ends_with", "value": "prime"}, ["delta-prime"]),
        ({"field": "name", "operator": ">", "value": "c"}, ["delta-prime", "gamma"]),
        ({"field": "input", "operator": "contains", "value": "joke"}, ["beta"]),
        ({"field": "tags", "operator": "contains", "value": "red"}, ["delta-prime", "alpha"]),
        ({"field": "tags", "operator": "=", "value": "blue"}, ["delta-prime", "beta"]),
        ({"field": "tags", "operator": "is_empty"}, ["gamma"]),
        ({"field": "metadata", "key": "model", "operator": "=", "value": "claude"}, ["beta"]),
        ({"field": "metadata", "key": "n", "operator": ">", "value": "5"}, ["beta"]),
        (
            {"field": "metadata", "key": "nested.deep[0].x", "operator": "=", "value": "found"},
            ["alpha"],
        ),
        ({"field": "metadata", "key": "model", "operator": "is_not_empty"}, ["beta", "alpha"]),
        ({"field": "duration", "operator": ">=", "value": "1000"}, ["beta"]),
        (
            {"field": "start_time", "operator": ">", "value": "2026-11-26T12:00:15Z"},
            ["delta-prime", "gamma"],
        ),
        ({"field": "end_time", "operator": "<=", "value": "2026-11-26T12:00:01Z"}, ["alpha"]),
        ({"field": "error_info", "operator": "is_not_empty"}, ["gamma"]),
        ({"field": "error_info", "operator": "is_empty"}, ["delta-prime", "beta", "alpha"]),
        ({"field": "usage.total_tokens", "operator": ">", "value": "1000"}, ["beta"]),
        ({"field": "total_estimated_cost", "operator": ">", "value": "0"}, ["beta", "alpha"]),
        ({"field": "llm_span_count", "operator": "=", "value": "1"}, ["beta", "alpha"]),
        ({"field": "feedback_scores", "key": "acc", "operator": ">", "value": "0.5"}, ["beta"]),
        (
            {"field": "feedback_scores", "key": "acc", "operator": "is_empty"},
            ["delta-prime", "gamma"],
        ),
        (
            {"field": "source", "operator": "in", "value": "sdk,ui"},
            ["delta-prime", "gamma", "beta", "alpha"],
        ),
    ],
)
def test_filter_operators(api: httpx.Client, flt: dict, expected: list[str]) -> None:
    assert names(api, "cat", flt) == expected


@pytest.mark.usefixtures("catalogue")
def test_filters_combine_with_and(api: httpx.Client) -> None:
    assert names(
        api,
        "cat",
        {"field": "tags", "operator": "contains", "value": "red"},
        {"field": "end_time", "operator": "<", "value": "2026-11-26T13:00:00Z"},
    ) == ["alpha"]


@pytest.mark.usefixtures("catalogue")
def test_free_text_search(api: httpx.Client) -> None:
    response = api.get(TRACES, params={"project_name": "cat", "search": "what is"})
    assert [t["name"] for t in response.json()["content"]] == ["alpha"]


@pytest.mark.usefixtures("catalogue")
def test_exclude_drops_heavy_fields(api: httpx.Client) -> None:
    response = api.get(TRACES, params={"project_name": "cat", "exclude": '["input","metadata"]'})
    rows = response.json()["content"]
    assert all("input" not in row and "metadata" not in row for row in rows)
    assert {row["name"] for row in rows} == {"alpha", "beta", "gamma", "delta-prime"}


def test_filters_apply_to_the_newest_version_only(api: httpx.Client) -> None:
    old = trace("versions", name="before", last_updated_at=at(1))
    seed(api, [old])
    seed(api, [{**old, "name": "after", "last_updated_at": at(2)}])
    assert names(api, "versions", {"field": "name", "operator": "=", "value": "before"}) == []
    assert names(api, "versions") == ["after"]


def test_search_streams_ndjson_and_pages_with_the_cursor(api: httpx.Client) -> None:
    bodies = [trace("stream", name=f"s{i}") for i in range(7)]
    seed(api, bodies)
    seen: list[str] = []
    last = None
    while True:
        response = api.post(
            f"{TRACES}/search",
            json={"project_name": "stream", "limit": 3, "last_retrieved_id": last},
        )
        assert response.headers["Content-Type"] == "application/x-ndjson"
        page = [json.loads(line) for line in response.text.splitlines()]
        seen += [t["name"] for t in page]
        if len(page) < 3:
            break
        last = page[-1]["id"]
    assert seen == [f"s{i}" for i in reversed(range(7))]


def test_span_list_by_trace_and_type(api: httpx.Client) -> None:
    body = trace("spans")
    llm = span(body["id"], "spans", name="llm", type="llm")
    tool = span(body["id"], "spans", name="tool", type="tool", parent_span_id=llm["id"])
    seed(api, [body], [llm, tool])
    all_spans = api.get("v1/private/spans", params={"trace_id": body["id"]}).json()
    assert {s["name"] for s in all_spans["content"]} == {"llm", "tool"}
    assert {s["parent_span_id"] for s in all_spans["content"] if s["name"] == "tool"} == {llm["id"]}
    tools = api.get(
        "v1/private/spans", params={"trace_id": body["id"], "type": "tool", "project_name": "spans"}
    ).json()
    assert [s["name"] for s in tools["content"]] == ["tool"]
    found = api.post(
        "v1/private/spans/search",
        json={
            "project_name": "spans",
            "filters": [{"field": "type", "operator": "=", "value": "llm"}],
        },
    )
    assert [json.loads(line)["name"] for line in found.text.splitlines()] == ["llm"]


def test_threads_group_traces_by_thread_id(api: httpx.Client) -> None:
    first = trace(
        "chat",
        thread_id="c1",
        input={"m": "hello"},
        output={"r": "hi"},
        start_time=at(0),
        end_time=at(1),
    )
    second = trace(
        "chat",
        thread_id="c1",
        input={"m": "bye"},
        output={"r": "ciao"},
        start_time=at(5),
        end_time=at(6),
    )
    other = trace("chat", thread_id="c2", start_time=at(2), end_time=at(3))
    seed(api, [first, second, other, trace("chat")])
    page = api.get(f"{TRACES}/threads", params={"project_name": "chat"}).json()
    assert page["total"] == 2
    c1 = next(t for t in page["content"] if t["id"] == "c1")
    assert c1["number_of_messages"] == 2
    assert c1["first_message"] == {"m": "hello"}
    assert c1["last_message"] == {"r": "ciao"}
    assert c1["duration"] == pytest.approx(6000.0)
    one = api.post(f"{TRACES}/threads/retrieve", json={"project_name": "chat", "thread_id": "c2"})
    assert one.json()["number_of_messages"] == 1
    assert (
        api.post(
            f"{TRACES}/threads/retrieve", json={"project_name": "chat", "thread_id": "nope"}
        ).status_code
        == 404
    )


def test_thread_scores_and_thread_delete(api: httpx.Client) -> None:
    seed(api, [trace("threads2", thread_id="t1")])
    api.put(
        f"{TRACES}/threads/feedback-scores",
        json={
            "scores": [
                {"thread_id": "t1", "project_name": "threads2", "name": "helpful", "value": 1}
            ]
        },
    )
    thread = api.post(
        f"{TRACES}/threads/retrieve", json={"project_name": "threads2", "thread_id": "t1"}
    ).json()
    assert [s["name"] for s in thread["feedback_scores"]] == ["helpful"]
    assert (
        api.post(
            f"{TRACES}/threads/delete", json={"project_name": "threads2", "thread_ids": ["t1"]}
        ).status_code
        == 204
    )
    assert api.get(f"{TRACES}/threads", params={"project_name": "threads2"}).json()["total"] == 0


@pytest.mark.usefixtures("catalogue")
def test_trace_stats_aggregate_per_score_name(api: httpx.Client) -> None:
    stats = {
        s["name"]: s
        for s in api.get(f"{TRACES}/stats", params={"project_name": "cat"}).json()["stats"]
    }
    assert stats["trace_count"]["value"] == 4
    assert stats["error_count"]["value"] == 1
    assert stats["feedback_scores.acc"]["value"] == pytest.approx(0.55)
    assert stats["usage.total_tokens"]["value"] == pytest.approx(1650 / 4)
    assert stats["total_estimated_cost_sum"]["value"] > 0
    names_ = api.get(f"{TRACES}/feedback-scores/names").json()["scores"]
    assert {"name": "acc"} in names_


@pytest.mark.usefixtures("catalogue")
def test_project_list_has_counts_activity_and_totals(api: httpx.Client) -> None:
    page = api.get("v1/private/projects", params={"name": "ca"}).json()
    (project,) = [p for p in page["content"] if p["name"] == "cat"]
    assert project["trace_count"] == 4
    assert project["usage_sum"]["total_tokens"] == 1650
    assert project["total_estimated_cost_sum"] > 0
    assert project["last_updated_trace_at"].endswith("Z")


def _project_totals(api: httpx.Client, name: str) -> dict:
    (project,) = [
        p
        for p in api.get("v1/private/projects", params={"name": name}).json()["content"]
        if p["name"] == name
    ]
    stats = api.get(f"{TRACES}/stats", params={"project_name": name}).json()["stats"]
    return {
        "traces": project["trace_count"],
        "tokens": project.get("usage_sum", {}).get("total_tokens", 0),
        "stat_traces": next(s["value"] for s in stats if s["name"] == "trace_count"),
        "stat_cost": next(s["value"] for s in stats if s["name"] == "total_estimated_cost_sum"),
    }


def test_cached_project_totals_follow_writes_upserts_and_deletes(api: httpx.Client) -> None:
    """Totals are kept between reads; every kind of change must still show at once."""
    first, second = trace("memo"), trace("memo")
    seed(api, [first], [span(first["id"], "memo", type="llm", usage={"total_tokens": 10})])
    assert _project_totals(api, "memo") == {
        "traces": 1,
        "tokens": 10,
        "stat_traces": 1,
        "stat_cost": 0.0,
    }
    assert _project_totals(api, "memo")["traces"] == 1  # asked again: the kept answer
    # A span that arrives before its trace, then the trace.
    late = span(second["id"], "memo", type="llm", usage={"total_tokens": 5})
    seed(api, [], [late])
    assert _project_totals(api, "memo")["tokens"] == 15
    seed(api, [second])
    assert _project_totals(api, "memo")["traces"] == 2
    # An upsert of the same span replaces its usage and gives it a cost: not added twice.
    seed(api, [], [{**late, "usage": {"total_tokens": 7}, "total_estimated_cost": 0.5}])
    totals = _project_totals(api, "memo")
    assert (totals["tokens"], totals["stat_cost"]) == (17, 0.5)
    # Deleting a trace takes it and its spans out.
    deleted = api.post(f"{TRACES}/delete", json={"ids": [second["id"]]})
    assert deleted.status_code == 204
    assert _project_totals(api, "memo") == {
        "traces": 1,
        "tokens": 10,
        "stat_traces": 1,
        "stat_cost": 0.0,
    }


def test_a_traces_span_list_matches_each_span_read_byte_for_byte(api: httpx.Client) -> None:
    """The span list of one trace is shaped apart from single reads (for speed): every
    field, left-out empty, provider-led metadata, score and comment must come out the same."""
    body = trace("tree")
    shapes = [
        {"name": "bare", "end_time": None},
        {"name": "whole-second", "start_time": "2024-05-01T10:00:00Z", "end_time": at(2.25)},
        {
            "name": "llm",
            "type": "llm",
            "model": "gpt-4o-mini",
            "provider": "openai",
            "metadata": {"b": 1, "a": [1.5, "x/y"]},
            "usage": {"prompt_tokens": 2**40, "completion_tokens": 3, "total_tokens": 2**40 + 3},
            "tags": ["t1", "t2"],
            "ttft": 0.1,
            "total_estimated_cost": 0.000123,
            "environment": "prod",
        },
        {"name": "odd-metadata", "provider": "anthropic", "metadata": ["not", "an", "object"]},
        {"name": "text \u00e9\u2028\"'", "input": "plain text", "output": {"r": None}},
        {
            "name": "failed",
            "error_info": {"exception_type": "ValueError", "message": "bad", "traceback": "tb"},
        },
    ]
    spans = [span(body["id"], "tree", **fields) for fields in shapes]
    seed(api, [body], spans)
    scored, noted = spans[2]["id"], spans[3]["id"]
    score = {"id": scored, "project_name": "tree", "source": "sdk"}
    response = api.put(
        "v1/private/spans/feedback-scores",
        json={"scores": [{**score, "name": "b", "value": 1}, {**score, "name": "a", "value": 0.5}]},
    )
    assert response.status_code == 204, response.text
    for text in ("first", "second"):
        added = api.post(f"v1/private/spans/{noted}/comments", json={"text": text})
        assert added.status_code == 201, added.text
    listed = api.get("v1/private/spans", params={"trace_id": body["id"], "size": 100})
    assert listed.status_code == 200, listed.text
    unknown = api.get("v1/private/spans", params={"trace_id": trace("tree")["id"]})
    assert unknown.status_code == 404
    assert "not found" in unknown.json()["message"]
    by_name = {s["name"]: s for s in listed.json()["content"]}
    assert len(by_name) == len(spans)
    for item in by_name.values():
        single = api.get(f"v1/private/spans/{item['id']}", params={"strip_attachments": "true"})
        assert single.content in listed.content
    assert [s["name"] for s in by_name["llm"]["feedback_scores"]] == ["a", "b"]
    assert [c["text"] for c in by_name["odd-metadata"]["comments"]] == ["first", "second"]
    assert list(by_name["llm"]["metadata"]) == ["provider", "b", "a"]
    assert by_name["llm"]["usage"]["prompt_tokens"] == 2**40
    assert "end_time" not in by_name["bare"]
    assert "duration" not in by_name["bare"]
    light = api.get(
        "v1/private/spans",
        params={"trace_id": body["id"], "exclude": '["input","output","metadata"]'},
    ).json()["content"]
    assert {key for s in light for key in s} & {"input", "output"} == set()
    # Opik still injects the provider into metadata left out
    assert [s["metadata"] for s in light if "metadata" in s] == [
        {"provider": "anthropic"},
        {"provider": "openai"},
    ]


def test_a_traces_span_pages_know_their_total_without_counting_on_the_last_page(
    api: httpx.Client, backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = trace("paged-tree")
    seed(api, [body], [span(body["id"], "paged-tree") for _ in range(5)])

    def page(number: int, size: int) -> dict:
        params = {"trace_id": body["id"], "page": number, "size": size}
        response = api.get("v1/private/spans", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    assert [(p["size"], p["total"]) for p in (page(n, 2) for n in (1, 2, 3, 4))] == [
        (2, 5),
        (2, 5),
        (1, 5),
        (0, 5),
    ]

    def no_count(*_: object) -> int:
        raise AssertionError("counted the spans of a page that is the last one")

    monkeypatch.setattr(backend.services.reads, "_count", no_count)
    assert (page(1, 5)["size"], page(1, 5)["total"]) == (5, 5)
    assert (page(2, 3)["size"], page(2, 3)["total"]) == (2, 5)
