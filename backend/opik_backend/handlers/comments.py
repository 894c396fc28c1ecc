"""Comments (annotations) on traces, spans and threads: add, get, edit, delete in batch.

The routes are Opik's: ``POST /{kind}/{id}/comments`` (201, ``Location``),
``GET /{kind}/{entity_id}/comments/{comment_id}``, ``PATCH /{kind}/comments/{comment_id}``
and ``POST /{kind}/comments/delete``, where kind is ``traces``, ``spans`` or
``traces/threads`` (a thread is named by its ``thread_model_id``). Comments also come with
every trace, span and thread read.
"""

from __future__ import annotations

from ..errors import NotFound, ValidationFailed
from ..ids import check_v7, new_id, path_id
from ..schemas import CommentWrite, DeleteIds
from ..storage.comments import comment_public
from .base import ApiHandler, Route, operation

ENTITY_TYPES = {"traces": "trace", "spans": "span", "traces/threads": "thread"}


class CommentHandler(ApiHandler):
    entity_type: str  # trace, span or thread
    prefix: str  # the entity's route prefix: traces, spans or traces/threads
    tag = "comments"

    async def project_of(self, entity_id: str) -> str:
        """The project of the commented entity; 404 when there is none."""
        if self.entity_type != "thread":
            return str((await self.stored(self.entity_type, entity_id))["project_id"])
        thread = await self.blocking(self.services.threads.by_model_id, self.workspace, entity_id)
        if thread is None:
            raise NotFound(f"thread {entity_id} not found")
        return str(thread[0])

    def text_of(self, body: CommentWrite) -> str:
        if not body.text.strip():
            raise ValidationFailed("text: must not be blank")
        return body.text


class AddCommentHandler(CommentHandler):
    @operation(
        "Add a comment to a stored trace, span or thread; Location names it",
        status=201,
        body=CommentWrite,
    )
    async def post(self, entity_id: str) -> None:
        entity_id = path_id(entity_id, self.entity_type)
        body = self.body_as(CommentWrite)
        text = self.text_of(body)
        comment_id = check_v7(body.id, "id") if body.id else new_id()
        project_id = await self.project_of(entity_id)
        await self.blocking(
            self.services.reads.comments.add,
            self.workspace,
            self.entity_type,
            entity_id,
            project_id,
            comment_id,
            text,
            self.user,
        )
        self.set_location(f"/v1/private/{self.prefix}/{entity_id}/comments/{comment_id}")
        self.set_status(201)
        self.clear_header("Content-Type")
        self.finish()


class GetCommentHandler(CommentHandler):
    @operation("Get one comment of a trace, span or thread")
    async def get(self, entity_id: str, comment_id: str) -> None:
        entity_id = path_id(entity_id, self.entity_type)
        comment_id = path_id(comment_id, "comment")
        row = await self.blocking(
            self.services.reads.comments.get, self.workspace, self.entity_type, comment_id
        )
        if row is None or row["entity_id"] != entity_id:
            raise NotFound(f"comment {comment_id} of {self.entity_type} {entity_id} not found")
        self.send_json(comment_public(row))


class UpdateCommentHandler(CommentHandler):
    @operation("Replace the text of a comment", status=204, body=CommentWrite)
    async def patch(self, comment_id: str) -> None:
        comment_id = path_id(comment_id, "comment")
        text = self.text_of(self.body_as(CommentWrite))
        updated = await self.blocking(
            self.services.reads.comments.update,
            self.workspace,
            self.entity_type,
            comment_id,
            text,
            self.user,
        )
        if not updated:
            raise NotFound(f"comment {comment_id} not found")
        self.no_content()


class DeleteCommentsHandler(CommentHandler):
    @operation("Delete comments by id", status=204, body=DeleteIds)
    async def post(self) -> None:
        body = self.body_as(DeleteIds)
        ids = [check_v7(comment_id, f"ids[{i}]") for i, comment_id in enumerate(body.ids)]
        await self.blocking(
            self.services.reads.comments.delete, self.workspace, self.entity_type, ids
        )
        self.no_content()


def routes() -> list[Route]:
    made: list[Route] = []
    for prefix, entity_type in ENTITY_TYPES.items():
        base = f"/v1/private/{prefix}"
        for suffix, handler in (
            ("/{id}/comments", AddCommentHandler),
            ("/{entity_id}/comments/{comment_id}", GetCommentHandler),
            ("/comments/{comment_id}", UpdateCommentHandler),
            ("/comments/delete", DeleteCommentsHandler),
        ):
            cls = type(
                f"{entity_type.title()}{handler.__name__}",
                (handler,),
                {"entity_type": entity_type, "prefix": prefix, "path": base + suffix},
            )
            made.append((base + suffix, cls))
    return made
