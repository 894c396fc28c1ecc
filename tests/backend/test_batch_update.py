"""``PATCH /traces/batch`` and ``PATCH /spans/batch``: the same update on many entities,
tags replaced or (``merge_tags``) added, bad bodies refused whole."""

from __future__ import annotations

import httpx
import pytest

from tests.testlib.builders import new_id, span, trace
from tests.testlib.official_sdk import run_sdk
from tests.testlib.waiting import wait_for_json

TRACES = "v1/private/traces"
SPANS = "v1/private/spans"


@pytest.fixture
def traces(api: httpx.Client) -> list[dict]:
    bodies = [trace("batch", name=f"t{i}", tags=["a"]) for i in range(3)]
    assert api.post(f"{TRACES}/batch", json={"traces": bodies}).status_code == 204
    return bodies


def tags_and_names(api: httpx.Client, ids: list[str]) -> list[tuple[list[str], str]]:
    found = [api.get(f"{TRACES}/{i}").json() for i in ids]
    return [(sorted(t.get("tags") or []), t["name"]) for t in found]


def test_traces_batch_replaces_or_merges_tags(api: httpx.Client, traces: list[dict]) -> None:
    ids = [t["id"] for t in traces]
    answer = api.patch(
        f"{TRACES}/batch",
        json={"ids": ids[:2], "update": {"tags": ["b"], "name": "renamed"}, "merge_tags": True},
    )
    assert answer.status_code == 204, answer.text
    assert tags_and_names(api, ids) == [
        (["a", "b"], "renamed"),
        (["a", "b"], "renamed"),
        (["a"], "t2"),
    ]
    replaced = api.patch(f"{TRACES}/batch", json={"ids": [ids[0]], "update": {"tags": ["c"]}})
    assert replaced.status_code == 204
    assert tags_and_names(api, ids[:1]) == [(["c"], "renamed")]


def test_spans_batch_updates_each_span(api: httpx.Client, traces: list[dict]) -> None:
    bodies = [span(traces[0]["id"], "batch", name=f"s{i}") for i in range(2)]
    assert api.post(f"{SPANS}/batch", json={"spans": bodies}).status_code == 204
    ids = [s["id"] for s in bodies]
    update = {"model": "gpt-4o-mini", "tags": ["checked"], "project_name": "batch"}
    answer = api.patch(f"{SPANS}/batch", json={"ids": ids, "update": update})
    assert answer.status_code == 204, answer.text
    for span_id in ids:
        found = api.get(f"{SPANS}/{span_id}").json()
        assert found["model"] == "gpt-4o-mini"
        assert found["tags"] == ["checked"]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"ids": [], "update": {"name": "x"}}, 422, "ids"),
        ({"ids": [new_id()] * 2, "update": {"name": "x"}}, 422, "twice"),
        ({"ids": ["nope"], "update": {"name": "x"}}, 400, "ids[0]"),
        ({"ids": [new_id()]}, 422, "update"),
        ({"ids": [new_id() for _ in range(1001)], "update": {"name": "x"}}, 422, "ids"),
    ],
)
def test_bad_batch_updates_name_the_problem(
    api: httpx.Client, body: dict, status: int, words: str
) -> None:
    for path in (TRACES, SPANS):
        answer = api.patch(f"{path}/batch", json=body)
        assert answer.status_code == status, answer.text
        assert words in answer.json()["message"]


@pytest.mark.slow
def test_official_sdk_batch_update(backend, api: httpx.Client, workspace: str, traces) -> None:
    ids = [t["id"] for t in traces]
    run_sdk(
        backend,
        workspace,
        "batch",
        f"""
        from opik.rest_api.types import TraceUpdate
        client = opik.Opik()
        client.rest_client.traces.batch_update_traces(
            ids={ids!r}, update=TraceUpdate(project_name="batch", tags=["sdk"]), merge_tags=True)
        print(json.dumps({{}}))
        """,
    )
    found = wait_for_json(api, f"{TRACES}/{ids[2]}", lambda t: "sdk" in (t.get("tags") or []))
    assert sorted(found["tags"]) == ["a", "sdk"]
