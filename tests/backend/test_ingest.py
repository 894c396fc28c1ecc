"""Writing traces, spans and scores: the semantics the Opik SDK relies on."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest

from opik_backend.pricing import FALLBACK_SOURCE, REVIEWED_SOURCE
from tests.testlib.builders import at, new_id, span, trace

TRACES = "v1/private/traces"
SPANS = "v1/private/spans"


def post_traces(api: httpx.Client, *bodies: dict) -> httpx.Response:
    return api.post(f"{TRACES}/batch", json={"traces": list(bodies)})


def post_spans(api: httpx.Client, *bodies: dict) -> httpx.Response:
    return api.post(f"{SPANS}/batch", json={"spans": list(bodies)})


def get_trace(api: httpx.Client, trace_id: str) -> dict:
    response = api.get(f"{TRACES}/{trace_id}")
    assert response.status_code == 200, response.text
    return response.json()


def test_batch_create_then_get_returns_the_trace_with_computed_fields(api: httpx.Client) -> None:
    body = trace(
        input={"question": "hi"},
        output={"answer": "hello"},
        metadata={"k": 1},
        tags=["a", "b", "a"],
        thread_id="conversation-1",
    )
    assert post_traces(api, body).status_code == 204
    first = span(
        body["id"],
        type="llm",
        model="gpt-4o-mini",
        provider="openai",
        usage={"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500},
    )
    second = span(
        body["id"],
        parent_span_id=first["id"],
        type="tool",
        usage={"prompt_tokens": 1, "total_tokens": 1},
    )
    assert post_spans(api, first, second).status_code == 204

    got = get_trace(api, body["id"])

    assert got["input"] == {"question": "hi"}
    assert got["output"] == {"answer": "hello"}
    assert got["metadata"] == {"providers": ["openai"], "k": 1}  # its spans' providers first
    assert got["tags"] == ["a", "b"]
    assert got["thread_id"] == "conversation-1"
    assert got["duration"] == pytest.approx(1000.0)
    assert got["span_count"] == 2
    assert got["llm_span_count"] == 1
    assert got["has_tool_spans"] is True
    assert got["usage"] == {"prompt_tokens": 1001, "completion_tokens": 500, "total_tokens": 1501}
    assert got["total_estimated_cost"] > 0
    assert got["start_time"] == at(0)


def test_single_create_answers_201_with_location(api: httpx.Client) -> None:
    body = trace()
    response = api.post(TRACES, json=body)
    assert response.status_code == 201
    assert response.headers["Location"] == f"/api/{TRACES}/{body['id']}"
    assert get_trace(api, body["id"])["name"] == "trace"


def test_single_create_without_id_gets_a_v7_id(api: httpx.Client) -> None:
    body = trace()
    del body["id"]
    response = api.post(TRACES, json=body)
    trace_id = response.headers["Location"].rsplit("/", 1)[1]
    assert trace_id[14] == "7"
    assert get_trace(api, trace_id)["name"] == "trace"


def test_later_write_of_the_same_id_wins(api: httpx.Client) -> None:
    start = trace(end_time=None, last_updated_at=at(0))
    complete = {**start, "end_time": at(2), "output": {"x": 1}, "last_updated_at": at(2)}
    post_traces(api, complete)
    post_traces(api, start)  # the start-of-call copy arrives last, but is older
    got = get_trace(api, start["id"])
    assert got["output"] == {"x": 1}
    assert got["end_time"] == at(2)


def test_span_before_its_trace_ends_up_in_the_tree(api: httpx.Client) -> None:
    body = trace()
    assert post_spans(api, span(body["id"])).status_code == 204
    assert post_traces(api, body).status_code == 204
    assert get_trace(api, body["id"])["span_count"] == 1


def test_patch_after_create_updates_fields(api: httpx.Client) -> None:
    body = trace(end_time=None, tags=["a"])
    post_traces(api, body)
    response = api.patch(
        f"{TRACES}/{body['id']}",
        json={
            "project_name": "p",
            "end_time": at(3),
            "output": {"done": True},
            "tags_to_add": ["b"],
            "tags_to_remove": ["a"],
        },
    )
    assert response.status_code == 204
    got = get_trace(api, body["id"])
    assert got["output"] == {"done": True}
    assert got["end_time"] == at(3)
    assert got["tags"] == ["b"]
    assert got["name"] == "trace"


def test_patch_before_create_is_merged_when_the_create_arrives(api: httpx.Client) -> None:
    body = trace(end_time=None, input={"q": 1}, tags=["start"])
    assert (
        api.patch(
            f"{TRACES}/{body['id']}",
            json={
                "project_name": "p",
                "end_time": at(5),
                "output": {"a": 2},
                "tags_to_add": ["patched"],
            },
        ).status_code
        == 204
    )
    assert post_traces(api, body).status_code == 204
    got = get_trace(api, body["id"])
    assert got["name"] == "trace"
    assert got["input"] == {"q": 1}
    assert got["output"] == {"a": 2}
    assert got["end_time"] == at(5)
    assert sorted(got["tags"]) == ["patched", "start"]


def test_patched_fields_survive_a_later_full_create(api: httpx.Client) -> None:
    body = trace(output={"v": "original"}, last_updated_at=at(1))
    post_traces(api, body)
    api.patch(f"{TRACES}/{body['id']}", json={"project_name": "p", "output": {"v": "patched"}})
    post_traces(api, {**body, "name": "renamed", "last_updated_at": at(9)})
    got = get_trace(api, body["id"])
    assert got["name"] == "renamed"
    assert got["output"] == {"v": "patched"}


def test_span_patch_before_create_keeps_usage_and_reprices(api: httpx.Client) -> None:
    body = trace()
    post_traces(api, body)
    child = span(body["id"], type="llm", model="gpt-4o-mini", provider="openai")
    api.patch(
        f"{SPANS}/{child['id']}",
        json={
            "project_name": "p",
            "trace_id": body["id"],
            "usage": {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110},
        },
    )
    post_spans(api, child)
    got = api.get(f"{SPANS}/{child['id']}").json()
    assert got["usage"]["total_tokens"] == 110
    assert got["model"] == "gpt-4o-mini"
    assert got["total_estimated_cost"] > 0


def test_total_tokens_is_computed_from_hand_set_counts_and_filters_match_it(
    api: httpx.Client,
) -> None:
    body = trace(project="totals")
    post_traces(api, body)
    created = span(body["id"], project="totals", usage={"prompt_tokens": 7, "completion_tokens": 5})
    patched = span(body["id"], project="totals")
    post_spans(api, created, patched)
    api.patch(
        f"{SPANS}/{patched['id']}",
        json={"usage": {"prompt_tokens": 40, "completion_tokens": 2}},
    )
    assert api.get(f"{SPANS}/{created['id']}").json()["usage"]["total_tokens"] == 12
    assert api.get(f"{SPANS}/{patched['id']}").json()["usage"]["total_tokens"] == 42

    filters = json.dumps([{"field": "usage.total_tokens", "operator": "=", "value": "42"}])
    found = api.get(
        SPANS, params={"project_name": "totals", "trace_id": body["id"], "filters": filters}
    ).json()["content"]
    assert [s["id"] for s in found] == [patched["id"]]


def test_each_span_records_where_its_price_came_from(api: httpx.Client) -> None:
    body = trace(project="price-sources")
    post_traces(api, body)
    usage = {"prompt_tokens": 1000, "completion_tokens": 100}
    llm = {"project": "price-sources", "type": "llm", "usage": usage}  # the trace's project
    reviewed = span(body["id"], model="gpt-4o-mini", provider="openai", **llm)
    fallback = span(body["id"], model="deepseek-chat", provider="deepseek", **llm)
    manual = span(body["id"], model="gpt-4o", total_estimated_cost=0.5, **llm)
    unpriced = span(body["id"], model="my-own-model", **llm)
    post_spans(api, reviewed, fallback, manual, unpriced)

    def got(one: dict) -> dict:
        return api.get(f"{SPANS}/{one['id']}").json()

    assert got(reviewed)["total_estimated_cost_version"] == REVIEWED_SOURCE
    assert got(fallback)["total_estimated_cost_version"] == FALLBACK_SOURCE
    assert got(fallback)["total_estimated_cost"] > 0
    assert "total_estimated_cost_version" not in got(manual)
    assert got(manual)["total_estimated_cost"] == 0.5
    assert "total_estimated_cost_version" not in got(unpriced)


def test_span_patch_naming_another_trace_is_a_conflict(api: httpx.Client) -> None:
    body = trace()
    child = span(body["id"])
    post_spans(api, child)
    response = api.patch(f"{SPANS}/{child['id']}", json={"project_name": "p", "trace_id": new_id()})
    assert response.status_code == 409
    assert child["id"] in response.json()["message"]


def test_scores_before_the_trace_show_on_it(api: httpx.Client) -> None:
    body = trace()
    response = api.put(
        f"{TRACES}/feedback-scores",
        json={
            "scores": [
                {
                    "id": body["id"],
                    "project_name": "p",
                    "name": "accuracy",
                    "value": 0.5,
                    "source": "sdk",
                    "reason": "half",
                },
                {
                    "id": body["id"],
                    "project_name": "p",
                    "name": "label",
                    "value": 1,
                    "category_name": "good",
                    "source": "sdk",
                },
            ]
        },
    )
    assert response.status_code == 204
    post_traces(api, body)
    scores = {s["name"]: s for s in get_trace(api, body["id"])["feedback_scores"]}
    assert scores["accuracy"]["value"] == 0.5
    assert scores["accuracy"]["reason"] == "half"
    assert scores["label"]["category_name"] == "good"


def test_a_newer_score_replaces_the_older_and_delete_removes_it(api: httpx.Client) -> None:
    body = trace()
    post_traces(api, body)
    for value in (0.1, 0.9):
        api.put(
            f"{TRACES}/{body['id']}/feedback-scores",
            json={"name": "q", "value": value, "source": "ui"},
        )
    assert [s["value"] for s in get_trace(api, body["id"])["feedback_scores"]] == [0.9]
    api.post(f"{TRACES}/{body['id']}/feedback-scores/delete", json={"name": "q"})
    assert "feedback_scores" not in get_trace(api, body["id"])  # left out when empty


def test_span_scores_are_on_the_span(api: httpx.Client) -> None:
    body = trace()
    child = span(body["id"])
    post_traces(api, body)
    post_spans(api, child)
    api.put(
        f"{SPANS}/feedback-scores",
        json={
            "scores": [
                {
                    "id": child["id"],
                    "project_name": "p",
                    "name": "relevance",
                    "value": 0.7,
                    "source": "sdk",
                }
            ]
        },
    )
    got = api.get(f"{SPANS}/{child['id']}").json()
    assert [(s["name"], s["value"]) for s in got["feedback_scores"]] == [("relevance", 0.7)]


def test_gzip_body_with_nan_is_accepted_and_stored_as_null(api: httpx.Client) -> None:
    body = trace(output={"score": float("nan"), "big": float("inf")})
    raw = gzip.compress(json.dumps({"traces": [body]}).encode())
    assert b"NaN" in gzip.decompress(raw)
    response = api.post(
        f"{TRACES}/batch",
        content=raw,
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert response.status_code == 204, response.text
    assert get_trace(api, body["id"])["output"] == {"score": None, "big": None}


def test_projects_are_created_on_first_use(api: httpx.Client) -> None:
    post_traces(api, trace(project="brand-new"))
    found = api.post("v1/private/projects/retrieve", json={"name": "brand-new"})
    assert found.status_code == 200
    assert found.json()["trace_count"] == 1


def test_trace_without_project_goes_to_the_default_project(api: httpx.Client) -> None:
    body = trace()
    del body["project_name"]
    post_traces(api, body)
    project = api.post("v1/private/projects/retrieve", json={"name": "Default Project"}).json()
    assert get_trace(api, body["id"])["project_id"] == project["id"]


def test_deleting_a_trace_deletes_its_spans_and_scores(api: httpx.Client) -> None:
    body = trace()
    child = span(body["id"])
    post_traces(api, body)
    post_spans(api, child)
    api.put(f"{TRACES}/{body['id']}/feedback-scores", json={"name": "q", "value": 1})
    assert api.post(f"{TRACES}/delete", json={"ids": [body["id"]]}).status_code == 204
    assert api.get(f"{TRACES}/{body['id']}").status_code == 404
    assert api.get(f"{SPANS}/{child['id']}").status_code == 404
    post_traces(api, trace(id=new_id()))  # the project still works


def test_workspaces_do_not_see_each_other(backend, api: httpx.Client) -> None:
    body = trace()
    post_traces(api, body)
    with backend.client("someone-else") as other:
        assert other.get(f"{TRACES}/{body['id']}").status_code == 404


def test_bare_paths_are_served_too(backend, workspace: str) -> None:
    body = trace()
    root = backend.url.removesuffix("/api")
    with httpx.Client(base_url=root, headers={"Comet-Workspace": workspace}) as bare:
        assert bare.post(f"/{TRACES}/batch", json={"traces": [body]}).status_code == 204
        assert bare.get(f"/{TRACES}/{body['id']}").json()["id"] == body["id"]
        assert bare.get("/is-alive/ping").json()["healthy"] is True
