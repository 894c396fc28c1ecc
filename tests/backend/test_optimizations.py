"""Optimizations: create, read, list, update, delete; trials are the experiments naming
one; through our REST API and the official SDK."""

from __future__ import annotations

import httpx

from tests.testlib.builders import new_id
from tests.testlib.official_sdk import run_sdk
from tests.testlib.rest import assert_error

BASE = "v1/private/optimizations"


def create(api: httpx.Client, **fields: object) -> str:
    body = {"dataset_name": "opt-ds", "objective_name": "accuracy", "status": "running", **fields}
    response = api.post(BASE, json=body)
    assert response.status_code == 201, response.text
    return response.headers["Location"].rsplit("/", 1)[1]


def test_an_optimization_lives_and_counts_its_trials(api: httpx.Client) -> None:
    optimization_id = create(api, name="tune", project_name="opt-p", metadata={"k": "v"})
    got = api.get(f"{BASE}/{optimization_id}").json()
    assert (got["name"], got["status"], got["objective_name"], got["dataset_name"]) == (
        "tune",
        "running",
        "accuracy",
        "opt-ds",
    )
    assert got["metadata"] == {"k": "v"}
    assert got["num_trials"] == 0
    project = api.get(f"v1/private/projects/{got['project_id']}").json()
    assert project["name"] == "opt-p"
    trial = api.post(
        "v1/private/experiments",
        json={"dataset_name": "opt-ds", "name": "trial-1", "optimization_id": optimization_id},
    )
    assert trial.status_code == 201, trial.text
    assert api.get(f"{BASE}/{optimization_id}").json()["num_trials"] == 1
    updated = api.put(f"{BASE}/{optimization_id}", json={"name": "tuned", "status": "completed"})
    assert updated.status_code == 204, updated.text
    got = api.get(f"{BASE}/{optimization_id}").json()
    assert (got["name"], got["status"]) == ("tuned", "completed")
    other = create(api, name="other")
    listed = api.get(BASE, params={"name": "TUN"}).json()
    assert [o["id"] for o in listed["content"]] == [optimization_id]
    assert api.get(BASE).json()["total"] == 2
    deleted = api.post(f"{BASE}/delete", json={"ids": [optimization_id]})
    assert deleted.status_code == 204
    assert_error(api.get(f"{BASE}/{optimization_id}"), 404, optimization_id)
    assert [o["id"] for o in api.get(BASE).json()["content"]] == [other]


def test_bad_optimizations_are_refused(api: httpx.Client) -> None:
    for body in (
        {"objective_name": "a", "status": "running"},
        {"dataset_name": "d", "objective_name": "a", "status": "sleeping"},
        {"dataset_name": "d", "objective_name": "", "status": "running"},
    ):
        response = api.post(BASE, json=body)
        assert response.status_code in (400, 422), (body, response.text)
    assert_error(api.put(f"{BASE}/{new_id()}", json={"name": "x"}), 404)
    assert_error(api.get(f"{BASE}/not-an-id"), 404, "not-an-id")
    assert api.get(BASE).json()["total"] == 0


def test_the_official_sdk_runs_an_optimization_lifecycle(backend, workspace: str) -> None:
    found = run_sdk(
        backend,
        workspace,
        "opt-sdk",
        """
        client = opik.Opik()
        dataset = client.create_dataset("opt-sdk-ds")
        made = client.create_optimization(
            objective_name="f1", dataset_name=dataset.name, name="first", project_name="opt-sdk"
        )
        made.update(name="renamed", status="completed")
        content = client.get_optimization_by_id(made.id).fetch_content()
        project = client.get_optimization_by_id(made.id).project_name
        client.delete_optimizations([made.id])
        try:
            client.get_optimization_by_id(made.id)
            gone = False
        except Exception:
            gone = True
        print(json.dumps({"name": content.name, "status": content.status,
                          "dataset": content.dataset_name, "project": project, "gone": gone}))
    """,
    )
    assert found == {
        "name": "renamed",
        "status": "completed",
        "dataset": "opt-sdk-ds",
        "project": "opt-sdk",
        "gone": True,
    }
