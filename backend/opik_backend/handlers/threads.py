"""Threads: traces that share a ``thread_id``, listed, searched, retrieved, tagged, counted
and deleted."""

from __future__ import annotations

from ..codec import encode
from ..errors import NotFound
from ..ids import check_v7, path_id
from ..schemas import (
    DeleteThreads,
    ThreadBatchUpdate,
    ThreadRetrieve,
    ThreadSearch,
    ThreadUpdate,
)
from ..storage import deletions
from ..storage.filter_sql import Filter, parse
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


class ThreadStatsHandler(ThreadHandler):
    path = BASE + "/stats"

    @operation(
        "Count, duration percentiles, turns, cost, usage and score averages of matching threads",
        query=("project_name", "project_id", "filters", "from_time", "to_time"),
    )
    async def get(self) -> None:
        project = await self.project_from_args()
        filters = parse(self.str_arg("filters"))
        for arg, op in (("from_time", ">="), ("to_time", "<=")):
            if value := self.str_arg(arg):
                filters.append(Filter(field="start_time", operator=op, value=value))
        stats = await self.blocking(
            self.services.threads.stats, self.workspace, project.id, filters
        )
        self.send_json({"stats": stats})


def updated_tags(current: list[str], update: ThreadUpdate, merge: bool = False) -> list[str]:
    """A thread's tags after ``update``: ``tags`` replace them (or join them, ``merge``),
    then ``tags_to_add`` join and ``tags_to_remove`` leave."""
    tags = list(current)
    if update.tags is not None:
        tags = [*tags, *update.tags] if merge else list(update.tags)
    tags += update.tags_to_add or []
    removed = set(update.tags_to_remove or [])
    return [tag for tag in dict.fromkeys(tags) if tag not in removed]


class ThreadUpdater(ThreadHandler):
    async def update_threads(self, model_ids: list[str], update: ThreadUpdate, merge: bool) -> None:
        """Apply ``update`` to threads named by thread_model_id; 404 naming one not found,
        before anything is written."""
        by_project: dict[str, dict[str, list[str]]] = {}
        threads = self.services.threads
        for model_id in model_ids:
            found = await self.blocking(threads.by_model_id, self.workspace, model_id)
            thread = None
            if found is not None:
                thread = await self.blocking(threads.get, self.workspace, *found)
            if found is None or thread is None:
                raise NotFound(f"thread {model_id} not found")
            new_tags = updated_tags(thread.get("tags") or [], update, merge)
            by_project.setdefault(found[0], {})[found[1]] = new_tags
        for project_id, tags in by_project.items():
            await self.blocking(threads.set_tags, self.workspace, project_id, tags, self.user)
        self.no_content()


class ThreadBatchUpdateHandler(ThreadUpdater):
    path = BASE + "/batch"

    @operation(
        "Update up to 1000 threads (tags) by thread_model_id", status=204, body=ThreadBatchUpdate
    )
    async def patch(self) -> None:
        body = self.body_as(ThreadBatchUpdate)
        ids = [check_v7(model_id, f"ids[{i}]") for i, model_id in enumerate(body.ids)]
        await self.update_threads(list(dict.fromkeys(ids)), body.update, body.merge_tags)


class ThreadUpdateHandler(ThreadUpdater):
    path = BASE + "/{threadModelId}"

    @operation("Update a thread (tags) by its thread_model_id", status=204, body=ThreadUpdate)
    async def patch(self, model_id: str) -> None:
        model_id = path_id(model_id, "thread")
        await self.update_threads([model_id], self.body_as(ThreadUpdate), merge=False)


def routes() -> list[Route]:
    return [
        (cls.path, cls)
        for cls in (
            ThreadsHandler,
            ThreadRetrieveHandler,
            ThreadSearchHandler,
            ThreadDeleteHandler,
            ThreadStatsHandler,
            ThreadBatchUpdateHandler,
            ThreadUpdateHandler,
        )
    ]
