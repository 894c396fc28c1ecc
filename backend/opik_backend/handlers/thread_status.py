"""Closing and opening threads by hand: ``PUT /traces/threads/close`` and ``open``."""

from __future__ import annotations

from ..errors import BadRequest, NotFound
from ..schemas import ThreadBatchIdentifier, ThreadRetrieve
from ..storage.threads_status import ThreadStates
from .base import Route, operation
from .threads import BASE, ThreadHandler


class ThreadStateHandler(ThreadHandler):
    async def record_status(
        self, project_name: str | None, project_id: str | None, ids: list[str], status: str
    ) -> None:
        """Record ``status`` for threads of a project; 404 naming a thread it does not have."""
        project = await self.project(name=project_name, id=project_id)
        for thread_id in ids:
            found = await self.blocking(
                self.services.threads.get, self.workspace, project.id, thread_id
            )
            if found is None:
                raise NotFound(f"thread {thread_id!r} not found in project {project.name!r}")
        states = ThreadStates(self.services.ch)
        await self.blocking(states.set, self.workspace, project.id, ids, status, self.user)
        self.no_content()


class CloseThreadsHandler(ThreadStateHandler):
    path = BASE + "/close"

    @operation(
        "Close threads (status inactive until a newer trace arrives)",
        status=204,
        body=ThreadBatchIdentifier,
    )
    async def put(self) -> None:
        body = self.body_as(ThreadBatchIdentifier)
        ids = list(
            dict.fromkeys([*([body.thread_id] if body.thread_id else []), *(body.thread_ids or [])])
        )
        if not ids:
            raise BadRequest("thread_id or thread_ids: give the threads to close")
        await self.record_status(body.project_name, body.project_id, ids, "inactive")


class OpenThreadHandler(ThreadStateHandler):
    path = BASE + "/open"

    @operation("Open a thread again (status active)", status=204, body=ThreadRetrieve)
    async def put(self) -> None:
        body = self.body_as(ThreadRetrieve)
        await self.record_status(body.project_name, body.project_id, [body.thread_id], "active")


def routes() -> list[Route]:
    return [(cls.path, cls) for cls in (CloseThreadsHandler, OpenThreadHandler)]
