"""The proxy under ``<base_url>/opik/api/``: every verb, bodies, gzip, NDJSON streams and
the backend's errors pass through; the status route reports the backend."""

from __future__ import annotations

import gzip
import json
import uuid
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from tests.testlib.backends import BackendProcess
from tests.testlib.builders import new_id, trace_batch

pytestmark = pytest.mark.slow


@pytest.fixture
def opik_config(shared_backend: BackendProcess) -> dict[str, Any]:
    return {"backend_url": shared_backend.url}


@pytest.fixture
def workspace() -> str:
    return f"ext-{uuid.uuid4().hex[:10]}"


async def test_status__reports_the_configured_backend(
    jp_fetch: Any, shared_backend: BackendProcess
) -> None:
    response = await jp_fetch("opik", "status")
    status = json.loads(response.body)
    assert status["mode"] == "remote"
    assert status["url"] == shared_backend.url
    assert status["healthy"] is True
    assert status["managed"] is False


async def test_proxy__get_answers_like_the_backend(jp_fetch: Any) -> None:
    response = await jp_fetch("opik", "api", "is-alive", "ping")
    assert json.loads(response.body)["healthy"] is True


async def test_proxy__post_patch_get_delete_a_trace(jp_fetch: Any, workspace: str) -> None:
    headers = {"Comet-Workspace": workspace, "Content-Type": "application/json"}
    trace_id = new_id()
    await jp_fetch(
        "opik",
        "api",
        "v1",
        "private",
        "traces",
        "batch",
        method="POST",
        body=json.dumps(trace_batch(trace_id, "proxied")),
        headers=headers,
    )
    await jp_fetch(
        "opik",
        "api",
        "v1",
        "private",
        "traces",
        trace_id,
        method="PATCH",
        body=json.dumps({"project_name": "proxy", "tags": ["patched"]}),
        headers=headers,
    )
    stored = json.loads(
        (await jp_fetch("opik", "api", "v1", "private", "traces", trace_id, headers=headers)).body
    )
    assert (stored["name"], stored["tags"]) == ("proxied", ["patched"])
    await jp_fetch(
        "opik", "api", "v1", "private", "traces", trace_id, method="DELETE", headers=headers
    )
    with pytest.raises(HTTPClientError) as gone:
        await jp_fetch("opik", "api", "v1", "private", "traces", trace_id, headers=headers)
    assert gone.value.code == 404


async def test_proxy__put_a_feedback_score(jp_fetch: Any, workspace: str) -> None:
    headers = {"Comet-Workspace": workspace, "Content-Type": "application/json"}
    trace_id = new_id()
    await jp_fetch(
        "opik",
        "api",
        "v1",
        "private",
        "traces",
        "batch",
        method="POST",
        body=json.dumps(trace_batch(trace_id, "scored")),
        headers=headers,
    )
    await jp_fetch(
        "opik",
        "api",
        "v1",
        "private",
        "traces",
        trace_id,
        "feedback-scores",
        method="PUT",
        headers=headers,
        body=json.dumps({"name": "quality", "value": 0.5, "source": "ui", "reason": "half right"}),
    )
    stored = json.loads(
        (await jp_fetch("opik", "api", "v1", "private", "traces", trace_id, headers=headers)).body
    )
    assert [(s["name"], s["value"], s["reason"]) for s in stored["feedback_scores"]] == [
        ("quality", 0.5, "half right")
    ]


async def test_proxy__gzip_request_bodies_reach_the_backend(jp_fetch: Any, workspace: str) -> None:
    trace_id = new_id()
    body = gzip.compress(json.dumps(trace_batch(trace_id, "zipped")).encode())
    response = await jp_fetch(
        "opik",
        "api",
        "v1",
        "private",
        "traces",
        "batch",
        method="POST",
        body=body,
        headers={
            "Comet-Workspace": workspace,
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
        },
    )
    assert response.code == 204
    stored = await jp_fetch(
        "opik", "api", "v1", "private", "traces", trace_id, headers={"Comet-Workspace": workspace}
    )
    assert json.loads(stored.body)["name"] == "zipped"


async def test_proxy__streams_ndjson_without_buffering_it(jp_fetch: Any, workspace: str) -> None:
    headers = {"Comet-Workspace": workspace, "Content-Type": "application/json"}
    ids = [new_id() for _ in range(30)]
    batch = {"traces": [trace_batch(i, f"t{n}")["traces"][0] for n, i in enumerate(ids)]}
    await jp_fetch(
        "opik",
        "api",
        "v1",
        "private",
        "traces",
        "batch",
        method="POST",
        body=json.dumps(batch),
        headers=headers,
    )
    response = await jp_fetch(
        "opik",
        "api",
        "v1",
        "private",
        "traces",
        "search",
        method="POST",
        headers=headers,
        body=json.dumps({"project_name": "proxy", "limit": 100}),
    )
    lines = [json.loads(line) for line in response.body.decode().splitlines() if line]
    assert sorted(line["id"] for line in lines) == sorted(ids)
    assert "Content-Length" not in response.headers  # chunked: sent as it came


async def test_proxy__passes_the_backends_errors_through(jp_fetch: Any) -> None:
    with pytest.raises(HTTPClientError) as bad:
        await jp_fetch("opik", "api", "v1", "private", "traces", "not-a-uuid")
    assert bad.value.code == 404  # a malformed id in the path: no trace can have it
    assert bad.value.response is not None
    assert "UUID" in json.loads(bad.value.response.body)["message"]
