"""``GET /experiments/groups`` and ``/groups/aggregations``: experiments nested by dataset,
project, tags or a metadata key, with Opik's labels, order and totals, on real stores."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.testlib.datasets import DATASETS, create, item, put_items
from tests.testlib.experiments import EXPERIMENTS, new_experiment, run
from tests.testlib.rest import assert_error


@pytest.fixture
def runs(api: httpx.Client) -> dict[str, str]:
    """Datasets qa (two items) and other; three experiments, oldest first:
    one (qa, tag a, model gpt, equals 1.0), two (qa, tags a b, model claude, equals 0.0),
    three (other, no tags, model gpt, no runs)."""
    qa = create(api, "qa")
    other = create(api, "other")
    put_items(api, "qa", item(q="a"), item(q="b"))
    a, b = (i["id"] for i in api.get(f"{DATASETS}/{qa['id']}/items").json()["content"])
    one = new_experiment(api, name="one", tags=["a"], metadata={"model": "gpt"})
    run(api, one["id"], a, "A", equals=1.0)
    two = new_experiment(api, name="two", tags=["a", "b"], metadata={"model": "claude"})
    run(api, two["id"], b, "B", equals=0.0)
    new_experiment(api, "other", name="three", metadata={"model": "gpt", "n": 3})
    return {"qa": qa["id"], "other": other["id"]}


def groups(api: httpx.Client, *by: dict, path: str = "groups", **params: str) -> dict:
    response = api.get(f"{EXPERIMENTS}/{path}", params={"groups": json.dumps(by), **params})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_groups_nest_by_dataset_then_metadata_newest_first(
    api: httpx.Client, runs: dict[str, str]
) -> None:
    found = groups(api, {"field": "dataset_id"}, {"field": "metadata", "key": "model"})
    assert found["content"] == {
        runs["qa"]: {"label": "qa", "groups": {"gpt": {"groups": {}}, "claude": {"groups": {}}}},
        runs["other"]: {"label": "other", "groups": {"gpt": {"groups": {}}}},
    }
    assert found["details"]["groups_details"] == [
        {"group_sorting": ["other", "qa"]},
        {"group_sorting": ["gpt", "claude"]},
    ]
    by_name = groups(api, {"field": "tags"}, name="tw")
    assert set(by_name["content"]) == {"a", "b"}  # only "two" matches the name
    missing_key = groups(api, {"field": "metadata", "key": "$.absent"})
    assert set(missing_key["content"]) == {""}


def test_aggregations_total_leaves_and_weight_parents(
    api: httpx.Client, runs: dict[str, str]
) -> None:
    by_tag = groups(api, {"field": "tags"}, path="groups/aggregations")["content"]
    assert set(by_tag) == {"a", "b", ""}  # an untagged experiment groups under ""
    a = by_tag["a"]["aggregations"]
    assert (a["experiment_count"], a["trace_count"]) == (2, 2)
    assert a["feedback_scores"] == [{"name": "equals", "value": 0.5}]
    assert by_tag["b"]["aggregations"]["feedback_scores"] == [{"name": "equals", "value": 0.0}]
    assert by_tag[""]["aggregations"] == {"experiment_count": 1, "trace_count": 0}
    assert by_tag["a"]["label"] == "a"

    nested = groups(api, {"field": "dataset_id"}, {"field": "tags"}, path="groups/aggregations")[
        "content"
    ]
    qa = nested[runs["qa"]]
    assert qa["label"] == "qa"
    assert set(qa["groups"]) == {"a", "b"}
    parent = qa["aggregations"]
    assert (parent["experiment_count"], parent["trace_count"]) == (3, 3)  # a tag counts each
    ((score,),) = [parent["feedback_scores"]]
    assert score["name"] == "equals"
    assert score["value"] == pytest.approx(1 / 3)  # (0.5 x 2 + 0.0 x 1) / 3
    assert parent["duration"]["p50"] >= 0


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (None, ("groups", "required")),
        ("not json", ("groups",)),
        ("[]", ("at least one",)),
        ('[{"field": "name"}]', ("groups[0].field", "dataset_id")),
        ('[{"field": "metadata"}]', ("groups[0].key",)),
        ('[{"field": "tags", "type": "string"}]', ("groups[0].type",)),
    ],
)
@pytest.mark.parametrize("path", ["groups", "groups/aggregations"])
def test_groups_bad_input(api: httpx.Client, raw: str | None, words: tuple, path: str) -> None:
    params = {} if raw is None else {"groups": raw}
    assert_error(api.get(f"{EXPERIMENTS}/{path}", params=params), 400, *words)


def test_groups_refuse_filters_and_a_bad_project(api: httpx.Client) -> None:
    by = json.dumps([{"field": "dataset_id"}])
    filters = json.dumps([{"field": "name", "operator": "contains", "value": "x"}])
    url = f"{EXPERIMENTS}/groups"
    assert_error(api.get(url, params={"groups": by, "filters": filters}), 400, "filters")
    assert_error(api.get(url, params={"groups": by, "project_id": "x"}), 400, "project_id")
    assert groups(api, {"field": "dataset_id"}, filters="[]")["content"] == {}
