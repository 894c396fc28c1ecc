"""Annotation queues: create, list, get, update, delete; add and remove traces or threads;
through our REST API and the official SDK."""

from __future__ import annotations

import httpx

from tests.testlib.builders import new_id, trace
from tests.testlib.official_sdk import run_sdk
from tests.testlib.rest import assert_error

BASE = "v1/private/annotation-queues"


def project_id(api: httpx.Client, name: str) -> str:
    api.post("v1/private/projects", json={"name": name})
    return api.get("v1/private/projects", params={"name": name}).json()["content"][0]["id"]


def create(api: httpx.Client, **fields: object) -> str:
    response = api.post(BASE, json=fields)
    assert response.status_code == 201, response.text
    return response.headers["Location"].rsplit("/", 1)[1]


def test_a_queue_of_traces_counts_its_items(api: httpx.Client) -> None:
    pid = project_id(api, "review")
    queue_id = create(
        api,
        name="check answers",
        project_id=pid,
        scope="trace",
        instructions="Is it right?",
        feedback_definition_names=["correct"],
    )
    got = api.get(f"{BASE}/{queue_id}").json()
    assert (got["name"], got["scope"], got["project_name"], got["items_count"]) == (
        "check answers",
        "trace",
        "review",
        0,
    )
    assert got["feedback_definition_names"] == ["correct"]
    assert got["comments_enabled"] is True
    ids = [trace("review")["id"] for _ in range(3)]
    added = api.post(f"{BASE}/{queue_id}/items/add", json={"ids": [*ids, ids[0]]})
    assert added.status_code == 204, added.text
    assert api.get(f"{BASE}/{queue_id}").json()["items_count"] == 3
    api.post(f"{BASE}/{queue_id}/items/delete", json={"ids": [ids[1]]})
    assert api.get(f"{BASE}/{queue_id}").json()["items_count"] == 2
    patched = api.patch(f"{BASE}/{queue_id}", json={"name": "renamed", "comments_enabled": False})
    assert patched.status_code == 204, patched.text
    got = api.get(f"{BASE}/{queue_id}").json()
    assert (got["name"], got["comments_enabled"], got["instructions"]) == (
        "renamed",
        False,
        "Is it right?",
    )
    assert [q["id"] for q in api.get(BASE, params={"name": "RENAM"}).json()["content"]] == [
        queue_id
    ]
    assert api.post(f"{BASE}/delete", json={"ids": [queue_id]}).status_code == 204
    assert_error(api.get(f"{BASE}/{queue_id}"), 404, queue_id)


def test_bad_queues_are_refused(api: httpx.Client) -> None:
    pid = project_id(api, "review2")
    create(api, name="q", project_id=pid, scope="thread")
    assert_error(api.post(BASE, json={"name": "q", "project_id": pid, "scope": "thread"}), 409)
    for body in (
        {"name": "x", "project_id": pid, "scope": "span"},
        {"name": "", "project_id": pid, "scope": "trace"},
        {"name": "x", "scope": "trace"},
    ):
        response = api.post(BASE, json=body)
        assert response.status_code in (400, 422), (body, response.text)
    assert_error(api.post(f"{BASE}/{new_id()}/items/add", json={"ids": ["a"]}), 404)
    assert api.get(BASE).json()["total"] == 1


def test_the_official_sdk_fills_a_queue_of_threads(backend, workspace: str) -> None:
    found = run_sdk(
        backend,
        workspace,
        "queue-sdk",
        """
        client = opik.Opik()
        for thread in ("t1", "t1", "t2"):
            client.trace(name="turn", thread_id=thread)
        client.flush()
        queue = client.create_threads_annotation_queue(name="threads", instructions="rate")
        queue.add_threads(client.search_threads())
        count = client.get_threads_annotation_queue(queue.id).items_count
        queue.delete()
        print(json.dumps({"count": count, "scope": queue.scope}))
    """,
    )
    assert found == {"count": 2, "scope": "thread"}


def scores(api: httpx.Client, kind: str, *rows: dict) -> None:
    response = api.put(f"v1/private/{kind}/feedback-scores", json={"scores": list(rows)})
    assert response.status_code == 204, response.text


def test_items_are_done_once_they_have_every_score_the_queue_asks_for(
    api: httpx.Client,
) -> None:
    pid = project_id(api, "progress")
    queue_id = create(
        api,
        name="grade",
        project_id=pid,
        scope="trace",
        feedback_definition_names=["correct", "tone"],
    )
    traces = [trace("progress") for _ in range(3)]
    assert api.post("v1/private/traces/batch", json={"traces": traces}).status_code == 204
    ids = [t["id"] for t in traces]
    api.post(f"{BASE}/{queue_id}/items/add", json={"ids": [ids[2], ids[0], ids[1]]})
    scores(
        api,
        "traces",
        {"id": ids[2], "project_name": "progress", "name": "correct", "value": 1},
        {"id": ids[2], "project_name": "progress", "name": "tone", "value": 0.5},
        {"id": ids[0], "project_name": "progress", "name": "correct", "value": 0},
        {"id": ids[0], "project_name": "progress", "name": "other", "value": 7},
    )
    comment = api.post(f"v1/private/traces/{ids[2]}/comments", json={"text": "fine"})
    assert comment.status_code == 201, comment.text

    page = api.get(f"{BASE}/{queue_id}/items").json()
    assert (page["total"], page["done"]) == (3, 1)
    assert [(i["id"], i["done"]) for i in page["content"]] == [
        (ids[2], True),
        (ids[0], False),
        (ids[1], False),
    ]
    assert [s["name"] for s in page["content"][1]["feedback_scores"]] == ["correct"]
    assert page["content"][0]["comments"][0]["text"] == "fine"
    assert "comments" not in page["content"][1]
    second = api.get(f"{BASE}/{queue_id}/items", params={"page": 2, "size": 2}).json()
    assert [i["id"] for i in second["content"]] == [ids[1]]

    got = api.get(f"{BASE}/{queue_id}").json()
    assert got["items_done"] == 1
    assert [r["status"] for r in got["reviewers"]] == [2]  # one reviewer scored two items
    assert {s["name"]: s["value"] for s in got["feedback_scores"]} == {"correct": 0.5, "tone": 0.5}
    listed = api.get(BASE, params={"name": "grade"}).json()["content"][0]
    assert (listed["items_done"], listed["items_count"]) == (1, 3)

    scores(api, "traces", {"id": ids[0], "project_name": "progress", "name": "tone", "value": 1})
    assert api.get(f"{BASE}/{queue_id}").json()["items_done"] == 2
    assert_error(api.get(f"{BASE}/{new_id()}/items"), 404)
    assert_error(api.get(f"{BASE}/not-an-id/items"), 404)


def test_a_thread_is_done_with_its_thread_scores(api: httpx.Client) -> None:
    pid = project_id(api, "thread-progress")
    queue_id = create(
        api, name="chats", project_id=pid, scope="thread", feedback_definition_names=["helpful"]
    )
    turns = [trace("thread-progress", thread_id=t) for t in ("a", "a", "b")]
    assert api.post("v1/private/traces/batch", json={"traces": turns}).status_code == 204
    api.post(f"{BASE}/{queue_id}/items/add", json={"ids": ["a", "b"]})
    assert api.get(f"{BASE}/{queue_id}").json()["items_done"] == 0
    scores(
        api,
        "traces/threads",
        {"thread_id": "b", "project_name": "thread-progress", "name": "helpful", "value": 1},
    )
    page = api.get(f"{BASE}/{queue_id}/items").json()
    assert [(i["id"], i["done"]) for i in page["content"]] == [("a", False), ("b", True)]


def test_the_official_sdk_scores_a_queue_of_traces(
    backend, workspace: str, api: httpx.Client
) -> None:
    found = run_sdk(
        backend,
        workspace,
        "queue-sdk-traces",
        """
        client = opik.Opik()
        traces = [client.trace(name=f"t{n}", input={"n": n}) for n in range(3)]
        client.flush()
        queue = client.create_traces_annotation_queue(
            name="traces", instructions="grade", feedback_definition_names=["grade"]
        )
        queue.add_traces(traces)
        queue.remove_traces([traces[2]])
        client.log_traces_feedback_scores(
            [{"id": traces[0].id, "name": "grade", "value": 1.0}]
        )
        client.flush()
        got = client.get_traces_annotation_queue(queue.id)
        print(json.dumps({"id": queue.id, "count": got.items_count,
                          "names": got.feedback_definition_names,
                          "first": traces[0].id}))
    """,
    )
    assert (found["count"], found["names"]) == (2, ["grade"])
    page = api.get(f"{BASE}/{found['id']}/items").json()
    assert (page["done"], page["content"][0]["id"]) == (1, found["first"])
