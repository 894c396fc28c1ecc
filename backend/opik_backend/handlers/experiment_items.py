"""Experiment items: create, stream, delete, bulk import, and the comparison view."""

from __future__ import annotations

import datetime as dt
from typing import Any

from msgspec import UNSET, Raw

from ..errors import BadRequest, NotFound, ValidationFailed
from ..ids import check_v7, new_id
from ..schemas import (
    BulkRecord,
    DeleteIds,
    ExperimentItemBatch,
    ExperimentItemsBulk,
    ExperimentItemStream,
    TraceWrite,
)
from ..storage.experiments import ExperimentQuery
from ..storage.filter_sql import parse
from ..storage.ingest import CreateRows, InsertScores
from ..storage.rows import SPANS, TRACES, Row, now, span_row, trace_row
from .base import Route, operation
from .experiments import BASE, ExperimentHandler
from .scores import score_row

MAX_COMPARED = 100


class ExperimentItemsHandler(ExperimentHandler):
    """Experiment item handlers: rows built from checked ids, projects resolved by name."""

    async def item_project(
        self, name: str | None, project_id: str | None, known: dict[str, str]
    ) -> str:
        """The project of an item's trace (default project if unnamed), memoised per batch."""
        key = f"id:{project_id}" if project_id else f"name:{name or ''}"
        if key not in known:
            project = await self.project(name=name, id=project_id, create=True)
            known[key] = project.id
        return known[key]

    def item_row(
        self, experiment_id: str, item_id: str, refs: tuple[str, str, str], received: dt.datetime
    ) -> Row:
        """An experiment item; ``refs`` are its dataset item, trace and project ids."""
        return {
            "workspace_id": self.workspace,
            "experiment_id": experiment_id,
            "id": item_id,
            "dataset_item_id": refs[0],
            "trace_id": refs[1],
            "project_id": refs[2],
            "created_at": received,
            "last_updated_at": received,
        }


class ExperimentItemsCreateHandler(ExperimentItemsHandler):
    path = BASE + "/items"

    @operation(
        "Link dataset items to the traces an experiment produced for them",
        status=204,
        body=ExperimentItemBatch,
    )
    async def post(self) -> None:
        body = self.body_as(ExperimentItemBatch)
        checked = _checked_items(body)
        await self._check_experiments([ids[1] for ids in checked])
        received = now()
        known: dict[str, str] = {}
        rows: list[Row] = []
        for item, (item_id, experiment_id, dataset_item_id, trace_id) in zip(
            body.experiment_items, checked, strict=True
        ):
            project_id = await self.item_project(item.project_name, item.project_id, known)
            refs = (dataset_item_id, trace_id, project_id)
            rows.append(self.item_row(experiment_id, item_id, refs, received))
        await self.blocking(self.services.experiment_items.insert, rows)
        self.no_content()

    async def _check_experiments(self, ids: list[str]) -> None:
        found = await self.blocking(self.services.experiments.existing, self.workspace, ids)
        for i, experiment_id in enumerate(ids):
            if experiment_id not in found:
                raise NotFound(
                    f"experiment_items[{i}].experiment_id: experiment {experiment_id} not found"
                )


def _checked_items(body: ExperimentItemBatch) -> list[tuple[str, str, str, str]]:
    """Each item's id, experiment, dataset item and trace ids: v7, no item id twice."""
    seen: dict[str, int] = {}
    checked = []
    for i, item in enumerate(body.experiment_items):
        where = f"experiment_items[{i}]"
        item_id = check_v7(item.id, f"{where}.id") if item.id else new_id()
        if item_id in seen:
            raise ValidationFailed(
                f"{where}.id: duplicate id {item_id} in one batch "
                f"(also at experiment_items[{seen[item_id]}])"
            )
        seen[item_id] = i
        checked.append(
            (
                item_id,
                check_v7(item.experiment_id, f"{where}.experiment_id"),
                check_v7(item.dataset_item_id, f"{where}.dataset_item_id"),
                check_v7(item.trace_id, f"{where}.trace_id"),
            )
        )
    return checked


class ExperimentItemsStreamHandler(ExperimentItemsHandler):
    path = BASE + "/items/stream"

    @operation(
        "Stream the items of the experiments with this exact name as NDJSON, newest "
        "first; page with last_retrieved_id",
        body=ExperimentItemStream,
        streams=True,
    )
    async def post(self) -> None:
        body = self.body_as(ExperimentItemStream)
        last_id = (
            check_v7(body.last_retrieved_id, "last_retrieved_id")
            if body.last_retrieved_id
            else None
        )
        query = ExperimentQuery(
            self.workspace,
            exact_name=body.experiment_name,
            project_id=await self.project_filter(body.project_name),
        )
        experiments = await self.blocking(self.services.experiments.after, query, None, 10_000)
        found = await self.blocking(
            self.services.experiment_items.after,
            self.workspace,
            [e.id for e in experiments],
            last_id,
            body.limit,
        )
        self.send_ndjson(found)


class ExperimentItemsDeleteHandler(ExperimentItemsHandler):
    path = BASE + "/items/delete"

    @operation("Delete experiment items by id", status=204, body=DeleteIds)
    async def post(self) -> None:
        body = self.body_as(DeleteIds)
        ids = [check_v7(i, f"ids[{n}]") for n, i in enumerate(body.ids)]
        await self.blocking(self.services.experiment_items.delete, self.workspace, "id", ids)
        self.no_content()


class ExperimentItemsBulkHandler(ExperimentItemsHandler):
    path = BASE + "/items/bulk"

    @operation(
        "Import experiment items with their traces, spans and scores; creates the "
        "experiment unless experiment_id names an existing one",
        status=204,
        body=ExperimentItemsBulk,
    )
    async def put(self) -> None:
        body = self.body_as(ExperimentItemsBulk)
        dataset = await self.dataset_of(body.dataset_name, None)
        experiment_id = (
            check_v7(body.experiment_id, "experiment_id") if body.experiment_id else new_id()
        )
        batch = _Bulk(self, experiment_id)
        data = await self.blocking(
            self.services.dataset_items.data_of,
            self.workspace,
            [r.dataset_item_id for r in body.items],
        )
        for i, record in enumerate(body.items):
            await batch.add(record, f"items[{i}]", data, body.project_name)
        exists = await self.blocking(self.services.experiments.find, self.workspace, experiment_id)
        if exists is None:
            project_id = await self.project_of(body.project_name, None)
            await self.blocking(
                self.services.experiments.create,
                self.workspace,
                {
                    "id": experiment_id,
                    "name": body.experiment_name,
                    "dataset_id": dataset.id,
                    "project_id": project_id or dataset.project_id,
                    "metadata": None,
                    "tags": "[]",
                    "type": "regular",
                    "evaluation_method": "dataset",
                    "status": "completed",
                    "optimization_id": None,
                    "dataset_version_id": None,
                    "prompt_versions": None,
                    "experiment_scores": None,
                },
            )
        await batch.store()
        self.no_content()


class _Bulk:
    """The rows of one bulk import, all built and checked before anything is stored."""

    def __init__(self, handler: ExperimentItemsHandler, experiment_id: str) -> None:
        self.handler = handler
        self.experiment_id = experiment_id
        self.received = now()
        self.projects: dict[str, str] = {}
        self.traces: list[Row] = []
        self.spans: list[Row] = []
        self.scores: list[Row] = []
        self.items: list[Row] = []

    async def add(
        self, record: BulkRecord, where: str, data: dict[str, str], project_name: str | None
    ) -> None:
        handler, ws = self.handler, self.handler.workspace
        item_id = check_v7(record.dataset_item_id, f"{where}.dataset_item_id")
        trace = _trace_of(record, where, data.get(item_id), self.received)
        trace_id = check_v7(trace.id, f"{where}.trace.id") if trace.id else new_id()
        project_id = await handler.item_project(
            trace.project_name or project_name, None, self.projects
        )
        self.traces.append(
            _checked(where, lambda: trace_row(trace, ws, project_id, trace_id, self.received))
        )
        for j, span in enumerate(record.spans or []):
            at = f"{where}.spans[{j}]"
            span_id = check_v7(span.id, f"{at}.id") if span.id else new_id()
            parent = (
                check_v7(span.parent_span_id, f"{at}.parent_span_id") if span.parent_span_id else ""
            )
            self.spans.append(
                _checked(
                    at,
                    lambda s=span, i=span_id, p=parent: span_row(
                        s, ws, project_id, i, trace_id, p, self.received
                    ),
                )
            )
        self.scores += [
            score_row(ws, "trace", trace_id, project_id, score, self.received)
            for score in record.feedback_scores or []
        ]
        self.items.append(
            handler.item_row(
                self.experiment_id, new_id(), (item_id, trace_id, project_id), self.received
            )
        )

    async def store(self) -> None:
        """Traces, spans and scores through the writer, then the experiment items."""
        handler = self.handler
        await handler.commit(CreateRows(TRACES, self.traces))
        if self.spans:
            await handler.commit(CreateRows(SPANS, self.spans))
        if self.scores:
            await handler.commit(InsertScores(self.scores))
        await handler.blocking(handler.services.experiment_items.insert, self.items)


def _trace_of(
    record: BulkRecord, where: str, item_data: str | None, received: dt.datetime
) -> TraceWrite:
    """The record's trace, or one made from its ``evaluate_task_result``."""
    has_result = record.evaluate_task_result is not UNSET
    if has_result == (record.trace is not None):
        raise ValidationFailed(f"{where}: give exactly one of evaluate_task_result and trace")
    if record.trace is not None:
        return record.trace
    moment = received.replace(tzinfo=dt.UTC)
    return TraceWrite(
        start_time=moment,
        end_time=moment,
        name="evaluation_task",
        source="experiment",
        input=Raw(item_data.encode()) if item_data else UNSET,
        output=record.evaluate_task_result,
    )


def _checked(where: str, build: Any) -> Row:
    """``build()``, with a schema error's field named from the record (``items[2].input``)."""
    try:
        row: Row = build()
    except ValidationFailed as exc:
        raise ValidationFailed(f"{where}.{exc.message}") from None
    return row


class CompareHandler(ExperimentItemsHandler):
    path = "/v1/private/datasets/{id}/items/experiments/items"

    @operation(
        "Compare experiments on a dataset: a page of the dataset items they ran, each "
        "with every experiment's item, trace input/output and feedback scores; filters on "
        "the items (data.*), the runs' traces (output, duration, cost, tokens, input.*, "
        "output.*, metadata.*) and scores; search finds words in the items' data",
        query=("experiment_ids", "page", "size", "filters", "search", "truncate"),
    )
    async def get(self, dataset_id: str) -> None:
        dataset = await self.dataset_of(None, dataset_id)
        raw_ids = self.list_arg("experiment_ids")
        if not raw_ids or len(raw_ids) > MAX_COMPARED:
            raise BadRequest(
                f"experiment_ids: give 1 to {MAX_COMPARED} experiment ids as a JSON list"
            )
        ids = [check_v7(i, f"experiment_ids[{n}]") for n, i in enumerate(raw_ids)]
        page, size = self.page_args()
        content, total = await self.blocking(
            self.services.comparisons.compare,
            self.workspace,
            dataset.id,
            ids,
            page,
            size,
            parse(self.str_arg("filters")),
            self.str_arg("search"),
        )
        self.send_page(page, content, total, columns=[], sortableBy=[])


def routes() -> list[Route]:
    return [
        (cls.path, cls)
        for cls in (
            ExperimentItemsCreateHandler,
            ExperimentItemsStreamHandler,
            ExperimentItemsDeleteHandler,
            ExperimentItemsBulkHandler,
            CompareHandler,
        )
    ]
