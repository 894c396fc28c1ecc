"""``POST /datasets/{id}/items/changes``: items added, edited and deleted, and the
test-suite settings (evaluators, execution policy), recorded as one new version."""

from __future__ import annotations

from ..codec import encode
from ..ids import check_v7
from ..schemas import DatasetItemChanges, DatasetVersionRestore
from ..storage.dataset_versions import Change
from .base import Route, operation
from .datasets import BASE, CatalogHandler, VersionHandler, item_rows


class ItemChangesHandler(CatalogHandler):
    path = BASE + "/{id}/items/changes"

    @operation(
        "Apply added, edited and deleted items and test-suite settings as a new version; "
        "409 if base_version is not the newest version (unless override=true)",
        status=201,
        body=DatasetItemChanges,
        query=("override",),
    )
    async def post(self, dataset_id: str) -> None:
        body = self.body_as(DatasetItemChanges)
        dataset = await self.dataset_of(None, dataset_id)
        versioning = self.services.dataset_versions
        if self.get_query_argument("override", "false").lower() != "true":
            base = check_v7(body.base_version, "base_version") if body.base_version else None
            await self.blocking(versioning.check_base, self.workspace, dataset.id, base)
        written = [*(body.added_items or []), *(body.edited_items or [])]
        rows = item_rows(written, self.workspace, dataset.id)
        deleted = [check_v7(i, f"deleted_ids[{n}]") for n, i in enumerate(body.deleted_ids or [])]
        items = self.services.dataset_items
        if rows:
            await self.blocking(items.put, self.workspace, dataset.id, rows)
        if deleted:
            await self.blocking(items.delete, self.workspace, deleted)
        change = Change(
            tags=body.tags or (),
            description=body.change_description,
            metadata=body.metadata,
            evaluators=encode(body.evaluators).decode() if body.evaluators is not None else None,
            execution_policy=encode(body.execution_policy).decode()
            if body.execution_policy is not None
            else None,
        )
        version = await self.blocking(
            versioning.record, self.workspace, dataset.id, self.user, change
        )
        self.set_location(f"{BASE}/{dataset.id}/versions/hash/{version.version_hash}")
        self.send_json(version.public(version.version_number), status=201)


class DiffHandler(CatalogHandler):
    path = BASE + "/{id}/versions/diff"

    @operation(
        "How the current items differ from the newest version (Opik's draft diff): items "
        "added, modified, deleted and unchanged; from and to (version hash, id, name or tag) "
        "compare two versions instead; 404 if a version is missing",
        query=("from", "to"),
    )
    async def get(self, dataset_id: str) -> None:
        dataset = await self.dataset_of(None, dataset_id)
        start, end = self.str_arg("from") or "latest", self.str_arg("to")
        old = await self.version_of(dataset, start, "from")
        new = await self.version_of(dataset, end, "to") if end else None
        stats = await self.blocking(
            self.services.dataset_items.diff,
            self.workspace,
            dataset.id,
            old.id,
            new.id if new else None,
        )
        self.send_json({"from_version": start, "to_version": end or "draft", "statistics": stats})


class RestoreHandler(VersionHandler):
    path = BASE + "/{id}/versions/restore"

    @operation(
        "Make a version's items current again, recorded as a new version (the newest "
        "version is returned as it is); 404 if the version is missing",
        body=DatasetVersionRestore,
    )
    async def post(self, dataset_id: str) -> None:
        body = self.body_as(DatasetVersionRestore)
        dataset = await self.dataset_of(None, dataset_id)
        version = await self.version_of(dataset, body.version_ref, "version_ref")
        restored = await self.blocking(
            self.services.dataset_versions.restore, self.workspace, dataset.id, self.user, version
        )
        await self.send_version(dataset, restored)


class VersionTagHandler(VersionHandler):
    path = BASE + "/{id}/versions/{version_hash}/tags/{tag}"

    @operation("Take a tag off a version (the version stays)", status=204)
    async def delete(self, dataset_id: str, version_hash: str, tag: str) -> None:
        dataset = await self.dataset_of(None, dataset_id)
        version = await self.version_of(dataset, version_hash)
        await self.blocking(self.services.datasets.remove_version_tag, self.workspace, version, tag)
        self.no_content()


def routes() -> list[Route]:
    return [
        (cls.path, cls)
        for cls in (ItemChangesHandler, DiffHandler, RestoreHandler, VersionTagHandler)
    ]
