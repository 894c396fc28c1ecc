"""Evaluation helpers: the capitals data set and a task that knows it, the key mapping the
metrics use, and readers of the backend's view of experiments (through the ``api`` fixture
of ``tests/conftest.py``, in the test's workspace)."""

from __future__ import annotations

import json
from typing import Any

import httpx

from opik_jupyter.evaluation import Dataset
from opik_jupyter.testing import RecordedRequest

CAPITALS = [("france", "Paris"), ("peru", "Lima"), ("chad", "N'Djamena"), ("japan", "Tokyo")]


def answer(item: dict[str, Any]) -> str:
    """A task that knows every capital."""
    return dict(CAPITALS)[item["input"]]


MAPPING = {"reference": "expected_output"}


def prompt_of(request: RecordedRequest) -> str:
    return str(request.body["messages"][-1]["content"])


def experiment(api: httpx.Client, experiment_id: str) -> dict[str, Any]:
    response = api.get(f"v1/private/experiments/{experiment_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def experiments_of(api: httpx.Client, dataset: Dataset) -> list[dict[str, Any]]:
    found = api.get("v1/private/experiments", params={"dataset_id": dataset.id, "size": 100})
    return list(found.json()["content"])


def linked_items(api: httpx.Client, name: str) -> list[dict[str, Any]]:
    found = api.post("v1/private/experiments/items/stream", json={"experiment_name": name})
    return [json.loads(line) for line in found.text.splitlines()]
