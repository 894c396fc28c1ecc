"""Annotation queues: traces or threads of a project set aside for people to score.

A queue names the scores each item needs (feedback definitions: categorical, numerical or
boolean). An item is done once it has all of them; progress is read back from the stored
scores, so it is the same in every notebook and after a kernel restart.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from ._client import Client
from ._transport import OpikJupyterError

QUEUES = "v1/private/annotation-queues"
DEFINITIONS = "v1/private/feedback-definitions"

ScoreSpec = str | Mapping[str, Any]
"""A score a queue asks for: the name of a feedback definition, or a new one as
``{"name", "categories": {label: value}}``, ``{"name", "min", "max"}`` or
``{"name", "true_label", "false_label"}``."""


class AnnotationQueueError(OpikJupyterError, ValueError):
    """An annotation-queue call was given something the backend cannot use."""


def create_annotation_queue(
    name: str,
    *,
    scope: Literal["trace", "thread"] = "trace",
    scores: Sequence[ScoreSpec] = (),
    instructions: str | None = None,
    description: str | None = None,
    comments: bool = True,
    project: str | None = None,
    items: Iterable[str] = (),
    client: Client | None = None,
) -> dict[str, Any]:
    """Create a queue of a project's traces (or threads, ``scope="thread"``) and return it.

    ``scores`` are the scores each item needs; a mapping creates its feedback definition
    when none of that name exists. ``items`` are trace (or thread) ids to add at once.
    """
    if scope not in ("trace", "thread"):
        raise AnnotationQueueError(f"scope must be 'trace' or 'thread', not {scope!r}")
    client = client or Client()
    names = [_definition(client, spec) for spec in scores]
    project_name = project or client.project
    created = client.request(
        "POST",
        QUEUES,
        {
            "name": name,
            "project_name": project_name,
            "scope": scope,
            "instructions": instructions,
            "description": description,
            "comments_enabled": comments,
            "feedback_definition_names": names,
        },
    )
    if created is None:
        raise AnnotationQueueError(
            f"no project named {project_name!r}: a queue holds a project's traces; "
            "log some to it first (or pass project=)"
        )
    queue = get_annotation_queue(name, project=project, client=client)
    ids = list(items)
    if ids:
        add_to_annotation_queue(queue["id"], ids, client=client)
        queue = get_annotation_queue(queue["id"], client=client)
    return queue


def list_annotation_queues(
    project: str | None = None, client: Client | None = None
) -> list[dict[str, Any]]:
    """The queues of a project (the SDK's current one by default) with their progress
    (``items_count``, ``items_done``), newest first."""
    client = client or Client()
    found = client.json("POST", "v1/private/projects/retrieve", {"name": project or client.project})
    if found is None:
        return []
    return [q for page in client.pages(QUEUES, {"project_id": found["id"]}) for q in page]


def get_annotation_queue(
    queue: str, *, project: str | None = None, client: Client | None = None
) -> dict[str, Any]:
    """A queue by id, or by name in a project (the SDK's current one by default);
    ``LookupError`` when there is none."""
    client = client or Client()
    if _is_uuid(queue):
        found = client.json("GET", f"{QUEUES}/{queue}")
        if found is not None:
            return dict(found)
    for candidate in list_annotation_queues(project, client):
        if candidate["name"] == queue:
            return candidate
    raise LookupError(
        f"no annotation queue {queue!r} in project {project or client.project!r}; "
        "list_annotation_queues() shows the ones there are"
    )


def add_to_annotation_queue(
    queue: str, ids: Iterable[str], *, project: str | None = None, client: Client | None = None
) -> None:
    """Add trace (or thread) ids to a queue (given by id or name); ids already there stay once."""
    _change_items(queue, ids, "add", project, client)


def remove_from_annotation_queue(
    queue: str, ids: Iterable[str], *, project: str | None = None, client: Client | None = None
) -> None:
    """Take trace (or thread) ids out of a queue; their scores stay on the traces."""
    _change_items(queue, ids, "delete", project, client)


def annotation_queue_progress(
    queue: str, *, project: str | None = None, client: Client | None = None
) -> dict[str, Any]:
    """``{"done", "total", "items": [{"id", "done", "feedback_scores", ...}]}``, read
    from the stored scores."""
    client = client or Client()
    queue_id = get_annotation_queue(queue, project=project, client=client)["id"]
    items = [item for page in client.pages(f"{QUEUES}/{queue_id}/items") for item in page]
    return {"done": sum(bool(i["done"]) for i in items), "total": len(items), "items": items}


def delete_annotation_queue(
    queue: str, *, project: str | None = None, client: Client | None = None
) -> None:
    """Delete a queue (its traces and their scores stay)."""
    client = client or Client()
    queue_id = get_annotation_queue(queue, project=project, client=client)["id"]
    client.request("POST", f"{QUEUES}/delete", {"ids": [queue_id]})


def feedback_definitions(names: Sequence[str], client: Client) -> list[dict[str, Any]]:
    """The feedback definitions of these names, in that order; ``AnnotationQueueError``
    naming those that do not exist."""
    found: dict[str, dict[str, Any]] = {}
    for name in names:
        for page in client.pages(DEFINITIONS, {"name": name}):
            found.update({d["name"]: d for d in page if d["name"] == name})
    missing = [name for name in names if name not in found]
    if missing:
        raise AnnotationQueueError(
            f"no feedback definition named {', '.join(map(repr, missing))}; create one, e.g. "
            'with scores=[{"name": ..., "categories": {...}}] in create_annotation_queue()'
        )
    return [found[name] for name in names]


def _change_items(
    queue: str, ids: Iterable[str], action: str, project: str | None, client: Client | None
) -> None:
    client = client or Client()
    values = [str(i) for i in ids]
    if not values:
        return
    queue_id = get_annotation_queue(queue, project=project, client=client)["id"]
    client.batched("POST", f"{QUEUES}/{queue_id}/items/{action}", "ids", values, 1000)


def _definition(client: Client, spec: ScoreSpec) -> str:
    """The name of the score ``spec`` asks for, its definition created if new."""
    if isinstance(spec, str):
        feedback_definitions([spec], client)
        return spec
    name = str(spec.get("name") or "")
    if not name:
        raise AnnotationQueueError(f"a score needs a name: {dict(spec)!r}")
    existing = [d for page in client.pages(DEFINITIONS, {"name": name}) for d in page]
    if any(d["name"] == name for d in existing):
        return name
    client.request("POST", DEFINITIONS, {"name": name, **_kind(spec)})
    return name


def _kind(spec: Mapping[str, Any]) -> dict[str, Any]:
    if "categories" in spec:
        categories = {str(k): float(v) for k, v in dict(spec["categories"]).items()}
        if not categories:
            raise AnnotationQueueError(f"score {spec['name']!r}: categories is empty")
        return {"type": "categorical", "details": {"categories": categories}}
    if "true_label" in spec or "false_label" in spec:
        labels = {k: str(spec.get(k, d)) for k, d in (("true_label", "Yes"), ("false_label", "No"))}
        return {"type": "boolean", "details": labels}
    low, high = float(spec.get("min", 0)), float(spec.get("max", 1))
    if low >= high:
        raise AnnotationQueueError(f"score {spec['name']!r}: min {low} is not below max {high}")
    return {"type": "numerical", "details": {"min": low, "max": high}}


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
