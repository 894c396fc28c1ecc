"""Feedback definitions: named score schemas (numerical ranges, categories)."""

from __future__ import annotations

from ..ids import check_uuid
from ..schemas import DeleteDefinitions, FeedbackDefinitionWrite
from .base import ApiHandler, Route, operation

BASE = "/v1/private/feedback-definitions"


class DefinitionHandler(ApiHandler):
    tag = "feedback-definitions"


class DefinitionsHandler(DefinitionHandler):
    path = BASE

    @operation("List feedback definitions", query=("page", "size", "name", "type"))
    async def get(self) -> None:
        page, size = self.page_args()
        content, total = await self.blocking(
            self.services.definitions.page,
            self.workspace,
            page,
            size,
            self.str_arg("name"),
            self.str_arg("type"),
        )
        self.send_page(page, content, total)

    @operation("Create a feedback definition", status=201, body=FeedbackDefinitionWrite)
    async def post(self) -> None:
        body = self.body_as(FeedbackDefinitionWrite)
        if body.id:
            check_uuid(body.id, "id")
        created = await self.blocking(self.services.definitions.create, self.workspace, body)
        self.set_location(f"{BASE}/{created['id']}")
        self.send_json(created, status=201)


class DefinitionItemHandler(DefinitionHandler):
    path = BASE + "/{id}"

    @operation("Get a feedback definition")
    async def get(self, definition_id: str) -> None:
        found = await self.blocking(
            self.services.definitions.get, self.workspace, check_uuid(definition_id, "id")
        )
        self.send_json(found)

    @operation("Replace a feedback definition", status=204, body=FeedbackDefinitionWrite)
    async def put(self, definition_id: str) -> None:
        body = self.body_as(FeedbackDefinitionWrite)
        await self.blocking(
            self.services.definitions.update, self.workspace, check_uuid(definition_id, "id"), body
        )
        self.no_content()

    @operation("Delete a feedback definition", status=204)
    async def delete(self, definition_id: str) -> None:
        await self.blocking(
            self.services.definitions.delete, self.workspace, [check_uuid(definition_id, "id")]
        )
        self.no_content()


class DefinitionDeleteHandler(DefinitionHandler):
    path = BASE + "/delete"

    @operation("Delete feedback definitions by id", status=204, body=DeleteDefinitions)
    async def post(self) -> None:
        body = self.body_as(DeleteDefinitions)
        ids = [check_uuid(i, f"ids[{n}]") for n, i in enumerate(body.ids)]
        await self.blocking(self.services.definitions.delete, self.workspace, ids)
        self.no_content()


def routes() -> list[Route]:
    return [
        (cls.path, cls)
        for cls in (DefinitionsHandler, DefinitionDeleteHandler, DefinitionItemHandler)
    ]
