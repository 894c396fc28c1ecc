"""Annotation queues: queues of a project's traces or threads for people to review and
score; create (one or a batch), list, get, update, delete, add and remove items."""

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
from ..storage.annotation_queues import AnnotationQueues
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
        content = [q.public() for q in found]
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

    @operation("Get an annotation queue with its item count")
    async def get(self, queue_id: str) -> None:
        found = await self.blocking(self.store.get, self.workspace, path_id(queue_id, "queue"))
        self.send_json(found.public())

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
        )
    ]
