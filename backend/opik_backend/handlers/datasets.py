"""Datasets and their items: create, retrieve by name, list, update, delete, put and read items."""

from __future__ import annotations

from collections.abc import Sequence

from ..codec import encode
from ..errors import BadRequest, Conflict, NotFound, ValidationFailed
from ..ids import check_v7, new_id, path_id
from ..schemas import (
    DatasetIdentifier,
    DatasetItemBatch,
    DatasetItemsDelete,
    DatasetItemStream,
    DatasetItemWrite,
    DatasetUpdate,
    DatasetVersionCreate,
    DatasetVersionRetrieve,
    DatasetVersionTag,
    DatasetVersionUpdate,
    DatasetWrite,
    DeleteIds,
)
from ..storage.datasets import Dataset, Version, item_row
from ..storage.filter_sql import parse
from ..storage.reads import Public
from ..storage.rows import Row, now
from .base import ApiHandler, Route, operation

BASE = "/v1/private/datasets"


class CatalogHandler(ApiHandler):
    """What dataset and experiment handlers share: finding datasets and projects."""

    tag = "datasets"

    async def project_of(self, name: str | None, project_id: str | None) -> str | None:
        """The id of the project named (created on first use), or None if none is named."""
        if not (project_id or name):
            return None
        return (await self.project(name=name, id=project_id, create=True)).id

    async def dataset_of(self, name: str | None, dataset_id: str | None) -> Dataset:
        """The dataset named by id or name; 400 if neither is given, 404 if it is missing."""
        if dataset_id:
            return await self.blocking(
                self.services.datasets.get, self.workspace, path_id(dataset_id, "dataset")
            )
        if name:
            return await self.blocking(self.services.datasets.by_name, self.workspace, name)
        raise BadRequest("dataset_name or dataset_id: give one to name the dataset")

    async def detailed(self, datasets: list[Dataset]) -> list[Public]:
        """Datasets with their item and experiment counts."""
        ids = [d.id for d in datasets]
        counts = await self.blocking(self.services.dataset_items.counts, self.workspace, ids)
        runs = await self.blocking(self.services.experiments.per_dataset, self.workspace, ids)
        return [d.public(counts.get(d.id, 0), runs.get(d.id, {})) for d in datasets]

    async def version_of(self, dataset: Dataset, ref: str, field: str = "version") -> Version:
        """The version of ``dataset`` that ``ref`` names (id, hash, ``vN`` name, tag or
        ``latest``); 404 naming it if there is none."""
        found = await self.blocking(self.services.datasets.version, self.workspace, dataset.id, ref)
        if found is None:
            raise NotFound(
                f"{field}: dataset {dataset.name!r} has no version {ref!r} (give a "
                "version hash, id, name such as 'v1', or tag)"
            )
        return found

    async def record_versions(self, dataset_ids: Sequence[str]) -> None:
        """Record a new version of each dataset whose items changed (Opik's versioning)."""
        for dataset_id in dataset_ids:
            await self.blocking(
                self.services.dataset_versions.record, self.workspace, dataset_id, self.user
            )

    async def delete_datasets(self, ids: Sequence[str]) -> None:
        """Delete datasets with their items and versions; their experiments stay."""
        await self.blocking(self.services.datasets.delete, self.workspace, ids)
        await self.blocking(self.services.dataset_items.delete_datasets, self.workspace, ids)


class DatasetsHandler(CatalogHandler):
    path = BASE

    @operation(
        "List datasets newest first, with item and experiment counts",
        query=("page", "size", "name", "project_id"),
    )
    async def get(self) -> None:
        page, size = self.page_args()
        project_id = self.str_arg("project_id")
        datasets, total = await self.blocking(
            self.services.datasets.page,
            self.workspace,
            page,
            size,
            self.str_arg("name"),
            check_v7(project_id, "project_id") if project_id else None,
        )
        content = await self.detailed(datasets)
        self.send_page(page, content, total, sortableBy=[])

    @operation("Create a dataset; 409 if the name is taken", status=201, body=DatasetWrite)
    async def post(self) -> None:
        body = self.body_as(DatasetWrite)
        dataset_id = check_v7(body.id, "id") if body.id else new_id()
        if await self.blocking(self.services.datasets.find, self.workspace, body.name):
            raise Conflict(f"a dataset named {body.name!r} already exists")
        project_id = await self.project_of(body.project_name, body.project_id)
        dataset = await self.blocking(
            self.services.datasets.create,
            self.workspace,
            dataset_id,
            body.name,
            body.description,
            project_id,
            body.type,
            list(dict.fromkeys(body.tags or [])),
        )
        self.set_location(f"{BASE}/{dataset.id}")
        (created,) = await self.detailed([dataset])
        self.send_json(created, status=201)


class DatasetByIdHandler(CatalogHandler):
    path = BASE + "/{id}"

    @operation("Get a dataset with its item and experiment counts")
    async def get(self, dataset_id: str) -> None:
        (found,) = await self.detailed([await self.dataset_of(None, dataset_id)])
        self.send_json(found)

    @operation(
        "Rename a dataset, change its description or tags; 409 if the name is taken",
        status=204,
        body=DatasetUpdate,
    )
    async def put(self, dataset_id: str) -> None:
        body = self.body_as(DatasetUpdate)
        await self.blocking(
            self.services.datasets.update,
            self.workspace,
            path_id(dataset_id, "dataset"),
            body.name,
            body.description,
            list(dict.fromkeys(body.tags)) if body.tags is not None else None,
        )
        self.no_content()

    @operation("Delete a dataset, its items and versions (its experiments stay)", status=204)
    async def delete(self, dataset_id: str) -> None:
        await self.delete_datasets([path_id(dataset_id, "dataset")])
        self.no_content()


class DatasetRetrieveHandler(CatalogHandler):
    path = BASE + "/retrieve"

    @operation("Find a dataset by name (404 if missing)", body=DatasetIdentifier)
    async def post(self) -> None:
        body = self.body_as(DatasetIdentifier)
        (found,) = await self.detailed([await self.dataset_of(body.dataset_name, None)])
        self.send_json(found)


class DatasetDeleteHandler(CatalogHandler):
    path = BASE + "/delete"

    @operation(
        "Delete a dataset, its items and versions by name (404 if missing)",
        status=204,
        body=DatasetIdentifier,
    )
    async def post(self) -> None:
        body = self.body_as(DatasetIdentifier)
        dataset = await self.dataset_of(body.dataset_name, None)
        await self.delete_datasets([dataset.id])
        self.no_content()


class DatasetDeleteBatchHandler(CatalogHandler):
    path = BASE + "/delete-batch"

    @operation("Delete datasets, their items and versions by id", status=204, body=DeleteIds)
    async def post(self) -> None:
        body = self.body_as(DeleteIds)
        await self.delete_datasets([check_v7(i, f"ids[{n}]") for n, i in enumerate(body.ids)])
        self.no_content()


class DatasetItemsWriteHandler(CatalogHandler):
    path = BASE + "/items"

    @operation(
        "Create or replace dataset items by id; content already in the dataset is skipped",
        status=204,
        body=DatasetItemBatch,
    )
    async def put(self) -> None:
        body = self.body_as(DatasetItemBatch)
        dataset = await self.dataset_of(body.dataset_name, body.dataset_id)
        rows = item_rows(body.items, self.workspace, dataset.id)
        await self.blocking(self.services.dataset_items.put, self.workspace, dataset.id, rows)
        await self.record_versions([dataset.id])
        self.no_content()


def item_rows(items: Sequence[DatasetItemWrite], workspace: str, dataset_id: str) -> list[Row]:
    """Checked rows of a batch: v7 ids, no id twice, data an object."""
    received = now()
    seen: dict[str, int] = {}
    rows: list[Row] = []
    for i, item in enumerate(items):
        where = f"items[{i}]"
        item_id = check_v7(item.id, f"{where}.id") if item.id else new_id()
        if item_id in seen:
            raise ValidationFailed(
                f"{where}.id: duplicate id {item_id} in one batch (also at items[{seen[item_id]}])"
            )
        seen[item_id] = i
        ids = tuple(
            check_v7(value, f"{where}.{name}") if value else ""
            for name, value in (("trace_id", item.trace_id), ("span_id", item.span_id))
        )
        rows.append(
            item_row(item, workspace, dataset_id, item_id, (ids[0], ids[1]), received, where)
        )
    return rows


class DatasetItemsStreamHandler(CatalogHandler):
    path = BASE + "/items/stream"

    @operation(
        "Stream a dataset's items as NDJSON, newest first; page with last_retrieved_id;"
        " dataset_version (hash, id, name or tag) reads that version's items",
        body=DatasetItemStream,
        streams=True,
    )
    async def post(self) -> None:
        body = self.body_as(DatasetItemStream)
        dataset = await self.dataset_of(body.dataset_name, None)
        version = (
            await self.version_of(dataset, body.dataset_version, "dataset_version")
            if body.dataset_version
            else None
        )
        last_id = (
            check_v7(body.last_retrieved_id, "last_retrieved_id")
            if body.last_retrieved_id
            else None
        )
        found = await self.blocking(
            self.services.dataset_items.after,
            self.workspace,
            dataset.id,
            last_id,
            body.steam_limit,
            parse(body.filters),
            version.id if version else None,
        )
        self.set_header("Content-Type", "application/x-ndjson")
        self.finish(b"".join(encode(item) + b"\n" for item in found))


class DatasetItemsDeleteHandler(CatalogHandler):
    path = BASE + "/items/delete"

    @operation(
        "Delete dataset items by id, or a dataset's items matching filters (all if none)",
        status=204,
        body=DatasetItemsDelete,
    )
    async def post(self) -> None:
        body = self.body_as(DatasetItemsDelete)
        items = self.services.dataset_items
        if body.item_ids is not None and body.dataset_id:
            raise BadRequest("item_ids and dataset_id: give one or the other, not both")
        if body.item_ids is not None:
            ids = [check_v7(i, f"item_ids[{n}]") for n, i in enumerate(body.item_ids)]
            holders = await self.blocking(
                self.services.dataset_versions.datasets_of_items, self.workspace, ids
            )
            await self.blocking(items.delete, self.workspace, ids)
            await self.record_versions(holders)
        elif body.dataset_id:
            dataset = await self.dataset_of(None, body.dataset_id)
            await self.blocking(
                items.delete_matching, self.workspace, dataset.id, parse(body.filters)
            )
            await self.record_versions([dataset.id])
        else:
            raise BadRequest("item_ids or dataset_id: give one to say what to delete")
        self.no_content()


class DatasetItemsPageHandler(CatalogHandler):
    path = BASE + "/{id}/items"

    @operation(
        "Page of a dataset's items, newest first, with the total; version (hash, id, "
        "name or tag) reads that version's items",
        query=("page", "size", "filters", "version", "truncate"),
    )
    async def get(self, dataset_id: str) -> None:
        dataset = await self.dataset_of(None, dataset_id)
        ref = self.str_arg("version")
        version = await self.version_of(dataset, ref) if ref else None
        page, size = self.page_args()
        content, total = await self.blocking(
            self.services.dataset_items.page,
            self.workspace,
            dataset.id,
            page,
            size,
            parse(self.str_arg("filters")),
            version.id if version else None,
        )
        self.send_page(page, content, total, columns=[], sortableBy=[])


class VersionsHandler(CatalogHandler):
    path = BASE + "/{id}/versions"

    @operation("Versions of a dataset, newest first", query=("page", "size"))
    async def get(self, dataset_id: str) -> None:
        dataset = await self.dataset_of(None, dataset_id)
        page, size = self.page_args()
        versions, total = await self.blocking(
            self.services.datasets.versions, self.workspace, dataset.id, page, size
        )
        newest = versions[0].version_number if page == 1 and versions else None
        if newest is None and versions:
            latest = await self.blocking(
                self.services.datasets.latest_version, self.workspace, dataset.id
            )
            newest = latest.version_number if latest else None
        content = [v.public(newest) for v in versions]
        self.send_page(page, content, total)

    @operation(
        "Name the current items: tags, description and metadata on their version (every "
        "change of the items records one, 'v1', 'v2', ...; one is recorded if none is)",
        status=201,
        body=DatasetVersionCreate,
    )
    async def post(self, dataset_id: str) -> None:
        body = (
            self.body_as(DatasetVersionCreate)
            if self.request.body.strip()
            else DatasetVersionCreate()
        )
        dataset = await self.dataset_of(None, dataset_id)
        tags = list(dict.fromkeys([*([body.tag] if body.tag else []), *(body.tags or [])]))
        if "latest" in tags:
            raise BadRequest("tags: 'latest' always names the newest version; pick another tag")
        version = await self.blocking(
            self.services.dataset_versions.name_current,
            self.workspace,
            dataset.id,
            self.user,
            tags,
            body.change_description,
            body.metadata,
        )
        self.set_location(f"{BASE}/{dataset.id}/versions/hash/{version.version_hash}")
        self.send_json(version.public(version.version_number), status=201)


class VersionHandler(CatalogHandler):
    """What the handlers of one version share."""

    async def send_version(self, dataset: Dataset, version: Version) -> None:
        latest = await self.blocking(
            self.services.datasets.latest_version, self.workspace, dataset.id
        )
        self.send_json(version.public(latest.version_number if latest else None))


class VersionByHashHandler(VersionHandler):
    path = BASE + "/{id}/versions/hash/{version_hash}"

    @operation(
        "Get a version by its hash (the newest version with that hash), or by id, name or tag"
    )
    async def get(self, dataset_id: str, version_hash: str) -> None:
        dataset = await self.dataset_of(None, dataset_id)
        await self.send_version(dataset, await self.version_of(dataset, version_hash))

    @operation(
        "Change a version's description and add tags; 409 if another version has a tag",
        body=DatasetVersionUpdate,
    )
    async def patch(self, dataset_id: str, version_hash: str) -> None:
        body = self.body_as(DatasetVersionUpdate)
        tags = list(dict.fromkeys(body.tags_to_add or []))
        if "latest" in tags:
            raise BadRequest("tags_to_add: 'latest' always names the newest version")
        dataset = await self.dataset_of(None, dataset_id)
        version = await self.version_of(dataset, version_hash)
        await self.blocking(
            self.services.datasets.update_version,
            self.workspace,
            version,
            body.change_description,
            tags,
        )
        found = await self.version_of(dataset, version.id)
        await self.send_version(dataset, found)


class VersionTagsHandler(VersionHandler):
    path = BASE + "/{id}/versions/hash/{version_hash}/tags"

    @operation(
        "Add a tag to a version; 409 if another version of the dataset has it",
        status=204,
        body=DatasetVersionTag,
    )
    async def post(self, dataset_id: str, version_hash: str) -> None:
        body = self.body_as(DatasetVersionTag)
        if body.tag == "latest":
            raise BadRequest("tag: 'latest' always names the newest version; pick another tag")
        dataset = await self.dataset_of(None, dataset_id)
        version = await self.version_of(dataset, version_hash)
        await self.blocking(
            self.services.datasets.add_version_tags, self.workspace, version, [body.tag]
        )
        self.no_content()


class VersionRetrieveHandler(VersionHandler):
    path = BASE + "/{id}/versions/retrieve"

    @operation(
        "Get a version by its name ('v1', 'v2', ...); 404 if there is none",
        body=DatasetVersionRetrieve,
    )
    async def post(self, dataset_id: str) -> None:
        body = self.body_as(DatasetVersionRetrieve)
        dataset = await self.dataset_of(None, dataset_id)
        found = await self.blocking(
            self.services.datasets.version, self.workspace, dataset.id, body.version_name
        )
        if found is None or found.name != body.version_name:
            raise NotFound(
                f"version_name: dataset {dataset.name!r} has no version {body.version_name!r}"
            )
        await self.send_version(dataset, found)


def routes() -> list[Route]:
    return [
        (cls.path, cls)
        for cls in (
            DatasetsHandler,
            DatasetRetrieveHandler,
            DatasetDeleteHandler,
            DatasetDeleteBatchHandler,
            DatasetItemsWriteHandler,
            DatasetItemsStreamHandler,
            DatasetItemsDeleteHandler,
            DatasetByIdHandler,
            DatasetItemsPageHandler,
            VersionsHandler,
            VersionRetrieveHandler,
            VersionByHashHandler,
            VersionTagsHandler,
        )
    ]
