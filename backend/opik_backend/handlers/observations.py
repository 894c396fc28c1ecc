"""Traces and spans: create (batch and single), read, list, search, patch, delete.

Both share one set of handlers, specialised by a :class:`Kind` that says what differs
(table, body types, how a row is built). Each handler class is made twice by
:func:`routes`, once per kind.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from ..codec import encode
from ..errors import NotFound, ValidationFailed
from ..ids import check_v7, new_id, path_id
from ..schemas import (
    DeleteIds,
    Search,
    SpanBatch,
    SpanBatchUpdate,
    SpanUpdate,
    SpanWrite,
    TraceBatch,
    TraceBatchUpdate,
    TraceUpdate,
    TraceWrite,
)
from ..storage import deletions
from ..storage.filter_sql import Entity, Filter, parse
from ..storage.ingest import CreateRows, PatchRow, RunStatements
from ..storage.projects import Project
from ..storage.reads import Query
from ..storage.rows import SPANS, TRACES, Row, Table, changes_of, now, span_row, trace_row
from .base import ApiHandler, Route, operation

PAGE_QUERY = (
    "project_name",
    "project_id",
    "page",
    "size",
    "filters",
    "search",
    "exclude",
    "from_time",
    "to_time",
)


def _trace_row(
    body: TraceWrite, ws: str, project_id: str, received: dt.datetime, where: str
) -> Row:
    trace_id = check_v7(body.id, f"{where}.id") if body.id else new_id()
    return trace_row(body, ws, project_id, trace_id, received)


def _span_row(body: SpanWrite, ws: str, project_id: str, received: dt.datetime, where: str) -> Row:
    assert isinstance(body, SpanWrite)
    if not body.trace_id:
        raise ValidationFailed(f"{where}.trace_id: a span needs the id of its trace")
    span_id = check_v7(body.id, f"{where}.id") if body.id else new_id()
    trace_id = check_v7(body.trace_id, f"{where}.trace_id")
    parent = check_v7(body.parent_span_id, f"{where}.parent_span_id") if body.parent_span_id else ""
    return span_row(body, ws, project_id, span_id, trace_id, parent, received, where)


@dataclasses.dataclass(frozen=True)
class Kind:
    """What differs between traces and spans."""

    entity: Entity
    table: Table
    write: type[TraceWrite]
    batch: type[TraceBatch] | type[SpanBatch]
    update: type[TraceUpdate]
    build_row: Callable[[Any, str, str, dt.datetime, str], Row]
    score_entity: str
    deletion: Callable[[str, Sequence[str]], RunStatements]

    @property
    def singular(self) -> str:
        return self.entity[:-1]

    def items(self, batch: Any) -> Sequence[TraceWrite]:
        return getattr(batch, self.entity)

    @property
    def batch_update(self) -> type[TraceBatchUpdate] | type[SpanBatchUpdate]:
        return SpanBatchUpdate if self.update is SpanUpdate else TraceBatchUpdate


TRACE = Kind(
    "traces", TRACES, TraceWrite, TraceBatch, TraceUpdate, _trace_row, "trace", deletions.traces
)
SPAN = Kind("spans", SPANS, SpanWrite, SpanBatch, SpanUpdate, _span_row, "span", deletions.spans)


class KindHandler(ApiHandler):
    """A handler of one kind (set by :func:`routes`)."""

    kind: Kind

    async def project_from_args(self) -> Project:
        """The stored project named by the project_name or project_id query parameter."""
        return await self.project(name=self.str_arg("project_name"), id=self.str_arg("project_id"))

    async def patch_of(
        self, update: TraceUpdate, merge_tags: bool = False
    ) -> tuple[Project, dict[str, Any], dict[str, str]]:
        """A PATCH body's project, its changes, and the stored columns it must agree with;
        with ``merge_tags``, its ``tags`` are added to the stored ones."""
        must_match: dict[str, str] = {}
        if update.project_id:
            project = await self.project(id=update.project_id)
            must_match["project_id"] = project.id
        else:
            project = await self.project(name=update.project_name, create=True)
            if update.project_name:
                must_match["project_id"] = project.id
        if isinstance(update, SpanUpdate):
            if update.trace_id:
                must_match["trace_id"] = check_v7(update.trace_id, "trace_id")
            if update.parent_span_id:
                must_match["parent_span_id"] = check_v7(update.parent_span_id, "parent_span_id")
        changes = changes_of(update)
        changes = {k: v for k, v in changes.items() if k not in ("trace_id", "parent_span_id")}
        if merge_tags and "tags" in changes:
            changes["+tags"] = [*changes.pop("tags"), *changes.get("+tags", [])]
        return project, changes, must_match

    async def store(self, bodies: Sequence[TraceWrite], where: str) -> list[Row]:
        """Validate, turn into rows and store ``bodies``; return once they are stored."""
        _reject_duplicate_ids(bodies, where)
        self.count_events(len(bodies))
        projects = {
            name: (await self.project(name=name, create=True)).id
            for name in {body.project_name for body in bodies}
        }
        received = now()
        rows = [
            self.kind.build_row(
                body,
                self.workspace,
                projects[body.project_name],
                received,
                f"{where}[{i}]" if where else self.kind.singular,
            )
            for i, body in enumerate(bodies)
        ]
        await self.commit(CreateRows(self.kind.table, rows))
        return rows

    def query_from_args(self, project: Project) -> Query:
        filters = parse(self.str_arg("filters"))
        for arg, op in (("from_time", ">="), ("to_time", "<=")):
            if value := self.str_arg(arg):
                filters.append(Filter(field="start_time", operator=op, value=value))
        return Query(
            workspace=self.workspace,
            project_id=project.id,
            filters=filters,
            search=self.str_arg("search"),
            exclude=frozenset(self.list_arg("exclude")),
            trace_id=self._optional_v7("trace_id"),
            span_type=self.str_arg("type") if self.kind is SPAN else None,
        )

    async def delete_ids(self, ids: list[str]) -> None:
        """Delete the entities, then their attachments (a trace's with its spans')."""
        attachments = self.services.attachments
        spans = (
            await self.blocking(self.services.reads.span_ids_of, self.workspace, ids)
            if self.kind is TRACE
            else []
        )
        await self.commit(self.kind.deletion(self.workspace, ids))
        await self.blocking(attachments.delete_entities, self.workspace, self.kind.singular, ids)
        await self.blocking(attachments.delete_entities, self.workspace, "span", spans)

    def _optional_v7(self, name: str) -> str | None:
        value = self.str_arg(name) if self.kind is SPAN else None
        return check_v7(value, name) if value else None


class BatchHandler(KindHandler):
    @operation("Create or replace a batch of entities", status=204, body="kind.batch")
    async def post(self) -> None:
        batch = self.body_as(self.kind.batch)
        await self.store(self.kind.items(batch), self.kind.entity)
        self.no_content()

    @operation(
        "Update the same fields of many entities (merge_tags adds the tags)",
        status=204,
        body="kind.batch_update",
    )
    async def patch(self) -> None:
        body = self.body_as(self.kind.batch_update)
        ids = [check_v7(entity_id, f"ids[{i}]") for i, entity_id in enumerate(body.ids)]
        if len(set(ids)) < len(ids):
            raise ValidationFailed("ids: the same id is listed twice")
        project, changes, must_match = await self.patch_of(body.update, bool(body.merge_tags))
        table, ws = self.kind.table, self.workspace
        await asyncio.gather(
            *(self.commit(PatchRow(table, ws, i, project.id, changes, must_match)) for i in ids)
        )
        self.no_content()


class CollectionHandler(KindHandler):
    @operation("Create one entity; Location names it", status=201, body="kind.write")
    async def post(self) -> None:
        body = self.body_as(self.kind.write)
        (row,) = await self.store([body], "")
        self.set_location(f"/v1/private/{self.kind.entity}/{row['id']}")
        self.set_status(201)
        self.clear_header("Content-Type")
        self.finish()

    @operation("List entities of a project, newest first", query=(*PAGE_QUERY, "trace_id", "type"))
    async def get(self) -> None:
        project = await self._list_project()
        page, size = self.page_args()
        query = self.query_from_args(project)
        reads = self.services.reads
        content: Sequence[object]
        if self.kind is not TRACE:
            content, total = await self.read(reads.spans_page, query, page, size)
        # The newest traces are answered from memory, here on the loop; the rest on the pool.
        elif found := reads.recent_page(query, page, size):
            content, total = found
        else:
            content, total = await self.read(reads.traces_page, query, page, size)
        self.send_page(page, list(content), total, sortableBy=[])

    async def _list_project(self) -> Project:
        trace_id = self._optional_v7("trace_id")
        if trace_id and not (self.str_arg("project_name") or self.str_arg("project_id")):
            project_id = await self.read(
                self.services.reads.trace_project, self.workspace, trace_id
            )
            if project_id is None:
                raise NotFound(f"trace {trace_id} not found")
            return await self.project(id=project_id)
        return await self.project_from_args()


class ItemHandler(KindHandler):
    @operation(
        "Get one entity with its computed fields and feedback scores; files extracted from "
        "it are put back unless strip_attachments=true",
        query=("strip_attachments",),
    )
    async def get(self, entity_id: str) -> None:
        entity_id = path_id(entity_id, self.kind.singular)
        found = await self.stored(self.kind.singular, entity_id)
        if self.str_arg("strip_attachments") != "true":
            found = await self.blocking(
                self.services.attachments.reinject, self.workspace, self.kind.singular, found
            )
        self.send_json(found)

    @operation("Update fields of an entity (it may not exist yet)", status=204, body="kind.update")
    async def patch(self, entity_id: str) -> None:
        entity_id = path_id(entity_id, self.kind.singular)
        project, changes, must_match = await self.patch_of(self.body_as(self.kind.update))
        await self.commit(
            PatchRow(self.kind.table, self.workspace, entity_id, project.id, changes, must_match)
        )
        self.no_content()

    @operation("Delete an entity", status=204)
    async def delete(self, entity_id: str) -> None:
        await self.delete_ids([path_id(entity_id, self.kind.singular)])
        self.no_content()


class DeleteHandler(KindHandler):
    @operation("Delete entities by id", status=204, body=DeleteIds)
    async def post(self) -> None:
        body = self.body_as(DeleteIds)
        ids = [check_v7(entity_id, f"ids[{i}]") for i, entity_id in enumerate(body.ids)]
        if ids:
            await self.delete_ids(ids)
        self.no_content()


class SearchHandler(KindHandler):
    @operation(
        "Stream matching entities as NDJSON, newest first; page with last_retrieved_id",
        body=Search,
        streams=True,
    )
    async def post(self) -> None:
        body = self.body_as(Search)
        project = await self.project(name=body.project_name, id=body.project_id)
        query = Query(
            workspace=self.workspace,
            project_id=project.id,
            filters=parse(body.filters),
            trace_id=check_v7(body.trace_id, "trace_id") if body.trace_id else None,
            span_type=body.type if self.kind is SPAN else None,
        )
        last_id = (
            check_v7(body.last_retrieved_id, "last_retrieved_id")
            if body.last_retrieved_id
            else None
        )
        method = (
            self.services.reads.traces_after
            if self.kind is TRACE
            else self.services.reads.spans_after
        )
        found = await self.read(method, query, last_id, body.limit)
        self.set_header("Content-Type", "application/x-ndjson")
        self.finish(b"".join(encode(item) + b"\n" for item in found))


def _reject_duplicate_ids(bodies: Sequence[TraceWrite], where: str) -> None:
    seen: dict[str, int] = {}
    for i, body in enumerate(bodies):
        if body.id is None:
            continue
        if body.id in seen:
            raise ValidationFailed(
                f"{where}[{i}].id: duplicate id {body.id} in one batch "
                f"(also at {where}[{seen[body.id]}])"
            )
        seen[body.id] = i


def routes() -> list[Route]:
    """The trace and span routes, in OpenAPI path form."""
    made: list[Route] = []
    for kind in (TRACE, SPAN):
        base = f"/v1/private/{kind.entity}"
        for suffix, handler in (
            ("", CollectionHandler),
            ("/batch", BatchHandler),
            ("/search", SearchHandler),
            ("/delete", DeleteHandler),
            ("/{id}", ItemHandler),
        ):
            cls = type(
                f"{kind.singular.title()}{handler.__name__}",
                (handler,),
                {"kind": kind, "path": base + suffix, "tag": kind.entity},
            )
            made.append((base + suffix, cls))
    return made
