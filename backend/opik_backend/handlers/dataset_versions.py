"""``POST /datasets/{id}/items/changes``: items added, edited and deleted, and the
test-suite settings (evaluators, execution policy), recorded as one new version."""

from __future__ import annotations

from ..codec import encode
from ..ids import check_v7
from ..schemas import DatasetItemChanges
from ..storage.dataset_versions import Change
from .base import Route, operation
from .datasets import BASE, CatalogHandler, item_rows


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


def routes() -> list[Route]:
    return [(ItemChangesHandler.path, ItemChangesHandler)]
