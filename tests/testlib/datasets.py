"""Requests on the datasets resource of the REST API, and dataset item bodies."""

from __future__ import annotations

import json

import httpx

from .builders import new_id

DATASETS = "v1/private/datasets"


def create(api: httpx.Client, name: str = "qa", **fields: object) -> dict:
    response = api.post(DATASETS, json={"name": name, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def put_items(api: httpx.Client, dataset: str, *items: dict) -> httpx.Response:
    return api.put(f"{DATASETS}/items", json={"dataset_name": dataset, "items": list(items)})


def retrieve(api: httpx.Client, name: str) -> httpx.Response:
    return api.post(f"{DATASETS}/retrieve", json={"dataset_name": name})


def items_page(api: httpx.Client, dataset_id: str, **params: object) -> dict:
    response = api.get(f"{DATASETS}/{dataset_id}/items", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def stream(api: httpx.Client, dataset: str, **body: object) -> list[dict]:
    response = api.post(f"{DATASETS}/items/stream", json={"dataset_name": dataset, **body})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/x-ndjson"
    return [json.loads(line) for line in response.text.splitlines()]


def item(**data: object) -> dict:
    return {"id": new_id(), "source": "sdk", "data": data}
