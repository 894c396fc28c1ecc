"""Single dataset items and edits of many: get and patch by id, batch update, and items
made from traces or spans (Opik's enrichment: input, output and the parts asked for)."""

from __future__ import annotations

from typing import Any

import msgspec

from ..codec import encode
from ..errors import BadRequest, NotFound
from ..ids import check_v7, new_id, path_id
from ..schemas import (
    DatasetItemBatchUpdate,
    DatasetItemPatch,
    DatasetItemsFromSpans,
    DatasetItemsFromTraces,
    DatasetItemWrite,
    ItemSettings,
    TraceEnrichment,
)
from ..storage.datasets import Dataset, item_public, patched, updated
from ..storage.filter_sql import parse
from ..storage.reads import Query
from ..storage.rows import Row
from .base import Route, operation
from .datasets import BASE, CatalogHandler, item_rows

SPANS_PER_TRACE = 1000
"""The most spans a trace-made item carries when ``includeSpans`` is asked for."""


SPAN_KEYS = frozenset(
    ("id", "name", "type", "parent_span_id", "input", "output", "start_time", "end_time")
).union(("metadata", "feedback_scores", "comments"))


class ItemHandler(CatalogHandler):
    """What the handlers of existing items share."""

    async def current(self, item_id: str) -> Row:
        """The current row of an item; 404 naming it if there is none."""
        rows = await self.blocking(
            self.services.dataset_items.current_rows, self.workspace, [item_id]
        )
        if not rows:
            raise NotFound(f"dataset item {item_id} not found")
        return rows[0]

    async def save(self, rows: list[Row]) -> None:
        """Store edited rows and record a version of each dataset they belong to."""
        await self.blocking(self.services.dataset_items.rewrite, rows)
        await self.record_versions(list(dict.fromkeys(row["dataset_id"] for row in rows)))


class ItemsBatchUpdateHandler(ItemHandler):
    path = BASE + "/items/batch"

    @operation(
        "Update many items at once, by ids or by filters on one dataset; one new version "
        "per dataset changed",
        status=204,
        body=DatasetItemBatchUpdate,
    )
    async def patch(self) -> None:
        body = self.body_as(DatasetItemBatchUpdate)
        items = self.services.dataset_items
        if (body.ids is None) == (body.filters is None):
            raise BadRequest("ids or filters: give one (filters with dataset_id), not both")
        if body.ids is not None:
            ids = [check_v7(i, f"ids[{n}]") for n, i in enumerate(body.ids)]
            if len(set(ids)) != len(ids):
                raise BadRequest("ids: an id is given twice")
            rows = await self.blocking(items.current_rows, self.workspace, ids)
            if body.dataset_id:
                dataset_id = check_v7(body.dataset_id, "dataset_id")
                rows = [row for row in rows if row["dataset_id"] == dataset_id]
            merge = bool(body.merge_tags)
        else:
            if not body.dataset_id:
                raise BadRequest("dataset_id: required with filters")
            dataset = await self.dataset_of(None, body.dataset_id)
            rows = await self.blocking(
                items.matching_rows, self.workspace, dataset.id, parse(body.filters)
            )
            merge = True  # as Opik: an update by filters adds tags, never drops them
        await self.save([updated(row, body.update, merge) for row in rows])
        self.no_content()


class ItemByIdHandler(ItemHandler):
    path = BASE + "/items/{item_id}"

    @operation("Get a dataset item by id (its current content); 404 if there is none")
    async def get(self, item_id: str) -> None:
        row = await self.current(path_id(item_id, "dataset item"))
        self.send_json({**item_public(row), "dataset_item_id": row["id"]})

    @operation(
        "Change the fields given of a dataset item (a new version of its dataset); "
        "404 if there is none",
        status=204,
        body=DatasetItemPatch,
    )
    async def patch(self, item_id: str) -> None:
        row = await self.current(path_id(item_id, "dataset item"))
        body = self.body_as(DatasetItemPatch)
        ids = tuple(
            check_v7(value, name) if value else None
            for name, value in (("trace_id", body.trace_id), ("span_id", body.span_id))
        )
        await self.save([patched(row, body, (ids[0], ids[1]))])
        self.no_content()


class FromObservationsHandler(CatalogHandler):
    """What making items from traces and from spans shares."""

    async def add_items(self, dataset: Dataset, items: list[DatasetItemWrite]) -> None:
        rows = item_rows(items, self.workspace, dataset.id)
        await self.blocking(self.services.dataset_items.put, self.workspace, dataset.id, rows)
        await self.record_versions([dataset.id])
        self.no_content()

    async def observation(self, kind: str, observation_id: str) -> dict[str, Any]:
        """A trace or span as plain JSON values; 404 naming it if there is none."""
        return _plain(await self.stored(kind, observation_id))


class FromTracesHandler(FromObservationsHandler):
    path = BASE + "/{dataset_id}/items/from-traces"

    @operation(
        "Add an item per trace: its input, its output as expected_output, and the spans, "
        "tags, scores, comments, usage and metadata asked for",
        status=204,
        body=DatasetItemsFromTraces,
    )
    async def post(self, dataset_id: str) -> None:
        body = self.body_as(DatasetItemsFromTraces)
        dataset = await self.dataset_of(None, dataset_id)
        options = body.enrichment_options
        items = []
        for n, raw in enumerate(dict.fromkeys(body.trace_ids)):
            trace = await self.observation("trace", check_v7(raw, f"trace_ids[{n}]"))
            data = _enriched(trace, options)
            if options.include_spans:
                data["spans"] = await self.spans_of(trace)
            items.append(_item(data, "trace", body, trace_id=trace["id"]))
        await self.add_items(dataset, items)

    async def spans_of(self, trace: dict[str, Any]) -> list[dict[str, Any]]:
        query = Query(self.workspace, trace["project_id"], trace_id=trace["id"])
        spans, _ = await self.blocking(self.services.reads.spans_page, query, 1, SPANS_PER_TRACE)
        return [
            {k: v for k, v in _plain(span).items() if k in SPAN_KEYS and v is not None}
            for span in reversed(spans)
        ]


class FromSpansHandler(FromObservationsHandler):
    path = BASE + "/{dataset_id}/items/from-spans"

    @operation(
        "Add an item per span: its input, its output as expected_output, and the tags, "
        "scores, comments, usage and metadata asked for",
        status=204,
        body=DatasetItemsFromSpans,
    )
    async def post(self, dataset_id: str) -> None:
        body = self.body_as(DatasetItemsFromSpans)
        dataset = await self.dataset_of(None, dataset_id)
        items = []
        for n, raw in enumerate(dict.fromkeys(body.span_ids)):
            span = await self.observation("span", check_v7(raw, f"span_ids[{n}]"))
            data = _enriched(span, body.enrichment_options)
            items.append(_item(data, "span", body, trace_id=span["trace_id"], span_id=span["id"]))
        await self.add_items(dataset, items)


def _plain(public: object) -> dict[str, Any]:
    """A read model (with raw JSON and datetimes) as plain JSON values."""
    value: dict[str, Any] = msgspec.json.decode(encode(public))
    return value


def _enriched(observation: dict[str, Any], options: TraceEnrichment) -> dict[str, Any]:
    """An item's data made from a trace or span, as Opik's enrichment builds it."""
    data: dict[str, Any] = {"input": observation.get("input")}
    if observation.get("output") is not None:
        data["expected_output"] = observation["output"]
    wanted = (
        ("tags", options.include_tags),
        ("feedback_scores", options.include_feedback_scores),
        ("comments", options.include_comments),
        ("usage", options.include_usage),
    )
    for key, asked in wanted:
        if asked and observation.get(key):
            data[key] = observation[key]
    if "feedback_scores" in data:
        data["feedback_scores"] = [_score(s) for s in data["feedback_scores"]]
    if "comments" in data:
        data["comments"] = [{"id": c["id"], "text": c["text"]} for c in data["comments"]]
    if options.include_metadata and observation.get("metadata") is not None:
        data["metadata"] = observation["metadata"]
    return data


def _score(score: dict[str, Any]) -> dict[str, Any]:
    keys = ("name", "category_name", "value", "reason", "source")
    return {k: score[k] for k in keys if score.get(k) is not None}


def _item(
    data: dict[str, Any],
    source: str,
    body: ItemSettings,
    trace_id: str,
    span_id: str | None = None,
) -> DatasetItemWrite:
    return DatasetItemWrite(
        data=msgspec.Raw(msgspec.json.encode(data)),
        id=new_id(),
        source=source,  # type: ignore[arg-type]
        trace_id=trace_id,
        span_id=span_id,
        evaluators=body.evaluators,
        execution_policy=body.execution_policy,
    )


def routes() -> list[Route]:
    return [
        (cls.path, cls)
        for cls in (
            ItemsBatchUpdateHandler,
            ItemByIdHandler,
            FromTracesHandler,
            FromSpansHandler,
        )
    ]
