"""Experiments made through the REST API for tests: one experiment, one scored run."""

from __future__ import annotations

import httpx

from tests.testlib.builders import new_id, trace

EXPERIMENTS = "v1/private/experiments"


def new_experiment(api: httpx.Client, dataset: str = "qa", **fields: object) -> dict:
    response = api.post(
        EXPERIMENTS, json={"id": new_id(), "dataset_name": dataset, "project_name": "p", **fields}
    )
    assert response.status_code == 201, response.text
    return response.json()


def run(
    api: httpx.Client, experiment_id: str, dataset_item_id: str, output: object, **scores: float
) -> str:
    """Log a trace for a dataset item, score it, and link it to the experiment."""
    body = trace(input={"item": dataset_item_id}, output={"output": output})
    assert api.post("v1/private/traces/batch", json={"traces": [body]}).status_code == 204
    if scores:
        api.put(
            "v1/private/traces/feedback-scores",
            json={
                "scores": [
                    {"id": body["id"], "project_name": "p", "name": name, "value": value}
                    for name, value in scores.items()
                ]
            },
        )
    link = {
        "experiment_items": [
            {
                "id": new_id(),
                "experiment_id": experiment_id,
                "dataset_item_id": dataset_item_id,
                "trace_id": body["id"],
                "project_name": "p",
            }
        ]
    }
    assert api.post(f"{EXPERIMENTS}/items", json=link).status_code == 204
    return str(body["id"])
