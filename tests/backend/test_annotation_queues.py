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
