"""The datasets and experiments routes of the Opik REST API, as small functions on a
:class:`~opik_jupyter.sdk.Client` (see ``docs/backend.md``). They raise what the client
raises: ``HttpStatusError`` with the backend's message, ``TransportError``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from ..sdk import Client

DATASETS = "v1/private/datasets"
EXPERIMENTS = "v1/private/experiments"
PUT_BATCH = 1000
"""Dataset items per ``PUT`` (the API takes up to 10,000; smaller keeps requests small)."""

# -- datasets ------------------------------------------------------------------------------


def find_dataset(client: Client, name: str) -> dict[str, Any] | None:
    """The dataset with this name, or None."""
    found: dict[str, Any] | None = client.json(
        "POST", f"{DATASETS}/retrieve", {"dataset_name": name}
    )
    return found


def get_dataset(client: Client, dataset_id: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = client.json("GET", f"{DATASETS}/{dataset_id}")
    return found


def create_dataset(client: Client, body: Mapping[str, Any]) -> dict[str, Any]:
    created: dict[str, Any] = client.json("POST", DATASETS, dict(body))
    return created


def delete_dataset(client: Client, dataset_id: str) -> None:
    client.request("DELETE", f"{DATASETS}/{dataset_id}")


def put_items(client: Client, dataset_id: str, items: Sequence[Mapping[str, Any]]) -> None:
    """Create or replace items (``{"id", "data", "source", ...}``) in batches."""
    _batched(client, "PUT", f"{DATASETS}/items", "items", items, dataset_id=dataset_id)


def delete_items(client: Client, item_ids: Sequence[str]) -> None:
    _batched(client, "POST", f"{DATASETS}/items/delete", "item_ids", item_ids)


def stream_items(
    client: Client, dataset_name: str, version_id: str | None = None
) -> list[dict[str, Any]]:
    """Every item of the dataset (of its version ``version_id`` if given), oldest first."""
    body = {"dataset_name": dataset_name}
    if version_id:
        body["dataset_version"] = version_id
    pages = client.stream(f"{DATASETS}/items/stream", body, limit_key="steam_limit")
    return [row for page in pages for row in page][::-1]


def create_version(client: Client, dataset_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
    created: dict[str, Any] = client.json("POST", f"{DATASETS}/{dataset_id}/versions", dict(body))
    return created


def list_versions(client: Client, dataset_id: str) -> list[dict[str, Any]]:
    """Every version of the dataset, newest first."""
    return _paged(client, f"{DATASETS}/{dataset_id}/versions", {})


def get_version(client: Client, dataset_id: str, ref: str) -> dict[str, Any] | None:
    """The version ``ref`` names (hash, id, name such as ``v1``, or tag), or None."""
    found: dict[str, Any] | None = client.json(
        "GET", f"{DATASETS}/{dataset_id}/versions/hash/{quote(ref, safe='')}"
    )
    return found


def get_item(client: Client, item_id: str) -> dict[str, Any] | None:
    """The current item with this id (in any dataset), or None."""
    found: dict[str, Any] | None = client.json("GET", f"{DATASETS}/items/{quote(item_id)}")
    return found


def patch_item(client: Client, item_id: str, body: Mapping[str, Any]) -> None:
    """Change the fields of ``body`` on an item (a new version of its dataset)."""
    client.request("PATCH", f"{DATASETS}/items/{quote(item_id)}", dict(body))


def diff_versions(
    client: Client, dataset_id: str, start: str | None, end: str | None
) -> dict[str, Any] | None:
    """Opik's version diff: from ``start`` (default: the newest version) to ``end``
    (default: the current items); None if a version is missing."""
    params = {k: v for k, v in (("from", start), ("to", end)) if v}
    found: dict[str, Any] | None = client.json(
        "GET", f"{DATASETS}/{dataset_id}/versions/diff", params=params
    )
    return found


def restore_version(client: Client, dataset_id: str, ref: str) -> dict[str, Any] | None:
    """Make version ``ref``'s items current (a new version); None if it is missing."""
    found: dict[str, Any] | None = client.json(
        "POST", f"{DATASETS}/{dataset_id}/versions/restore", {"version_ref": ref}
    )
    return found


# -- experiments ---------------------------------------------------------------------------


def create_experiment(client: Client, body: Mapping[str, Any]) -> dict[str, Any]:
    created: dict[str, Any] = client.json("POST", EXPERIMENTS, dict(body))
    return created


def get_experiment(client: Client, experiment_id: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = client.json("GET", f"{EXPERIMENTS}/{experiment_id}")
    return found


def list_experiments(client: Client, **params: Any) -> list[dict[str, Any]]:
    """Experiments (newest first) matching the list's query parameters (``dataset_id``,
    ``name`` as a substring, ``experiment_ids`` as a list...)."""
    if isinstance(params.get("experiment_ids"), list | tuple):
        params["experiment_ids"] = json.dumps(list(params["experiment_ids"]))
    return _paged(client, EXPERIMENTS, params)


def experiments_named(client: Client, dataset_id: str, name: str) -> list[dict[str, Any]]:
    """The experiments of a dataset with exactly this name (newest first)."""
    return [
        e
        for e in list_experiments(client, dataset_id=dataset_id, name=name)
        if e.get("name") == name
    ]


def experiment_items(client: Client, experiment: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The items (links of dataset items to traces) of one experiment."""
    pages = client.stream(f"{EXPERIMENTS}/items/stream", {"experiment_name": experiment["name"]})
    return [row for page in pages for row in page if row.get("experiment_id") == experiment["id"]]


def link_items(client: Client, links: Sequence[Mapping[str, Any]]) -> None:
    """Create experiment items (``{"id", "experiment_id", "dataset_item_id", "trace_id",
    "project_name"}``)."""
    _batched(client, "POST", f"{EXPERIMENTS}/items", "experiment_items", links)


def delete_experiment_items(client: Client, item_ids: Sequence[str]) -> None:
    _batched(client, "POST", f"{EXPERIMENTS}/items/delete", "ids", item_ids)


def finish_experiment(client: Client, experiment_id: str) -> None:
    client.request("POST", f"{EXPERIMENTS}/finish", {"ids": [experiment_id]})


def delete_experiment(client: Client, experiment_id: str) -> None:
    client.request("POST", f"{EXPERIMENTS}/delete", {"ids": [experiment_id]})


def compare_rows(
    client: Client, dataset_id: str, experiment_ids: Sequence[str]
) -> list[dict[str, Any]]:
    """The comparison view: every dataset item the experiments ran, oldest first, each with
    ``experiment_items`` (trace input, output, metadata and scores per experiment)."""
    rows = _paged(
        client,
        f"{DATASETS}/{dataset_id}/items/experiments/items",
        {"experiment_ids": json.dumps(list(experiment_ids))},
    )
    return list(reversed(rows))


def delete_traces(client: Client, trace_ids: Sequence[str]) -> None:
    _batched(client, "POST", "v1/private/traces/delete", "ids", trace_ids)


def _paged(client: Client, path: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [row for page in client.pages(path, params) for row in page]


def _batched(
    client: Client, method: str, path: str, key: str, values: Sequence[Any], **fields: Any
) -> None:
    client.batched(method, path, key, values, PUT_BATCH, **fields)
