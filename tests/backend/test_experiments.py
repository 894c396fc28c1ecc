"""Experiments: created by the SDK's evaluate(), read back with counts, averages and the
comparison view; plus the official SDK end to end."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from tests.testlib.builders import new_id, trace
from tests.testlib.datasets import DATASETS, create, item, put_items
from tests.testlib.experiments import EXPERIMENTS, new_experiment, run
from tests.testlib.official_sdk import run_sdk
from tests.testlib.rest import assert_error
from tests.testlib.waiting import wait_for_json


def get(api: httpx.Client, experiment_id: str) -> dict:
    response = api.get(f"{EXPERIMENTS}/{experiment_id}")
    assert response.status_code == 200, response.text
    return response.json()


def ndjson(response: httpx.Response) -> list[dict]:
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines()]


@pytest.fixture
def dataset(api: httpx.Client) -> dict:
    """A dataset "qa" with three items, newest last: a, b, c."""
    created = create(api, "qa")
    put_items(api, "qa", item(q="a"), item(q="b"), item(q="c"))
    content = api.get(f"{DATASETS}/{created['id']}/items").json()["content"]
    return {**created, "items": sorted(content, key=lambda i: i["data"]["q"])}


def test_create_and_get(api: httpx.Client, dataset: dict) -> None:
    experiment_id = new_id()
    version = api.post(
        "v1/private/prompts/versions", json={"name": "qa-prompt", "version": {"template": "Q"}}
    ).json()
    response = api.post(
        EXPERIMENTS,
        json={
            "id": experiment_id,
            "dataset_name": "qa",
            "name": "run-1",
            "project_name": "p",
            "metadata": {"model": "gpt"},
            "tags": ["t"],
            "type": "regular",
            "evaluation_method": "dataset",
            "prompt_versions": [{"id": version["id"]}],
        },
    )
    assert response.status_code == 201
    assert response.headers["Location"] == f"/api/{EXPERIMENTS}/{experiment_id}"
    got = get(api, experiment_id)
    assert got["name"] == "run-1"
    assert got["dataset_id"] == dataset["id"]
    assert got["dataset_name"] == "qa"
    assert got["project_name"] == "p"
    assert got["metadata"] == {"model": "gpt"}
    assert got["tags"] == ["t"]
    assert got["status"] == "running"
    assert got["trace_count"] == 0
    assert "feedback_scores" not in got  # Opik leaves out empty lists
    assert got["prompt_versions"][0]["prompt_version_id"] == version["id"]
    assert got["prompt_versions"][0]["commit"] == version["commit"]
    assert api.get(DATASETS).json()["content"][0]["experiment_count"] == 1


def test_an_unnamed_experiment_gets_a_name(api: httpx.Client, dataset: dict) -> None:
    assert new_experiment(api)["name"].startswith("experiment-")


def test_trace_count_and_score_averages_come_from_traces_and_scores(
    api: httpx.Client, dataset: dict
) -> None:
    experiment = new_experiment(api, name="scored")
    a, b, c = (i["id"] for i in dataset["items"])
    run(api, experiment["id"], a, "A", accuracy=1.0, relevance=0.5)
    run(api, experiment["id"], b, "B", accuracy=0.0)
    late = run(api, experiment["id"], c, "C", accuracy=0.0)
    api.put(
        "v1/private/traces/feedback-scores",
        json={"scores": [{"id": late, "project_name": "p", "name": "accuracy", "value": 1.0}]},
    )  # newer wins
    got = get(api, experiment["id"])
    assert got["trace_count"] == 3
    assert got["dataset_item_count"] == 3
    scores = {s["name"]: s["value"] for s in got["feedback_scores"]}
    assert scores == pytest.approx({"accuracy": 2 / 3, "relevance": 0.5})
    assert got["duration"]["p50"] == pytest.approx(1000.0)


def test_list_filters_by_dataset_and_name_and_pages(api: httpx.Client, dataset: dict) -> None:
    create(api, "other")
    first = new_experiment(api, name="alpha-1")
    second = new_experiment(api, name="alpha-2")
    new_experiment(api, "other", name="beta")
    by_dataset = api.get(EXPERIMENTS, params={"datasetId": dataset["id"]}).json()
    assert [e["id"] for e in by_dataset["content"]] == [second["id"], first["id"]]
    assert api.get(EXPERIMENTS, params={"dataset_id": dataset["id"]}).json()["total"] == 2
    assert api.get(EXPERIMENTS, params={"name": "BETA"}).json()["content"][0]["name"] == "beta"
    page = api.get(EXPERIMENTS, params={"page": 2, "size": 2}).json()
    assert page["total"] == 3
    assert [e["id"] for e in page["content"]] == [first["id"]]
    chosen = api.get(EXPERIMENTS, params={"experiment_ids": json.dumps([first["id"]])}).json()
    assert [e["id"] for e in chosen["content"]] == [first["id"]]


def test_stream_by_name_with_the_cursor(api: httpx.Client, dataset: dict) -> None:
    names = ["same", "same", "same-ish", "different"]
    made = [new_experiment(api, name=name) for name in names]
    page = ndjson(
        api.post(f"{EXPERIMENTS}/stream", json={"name": "same", "limit": 2, "project_name": "p"})
    )
    assert [e["id"] for e in page] == [made[2]["id"], made[1]["id"]]
    rest = ndjson(
        api.post(
            f"{EXPERIMENTS}/stream",
            json={"name": "same", "limit": 2, "last_retrieved_id": page[-1]["id"]},
        )
    )
    assert [e["id"] for e in rest] == [made[0]["id"]]
    assert "trace_count" in rest[0]
    other_project = api.post(
        f"{EXPERIMENTS}/stream", json={"name": "same", "project_name": "elsewhere"}
    )
    assert ndjson(other_project) == []


def test_items_stream_by_experiment_name(api: httpx.Client, dataset: dict) -> None:
    experiment = new_experiment(api, name="streamed")
    traces = [run(api, experiment["id"], i["id"], i["data"]["q"]) for i in dataset["items"]]
    first = ndjson(
        api.post(f"{EXPERIMENTS}/items/stream", json={"experiment_name": "streamed", "limit": 2})
    )
    rest = ndjson(
        api.post(
            f"{EXPERIMENTS}/items/stream",
            json={"experiment_name": "streamed", "limit": 2, "last_retrieved_id": first[-1]["id"]},
        )
    )
    assert sorted(i["trace_id"] for i in first + rest) == sorted(traces)
    assert {i["experiment_id"] for i in first + rest} == {experiment["id"]}
    assert all(i["project_id"] and i["dataset_item_id"] for i in first + rest)


def test_finish_update_and_delete(api: httpx.Client, dataset: dict) -> None:
    experiment = new_experiment(api, name="life", tags=["a", "b"])
    linked = run(api, experiment["id"], dataset["items"][0]["id"], "A")
    assert api.post(f"{EXPERIMENTS}/finish", json={"ids": [experiment["id"]]}).status_code == 204
    finished = get(api, experiment["id"])
    assert finished["status"] == "completed"
    assert "finished_at" in finished
    response = api.patch(
        f"{EXPERIMENTS}/{experiment['id']}",
        json={
            "name": "renamed",
            "metadata": {"v": 2},
            "tags_to_add": ["c"],
            "tags_to_remove": ["a"],
            "experiment_scores": [{"name": "f1", "value": 0.9}],
        },
    )
    assert response.status_code == 204
    updated = get(api, experiment["id"])
    assert (updated["name"], updated["metadata"], updated["tags"]) == (
        "renamed",
        {"v": 2},
        ["b", "c"],
    )
    assert updated["experiment_scores"] == [{"name": "f1", "value": 0.9}]
    assert api.post(f"{EXPERIMENTS}/delete", json={"ids": [experiment["id"]]}).status_code == 204
    assert api.get(f"{EXPERIMENTS}/{experiment['id']}").status_code == 404
    assert (
        ndjson(api.post(f"{EXPERIMENTS}/items/stream", json={"experiment_name": "renamed"})) == []
    )
    assert api.get(f"v1/private/traces/{linked}").status_code == 200


def test_experiment_items_delete(api: httpx.Client, dataset: dict) -> None:
    experiment = new_experiment(api, name="pruned")
    run(api, experiment["id"], dataset["items"][0]["id"], "A")
    (stored,) = ndjson(api.post(f"{EXPERIMENTS}/items/stream", json={"experiment_name": "pruned"}))
    api.post(f"{EXPERIMENTS}/items/delete", json={"ids": [stored["id"]]})
    assert get(api, experiment["id"])["trace_count"] == 0


def test_batch_update_replaces_or_merges_tags(api: httpx.Client, dataset: dict) -> None:
    first = new_experiment(api, name="one", tags=["a"])
    second = new_experiment(api, name="two", tags=["b"])
    untouched = new_experiment(api, name="three", tags=["z"])
    ids = [first["id"], second["id"], new_id()]  # an id that is no experiment is skipped
    body = {"ids": ids, "update": {"tags": ["x"], "status": "completed", "metadata": {"v": 1}}}
    assert api.patch(f"{EXPERIMENTS}/batch", json=body).status_code == 204
    for experiment in (first, second):
        updated = get(api, experiment["id"])
        assert (updated["tags"], updated["status"], updated["metadata"]) == (
            ["x"],
            "completed",
            {"v": 1},
        )
        assert "finished_at" in updated
    merged = {"ids": ids[:2], "update": {"tags": ["y"]}, "merge_tags": True}
    assert api.patch(f"{EXPERIMENTS}/batch", json=merged).status_code == 204
    assert [get(api, e["id"])["tags"] for e in (first, second)] == [["x", "y"], ["x", "y"]]
    assert get(api, untouched["id"])["tags"] == ["z"]


def test_batch_update_bad_input(api: httpx.Client) -> None:
    url = f"{EXPERIMENTS}/batch"
    assert_error(api.patch(url, json={"ids": [], "update": {}}), 422, "ids")
    assert_error(api.patch(url, json={"ids": [new_id()]}), 422, "update")
    bad_status = {"ids": [new_id()], "update": {"status": "paused"}}
    assert_error(api.patch(url, json=bad_status), 422, "status")
    assert_error(api.patch(url, json={"ids": ["nope"], "update": {}}), 400, "ids[0]")


def test_experiment_item_by_id(api: httpx.Client, dataset: dict) -> None:
    experiment = new_experiment(api, name="items")
    trace_id = run(api, experiment["id"], dataset["items"][0]["id"], "A")
    (stored,) = ndjson(api.post(f"{EXPERIMENTS}/items/stream", json={"experiment_name": "items"}))
    found = api.get(f"{EXPERIMENTS}/items/{stored['id']}")
    assert found.status_code == 200, found.text
    assert found.json() == stored
    assert (found.json()["trace_id"], found.json()["experiment_id"]) == (trace_id, experiment["id"])
    assert_error(api.get(f"{EXPERIMENTS}/items/{new_id()}"), 404, "experiment item")
    assert_error(api.get(f"{EXPERIMENTS}/items/not-an-id"), 404, "experiment item")


def test_compare_view_rows_are_dataset_items_with_each_experiment(
    api: httpx.Client, dataset: dict
) -> None:
    a, b, c = (i["id"] for i in dataset["items"])
    base, cand = new_experiment(api, name="base"), new_experiment(api, name="candidate")
    run(api, base["id"], a, "A", equals=1.0)
    run(api, base["id"], b, "x", equals=0.0)
    run(api, cand["id"], a, "A", equals=1.0)
    ids = json.dumps([base["id"], cand["id"]])
    url = f"{DATASETS}/{dataset['id']}/items/experiments/items"
    page = api.get(url, params={"experiment_ids": ids}).json()
    assert page["total"] == 2  # c ran in neither experiment
    rows = {row["data"]["q"]: row for row in page["content"]}
    assert set(rows) == {"a", "b"}
    runs = {r["experiment_id"]: r for r in rows["a"]["experiment_items"]}
    assert set(runs) == {base["id"], cand["id"]}
    assert runs[base["id"]]["output"] == {"output": "A"}
    assert runs[base["id"]]["input"] == {"item": a}
    assert runs[base["id"]]["feedback_scores"][0]["name"] == "equals"
    assert runs[base["id"]]["feedback_scores"][0]["value"] == 1.0
    (only,) = rows["b"]["experiment_items"]
    assert (only["experiment_id"], only["feedback_scores"][0]["value"]) == (base["id"], 0.0)
    paged = api.get(url, params={"experiment_ids": ids, "page": 2, "size": 1}).json()
    assert (paged["total"], len(paged["content"])) == (2, 1)
    assert c not in {row["id"] for row in page["content"]}


def test_compare_view_filters_on_run_scores_and_item_fields(
    api: httpx.Client, dataset: dict
) -> None:
    a, b, c = (i["id"] for i in dataset["items"])
    base = new_experiment(api, name="base")
    run(api, base["id"], a, "A", equals=1.0)
    run(api, base["id"], b, "x", equals=0.0)
    run(api, base["id"], c, "C")  # no score
    url = f"{DATASETS}/{dataset['id']}/items/experiments/items"

    def matching(*filters: dict) -> list[str]:
        params = {"experiment_ids": json.dumps([base["id"]]), "filters": json.dumps(filters)}
        response = api.get(url, params=params)
        assert response.status_code == 200, response.text
        return sorted(row["data"]["q"] for row in response.json()["content"])

    score = {"field": "feedback_scores", "key": "equals"}
    assert matching({**score, "operator": "=", "value": "0.0"}) == ["b"]
    assert matching({**score, "operator": ">=", "value": "0"}) == ["a", "b"]
    assert matching({**score, "operator": "is_empty", "value": ""}) == ["c"]
    assert matching({"field": "data", "key": "q", "operator": "=", "value": "a"}) == ["a"]
    assert_error(
        api.get(
            url,
            params={
                "experiment_ids": json.dumps([base["id"]]),
                "filters": json.dumps([{"field": "nope", "operator": "=", "value": "1"}]),
            },
        ),
        400,
        "nope",
    )


def test_compare_view_filters_on_the_runs_traces_dotted_fields_and_search(
    api: httpx.Client, dataset: dict
) -> None:
    a, b, c = (i["id"] for i in dataset["items"])
    base = new_experiment(api, name="runs")
    for item_id, output in ((a, "A"), (b, "x"), (c, "C")):
        run(api, base["id"], item_id, output)
    url = f"{DATASETS}/{dataset['id']}/items/experiments/items"

    def matching(*filters: dict, search: str | None = None) -> list[str]:
        params = {"experiment_ids": json.dumps([base["id"]]), "filters": json.dumps(filters)}
        if search:
            params["search"] = search
        response = api.get(url, params=params)
        assert response.status_code == 200, response.text
        return sorted(row["data"]["q"] for row in response.json()["content"])

    assert matching({"field": "output.output", "operator": "=", "value": "x"}) == ["b"]
    assert matching({"field": "output", "operator": "contains", "value": '"c"'}) == ["c"]
    assert matching({"field": "input.item", "operator": "=", "value": a}) == ["a"]
    assert matching({"field": "duration", "operator": ">=", "value": "1000"}) == ["a", "b", "c"]
    assert matching({"field": "duration", "operator": ">", "value": "5000"}) == []
    assert matching({"field": "data.q", "operator": "!=", "value": "b"}) == ["a", "c"]
    assert matching(search="c") == ["c"]
    both = ({"field": "output.output", "operator": "=", "value": "A"},)
    assert matching(*both, {"field": "data.q", "operator": "=", "value": "b"}) == []
    bad = {"field": "duration", "operator": "contains", "value": "1"}
    params = {"experiment_ids": json.dumps([base["id"]]), "filters": json.dumps([bad])}
    assert_error(api.get(url, params=params), 400, "duration")


def test_compare_view_bad_input(api: httpx.Client, dataset: dict) -> None:
    url = f"{DATASETS}/{dataset['id']}/items/experiments/items"
    assert_error(api.get(url), 400, "experiment_ids")
    assert_error(api.get(url, params={"experiment_ids": "[1"}), 400, "experiment_ids")
    assert_error(
        api.get(url, params={"experiment_ids": json.dumps(["x"])}), 400, "experiment_ids[0]"
    )
    assert_error(
        api.get(
            f"{DATASETS}/{new_id()}/items/experiments/items",
            params={"experiment_ids": json.dumps([new_id()])},
        ),
        404,
    )


def test_bulk_import_creates_experiment_traces_and_scores(api: httpx.Client, dataset: dict) -> None:
    a, b, _ = (i["id"] for i in dataset["items"])
    given = trace(project="p", output={"answer": "B"})
    response = api.put(
        f"{EXPERIMENTS}/items/bulk",
        json={
            "experiment_name": "imported",
            "dataset_name": "qa",
            "project_name": "p",
            "items": [
                {
                    "dataset_item_id": a,
                    "evaluate_task_result": {"answer": "A"},
                    "feedback_scores": [{"name": "ok", "value": 1.0, "source": "sdk"}],
                },
                {
                    "dataset_item_id": b,
                    "trace": given,
                    "spans": [
                        {
                            "id": new_id(),
                            "name": "llm",
                            "type": "llm",
                            "start_time": given["start_time"],
                        }
                    ],
                    "feedback_scores": [{"name": "ok", "value": 0.0, "source": "sdk"}],
                },
            ],
        },
    )
    assert response.status_code == 204, response.text
    (experiment,) = ndjson(api.post(f"{EXPERIMENTS}/stream", json={"name": "imported"}))
    assert experiment["trace_count"] == 2
    assert experiment["feedback_scores"] == [{"name": "ok", "value": 0.5}]
    assert api.get(f"v1/private/traces/{given['id']}").json()["span_count"] == 1
    url = f"{DATASETS}/{dataset['id']}/items/experiments/items"
    rows = api.get(url, params={"experiment_ids": json.dumps([experiment["id"]])}).json()
    by_item = {row["id"]: row["experiment_items"][0] for row in rows["content"]}
    assert by_item[a]["input"] == {"q": "a"}  # the dataset item's data
    assert by_item[a]["output"] == {"answer": "A"}


# -- bad input ----------------------------------------------------------------------------------


def test_bad_experiment_creates_store_nothing(api: httpx.Client, dataset: dict) -> None:
    assert_error(api.post(EXPERIMENTS, json={"name": "x"}), 422, "dataset_name")
    assert_error(api.post(EXPERIMENTS, json={"dataset_name": "missing"}), 404, "missing")
    assert_error(
        api.post(EXPERIMENTS, json={"dataset_name": "qa", "id": str(uuid.uuid4())}),
        400,
        "id",
        "version 7",
    )
    assert_error(api.post(EXPERIMENTS, json={"dataset_name": "qa", "metadata": 3}), 422, "metadata")
    assert api.get(EXPERIMENTS).json()["total"] == 0
    taken = new_experiment(api)
    assert_error(api.post(EXPERIMENTS, json={"dataset_name": "qa", "id": taken["id"]}), 409)


@pytest.mark.parametrize(
    ("field", "value", "status", "words"),
    [
        ("trace_id", str(uuid.uuid4()), 400, ("experiment_items[1].trace_id", "version 7")),
        ("dataset_item_id", "nope", 400, ("experiment_items[1].dataset_item_id",)),
        ("experiment_id", new_id(), 404, ("experiment_items[1].experiment_id", "not found")),
    ],
)
def test_bad_experiment_items_store_nothing(
    api: httpx.Client, dataset: dict, field: str, value: str, status: int, words: tuple[str, ...]
) -> None:
    experiment = new_experiment(api, name="strict")
    good = {
        "experiment_id": experiment["id"],
        "dataset_item_id": dataset["items"][0]["id"],
        "trace_id": new_id(),
    }
    response = api.post(
        f"{EXPERIMENTS}/items",
        json={"experiment_items": [good, {**good, "trace_id": new_id(), field: value}]},
    )
    assert_error(response, status, *words)
    assert get(api, experiment["id"])["trace_count"] == 0


def test_duplicate_experiment_item_ids_are_422(api: httpx.Client, dataset: dict) -> None:
    experiment = new_experiment(api)
    one = {
        "id": new_id(),
        "experiment_id": experiment["id"],
        "trace_id": new_id(),
        "dataset_item_id": dataset["items"][0]["id"],
    }
    response = api.post(f"{EXPERIMENTS}/items", json={"experiment_items": [one, dict(one)]})
    assert_error(response, 422, "experiment_items[1].id", "duplicate")


def test_bad_bulk_records_store_nothing(api: httpx.Client, dataset: dict) -> None:
    both = {
        "dataset_item_id": dataset["items"][0]["id"],
        "evaluate_task_result": {"a": 1},
        "trace": trace(),
    }
    body = {"experiment_name": "never", "dataset_name": "qa", "items": [both]}
    assert_error(api.put(f"{EXPERIMENTS}/items/bulk", json=body), 422, "items[0]", "exactly one")
    bad_output = {"dataset_item_id": dataset["items"][0]["id"], "evaluate_task_result": 5}
    assert_error(
        api.put(f"{EXPERIMENTS}/items/bulk", json={**body, "items": [bad_output]}),
        422,
        "items[0].output",
    )
    assert api.get(EXPERIMENTS).json()["total"] == 0


def test_update_and_get_of_unknown_experiments_are_404(api: httpx.Client) -> None:
    assert_error(api.get(f"{EXPERIMENTS}/{new_id()}"), 404)
    assert_error(api.patch(f"{EXPERIMENTS}/{new_id()}", json={"name": "x"}), 404)
    assert_error(api.get(f"{EXPERIMENTS}/not-an-id"), 404, "not-an-id")


# -- the official SDK, end to end ---------------------------------------------------------------


@pytest.mark.slow
def test_official_sdk_dataset_and_evaluate(backend, api: httpx.Client, workspace: str) -> None:
    created = run_sdk(
        backend,
        workspace,
        "sdk-eval",
        """
        from opik.evaluation import evaluate
        from opik.evaluation.metrics import Equals

        client = opik.Opik()
        dataset = client.get_or_create_dataset("capitals")
        dataset.insert([{"input": "france", "expected_output": "FRANCE"},
                        {"input": "peru", "expected_output": "PERU"},
                        {"input": "chad", "expected_output": "wrong"}])
        dataset.insert([{"input": "peru", "expected_output": "PERU"}])  # a duplicate
        items = client.get_or_create_dataset("capitals").get_items()
        frame = dataset.to_pandas()
        result = evaluate(dataset=dataset, task=lambda item: {"output": item["input"].upper()},
                          scoring_metrics=[Equals()], experiment_name="upper",
                          scoring_key_mapping={"reference": "expected_output"}, verbose=0)
        experiment = client.get_experiment_by_name("upper")
        runs = experiment.get_items()
        listed = client.get_dataset_experiments("capitals")
        scratch = client.create_dataset("scratch")
        scratch.insert([{"a": 1}, {"a": 2}])
        scratch.delete([scratch.get_items()[0]["id"]])
        left = len(scratch.get_items())
        client.delete_dataset("scratch")
        print(json.dumps({
            "items": sorted(i["input"] for i in items), "rows": len(frame),
            "experiment_id": result.experiment_id, "found_id": experiment.id,
            "dataset_id": dataset.id, "listed": [e.name for e in listed],
            "runs": sorted((r.evaluation_task_output["output"],
                            [s["value"] for s in r.feedback_scores]) for r in runs),
            "left": left, "datasets": [d.name for d in client.get_datasets()]}))
    """,
    )
    assert created["items"] == ["chad", "france", "peru"]
    assert created["rows"] == 3
    assert created["found_id"] == created["experiment_id"]
    assert created["listed"] == ["upper"]
    assert created["runs"] == [["CHAD", [0.0]], ["FRANCE", [1.0]], ["PERU", [1.0]]]
    assert created["left"] == 1
    assert created["datasets"] == ["capitals"]
    experiment = wait_for_json(
        api,
        f"{EXPERIMENTS}/{created['experiment_id']}",
        lambda e: e["trace_count"] == 3 and e["feedback_scores"],
    )
    assert experiment["name"] == "upper"
    assert experiment["dataset_name"] == "capitals"
    assert experiment["status"] == "completed"
    assert experiment["feedback_scores"] == [
        {"name": "equals_metric", "value": pytest.approx(2 / 3)}
    ]
    items = ndjson(api.post(f"{EXPERIMENTS}/items/stream", json={"experiment_name": "upper"}))
    assert len(items) == 3
    rows = api.get(
        f"{DATASETS}/{created['dataset_id']}/items/experiments/items",
        params={"experiment_ids": json.dumps([created["experiment_id"]])},
    ).json()
    assert rows["total"] == 3
    outputs = {
        row["data"]["input"]: row["experiment_items"][0]["output"]["output"]
        for row in rows["content"]
    }
    assert outputs == {"france": "FRANCE", "peru": "PERU", "chad": "CHAD"}


def test_feedback_score_names_of_experiments(api: httpx.Client, dataset: dict) -> None:
    first, second = new_experiment(api, name="one"), new_experiment(api, name="two")
    a, b, _ = (i["id"] for i in dataset["items"])
    run(api, first["id"], a, "A", accuracy=1.0, relevance=0.5)
    run(api, second["id"], b, "B", hallucination=0.0)
    names = "v1/private/experiments/feedback-scores/names"

    def of(**params: str) -> list[dict]:
        response = api.get(names, params=params)
        assert response.status_code == 200, response.text
        return response.json()["scores"]

    assert of(experiment_ids=json.dumps([first["id"]])) == [
        {"name": "accuracy", "type": "feedback_scores"},
        {"name": "relevance", "type": "feedback_scores"},
    ]
    assert [s["name"] for s in of()] == ["accuracy", "hallucination", "relevance"]
    assert of(experiment_ids=json.dumps([new_id()])) == []
    bad = api.get(names, params={"experiment_ids": '["nope"]'})
    assert bad.status_code == 400
    assert "experiment_ids[0]" in bad.json()["message"]
