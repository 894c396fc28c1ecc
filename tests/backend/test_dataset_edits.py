"""Dataset items edited one by one and in batches, made from traces and spans, with their
own test-suite settings; versions compared and restored. Opik's routes and shapes."""

from __future__ import annotations

import httpx

from tests.testlib.builders import new_id, span, trace
from tests.testlib.datasets import DATASETS, create, item, items_page, put_items, stream
from tests.testlib.rest import assert_error
from tests.testlib.waiting import wait_for_json

ITEMS = f"{DATASETS}/items"


def versions(api: httpx.Client, dataset_id: str) -> list[dict]:
    return api.get(f"{DATASETS}/{dataset_id}/versions").json()["content"]


def test_item_settings_are_stored_per_item_and_read_back(api: httpx.Client) -> None:
    dataset = create(api, "suite-items")
    judge = {"name": "j", "type": "llm_judge", "config": {"assertions": ["polite"]}}
    own = {**item(q=1), "execution_policy": {"runs_per_item": 3, "pass_threshold": 2}}
    own["evaluators"] = [judge]
    plain = item(q=2)
    assert put_items(api, "suite-items", own, plain).status_code == 204
    found = {i["data"]["q"]: i for i in stream(api, "suite-items")}
    assert found[1]["execution_policy"] == {"runs_per_item": 3, "pass_threshold": 2}
    assert found[1]["evaluators"] == [judge]
    assert "execution_policy" not in found[2]
    assert "evaluators" not in found[2]
    # the version copies carry them too
    assert stream(api, "suite-items", dataset_version="v1")[0]["id"] in {own["id"], plain["id"]}
    v1 = {i["id"]: i for i in items_page(api, dataset["id"], version="v1")["content"]}
    assert v1[own["id"]]["execution_policy"]["runs_per_item"] == 3
    # the same data with another policy is other content, not a duplicate
    other = {**item(q=2), "execution_policy": {"runs_per_item": 2}}
    put_items(api, "suite-items", other)
    assert items_page(api, dataset["id"])["total"] == 3


def test_bad_item_settings_are_400_and_write_nothing(api: httpx.Client) -> None:
    create(api, "bad-settings")
    wrong = {**item(q=1), "execution_policy": {"runs_per_item": 0}}
    assert_error(put_items(api, "bad-settings", wrong), 422, "runs_per_item")
    judge = {**item(q=1), "evaluators": [{"name": "j", "type": "oracle", "config": {}}]}
    assert_error(put_items(api, "bad-settings", judge), 422, "type")
    assert stream(api, "bad-settings") == []


def test_get_and_patch_an_item_by_id(api: httpx.Client) -> None:
    dataset = create(api, "by-id")
    body = {**item(q=1), "tags": ["a"], "description": "first"}
    put_items(api, "by-id", body)
    got = api.get(f"{ITEMS}/{body['id']}").json()
    assert (got["id"], got["dataset_item_id"], got["dataset_id"]) == (
        body["id"],
        body["id"],
        dataset["id"],
    )
    assert (got["data"], got["tags"], got["description"]) == ({"q": 1}, ["a"], "first")
    patch = {"data": {"q": 10}, "execution_policy": {"runs_per_item": 2, "pass_threshold": 1}}
    assert api.patch(f"{ITEMS}/{body['id']}", json=patch).status_code == 204
    after = api.get(f"{ITEMS}/{body['id']}").json()
    assert after["data"] == {"q": 10}
    assert after["tags"] == ["a"]
    assert after["description"] == "first"
    assert after["execution_policy"] == {"runs_per_item": 2, "pass_threshold": 1}
    names = [(v["version_name"], v["items_modified"]) for v in versions(api, dataset["id"])]
    assert names == [("v2", 1), ("v1", 0)]
    assert items_page(api, dataset["id"], version="v1")["content"][0]["data"] == {"q": 1}


def test_missing_items_are_404_and_bad_patches_400(api: httpx.Client) -> None:
    assert_error(api.get(f"{ITEMS}/{new_id()}"), 404, "dataset item")
    assert_error(api.get(f"{ITEMS}/not-a-uuid"), 404, "dataset item")
    assert_error(api.patch(f"{ITEMS}/{new_id()}", json={"data": {"q": 1}}), 404, "dataset item")
    create(api, "patch-bad")
    body = item(q=1)
    put_items(api, "patch-bad", body)
    assert_error(api.patch(f"{ITEMS}/{body['id']}", json={"data": [1]}), 422, "data")
    assert_error(api.patch(f"{ITEMS}/{body['id']}", json={"trace_id": "x"}), 400, "trace_id")
    assert api.get(f"{ITEMS}/{body['id']}").json()["data"] == {"q": 1}


def test_batch_update_by_ids_and_by_filters(api: httpx.Client) -> None:
    dataset = create(api, "batch")
    a, b, c = ({**item(q=n), "tags": ["old"]} for n in (1, 2, 3))
    put_items(api, "batch", a, b, c)
    by_ids = {
        "ids": [a["id"], b["id"]],
        "update": {"tags": ["new"], "expected_output": "yes", "description": "d"},
    }
    assert api.patch(f"{ITEMS}/batch", json=by_ids).status_code == 204
    found = {i["id"]: i for i in stream(api, "batch")}
    assert found[a["id"]]["tags"] == ["new"]  # replaced: merge_tags not asked
    assert found[a["id"]]["data"] == {"q": 1, "expected_output": "yes"}
    assert found[c["id"]]["tags"] == ["old"]
    by_filter = {
        "dataset_id": dataset["id"],
        "filters": [{"field": "data", "key": "q", "operator": "=", "value": "3"}],
        "update": {"tags": ["picked"], "tags_to_remove": ["nothing"]},
    }
    assert api.patch(f"{ITEMS}/batch", json=by_filter).status_code == 204
    assert {i["id"]: i for i in stream(api, "batch")}[c["id"]]["tags"] == ["old", "picked"]
    assert [v["version_name"] for v in versions(api, dataset["id"])] == ["v3", "v2", "v1"]
    policy = {"ids": [a["id"]], "update": {"execution_policy": {"runs_per_item": 4}}}
    api.patch(f"{ITEMS}/batch", json=policy)
    assert api.get(f"{ITEMS}/{a['id']}").json()["execution_policy"] == {"runs_per_item": 4}
    cleared = {"ids": [a["id"]], "update": {"clear_execution_policy": True}}
    api.patch(f"{ITEMS}/batch", json=cleared)
    assert "execution_policy" not in api.get(f"{ITEMS}/{a['id']}").json()


def test_batch_update_needs_ids_or_filters(api: httpx.Client) -> None:
    update = {"update": {"tags": ["x"]}}
    assert_error(api.patch(f"{ITEMS}/batch", json=update), 400, "ids or filters")
    both = {**update, "ids": [new_id()], "filters": []}
    assert_error(api.patch(f"{ITEMS}/batch", json=both), 400, "ids or filters")
    assert_error(api.patch(f"{ITEMS}/batch", json={**update, "filters": []}), 400, "dataset_id")
    assert_error(api.patch(f"{ITEMS}/batch", json={**update, "ids": ["x"]}), 400, "ids[0]")


def test_diff_against_the_draft_and_between_versions(api: httpx.Client) -> None:
    dataset = create(api, "diffs")
    diff = f"{DATASETS}/{dataset['id']}/versions/diff"
    assert_error(api.get(diff), 404, "latest")  # no version yet
    a, b = item(q=1), item(q=2)
    put_items(api, "diffs", a, b)  # v1
    put_items(api, "diffs", {**a, "data": {"q": 11}}, item(q=3))  # v2: 1 modified, 1 added
    api.post(f"{ITEMS}/delete", json={"item_ids": [b["id"]]})  # v3: 1 deleted
    draft = api.get(diff).json()
    assert draft["from_version"] == "latest"
    assert draft["to_version"] == "draft"
    assert draft["statistics"] == {
        "itemsAdded": 0,
        "itemsModified": 0,
        "itemsDeleted": 0,
        "itemsUnchanged": 2,
    }
    between = api.get(diff, params={"from": "v1", "to": "v3"}).json()
    assert (between["from_version"], between["to_version"]) == ("v1", "v3")
    assert between["statistics"] == {
        "itemsAdded": 1,
        "itemsModified": 1,
        "itemsDeleted": 1,
        "itemsUnchanged": 0,
    }
    assert_error(api.get(diff, params={"from": "v9"}), 404, "v9")


def test_restore_makes_an_old_version_current_as_a_new_version(api: httpx.Client) -> None:
    dataset = create(api, "restore")
    restore = f"{DATASETS}/{dataset['id']}/versions/restore"
    a, b = item(q=1), item(q=2)
    put_items(api, "restore", a)  # v1
    put_items(api, "restore", {**a, "data": {"q": 10}}, b)  # v2
    latest = api.post(restore, json={"version_ref": "v2"})
    assert latest.status_code == 200
    assert latest.json()["version_name"] == "v2"
    restored = api.post(restore, json={"version_ref": "v1"})
    assert restored.status_code == 200, restored.text
    body = restored.json()
    assert (body["version_name"], body["is_latest"], body["items_total"]) == ("v3", True, 1)
    assert (body["items_modified"], body["items_deleted"]) == (1, 1)
    assert [i["data"] for i in stream(api, "restore")] == [{"q": 1}]
    assert api.get(f"{ITEMS}/{b['id']}").status_code == 404
    assert body["version_hash"] == versions(api, dataset["id"])[-1]["version_hash"]
    assert_error(api.post(restore, json={"version_ref": "nope"}), 404, "nope")
    assert_error(api.post(restore, json={}), 422, "version_ref")


def test_version_description_and_tags_can_change(api: httpx.Client) -> None:
    dataset = create(api, "tagged")
    put_items(api, "tagged", item(q=1))
    put_items(api, "tagged", item(q=2))
    v1 = versions(api, dataset["id"])[-1]
    url = f"{DATASETS}/{dataset['id']}/versions/hash/{v1['version_hash']}"
    changed = api.patch(url, json={"change_description": "baseline", "tags_to_add": ["gold"]})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["change_description"], changed.json()["tags"]) == ("baseline", ["gold"])
    assert changed.json()["is_latest"] is False
    v2 = versions(api, dataset["id"])[0]
    other = f"{DATASETS}/{dataset['id']}/versions/hash/{v2['version_hash']}"
    assert_error(api.patch(other, json={"tags_to_add": ["gold"]}), 409, "gold")
    tag = f"{DATASETS}/{dataset['id']}/versions/{v1['version_hash']}/tags/gold"
    assert api.delete(tag).status_code == 204
    assert versions(api, dataset["id"])[-1]["tags"] == []
    assert api.patch(other, json={"tags_to_add": ["gold"]}).status_code == 200


def test_items_from_traces_and_spans_carry_what_was_asked(api: httpx.Client) -> None:
    dataset = create(api, "from-obs")
    t = trace("obs", input={"q": "hi"}, output={"a": "hello"}, tags=["t1"], metadata={"m": 1})
    s = span(t["id"], "obs", input={"p": 1}, output={"r": 2}, type="llm")
    assert api.post("v1/private/traces", json=t).status_code == 201
    assert api.post("v1/private/spans", json=s).status_code == 201
    wait_for_json(api, f"v1/private/spans/{s['id']}", lambda found: found.get("output"))
    scored = [{"id": t["id"], "name": "good", "value": 1, "source": "sdk", "project_name": "obs"}]
    api.put("v1/private/traces/feedback-scores", json={"scores": scored})
    wait_for_json(api, f"v1/private/traces/{t['id']}", lambda found: found.get("feedback_scores"))
    options = {"includeSpans": True, "includeTags": True, "includeFeedbackScores": True}
    body = {"trace_ids": [t["id"]], "enrichment_options": options}
    body["execution_policy"] = {"runs_per_item": 2}
    made = api.post(f"{DATASETS}/{dataset['id']}/items/from-traces", json=body)
    assert made.status_code == 204, made.text
    (from_trace,) = stream(api, "from-obs")
    assert (from_trace["source"], from_trace["trace_id"]) == ("trace", t["id"])
    data = from_trace["data"]
    assert (data["input"], data["expected_output"], data["tags"]) == (
        {"q": "hi"},
        {"a": "hello"},
        ["t1"],
    )
    assert "metadata" not in data  # not asked for
    assert [(x["name"], x["value"]) for x in data["feedback_scores"]] == [("good", 1.0)]
    assert [(x["id"], x["type"], x["output"]) for x in data["spans"]] == [
        (s["id"], "llm", {"r": 2})
    ]
    assert from_trace["execution_policy"] == {"runs_per_item": 2}
    span_body = {"span_ids": [s["id"]], "enrichment_options": {"includeMetadata": True}}
    from_spans = f"{DATASETS}/{dataset['id']}/items/from-spans"
    assert api.post(from_spans, json=span_body).status_code == 204
    from_span = next(i for i in stream(api, "from-obs") if i["source"] == "span")
    assert (from_span["span_id"], from_span["trace_id"]) == (s["id"], t["id"])
    assert from_span["data"] == {"input": {"p": 1}, "expected_output": {"r": 2}}
    assert [v["version_name"] for v in versions(api, dataset["id"])] == ["v2", "v1"]


def test_items_from_missing_traces_are_404_and_add_nothing(api: httpx.Client) -> None:
    dataset = create(api, "from-missing")
    url = f"{DATASETS}/{dataset['id']}/items/from-traces"
    missing = {"trace_ids": [new_id()], "enrichment_options": {}}
    assert_error(api.post(url, json=missing), 404, "trace")
    assert_error(api.post(url, json={"trace_ids": [], "enrichment_options": {}}), 422, "trace_ids")
    spans = f"{DATASETS}/{new_id()}/items/from-spans"
    assert_error(
        api.post(spans, json={"span_ids": [new_id()], "enrichment_options": {}}), 404, "dataset"
    )
    assert stream(api, "from-missing") == []
