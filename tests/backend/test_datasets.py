"""Datasets and their items: the calls the Opik SDK makes, and what bad input gets."""

from __future__ import annotations

import gzip
import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.testlib.builders import new_id
from tests.testlib.datasets import (
    DATASETS,
    create,
    item,
    items_page,
    put_items,
    retrieve,
    stream,
)
from tests.testlib.rest import assert_error


def test_create_retrieve_and_get_by_id(api: httpx.Client) -> None:
    created = create(api, "qa", description="questions", project_name="proj", tags=["a"])
    assert created["name"] == "qa"
    assert created["dataset_items_count"] == 0
    found = retrieve(api, "qa").json()
    assert found["id"] == created["id"]
    assert found["description"] == "questions"
    assert found["tags"] == ["a"]
    project = api.get(f"v1/private/projects/{found['project_id']}").json()
    assert project["name"] == "proj"
    assert api.get(f"{DATASETS}/{created['id']}").json()["name"] == "qa"


def test_retrieve_of_a_missing_dataset_is_404(api: httpx.Client) -> None:
    assert_error(retrieve(api, "missing"), 404, "missing")


def test_the_same_name_twice_is_409(api: httpx.Client) -> None:
    create(api, "once")
    assert_error(api.post(DATASETS, json={"name": "once"}), 409, "once")
    assert api.get(DATASETS).json()["total"] == 1


def test_client_chosen_id_is_kept(api: httpx.Client) -> None:
    dataset_id = new_id()
    response = api.post(DATASETS, json={"name": "mine", "id": dataset_id})
    assert response.headers["Location"] == f"/api/{DATASETS}/{dataset_id}"
    assert retrieve(api, "mine").json()["id"] == dataset_id


def test_list_pages_newest_first_with_item_counts(api: httpx.Client) -> None:
    for name in ("one", "two", "three"):
        create(api, name)
    put_items(api, "two", item(q=1), item(q=2))
    first = api.get(DATASETS, params={"page": 1, "size": 2}).json()
    assert first["total"] == 3
    assert [d["name"] for d in first["content"]] == ["three", "two"]
    assert first["content"][1]["dataset_items_count"] == 2
    second = api.get(DATASETS, params={"page": 2, "size": 2}).json()
    assert [d["name"] for d in second["content"]] == ["one"]
    assert [d["name"] for d in api.get(DATASETS, params={"name": "TW"}).json()["content"]] == [
        "two"
    ]


def test_update_renames_and_describes(api: httpx.Client) -> None:
    created = create(api, "before")
    create(api, "taken")
    response = api.put(f"{DATASETS}/{created['id']}", json={"name": "after", "description": "new"})
    assert response.status_code == 204
    assert retrieve(api, "after").json()["description"] == "new"
    assert_error(api.put(f"{DATASETS}/{created['id']}", json={"name": "taken"}), 409, "taken")


def test_delete_by_name_and_by_id_removes_the_items(api: httpx.Client, backend) -> None:
    by_name, by_id = create(api, "by-name"), create(api, "by-id")
    put_items(api, "by-name", item(q=1))
    put_items(api, "by-id", item(q=2))
    response = api.post(f"{DATASETS}/delete", json={"dataset_name": "by-name"})
    assert response.status_code == 204
    assert api.delete(f"{DATASETS}/{by_id['id']}").status_code == 204
    assert retrieve(api, "by-name").status_code == 404
    assert api.get(f"{DATASETS}/{by_id['id']}").status_code == 404
    counts = backend.services.dataset_items.counts(
        api.headers["Comet-Workspace"], [by_name["id"], by_id["id"]]
    )
    assert counts == {}
    assert_error(api.post(f"{DATASETS}/delete", json={"dataset_name": "by-name"}), 404)


def test_delete_batch_by_ids(api: httpx.Client) -> None:
    ids = [create(api, name)["id"] for name in ("x", "y")]
    assert api.post(f"{DATASETS}/delete-batch", json={"ids": ids}).status_code == 204
    assert api.get(DATASETS).json()["total"] == 0


def test_items_are_stored_and_listed_newest_first(api: httpx.Client) -> None:
    dataset = create(api)
    first, second = item(question="2+2", answer=4), item(question="nested", extra={"a": [1]})
    first["tags"] = ["math"]
    assert put_items(api, "qa", first, second).status_code == 204
    page = items_page(api, dataset["id"])
    assert page["total"] == 2
    assert [i["id"] for i in page["content"]] == [second["id"], first["id"]]
    assert page["content"][1]["data"] == {"question": "2+2", "answer": 4}
    assert page["content"][1]["tags"] == ["math"]
    assert page["content"][1]["source"] == "sdk"
    assert retrieve(api, "qa").json()["dataset_items_count"] == 2


def test_the_same_content_twice_keeps_one_item(api: httpx.Client) -> None:
    dataset = create(api)
    put_items(api, "qa", item(q="a", x=1), item(x=1, q="a"))  # same content, keys reordered
    put_items(api, "qa", item(q="a", x=1))
    put_items(api, "qa", item(q="b", x=1))
    page = items_page(api, dataset["id"])
    assert page["total"] == 2
    assert sorted(i["data"]["q"] for i in page["content"]) == ["a", "b"]


def test_concurrent_uploads_of_the_same_content_keep_one_item(api: httpx.Client) -> None:
    dataset = create(api)
    with ThreadPoolExecutor(8) as pool:
        statuses = list(
            pool.map(
                lambda n: put_items(api, "qa", item(q="same"), item(q=f"own-{n}")).status_code,
                range(8),
            )
        )
    assert statuses == [204] * 8
    data = [i["data"]["q"] for i in items_page(api, dataset["id"], size=100)["content"]]
    assert data.count("same") == 1
    assert len(data) == 9


def test_put_by_id_replaces_an_item(api: httpx.Client) -> None:
    dataset = create(api)
    original = item(q="old")
    put_items(api, "qa", original)
    put_items(api, "qa", {**original, "data": {"q": "new"}})
    content = items_page(api, dataset["id"])["content"]
    assert [(i["id"], i["data"]) for i in content] == [(original["id"], {"q": "new"})]


def test_gzip_body_and_dataset_id_are_accepted(api: httpx.Client) -> None:
    dataset = create(api)
    body = json.dumps({"dataset_id": dataset["id"], "items": [item(q=1)]}).encode()
    response = api.put(
        f"{DATASETS}/items",
        content=gzip.compress(body),
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert response.status_code == 204
    assert items_page(api, dataset["id"])["total"] == 1


def test_items_pages_have_the_total(api: httpx.Client) -> None:
    dataset = create(api)
    put_items(api, "qa", *[item(n=n) for n in range(5)])
    pages = [items_page(api, dataset["id"], page=p, size=2) for p in (1, 2, 3)]
    assert [p["total"] for p in pages] == [5, 5, 5]
    assert [len(p["content"]) for p in pages] == [2, 2, 1]
    seen = [i["data"]["n"] for p in pages for i in p["content"]]
    assert seen == [4, 3, 2, 1, 0]


def test_stream_pages_with_the_cursor(api: httpx.Client) -> None:
    create(api)
    put_items(api, "qa", *[item(n=n) for n in range(5)])
    first = stream(api, "qa", steam_limit=3)
    rest = stream(api, "qa", steam_limit=3, last_retrieved_id=first[-1]["id"])
    assert [i["data"]["n"] for i in first + rest] == [4, 3, 2, 1, 0]
    assert stream(api, "qa", last_retrieved_id=rest[-1]["id"]) == []


def test_items_filter_on_data_and_tags(api: httpx.Client) -> None:
    dataset = create(api)
    tagged = item(kind="x")
    tagged["tags"] = ["hard"]
    put_items(api, "qa", tagged, item(kind="y"), item(kind="x", n=2))
    by_data = [{"field": "data", "key": "kind", "operator": "=", "value": "x"}]
    assert items_page(api, dataset["id"], filters=json.dumps(by_data))["total"] == 2
    by_tag = [{"field": "tags", "operator": "contains", "value": "hard"}]
    found = stream(api, "qa", filters=json.dumps(by_tag))
    assert [i["id"] for i in found] == [tagged["id"]]


def test_items_delete_by_id_and_by_filter(api: httpx.Client) -> None:
    dataset = create(api)
    doomed, kept, other = item(n=1), item(n=2), item(n=3)
    put_items(api, "qa", doomed, kept, other)
    response = api.post(
        f"{DATASETS}/items/delete", json={"item_ids": [doomed["id"]], "batch_group_id": new_id()}
    )
    assert response.status_code == 204
    assert {i["id"] for i in items_page(api, dataset["id"])["content"]} == {kept["id"], other["id"]}
    by_n = [{"field": "data", "key": "n", "operator": "=", "value": "3"}]
    api.post(f"{DATASETS}/items/delete", json={"dataset_id": dataset["id"], "filters": by_n})
    assert [i["id"] for i in items_page(api, dataset["id"])["content"]] == [kept["id"]]
    api.post(f"{DATASETS}/items/delete", json={"dataset_id": dataset["id"], "filters": []})
    assert items_page(api, dataset["id"])["total"] == 0


def test_deleted_content_can_be_inserted_again(api: httpx.Client) -> None:
    dataset = create(api)
    first = item(q="again")
    put_items(api, "qa", first)
    api.post(f"{DATASETS}/items/delete", json={"item_ids": [first["id"]]})
    put_items(api, "qa", item(q="again"))
    assert items_page(api, dataset["id"])["total"] == 1


def versions(api: httpx.Client, dataset_id: str, **params: object) -> dict:
    response = api.get(f"{DATASETS}/{dataset_id}/versions", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def new_version(api: httpx.Client, dataset_id: str, **body: object) -> dict:
    response = api.post(f"{DATASETS}/{dataset_id}/versions", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_dataset_without_versions_has_an_empty_page(api: httpx.Client) -> None:
    dataset = create(api)
    assert versions(api, dataset["id"], page=1, size=1)["content"] == []
    assert_error(api.get(f"{DATASETS}/{new_id()}/versions"), 404)


def test_a_version_is_a_snapshot_that_later_changes_do_not_touch(api: httpx.Client) -> None:
    dataset = create(api)
    first, second = item(q="one"), item(q="two")
    put_items(api, "qa", first, second)
    v1 = new_version(
        api, dataset["id"], tags=["baseline"], change_description="start", metadata={"by": "test"}
    )
    assert (v1["version_name"], v1["items_total"], v1["items_added"]) == ("v1", 2, 2)
    assert v1["tags"] == ["baseline"]
    assert v1["change_description"] == "start"
    assert v1["metadata"] == {"by": "test"}
    assert v1["is_latest"] is True
    assert v1["created_by"]
    assert v1["created_at"]
    assert len(v1["version_hash"]) == 16

    put_items(api, "qa", item(q="three"), {**second, "data": {"q": "two, edited"}})
    api.post(f"{DATASETS}/items/delete", json={"item_ids": [first["id"]]})
    live = {i["data"]["q"] for i in items_page(api, dataset["id"])["content"]}
    assert live == {"two, edited", "three"}

    for ref in (v1["version_hash"], v1["id"], "v1", "baseline"):
        page = items_page(api, dataset["id"], version=ref)
        assert page["total"] == 2
        assert {i["data"]["q"] for i in page["content"]} == {"one", "two"}
    streamed = stream(api, "qa", dataset_version=v1["version_hash"], steam_limit=1)
    assert [i["id"] for i in streamed] == [second["id"]]
    rest = stream(api, "qa", dataset_version=v1["version_hash"], last_retrieved_id=second["id"])
    assert [i["data"]["q"] for i in rest] == ["one"]

    # the put and the delete each recorded a version; naming the content tags the newest
    v3 = new_version(api, dataset["id"], tag="next")
    assert v3["version_name"] == "v3"
    assert (v3["items_total"], v3["items_added"], v3["items_modified"], v3["items_deleted"]) == (
        2,
        0,
        0,
        1,
    )
    v2 = api.post(f"{DATASETS}/{dataset['id']}/versions/retrieve", json={"version_name": "v2"})
    assert (v2.json()["items_total"], v2.json()["items_added"], v2.json()["items_modified"]) == (
        3,
        1,
        1,
    )
    assert v3["version_hash"] != v1["version_hash"]
    assert v3["tags"] == ["next"]


def test_every_change_of_the_items_records_a_version(api: httpx.Client) -> None:
    dataset = create(api)
    assert versions(api, dataset["id"])["total"] == 0
    first = item(q="one")
    put_items(api, "qa", first)
    put_items(api, "qa", item(q="two"))
    put_items(api, "qa", first)  # the same content again: nothing changed, no version
    api.post(f"{DATASETS}/items/delete", json={"item_ids": [first["id"]]})
    api.post(f"{DATASETS}/items/delete", json={"dataset_id": dataset["id"]})
    listed = versions(api, dataset["id"])["content"]
    assert [(v["version_name"], v["items_total"]) for v in listed] == [
        ("v4", 0),
        ("v3", 1),
        ("v2", 2),
        ("v1", 1),
    ]
    assert [v["is_latest"] for v in listed] == [True, False, False, False]
    assert [i["data"]["q"] for i in items_page(api, dataset["id"], version="v3")["content"]] == [
        "two"
    ]


def test_versions_are_listed_newest_first(api: httpx.Client) -> None:
    dataset = create(api)
    made = []
    for n in range(3):
        put_items(api, "qa", item(n=n))
        made.append(new_version(api, dataset["id"])["id"])
    page = versions(api, dataset["id"], page=1, size=2)
    assert page["total"] == 3
    assert [v["id"] for v in page["content"]] == made[::-1][:2]
    assert [v["version_name"] for v in page["content"]] == ["v3", "v2"]
    assert [v["is_latest"] for v in page["content"]] == [True, False]
    last = versions(api, dataset["id"], page=2, size=2)["content"]
    assert [(v["version_name"], v["is_latest"]) for v in last] == [("v1", False)]


def test_the_same_content_gives_the_same_hash(api: httpx.Client) -> None:
    dataset = create(api)
    kept = item(q="kept")
    put_items(api, "qa", kept)
    v1 = new_version(api, dataset["id"])
    extra = item(q="extra")
    put_items(api, "qa", extra)
    v2 = new_version(api, dataset["id"])
    api.post(f"{DATASETS}/items/delete", json={"item_ids": [extra["id"]]})
    v3 = new_version(api, dataset["id"])
    assert v3["version_hash"] == v1["version_hash"] != v2["version_hash"]
    other = create(api, "other")
    put_items(api, "other", item(q="kept"))
    assert new_version(api, other["id"])["version_hash"] == v1["version_hash"]
    empty = create(api, "empty")
    assert new_version(api, empty["id"])["items_total"] == 0
    # by hash: the newest version with that hash
    got = api.get(f"{DATASETS}/{dataset['id']}/versions/hash/{v1['version_hash']}").json()
    assert got["id"] == v3["id"]


def test_versions_by_name_and_tags(api: httpx.Client) -> None:
    dataset = create(api)
    put_items(api, "qa", item(q=1))
    v1 = new_version(api, dataset["id"])
    base = f"{DATASETS}/{dataset['id']}/versions"
    found = api.post(f"{base}/retrieve", json={"version_name": "v1"})
    assert found.status_code == 200
    assert found.json()["id"] == v1["id"]
    assert_error(api.post(f"{base}/retrieve", json={"version_name": "v9"}), 404, "v9")
    tagged = api.post(f"{base}/hash/{v1['version_hash']}/tags", json={"tag": "prod"})
    assert tagged.status_code == 204, tagged.text
    assert api.get(f"{base}/hash/prod").json()["tags"] == ["prod"]
    put_items(api, "qa", item(q=2))  # v2: naming it "prod" too would take the tag from v1
    assert_error(api.post(base, json={"tags": ["prod"]}), 409, "prod")
    assert_error(api.post(base, json={"tag": "latest"}), 400, "latest")
    assert items_page(api, dataset["id"], version="latest")["total"] == 2


def test_unknown_versions_are_404_naming_the_version(api: httpx.Client) -> None:
    dataset = create(api)
    put_items(api, "qa", item(q=1))
    assert_error(
        api.get(f"{DATASETS}/{dataset['id']}/items", params={"version": "abc123"}), 404, "abc123"
    )
    assert_error(
        api.post(
            f"{DATASETS}/items/stream", json={"dataset_name": "qa", "dataset_version": "nope"}
        ),
        404,
        "dataset_version",
        "nope",
    )
    assert_error(api.get(f"{DATASETS}/{dataset['id']}/versions/hash/deadbeef"), 404, "deadbeef")
    other = create(api, "other")
    put_items(api, "other", item(q=2))
    theirs = new_version(api, other["id"])
    assert_error(
        api.get(f"{DATASETS}/{dataset['id']}/items", params={"version": theirs["version_hash"]}),
        404,
    )


def test_bad_version_bodies_and_unknown_datasets(api: httpx.Client) -> None:
    dataset = create(api)
    base = f"{DATASETS}/{dataset['id']}/versions"
    assert_error(api.post(f"{DATASETS}/{new_id()}/versions", json={}), 404)
    assert_error(api.post(f"{DATASETS}/not-an-id/versions", json={}), 404, "not-an-id")
    for body in (
        {"tags": "x"},
        {"tag": ""},
        {"metadata": {"a": 1}},
        {"change_description": 5},
        {"tags": ["x" * 101]},
    ):
        response = api.post(base, json=body)
        assert response.status_code in (400, 422), (body, response.text)
    response = api.post(base, content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 422)
    assert api.post(f"{base}/retrieve", json={}).status_code in (400, 422)
    assert versions(api, dataset["id"])["total"] == 0
    assert api.post(base).status_code == 201  # no body: a version without tags


def test_injection_in_version_refs_is_just_an_unknown_version(api: httpx.Client) -> None:
    dataset = create(api)
    put_items(api, "qa", item(q=1))
    new_version(api, dataset["id"], tags=["a'b\"c"])
    for ref in ("' OR '1'='1", "x') OR 1=1 --", "{version_id:String}", "%", "_"):
        assert_error(api.get(f"{DATASETS}/{dataset['id']}/items", params={"version": ref}), 404)
    assert items_page(api, dataset["id"], version="a'b\"c")["total"] == 1


def test_deleting_a_dataset_deletes_its_versions(api: httpx.Client, backend) -> None:
    dataset = create(api)
    put_items(api, "qa", item(q=1))
    version = new_version(api, dataset["id"])
    assert api.delete(f"{DATASETS}/{dataset['id']}").status_code == 204
    again = create(api, "qa", id=dataset["id"])
    assert versions(api, again["id"])["total"] == 0
    assert_error(
        api.get(f"{DATASETS}/{again['id']}/items", params={"version": version["version_hash"]}), 404
    )
    assert new_version(api, again["id"])["version_name"] == "v1"


def test_experiments_record_the_version_they_ran_on(api: httpx.Client) -> None:
    dataset = create(api)
    put_items(api, "qa", item(q=1))
    version = new_version(api, dataset["id"])
    body = {
        "id": new_id(),
        "dataset_name": "qa",
        "name": "run",
        "dataset_version_id": version["id"],
    }
    assert api.post("v1/private/experiments", json=body).status_code == 201
    got = api.get(f"v1/private/experiments/{body['id']}").json()
    assert got["dataset_version_id"] == version["id"]
    unknown = {**body, "id": new_id(), "dataset_version_id": str(uuid.uuid4())}
    assert_error(api.post("v1/private/experiments", json=unknown), 404, "dataset_version_id")


def test_datasets_are_isolated_by_workspace(api: httpx.Client, backend) -> None:
    create(api, "private")
    with backend.client(f"other-{uuid.uuid4().hex[:8]}") as other:
        assert retrieve(other, "private").status_code == 404
        assert other.get(DATASETS).json()["total"] == 0


# -- bad input ----------------------------------------------------------------------------------


def test_a_dataset_without_a_name_is_422(api: httpx.Client) -> None:
    assert_error(api.post(DATASETS, json={"description": "x"}), 422, "name")
    assert_error(api.post(DATASETS, json={"name": ""}), 422, "name")
    assert api.get(DATASETS).json()["total"] == 0


def test_a_dataset_with_a_v4_id_is_400(api: httpx.Client) -> None:
    assert_error(
        api.post(DATASETS, json={"name": "v4", "id": str(uuid.uuid4())}), 400, "id", "version 7"
    )
    assert retrieve(api, "v4").status_code == 404


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"id": str(uuid.uuid4())}, 400, ("items[1].id", "version 7")),
        ({"trace_id": "nope"}, 400, ("items[1].trace_id", "not a UUID")),
        ({"data": [1, 2]}, 422, ("items[1].data", "JSON object")),
        ({"data": "text"}, 422, ("items[1].data", "JSON object")),
        ({"data": None}, 422, ("items[1].data", "JSON object")),
        ({"source": "elsewhere"}, 422, ("items[1].source",)),
    ],
)
def test_bad_items_reject_the_whole_batch(
    api: httpx.Client, change: dict, status: int, words: tuple[str, ...]
) -> None:
    dataset = create(api)
    response = put_items(api, "qa", item(q="good"), {**item(q="bad"), **change})
    assert_error(response, status, *words)
    assert items_page(api, dataset["id"])["total"] == 0


def test_an_item_without_data_or_not_an_object_is_422(api: httpx.Client) -> None:
    create(api)
    assert_error(put_items(api, "qa", {"id": new_id(), "source": "sdk"}), 422, "data")
    assert_error(put_items(api, "qa", item(q=1), 5), 422, "items[1]", "object")


def test_the_same_item_id_twice_in_one_batch_is_422(api: httpx.Client) -> None:
    dataset = create(api)
    first = item(q=1)
    response = put_items(api, "qa", first, {**first, "data": {"q": 2}})
    assert_error(response, 422, "items[1].id", "duplicate")
    assert items_page(api, dataset["id"])["total"] == 0


def test_items_for_an_unknown_dataset_are_404(api: httpx.Client) -> None:
    assert_error(put_items(api, "nowhere", item(q=1)), 404, "nowhere")
    response = api.put(f"{DATASETS}/items", json={"items": [item(q=1)]})
    assert_error(response, 400, "dataset_name")
    assert_error(api.get(f"{DATASETS}/{new_id()}/items"), 404)
    assert_error(api.post(f"{DATASETS}/items/stream", json={"dataset_name": "nowhere"}), 404)


def test_bad_cursors_are_400(api: httpx.Client) -> None:
    create(api)
    assert_error(
        api.post(f"{DATASETS}/items/stream", json={"dataset_name": "qa", "last_retrieved_id": "x"}),
        400,
        "last_retrieved_id",
    )
    assert_error(api.post(f"{DATASETS}/items/delete", json={}), 400, "item_ids")
    assert_error(
        api.post(f"{DATASETS}/items/delete", json={"item_ids": ["bad"]}), 400, "item_ids[0]"
    )
