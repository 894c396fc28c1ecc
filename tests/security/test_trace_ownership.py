"""A trace id belongs to the project that first used it: the same id sent to another
project is refused (409 naming it), never listed in both; the rest of the batch is stored."""

from __future__ import annotations

import httpx
import pytest

from opik_backend.storage import trace_owners
from tests.testlib.builders import span, trace
from tests.testlib.official_sdk import run_sdk
from tests.testlib.rest import assert_error

TRACES = "v1/private/traces"
SPANS = "v1/private/spans"


def _ids_in(api: httpx.Client, kind: str, project: str) -> set[str]:
    response = api.get(f"v1/private/{kind}", params={"project_name": project, "size": 100})
    if response.status_code == 404:  # the project was never created
        return set()
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["content"]}


def _send(api: httpx.Client, kind: str, *bodies: dict) -> httpx.Response:
    return api.post(f"v1/private/{kind}/batch", json={kind: list(bodies)})


def _project_id(api: httpx.Client, name: str) -> str:
    response = api.post("v1/private/projects/retrieve", json={"name": name})
    assert response.status_code == 200, response.text
    return response.json()["id"]


def test_a_trace_id_sent_to_a_second_project_is_refused_and_listed_once(
    api: httpx.Client,
) -> None:
    first = trace(project="owner-a", name="first")
    assert _send(api, "traces", first).status_code == 204
    response = _send(api, "traces", {**first, "project_name": "owner-b", "name": "second"})
    assert_error(response, 409, first["id"], "another project", "traces[0].id")
    body = response.json()
    assert body["conflicts"] == [{"id": first["id"], "project_id": _project_id(api, "owner-a")}]
    assert _ids_in(api, "traces", "owner-a") == {first["id"]}
    assert first["id"] not in _ids_in(api, "traces", "owner-b")
    assert api.get(f"{TRACES}/{first['id']}").json()["name"] == "first"


def test_the_good_traces_of_a_batch_are_stored_beside_a_refused_one(api: httpx.Client) -> None:
    taken = trace(project="owner-a")
    assert _send(api, "traces", taken).status_code == 204
    good = [trace(project="owner-b"), trace(project="owner-b")]
    response = _send(api, "traces", good[0], {**taken, "project_name": "owner-b"}, good[1])
    assert_error(response, 409, taken["id"], "traces[1].id", "1 refused", "2 other traces stored")
    assert _ids_in(api, "traces", "owner-b") == {good[0]["id"], good[1]["id"]}


def test_a_trace_sent_again_to_its_own_project_is_updated(api: httpx.Client) -> None:
    body = trace(project="owner-a", name="before")
    assert _send(api, "traces", body).status_code == 204
    assert _send(api, "traces", {**body, "name": "after"}).status_code == 204
    assert api.get(f"{TRACES}/{body['id']}").json()["name"] == "after"
    assert _ids_in(api, "traces", "owner-a") == {body["id"]}


def test_the_single_create_is_refused_too(api: httpx.Client) -> None:
    body = trace(project="owner-a")
    assert _send(api, "traces", body).status_code == 204
    response = api.post(TRACES, json={**body, "project_name": "owner-b"})
    assert_error(response, 409, body["id"], "another project")
    assert body["id"] not in _ids_in(api, "traces", "owner-b")


def test_spans_naming_a_trace_of_another_project_are_refused(api: httpx.Client) -> None:
    owned = trace(project="owner-a")
    assert _send(api, "traces", owned).status_code == 204
    foreign = span(owned["id"], project="owner-b")
    own = span(owned["id"], project="owner-a")
    response = _send(api, "spans", own, foreign)
    assert_error(response, 409, owned["id"], "spans[1].trace_id", "another project")
    assert _ids_in(api, "spans", "owner-a") == {own["id"]}
    assert _ids_in(api, "spans", "owner-b") == set()


def test_a_span_claims_its_trace_before_the_trace_arrives(api: httpx.Client) -> None:
    late = trace(project="owner-a")
    assert _send(api, "spans", span(late["id"], project="owner-a")).status_code == 204
    response = _send(api, "traces", {**late, "project_name": "owner-b"})
    assert_error(response, 409, late["id"], "another project")
    assert _send(api, "traces", late).status_code == 204
    assert _ids_in(api, "traces", "owner-a") == {late["id"]}


def test_the_stored_owner_is_found_when_memory_has_forgotten_it(api: httpx.Client) -> None:
    old = trace(project="owner-a")
    assert _send(api, "traces", old).status_code == 204
    newer = trace(project="owner-a")  # an id above the first: the first is looked up
    assert _send(api, "traces", newer).status_code == 204
    other = trace(project="owner-a")
    assert _send(api, "traces", other).status_code == 204
    assert api.delete(f"{TRACES}/{other['id']}").status_code == 204  # a delete empties memory
    response = _send(api, "traces", {**old, "project_name": "owner-b"})
    assert_error(response, 409, old["id"], "another project")
    assert _ids_in(api, "traces", "owner-a") == {old["id"], newer["id"]}


def test_an_owner_the_bounded_memory_let_go_is_found_in_the_store(
    api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trace_owners, "CACHE_SIZE", 2)
    first, *later = (trace(project="owner-a") for _ in range(4))
    for body in (first, *later):
        assert _send(api, "traces", body).status_code == 204
    response = _send(api, "traces", {**first, "project_name": "owner-b"})
    assert_error(response, 409, first["id"], "another project")
    for body in later:  # sent again in their own project, memory or not
        assert _send(api, "traces", {**body, "name": "again"}).status_code == 204
    assert first["id"] not in _ids_in(api, "traces", "owner-b")


def test_a_deleted_trace_id_may_be_used_by_another_project(api: httpx.Client) -> None:
    body = trace(project="owner-a")
    assert _send(api, "traces", body).status_code == 204
    assert api.delete(f"{TRACES}/{body['id']}").status_code == 204
    assert _send(api, "traces", {**body, "project_name": "owner-b"}).status_code == 204
    assert _ids_in(api, "traces", "owner-b") == {body["id"]}
    assert _ids_in(api, "traces", "owner-a") == set()


def test_a_patch_before_the_create_claims_nothing(api: httpx.Client) -> None:
    body = trace(project="owner-a")
    assert api.patch(f"{TRACES}/{body['id']}", json={"tags": ["early"]}).status_code == 204
    assert _send(api, "traces", body).status_code == 204
    stored = api.get(f"{TRACES}/{body['id']}").json()
    assert stored["tags"] == ["early"]
    assert stored["project_id"] == _project_id(api, "owner-a")


@pytest.mark.slow
def test_the_official_sdk_sending_one_trace_id_to_two_projects(backend, workspace: str) -> None:
    with backend.client(workspace) as api:
        created = run_sdk(
            backend,
            workspace,
            "sdk-owner-a",
            """
            client = opik.Opik()
            first = client.trace(name="first", project_name="sdk-owner-a")
            first.end()
            client.flush()
            client.trace(id=first.id, name="second", project_name="sdk-owner-b").end()
            good = client.trace(name="good", project_name="sdk-owner-b")
            good.end()
            client.flush()
            print(json.dumps({"trace_id": first.id, "good_id": good.id}))
            """,
        )
        assert _ids_in(api, "traces", "sdk-owner-a") == {created["trace_id"]}
        assert _ids_in(api, "traces", "sdk-owner-b") == {created["good_id"]}
        assert api.get(f"{TRACES}/{created['trace_id']}").json()["name"] == "first"
