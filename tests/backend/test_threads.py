"""Threads as Opik's entities: thread_model_id, comments, tags (PATCH and batch), stats;
through our REST API on real stores and through the official SDK."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.testlib.builders import new_id, span, trace
from tests.testlib.official_sdk import run_sdk
from tests.testlib.rest import assert_error, seed

TRACES = "v1/private/traces"
THREADS = f"{TRACES}/threads"


def retrieve(api: httpx.Client, project: str, thread_id: str) -> dict:
    found = api.post(f"{THREADS}/retrieve", json={"project_name": project, "thread_id": thread_id})
    assert found.status_code == 200, found.text
    return found.json()


def test_a_thread_keeps_one_uuid_v7_model_id(api: httpx.Client) -> None:
    seed(api, [trace("ids", thread_id="a"), trace("ids", thread_id="b")])
    first = retrieve(api, "ids", "a")["thread_model_id"]
    assert first[14] == "7"
    assert len(first) == 36
    page = api.get(THREADS, params={"project_name": "ids"}).json()["content"]
    by_id = {t["id"]: t["thread_model_id"] for t in page}
    assert by_id["a"] == first
    assert by_id["b"] != first
    seed(api, [trace("ids", thread_id="a")])  # a new turn: the same thread
    assert retrieve(api, "ids", "a")["thread_model_id"] == first


def test_thread_comments_add_get_edit_delete_and_come_with_the_thread(api: httpx.Client) -> None:
    seed(api, [trace("talk", thread_id="t1"), trace("talk", thread_id="t2")])
    model_id = retrieve(api, "talk", "t1")["thread_model_id"]
    added = api.post(f"{THREADS}/{model_id}/comments", json={"text": "user got stuck"})
    assert added.status_code == 201, added.text
    location = added.headers["Location"]
    assert f"/v1/private/traces/threads/{model_id}/comments/" in location
    comment_id = location.rsplit("/", 1)[1]
    got = api.get(f"{THREADS}/{model_id}/comments/{comment_id}")
    assert got.status_code == 200
    assert got.json()["text"] == "user got stuck"
    edited = api.patch(f"{THREADS}/comments/{comment_id}", json={"text": "resolved later"})
    assert edited.status_code == 204, edited.text
    thread = retrieve(api, "talk", "t1")
    assert [c["text"] for c in thread["comments"]] == ["resolved later"]
    assert "comments" not in retrieve(api, "talk", "t2")
    # a trace comment route does not reach a thread's comment
    assert api.get(f"{TRACES}/{model_id}/comments/{comment_id}").status_code == 404
    deleted = api.post(f"{THREADS}/comments/delete", json={"ids": [comment_id]})
    assert deleted.status_code == 204
    assert "comments" not in retrieve(api, "talk", "t1")


def test_thread_comments_refuse_unknown_threads_and_blank_text(api: httpx.Client) -> None:
    seed(api, [trace("talk2", thread_id="t1")])
    model_id = retrieve(api, "talk2", "t1")["thread_model_id"]
    assert_error(api.post(f"{THREADS}/{new_id()}/comments", json={"text": "x"}), 404, "thread")
    assert_error(api.post(f"{THREADS}/not-a-uuid/comments", json={"text": "x"}), 404)
    assert_error(api.post(f"{THREADS}/{model_id}/comments", json={"text": "  "}), 422, "text")
    assert_error(api.patch(f"{THREADS}/comments/{new_id()}", json={"text": "x"}), 404)


def test_patch_a_thread_tags_and_batch_update(api: httpx.Client) -> None:
    seed(api, [trace("tags", thread_id=t, tags=["from-trace"]) for t in ("a", "b", "c")])
    ids = {t: retrieve(api, "tags", t)["thread_model_id"] for t in ("a", "b", "c")}
    assert retrieve(api, "tags", "a")["tags"] == ["from-trace"]
    one = api.patch(f"{THREADS}/{ids['a']}", json={"tags": ["vip", "escalated"]})
    assert one.status_code == 204, one.text
    assert retrieve(api, "tags", "a")["tags"] == ["vip", "escalated"]
    more = api.patch(
        f"{THREADS}/{ids['a']}", json={"tags_to_add": ["x"], "tags_to_remove": ["vip"]}
    )
    assert more.status_code == 204
    assert retrieve(api, "tags", "a")["tags"] == ["escalated", "x"]
    merged = api.patch(
        f"{THREADS}/batch",
        json={"ids": [ids["b"], ids["c"]], "update": {"tags": ["reviewed"]}, "merge_tags": True},
    )
    assert merged.status_code == 204, merged.text
    assert retrieve(api, "tags", "b")["tags"] == ["from-trace", "reviewed"]
    replaced = api.patch(f"{THREADS}/batch", json={"ids": [ids["c"]], "update": {"tags": ["only"]}})
    assert replaced.status_code == 204
    assert retrieve(api, "tags", "c")["tags"] == ["only"]
    flt = json.dumps([{"field": "tags", "operator": "contains", "value": "reviewed"}])
    page = api.get(THREADS, params={"project_name": "tags", "filters": flt}).json()
    assert [t["id"] for t in page["content"]] == ["b"]


def test_thread_updates_name_what_is_wrong_and_write_nothing(api: httpx.Client) -> None:
    seed(api, [trace("tags2", thread_id="a")])
    known = retrieve(api, "tags2", "a")["thread_model_id"]
    missing = new_id()
    assert_error(api.patch(f"{THREADS}/{missing}", json={"tags": ["x"]}), 404, missing)
    batch = api.patch(f"{THREADS}/batch", json={"ids": [known, missing], "update": {"tags": ["x"]}})
    assert_error(batch, 404, missing)
    assert "tags" not in retrieve(api, "tags2", "a")  # the known thread was not changed
    assert_error(api.patch(f"{THREADS}/batch", json={"ids": [], "update": {}}), 422, "ids")
    assert_error(api.patch(f"{THREADS}/batch", json={"ids": ["nope"], "update": {}}), 400, "ids")
    too_many = {"tags": [f"t{i}" for i in range(51)]}
    assert_error(api.patch(f"{THREADS}/{known}", json=too_many), 422, "tags")


def test_thread_stats_count_turns_cost_and_scores(api: httpx.Client) -> None:
    first, second = trace("st", thread_id="a"), trace("st", thread_id="a")
    seed(
        api,
        [first, second, trace("st", thread_id="b"), trace("st")],
        [
            span(
                first["id"],
                "st",
                type="llm",
                usage={"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
                total_estimated_cost=0.5,
            )
        ],
    )
    api.put(
        f"{THREADS}/feedback-scores",
        json={
            "scores": [
                {"thread_id": t, "project_name": "st", "name": "helpful", "value": v}
                for t, v in (("a", 1), ("b", 0))
            ]
        },
    )
    got = api.get(f"{THREADS}/stats", params={"project_name": "st"})
    assert got.status_code == 200, got.text
    stats = {s["name"]: s for s in got.json()["stats"]}
    assert stats["thread_count"] == {"name": "thread_count", "type": "COUNT", "value": 2}
    assert stats["number_of_messages"]["value"] == pytest.approx(1.5)
    assert stats["total_estimated_cost_sum"]["value"] == pytest.approx(0.5)
    assert stats["usage.total_tokens"]["value"] == pytest.approx(7.5)
    assert stats["feedback_scores.helpful"]["value"] == pytest.approx(0.5)
    flt = json.dumps([{"field": "id", "operator": "=", "value": "b"}])
    only_b = api.get(f"{THREADS}/stats", params={"project_name": "st", "filters": flt}).json()
    assert {s["name"]: s["value"] for s in only_b["stats"]}["thread_count"] == 1


def test_deleting_a_thread_deletes_its_comments_and_tags(api: httpx.Client) -> None:
    seed(api, [trace("del", thread_id="a")])
    model_id = retrieve(api, "del", "a")["thread_model_id"]
    added = api.post(f"{THREADS}/{model_id}/comments", json={"text": "note"})
    comment_id = added.headers["Location"].rsplit("/", 1)[1]
    api.patch(f"{THREADS}/{model_id}", json={"tags": ["gone"]})
    assert (
        api.post(f"{THREADS}/delete", json={"project_name": "del", "thread_ids": ["a"]}).status_code
        == 204
    )
    assert api.get(f"{THREADS}/{model_id}/comments/{comment_id}").status_code == 404
    seed(api, [trace("del", thread_id="a")])  # the same thread id again: a new thread
    again = retrieve(api, "del", "a")
    assert again["thread_model_id"] != model_id
    assert "tags" not in again
    assert "comments" not in again


def test_the_official_sdk_comments_tags_and_reads_thread_stats(backend, workspace: str) -> None:
    found = run_sdk(
        backend,
        workspace,
        "sdk-threads",
        """
        from opik.rest_api.types import TraceThreadUpdate
        client = opik.Opik()
        for turn in range(3):
            client.trace(name="turn", thread_id="conv", input={"q": turn}, output={"a": turn})
        client.flush()
        rest = client.rest_client.traces
        (thread,) = client.search_threads(filter_string='id = "conv"')
        rest.add_thread_comment(thread.thread_model_id, text="looks good")
        rest.update_thread(thread_model_id=thread.thread_model_id, tags=["checked"])
        rest.batch_update_threads(
            ids=[thread.thread_model_id], update=TraceThreadUpdate(tags_to_add=["vip"])
        )
        stats = rest.get_trace_thread_stats(project_name="sdk-threads")
        (again,) = client.search_threads(filter_string='id = "conv"')
        print(json.dumps({
            "comments": [c.text for c in again.comments],
            "tags": sorted(again.tags),
            "turns": again.number_of_messages,
            "stats": {s.name: s.value for s in stats.stats if s.name == "thread_count"},
        }))
    """,
    )
    assert found == {
        "comments": ["looks good"],
        "tags": ["checked", "vip"],
        "turns": 3,
        "stats": {"thread_count": 1},
    }
