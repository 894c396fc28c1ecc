"""Comments (annotations) on traces and spans: Opik's routes, and comments on every read."""

from __future__ import annotations

import httpx
import pytest
from opik.rest_api.client import OpikApi

from tests.testlib.builders import new_id, span, trace


def _path(location: str) -> str:
    """A Location header as a path relative to the client's base URL."""
    return location[location.index("v1/") :]


def _store(api: httpx.Client) -> tuple[dict, dict]:
    t = trace("comments")
    s = span(t["id"], "comments")
    assert api.post("v1/private/traces/batch", json={"traces": [t]}).status_code == 204
    assert api.post("v1/private/spans/batch", json={"spans": [s]}).status_code == 204
    return t, s


@pytest.mark.parametrize("kind", ["traces", "spans"])
def test_add_get_update_delete(api: httpx.Client, kind: str) -> None:
    t, s = _store(api)
    entity_id = t["id"] if kind == "traces" else s["id"]
    added = api.post(f"v1/private/{kind}/{entity_id}/comments", json={"text": "looks wrong"})
    assert added.status_code == 201, added.text
    location = added.headers["Location"]
    assert f"/v1/private/{kind}/{entity_id}/comments/" in location
    comment_id = location.rsplit("/", 1)[1]
    assert comment_id[14] == "7"  # UUID v7

    got = api.get(_path(location))
    assert got.status_code == 200
    comment = got.json()
    assert comment["id"] == comment_id
    assert comment["text"] == "looks wrong"
    assert comment["created_by"] == comment["last_updated_by"] == "admin"
    assert comment["created_at"].endswith("Z")

    entity = api.get(f"v1/private/{kind}/{entity_id}").json()
    assert [c["text"] for c in entity["comments"]] == ["looks wrong"]

    patched = api.patch(f"v1/private/{kind}/comments/{comment_id}", json={"text": "fine now"})
    assert patched.status_code == 204
    again = api.get(_path(location)).json()
    assert again["text"] == "fine now"
    assert again["last_updated_at"] > again["created_at"]
    entity = api.get(f"v1/private/{kind}/{entity_id}").json()
    assert [c["text"] for c in entity["comments"]] == ["fine now"]

    deleted = api.post(f"v1/private/{kind}/comments/delete", json={"ids": [comment_id]})
    assert deleted.status_code == 204
    assert api.get(_path(location)).status_code == 404
    assert (
        api.get(f"v1/private/{kind}/{entity_id}").json().get("comments") is None
    )  # left out when empty


def test_client_chosen_id_and_the_official_sdk_shape(api: httpx.Client) -> None:
    t, _ = _store(api)
    comment_id = new_id()
    added = api.post(
        f"v1/private/traces/{t['id']}/comments",
        json={"id": comment_id, "text": "mine", "created_by": "ignored"},
    )
    assert added.status_code == 201
    assert added.headers["Location"].endswith(comment_id)
    assert (
        api.get(f"v1/private/traces/{t['id']}/comments/{comment_id}").json()["created_by"]
        == "admin"
    )


def test_list_pages_carry_comments_of_their_rows(api: httpx.Client) -> None:
    t, s = _store(api)
    other = trace("comments")
    assert api.post("v1/private/traces/batch", json={"traces": [other]}).status_code == 204
    for text in ("first", "second"):
        assert (
            api.post(f"v1/private/traces/{t['id']}/comments", json={"text": text}).status_code
            == 201
        )
    assert (
        api.post(f"v1/private/spans/{s['id']}/comments", json={"text": "on a span"}).status_code
        == 201
    )
    page = api.get("v1/private/traces", params={"project_name": "comments"}).json()
    by_id = {row["id"]: row for row in page["content"]}
    assert [c["text"] for c in by_id[t["id"]]["comments"]] == ["first", "second"]
    assert "comments" not in by_id[other["id"]]
    spans = api.get("v1/private/spans", params={"trace_id": t["id"]}).json()
    assert [c["text"] for c in spans["content"][0]["comments"]] == ["on a span"]
    spans = api.get("v1/private/spans", params={"project_name": "comments"}).json()
    assert [c["text"] for c in spans["content"][0]["comments"]] == ["on a span"]


def test_a_span_comment_is_not_a_trace_comment(api: httpx.Client) -> None:
    t, s = _store(api)
    location = api.post(f"v1/private/spans/{s['id']}/comments", json={"text": "x"}).headers[
        "Location"
    ]
    comment_id = location.rsplit("/", 1)[1]
    assert api.get(f"v1/private/traces/{t['id']}/comments/{comment_id}").status_code == 404
    assert api.get(f"v1/private/spans/{t['id']}/comments/{comment_id}").status_code == 404
    assert (
        api.patch(f"v1/private/traces/comments/{comment_id}", json={"text": "y"}).status_code == 404
    )
    assert (
        api.post("v1/private/traces/comments/delete", json={"ids": [comment_id]}).status_code == 204
    )
    assert api.get(_path(location)).status_code == 200


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"text": ""}, 422),
        ({"text": "   "}, 422),
        ({"text": "x" * 10_001}, 422),
        ({}, 422),
        ({"text": 3}, 422),
        ({"text": "ok", "id": "not-a-uuid"}, 400),
    ],
)
def test_bad_text_is_refused_naming_the_field(api: httpx.Client, body: dict, status: int) -> None:
    t, _ = _store(api)
    response = api.post(f"v1/private/traces/{t['id']}/comments", json=body)
    assert response.status_code == status, response.text
    field = "id" if "id" in body else "text"
    assert field in response.json()["message"]
    assert api.get(f"v1/private/traces/{t['id']}").json().get("comments") is None
    if status == 422 and "text" in body:
        location = api.post(f"v1/private/traces/{t['id']}/comments", json={"text": "ok"}).headers[
            "Location"
        ]
        patched = api.patch(f"v1/private/traces/comments/{location.rsplit('/', 1)[1]}", json=body)
        assert patched.status_code == 422
        assert "text" in patched.json()["message"]


def test_unknown_entities_and_comments_are_404(api: httpx.Client) -> None:
    missing = new_id()
    assert api.post(f"v1/private/traces/{missing}/comments", json={"text": "x"}).status_code == 404
    assert api.post(f"v1/private/spans/{missing}/comments", json={"text": "x"}).status_code == 404
    assert api.get(f"v1/private/traces/{missing}/comments/{new_id()}").status_code == 404
    assert api.patch(f"v1/private/traces/comments/{missing}", json={"text": "x"}).status_code == 404
    assert (
        api.get(f"v1/private/traces/{missing}/comments/nope").status_code == 404
    )  # a malformed path id


def test_deleting_a_trace_deletes_its_and_its_spans_comments(backend, api: httpx.Client) -> None:
    t, s = _store(api)
    trace_comment = api.post(f"v1/private/traces/{t['id']}/comments", json={"text": "t"}).headers[
        "Location"
    ]
    span_comment = api.post(f"v1/private/spans/{s['id']}/comments", json={"text": "s"}).headers[
        "Location"
    ]
    assert api.delete(f"v1/private/traces/{t['id']}").status_code == 204
    assert api.get(_path(trace_comment)).status_code == 404
    assert api.get(_path(span_comment)).status_code == 404


def test_comments_stay_in_their_workspace(backend, api: httpx.Client) -> None:
    t, _ = _store(api)
    location = api.post(f"v1/private/traces/{t['id']}/comments", json={"text": "private"}).headers[
        "Location"
    ]
    comment_id = location.rsplit("/", 1)[1]
    with backend.client("someone-else") as other:
        assert other.get(_path(location)).status_code == 404
        assert (
            other.patch(
                f"v1/private/traces/comments/{comment_id}", json={"text": "hijack"}
            ).status_code
            == 404
        )
        assert (
            other.post(f"v1/private/traces/{t['id']}/comments", json={"text": "x"}).status_code
            == 404
        )
        assert (
            other.post("v1/private/traces/comments/delete", json={"ids": [comment_id]}).status_code
            == 204
        )
    assert api.get(_path(location)).json()["text"] == "private"


def test_the_official_sdk_adds_and_reads_comments(backend, api: httpx.Client) -> None:
    t, _ = _store(api)
    client = OpikApi(base_url=backend.url, workspace_name=api.headers["Comet-Workspace"])
    client.traces.add_trace_comment(t["id"], text="from the sdk")
    trace_public = client.traces.get_trace_by_id(t["id"])
    assert [c.text for c in trace_public.comments] == ["from the sdk"]
    comment_id = trace_public.comments[0].id
    assert client.traces.get_trace_comment(t["id"], comment_id).text == "from the sdk"
    client.traces.update_trace_comment(comment_id, text="edited")
    client.traces.delete_trace_comments(ids=[comment_id])
    assert client.traces.get_trace_by_id(t["id"]).comments is None
