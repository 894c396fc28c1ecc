"""Threads: traces that share a ``thread_id``, listed, searched, retrieved and deleted."""

from __future__ import annotations

from ..codec import encode
from ..errors import NotFound
from ..schemas import DeleteThreads, ThreadRetrieve, ThreadSearch
from ..storage import deletions
from ..storage.filter_sql import parse
from .base import Route, operation
from .observations import TRACE, KindHandler

BASE = "/v1/private/traces/threads"


class ThreadHandler(KindHandler):
    kind = TRACE
    tag = "threads"


class ThreadsHandler(ThreadHandler):
    path = BASE

    @operation(
        "List the threads of a project, most recently active first",
        query=("project_name", "project_id", "page", "size", "filters"),
    )
    async def get(self) -> None:
        project = await self.project_from_args()
        page, size = self.page_args()
        content, total = await self.blocking(
            self.services.threads.page,
            self.workspace,
            project.id,
            parse(self.str_arg("filters")),
            page,
            size,
        )
        self.send_page(page, content, total)


class ThreadRetrieveHandler(ThreadHandler):
    path = BASE + "/retrieve"

    @operation("Get one thread by its id", body=ThreadRetrieve)
    async def post(self) -> None:
        body = self.body_as(ThreadRetrieve)
        project = await self.project(name=body.project_name, id=body.project_id)
        found = await self.blocking(
            self.services.threads.get, self.workspace, project.id, body.thread_id
        )
        if found is None:
            raise NotFound(f"thread {body.thread_id!r} not found in project {project.name!r}")
        self.send_json(found)


class ThreadSearchHandler(ThreadHandler):
    path = BASE + "/search"

    @operation(
        "Stream matching threads as NDJSON; page with last_retrieved_thread_model_id",
        body=ThreadSearch,
        streams=True,
    )
    async def post(self) -> None:
        body = self.body_as(ThreadSearch)
        project = await self.project(name=body.project_name, id=body.project_id)
        found = await self.blocking(
            self.services.threads.after,
            self.workspace,
            project.id,
            parse(body.filters),
            body.last_retrieved_thread_model_id,
            body.limit,
        )
        self.set_header("Content-Type", "application/x-ndjson")
        self.finish(b"".join(encode(item) + b"\n" for item in found))


class ThreadDeleteHandler(ThreadHandler):
    path = BASE + "/delete"

    @operation("Delete threads: their traces, spans and scores", status=204, body=DeleteThreads)
    async def post(self) -> None:
        body = self.body_as(DeleteThreads)
        project = await self.project(name=body.project_name, id=body.project_id)
        trace_ids = await self.blocking(
            self.services.threads.trace_ids, self.workspace, project.id, body.thread_ids
        )
        await self.commit(deletions.threads(self.workspace, project.id, body.thread_ids, trace_ids))
        self.no_content()


def routes() -> list[Route]:
    return [
        (cls.path, cls)
        for cls in (ThreadsHandler, ThreadRetrieveHandler, ThreadSearchHandler, ThreadDeleteHandler)
    ]
