"""Opik's semantics the official SDK relies on: thread status, 404 for malformed path ids,
the auth check of a workspace, shapes that leave out empty lists, trace providers in
metadata, a dataset version on every change; through our REST API and the official SDK."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from tests.testlib.builders import new_id, span, trace
from tests.testlib.official_sdk import run_sdk
from tests.testlib.rest import assert_error, seed

TRACES = "v1/private/traces"
THREADS = f"{TRACES}/threads"


def thread_ids(api: httpx.Client, project: str, status: str) -> list[str]:
    flt = [{"field": "status", "operator": "=", "value": status}]
    response = api.get(THREADS, params={"project_name": project, "filters": json.dumps(flt)})
    assert response.status_code == 200, response.text
    return sorted(t["id"] for t in response.json()["content"])


def test_threads_close_open_and_reopen_on_a_new_trace(api: httpx.Client) -> None:
    seed(api, [trace("conv", thread_id="a"), trace("conv", thread_id="b")])
    assert thread_ids(api, "conv", "active") == ["a", "b"]
    closed = api.put(f"{THREADS}/close", json={"project_name": "conv", "thread_ids": ["a", "b"]})
    assert closed.status_code == 204, closed.text
    assert thread_ids(api, "conv", "inactive") == ["a", "b"]
    assert thread_ids(api, "conv", "active") == []
    opened = api.put(f"{THREADS}/open", json={"project_name": "conv", "thread_id": "a"})
    assert opened.status_code == 204, opened.text
    assert thread_ids(api, "conv", "active") == ["a"]
    seed(api, [trace("conv", thread_id="b")])  # a new message reopens a closed thread
    assert thread_ids(api, "conv", "active") == ["a", "b"]
    one = api.post(f"{THREADS}/retrieve", json={"project_name": "conv", "thread_id": "b"})
    assert one.json()["status"] == "active"


def test_closing_unknown_threads_or_nothing_is_refused(api: httpx.Client) -> None:
    seed(api, [trace("conv2", thread_id="a")])
    missing = api.put(f"{THREADS}/close", json={"project_name": "conv2", "thread_id": "zz"})
    assert_error(missing, 404, "zz")
    assert_error(api.put(f"{THREADS}/close", json={"project_name": "conv2"}), 400, "thread_id")
    assert_error(api.put(f"{THREADS}/open", json={"project_name": "conv2"}), 422, "thread_id")
    assert thread_ids(api, "conv2", "active") == ["a"]


@pytest.mark.parametrize(
    "path",
    [
        f"{TRACES}/not-a-uuid",
        "v1/private/spans/not-a-uuid",
        "v1/private/experiments/not-a-uuid",
        "v1/private/datasets/not-a-uuid",
        "v1/private/projects/not-a-uuid",
        f"{TRACES}/{uuid.uuid4()}",  # a UUID, but not a v7 one: no entity can have it
    ],
)
def test_a_malformed_id_in_the_path_is_not_found(api: httpx.Client, path: str) -> None:
    assert_error(api.get(path), 404, path.rsplit("/", 1)[1])


def test_auth_refuses_a_workspace_that_was_never_used(backend, workspace: str) -> None:
    with backend.client(workspace) as fresh:
        assert_error(fresh.post("v1/private/auth", json={}), 404, workspace)
        assert fresh.post("v1/private/projects", json={"name": "p"}).status_code == 201
        assert fresh.post("v1/private/auth", json={}).status_code == 204
    with backend.client("default") as default:
        assert default.post("v1/private/auth", json={}).status_code == 204


def test_empty_lists_are_left_out_and_providers_lead_the_metadata(api: httpx.Client) -> None:
    bare = trace("shapes", thread_id="t")
    rich = trace("shapes", tags=["x"], metadata={"k": "v"})
    llm = span(rich["id"], "shapes", type="llm", provider="openai", model="gpt-4o")
    seed(api, [bare, rich], [llm])
    got_bare = api.get(f"{TRACES}/{bare['id']}").json()
    for field in ("tags", "feedback_scores", "comments"):
        assert field not in got_bare
    assert got_bare["providers"] == []
    got_rich = api.get(f"{TRACES}/{rich['id']}").json()
    assert list(got_rich["metadata"].items()) == [("providers", ["openai"]), ("k", "v")]
    assert got_rich["tags"] == ["x"]
    got_span = api.get(f"v1/private/spans/{llm['id']}").json()
    assert "feedback_scores" not in got_span
    assert "tags" not in got_span
    assert got_span["metadata"] == {"provider": "openai"}
    thread = api.post(f"{THREADS}/retrieve", json={"project_name": "shapes", "thread_id": "t"})
    assert "feedback_scores" not in thread.json()


def test_the_official_sdk_closes_threads_and_sees_versions_of_every_insert(
    backend, workspace: str
) -> None:
    found = run_sdk(
        backend,
        workspace,
        "sdk-surface",
        """
        import warnings
        client = opik.Opik()
        client.trace(name="t", thread_id="conv-1")
        client.flush()
        active = [t.id for t in client.search_threads(filter_string='status = "active"')]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            client.get_threads_client().close_thread("conv-1", project_name="sdk-surface")
        still = [t.id for t in client.search_threads(filter_string='status = "active"')]
        dataset = client.create_dataset("surface-ds")
        dataset.insert([{"q": 1}])
        dataset.insert([{"q": 2}])
        dataset.delete([dataset.get_items()[0]["id"]])
        try:
            client.get_experiment_by_id("not-an-id")
            missing = None
        except Exception as exc:
            missing = type(exc).__name__
        print(json.dumps({
            "active": active, "after_close": still,
            "current": dataset.get_current_version_name(),
            "v1": [i["q"] for i in dataset.get_version_view("v1").get_items()],
            "v2": sorted(i["q"] for i in dataset.get_version_view("v2").get_items()),
            "missing": missing, "auth": client.auth_check()}))
    """,
    )
    assert (found["active"], found["after_close"]) == (["conv-1"], [])
    assert (found["current"], found["v1"], found["v2"]) == ("v3", [1], [1, 2])
    assert found["missing"] == "ExperimentNotFound"


def test_an_unknown_workspace_fails_the_official_sdks_auth_check(backend) -> None:
    found = run_sdk(
        backend,
        f"never-used-{new_id()}",
        "p",
        """
        try:
            opik.Opik().auth_check()
            refused = False
        except Exception:
            refused = True
        print(json.dumps({"refused": refused}))
    """,
    )
    assert found == {"refused": True}


def test_item_changes_record_one_version_with_test_suite_settings(api: httpx.Client) -> None:
    dataset = api.post("v1/private/datasets", json={"name": "suite"})
    assert dataset.status_code == 201, dataset.text
    dataset_id = api.post("v1/private/datasets/retrieve", json={"dataset_name": "suite"}).json()[
        "id"
    ]
    changes = f"v1/private/datasets/{dataset_id}/items/changes"
    judge = {"name": "polite", "type": "llm_judge", "config": {"prompt": "Is it polite?"}}
    first = api.post(
        changes,
        params={"override": "true"},
        json={
            "added_items": [{"data": {"q": 1}}, {"data": {"q": 2}}],
            "evaluators": [judge],
            "execution_policy": {"runs_per_item": 3, "pass_threshold": 2},
            "change_description": "suite created",
        },
    )
    assert first.status_code == 201, first.text
    v1 = first.json()
    assert (v1["version_name"], v1["items_total"], v1["change_description"]) == (
        "v1",
        2,
        "suite created",
    )
    assert v1["evaluators"] == [judge]
    assert v1["execution_policy"] == {"runs_per_item": 3, "pass_threshold": 2}
    # a stale base version is a conflict; nothing is written
    stale = api.post(changes, json={"base_version": new_id(), "deleted_ids": [new_id()]})
    assert_error(stale, 409, "base_version")
    # settings only: a new version with the same items, the policy replaced
    second = api.post(
        changes, json={"base_version": v1["id"], "execution_policy": {"runs_per_item": 1}}
    )
    assert second.status_code == 201, second.text
    v2 = second.json()
    assert (v2["version_name"], v2["items_total"], v2["items_added"]) == ("v2", 2, 0)
    assert v2["evaluators"] == [judge]  # kept from v1
    assert v2["execution_policy"] == {"runs_per_item": 1}
    # an ordinary insert keeps the settings on its automatic version
    api.put("v1/private/datasets/items", json={"dataset_name": "suite", "items": [{"data": {}}]})
    v3 = api.get(f"v1/private/datasets/{dataset_id}/versions").json()["content"][0]
    assert (v3["version_name"], v3["items_total"], v3["evaluators"]) == ("v3", 3, [judge])
    bad = api.post(changes, json={"evaluators": [{"name": "x", "type": "nope", "config": {}}]})
    assert bad.status_code in (400, 422), bad.text
