"""The official ``opik`` SDK, unmodified, logging to our backend.

Each scenario runs in a child process (the SDK keeps global state and threads), configured
only through its documented environment variables, and prints what it created as JSON.
"""

from __future__ import annotations

import httpx
import pytest

from tests.testlib.builders import new_id
from tests.testlib.official_sdk import run_sdk
from tests.testlib.waiting import wait_for_json

pytestmark = pytest.mark.slow


def test_nested_track_lands_complete(backend, api: httpx.Client, workspace: str) -> None:
    created = run_sdk(
        backend,
        workspace,
        "sdk-nested",
        """
        @track(name="llm-call", type="llm")
        def llm(prompt):
            opik_context.update_current_span(
                model="gpt-4o-mini", provider="openai",
                usage={"prompt_tokens": 20, "completion_tokens": 5, "total_tokens": 25})
            return prompt.upper()

        @track(name="retrieve", type="tool")
        def retrieve(q):
            return ["doc1", "doc2"]

        @track(name="pipeline", tags=["e2e"], metadata={"version": 2})
        def pipeline(q):
            opik_context.update_current_trace(thread_id="conversation-7")
            docs = retrieve(q)
            return llm(q + " " + docs[0])

        pipeline("hello")
        opik.flush_tracker()
        client = opik.Opik()
        (trace,) = client.search_traces(project_name="sdk-nested")
        print(json.dumps({"trace_id": trace.id}))
    """,
    )
    trace = wait_for_json(
        api, f"v1/private/traces/{created['trace_id']}", lambda t: t.get("span_count") == 3
    )
    assert trace["name"] == "pipeline"
    assert trace["input"] == {"q": "hello"}
    assert trace["output"] == {"output": "HELLO DOC1"}
    assert trace["tags"] == ["e2e"]
    assert trace["metadata"]["version"] == 2
    assert trace["thread_id"] == "conversation-7"
    assert trace["usage"]["total_tokens"] == 25
    assert trace["total_estimated_cost"] > 0
    spans = api.get("v1/private/spans", params={"trace_id": trace["id"]}).json()["content"]
    by_name = {s["name"]: s for s in spans}
    assert set(by_name) == {"pipeline", "retrieve", "llm-call"}
    root = by_name["pipeline"]
    assert "parent_span_id" not in root
    assert by_name["retrieve"]["parent_span_id"] == root["id"]
    assert by_name["llm-call"]["parent_span_id"] == root["id"]
    assert by_name["llm-call"]["type"] == "llm"
    assert by_name["llm-call"]["model"] == "gpt-4o-mini"
    assert by_name["retrieve"]["output"] == {"output": ["doc1", "doc2"]}


def test_manual_client_update_and_scores(backend, api: httpx.Client, workspace: str) -> None:
    created = run_sdk(
        backend,
        workspace,
        "sdk-manual",
        """
        client = opik.Opik()
        trace = client.trace(name="manual", input={"question": "2+2"})
        span = trace.span(name="step", input={"x": 1}, type="tool")
        span.end(output={"y": 2})
        trace.end(output={"answer": 4})
        client.flush()
        client.update_trace(trace_id=trace.id, project_name="sdk-manual",
                            tags=["updated"], metadata={"reviewed": True})
        client.log_traces_feedback_scores([
            {"id": trace.id, "name": "correct", "value": 1.0, "reason": "4 is right"}])
        client.log_spans_feedback_scores([{"id": span.id, "name": "fast", "value": 0.5}])
        client.flush()
        print(json.dumps({"trace_id": trace.id, "span_id": span.id}))
    """,
    )
    trace = wait_for_json(
        api,
        f"v1/private/traces/{created['trace_id']}",
        lambda t: t.get("tags") == ["updated"] and t.get("feedback_scores"),
    )
    assert trace["output"] == {"answer": 4}
    assert trace["input"] == {"question": "2+2"}
    assert trace["metadata"] == {"reviewed": True}
    assert [(s["name"], s["value"], s["reason"]) for s in trace["feedback_scores"]] == [
        ("correct", 1.0, "4 is right")
    ]
    span = wait_for_json(
        api, f"v1/private/spans/{created['span_id']}", lambda s: s.get("feedback_scores")
    )
    assert span["output"] == {"y": 2}
    assert span["feedback_scores"][0]["name"] == "fast"


def test_search_with_a_filter_string_and_error_info(backend, workspace: str) -> None:
    found = run_sdk(
        backend,
        workspace,
        "sdk-search",
        """
        @track(name="works")
        def works():
            return 1

        @track(name="fails")
        def fails():
            raise ValueError("boom")

        works()
        try:
            fails()
        except ValueError:
            pass
        opik.flush_tracker()
        client = opik.Opik()
        hits = client.search_traces(project_name="sdk-search", filter_string='name = "fails"')
        print(json.dumps([{"name": t.name, "error": t.error_info.model_dump()} for t in hits]))
    """,
    )
    assert len(found) == 1
    assert found[0]["name"] == "fails"
    assert found[0]["error"]["exception_type"] == "ValueError"
    assert found[0]["error"]["message"] == "boom"
    assert "in fails" in found[0]["error"]["traceback"]


def test_configure_accepts_our_health_check(backend, workspace: str) -> None:
    root = backend.url.removesuffix("/api")
    result = run_sdk(
        backend,
        workspace,
        "sdk-configure",
        f"""
        from opik.configurator.opik_rest_helpers import is_instance_active
        print(json.dumps({{"active": is_instance_active("{root}")}}))
    """,
    )
    assert result == {"active": True}


def test_dataset_versions_read_through_the_sdk(backend, api: httpx.Client, workspace: str) -> None:
    """A version named through our API is what the SDK's version view reads; the items
    added since are in the next automatic version, which is the SDK's current one."""
    api.post("v1/private/datasets", json={"name": "sdk-versions"})
    first = [{"id": new_id(), "source": "sdk", "data": {"q": n}} for n in (1, 2)]
    api.put("v1/private/datasets/items", json={"dataset_name": "sdk-versions", "items": first})
    dataset_id = api.post(
        "v1/private/datasets/retrieve", json={"dataset_name": "sdk-versions"}
    ).json()["id"]
    made = api.post(f"v1/private/datasets/{dataset_id}/versions", json={"tags": ["base"]})
    assert made.status_code == 201, made.text
    api.put(
        "v1/private/datasets/items",
        json={
            "dataset_name": "sdk-versions",
            "items": [{"id": new_id(), "source": "sdk", "data": {"q": 3}}],
        },
    )
    found = run_sdk(
        backend,
        workspace,
        "sdk-versions",
        """
        client = opik.Opik()
        dataset = client.get_dataset("sdk-versions")
        view = dataset.get_version_view("v1")
        info = dataset.get_version_info()
        try:
            dataset.get_version_view("v9")
            missing = None
        except Exception as exc:
            missing = type(exc).__name__
        print(json.dumps({
            "items": sorted(i["q"] for i in view.get_items()),
            "hash": view.version_hash, "tags": info.tags, "latest": info.is_latest,
            "name": dataset.get_current_version_name(), "missing": missing}))
    """,
    )
    assert found["items"] == [1, 2]
    assert found["hash"] == made.json()["version_hash"]
    assert (found["tags"], found["latest"], found["name"]) == ([], True, "v2")
    assert found["missing"] == "DatasetVersionNotFound"


def test_test_suite_item_policy_and_item_edits_through_the_sdk(backend, workspace: str) -> None:
    """An item's own execution policy is kept (its runs follow it); the SDK's REST calls
    for one item, a batch update, items from traces, the version diff and restore work."""
    found = run_sdk(
        backend,
        workspace,
        "sdk-suite",
        """
        from opik.rest_api.types.dataset_item_update import DatasetItemUpdate
        from opik.rest_api.types.trace_enrichment_options import TraceEnrichmentOptions
        client = opik.Opik()
        suite = client.create_test_suite(
            name="sdk-suite", global_execution_policy={"runs_per_item": 1, "pass_threshold": 1})
        suite.insert([
            {"data": {"q": 1}},
            {"data": {"q": 2}, "execution_policy": {"runs_per_item": 3, "pass_threshold": 2}},
        ])
        calls = {}
        def task(item):
            calls[item["q"]] = calls.get(item["q"], 0) + 1
            return {"input": item, "output": "ok"}
        opik.run_tests(test_suite=suite, task=task, verbose=0, generate_report=False)
        rest = client.rest_client.datasets
        dataset = rest.get_dataset_by_identifier(dataset_name="sdk-suite")
        page = rest.get_dataset_items(dataset.id).content
        first = next(i for i in page if i.data["q"] == 1)
        rest.patch_dataset_item(first.id, source="sdk", data={"q": 10})
        patched = rest.get_dataset_item_by_id(first.id)
        rest.batch_update_dataset_items(ids=[first.id], update=DatasetItemUpdate(tags=["gold"]))
        tagged = rest.get_dataset_item_by_id(first.id)
        trace = client.trace(name="t", input={"x": 1}, output={"y": 2})
        client.flush()
        rest.create_dataset_items_from_traces(
            dataset.id, trace_ids=[trace.id],
            enrichment_options=TraceEnrichmentOptions(include_metadata=True))
        from_trace = [i.data for i in rest.get_dataset_items(dataset.id).content
                      if i.source == "trace"]
        diff = rest.compare_dataset_versions(dataset.id)
        restored = rest.restore_dataset_version(dataset.id, version_ref="v2")
        after = sorted(i.data["q"] for i in rest.get_dataset_items(dataset.id).content)
        print(json.dumps({
            "calls": calls, "patched": patched.data, "tags": tagged.tags,
            "from_trace": from_trace, "unchanged": diff.statistics.items_unchanged,
            "restored": restored.version_name, "after": after}))
    """,
    )
    assert found["calls"] == {"1": 1, "2": 3}
    assert (found["patched"], found["tags"]) == ({"q": 10}, ["gold"])
    assert found["from_trace"] == [{"input": {"x": 1}, "expected_output": {"y": 2}}]
    assert found["unchanged"] == 3
    assert found["restored"] == "v6"
    assert found["after"] == [1, 2]
