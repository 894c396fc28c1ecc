"""Annotation queues: queues of a project's traces or threads for people to review and
score; create (one or a batch), list, get, update, delete, add and remove items, and (our
addition) the items with the scores each still needs.

An item is done when it has every score the queue asks for (``feedback_definition_names``;
with none named, any score); progress is read from the stored scores, so it survives
anything a reviewer's notebook does."""

from __future__ import annotations

import json
from typing import Any

from ..errors import ValidationFailed
from ..ids import check_v7, new_id, path_id
from ..schemas import (
    AnnotationQueueBatch,
    AnnotationQueueItemIds,
    AnnotationQueueUpdate,
    AnnotationQueueWrite,
    DeleteIds,
)
from ..storage.annotation_queues import AnnotationQueue, AnnotationQueues
from ..storage.shapes import Public
from .base import ApiHandler, Route, operation

BASE = "/v1/private/annotation-queues"


class QueueHandler(ApiHandler):
    tag = "annotation-queues"

    @property
    def store(self) -> AnnotationQueues:
        return self.services.annotation_queues

    async def create(self, body: AnnotationQueueWrite) -> str:
        """Store one queue; its id."""
        queue_id = check_v7(body.id, "id") if body.id else new_id()
        if not (body.project_id or body.project_name):
            raise ValidationFailed("project_id: a queue belongs to a project; give its id")
        row = {
            "id": queue_id,
            "project_id": (await self.project(name=body.project_name, id=body.project_id)).id,
            "name": body.name,
            "description": body.description,
            "instructions": body.instructions,
            "scope": body.scope,
            "comments_enabled": int(body.comments_enabled is not False),
            "feedback_definition_names": json.dumps(body.feedback_definition_names or []),
        }
        await self.blocking(self.store.create, self.workspace, row, self.user)
        return queue_id

    def progress(self, queue: AnnotationQueue) -> Progress:
        """The queue's items with their scores and comments, read from the stores."""
        ids = self.store.item_ids(queue.id)
        reads = self.services.reads
        return Progress(
            queue,
            ids,
            reads.scores(self.workspace, queue.scope, ids, queue.project_id),
            reads.comments.of(self.workspace, queue.scope, ids),
        )

    def with_progress(self, queue: AnnotationQueue) -> Public:
        """Opik's queue fields, with ``reviewers``, the score averages and ``items_done``."""
        return {**queue.public(), **self.progress(queue).summary()}


class Progress:
    """Which items of a queue have the scores it asks for, who gave them, their averages."""

    def __init__(
        self,
        queue: AnnotationQueue,
        ids: list[str],
        scores: dict[str, list[Public]],
        comments: dict[str, list[Public]],
    ) -> None:
        self.required = set(json.loads(queue.feedback_definition_names))
        self.ids = ids
        self.comments = comments
        self.scores = {item: [s for s in scores.get(item, []) if self._counts(s)] for item in ids}

    def _counts(self, score: Public) -> bool:
        return not self.required or score["name"] in self.required

    def done(self, item: str) -> bool:
        names = {s["name"] for s in self.scores[item]}
        return self.required <= names if self.required else bool(names)

    def item(self, item: str) -> Public:
        out: Public = {"id": item, "done": self.done(item), "feedback_scores": self.scores[item]}
        if self.comments.get(item):
            out["comments"] = self.comments[item]
        return out

    def summary(self) -> Public:
        reviewed: dict[str, set[str]] = {}
        values: dict[str, list[float]] = {}
        for item, scores in self.scores.items():
            for score in scores:
                reviewed.setdefault(score.get("created_by") or "unknown", set()).add(item)
                values.setdefault(score["name"], []).append(float(score["value"]))
        out: Public = {"items_done": sum(self.done(item) for item in self.ids)}
        if reviewed:
            out["reviewers"] = [
                {"username": name, "status": len(items)} for name, items in sorted(reviewed.items())
            ]
        if values:
            out["feedback_scores"] = [
                {"name": name, "value": sum(v) / len(v)} for name, v in sorted(values.items())
            ]
        return out


class QueuesHandler(QueueHandler):
    path = BASE

    @operation("Page of annotation queues, newest first", query=("page", "size", "name"))
    async def get(self) -> None:
        page, size = self.page_args()
        project_id = self.str_arg("project_id")
        found, total = await self.blocking(
            self.store.page,
            self.workspace,
            page,
            size,
            self.str_arg("name"),
            check_v7(project_id, "project_id") if project_id else None,
        )
        content = [await self.blocking(self.with_progress, q) for q in found]
        self.send_json({"page": page, "size": len(content), "total": total, "content": content})

    @operation("Create an annotation queue", status=201, body=AnnotationQueueWrite)
    async def post(self) -> None:
        queue_id = await self.create(self.body_as(AnnotationQueueWrite))
        self.set_location(f"{BASE}/{queue_id}")
        self.set_status(201)
        self.clear_header("Content-Type")
        self.finish()


class QueueBatchHandler(QueueHandler):
    path = BASE + "/batch"

    @operation("Create annotation queues", status=204, body=AnnotationQueueBatch)
    async def post(self) -> None:
        for queue in self.body_as(AnnotationQueueBatch).annotation_queues:
            await self.create(queue)
        self.no_content()


class QueueDeleteHandler(QueueHandler):
    path = BASE + "/delete"

    @operation("Delete annotation queues by id", status=204, body=DeleteIds)
    async def post(self) -> None:
        body = self.body_as(DeleteIds)
        ids = [check_v7(i, f"ids[{n}]") for n, i in enumerate(body.ids)]
        await self.blocking(self.store.delete, self.workspace, ids)
        self.no_content()


class QueueByIdHandler(QueueHandler):
    path = BASE + "/{id}"

    @operation("Get an annotation queue with its item count and progress")
    async def get(self, queue_id: str) -> None:
        found = await self.blocking(self.store.get, self.workspace, path_id(queue_id, "queue"))
        self.send_json(await self.blocking(self.with_progress, found))

    @operation("Update an annotation queue", status=204, body=AnnotationQueueUpdate)
    async def patch(self, queue_id: str) -> None:
        body = self.body_as(AnnotationQueueUpdate)
        changes: dict[str, Any] = {
            k: v
            for k, v in (
                ("name", body.name),
                ("description", body.description),
                ("instructions", body.instructions),
            )
            if v is not None
        }
        if body.comments_enabled is not None:
            changes["comments_enabled"] = int(body.comments_enabled)
        if body.feedback_definition_names is not None:
            changes["feedback_definition_names"] = json.dumps(body.feedback_definition_names)
        await self.blocking(
            self.store.update, self.workspace, path_id(queue_id, "queue"), changes, self.user
        )
        self.no_content()


class QueueItemsAddHandler(QueueHandler):
    path = BASE + "/{id}/items/add"

    @operation("Add traces (or threads) to a queue", status=204, body=AnnotationQueueItemIds)
    async def post(self, queue_id: str) -> None:
        body = self.body_as(AnnotationQueueItemIds)
        await self.blocking(
            self.store.add_items, self.workspace, path_id(queue_id, "queue"), body.ids
        )
        self.no_content()


class QueueItemsDeleteHandler(QueueHandler):
    path = BASE + "/{id}/items/delete"

    @operation("Remove traces (or threads) from a queue", status=204, body=AnnotationQueueItemIds)
    async def post(self, queue_id: str) -> None:
        body = self.body_as(AnnotationQueueItemIds)
        await self.blocking(
            self.store.remove_items, self.workspace, path_id(queue_id, "queue"), body.ids
        )
        self.no_content()


class QueueItemsHandler(QueueHandler):
    path = BASE + "/{id}/items"

    @operation("Page of a queue's items in order, with scores and done", query=("page", "size"))
    async def get(self, queue_id: str) -> None:
        page, size = self.page_args()
        queue = await self.blocking(self.store.get, self.workspace, path_id(queue_id, "queue"))
        progress = await self.blocking(self.progress, queue)
        ids = progress.ids[(page - 1) * size : page * size]
        self.send_json(
            {
                "page": page,
                "size": len(ids),
                "total": len(progress.ids),
                "done": progress.summary()["items_done"],
                "content": [progress.item(item) for item in ids],
            }
        )


def routes() -> list[Route]:
    return [
        (cls.path, cls)
        for cls in (
            QueuesHandler,
            QueueBatchHandler,
            QueueDeleteHandler,
            QueueByIdHandler,
            QueueItemsAddHandler,
            QueueItemsDeleteHandler,
            QueueItemsHandler,
        )
    ]
