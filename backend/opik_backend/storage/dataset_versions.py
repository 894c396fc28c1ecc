"""Datasets versioned as Opik versions them: every change of the items is a new version.

Each insert, update or delete of a dataset's items that changes its content records the
next version (``v1``, ``v2``, ...): an immutable copy of the items, with what was added,
modified and deleted since the version before. Naming a version explicitly (``POST
/datasets/{id}/versions``) names the current content: it puts tags, a description and
metadata on the newest automatic version, or records one when the content changed since.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence

from ..errors import Conflict
from ..ids import new_id
from .clickhouse import ClickHouse
from .datasets import DATASET_ITEMS, DatasetItems, Datasets, Version
from .metadata import MetadataDB, utcnow


@dataclasses.dataclass(frozen=True)
class Change:
    """What an explicit change (``items/changes``) sets on the version it records; None
    keeps the newest version's settings. Evaluators and policy are JSON text."""

    tags: Sequence[str] = ()
    description: str | None = None
    metadata: dict[str, str] | None = None
    evaluators: str | None = None
    execution_policy: str | None = None


class DatasetVersioning:
    """Records a dataset's versions after its items change."""

    def __init__(self, db: MetadataDB, ch: ClickHouse, datasets: Datasets, items: DatasetItems):
        self._db = db
        self._ch = ch
        self._datasets = datasets
        self._items = items

    def record(
        self, workspace: str, dataset_id: str, user: str, change: Change | None = None
    ) -> Version:
        """Record the current items as the next version if they changed since the newest
        one, if there is none yet, or if ``change`` is given; the newest one otherwise.
        The new version keeps the newest one's test-suite settings unless ``change`` sets
        them."""
        previous = self._datasets.latest_version(workspace, dataset_id)
        version_id = new_id()
        snapshot = self._items.snapshot(
            workspace, dataset_id, version_id, previous.id if previous else None
        )
        unchanged = not (snapshot.added or snapshot.modified or snapshot.deleted)
        if previous is not None and unchanged and change is None:
            self._items.drop_version(workspace, dataset_id, version_id)
            return previous
        change = change or Change()
        kept = (previous.evaluators, previous.execution_policy) if previous else (None, None)
        settings = (
            change.evaluators if change.evaluators is not None else kept[0],
            change.execution_policy if change.execution_policy is not None else kept[1],
        )
        try:
            return self._datasets.add_version(
                workspace,
                dataset_id,
                version_id,
                user,
                snapshot,
                list(change.tags),
                change.description,
                change.metadata,
                settings,
            )
        except BaseException:
            self._items.drop_version(workspace, dataset_id, version_id)
            raise

    def check_base(self, workspace: str, dataset_id: str, base_version: str | None) -> None:
        """409 when ``base_version`` is not the dataset's newest version (a stale edit)."""
        if base_version is None:
            return
        latest = self._datasets.latest_version(workspace, dataset_id)
        if latest is None or latest.id != base_version:
            newest = latest.name if latest else "none"
            raise Conflict(
                f"base_version: {base_version} is not the newest version (that is {newest}); "
                "read the dataset again, or send override=true"
            )

    def name_current(
        self,
        workspace: str,
        dataset_id: str,
        user: str,
        tags: Sequence[str],
        change_description: str | None,
        metadata: dict[str, str] | None,
    ) -> Version:
        """Name the current content: tags, description and metadata on its version."""
        version = self.record(workspace, dataset_id, user)
        if tags:
            self._datasets.add_version_tags(workspace, version, tags)
        if change_description is not None or metadata is not None:
            self._db.execute(
                "UPDATE dataset_versions SET change_description = COALESCE(?, "
                "change_description), metadata = COALESCE(?, metadata), last_updated_at = ? "
                "WHERE workspace = ? AND id = ?",
                (
                    change_description,
                    json.dumps(metadata) if metadata is not None else None,
                    utcnow(),
                    workspace,
                    version.id,
                ),
            )
        found = self._datasets.version(workspace, dataset_id, version.id)
        assert found is not None
        return found

    def datasets_of_items(self, workspace: str, item_ids: Sequence[str]) -> list[str]:
        """The datasets that hold any of the items (to version them after a delete by id)."""
        if not item_ids:
            return []
        rows = self._ch.query(
            f"SELECT DISTINCT dataset_id FROM {DATASET_ITEMS.name} WHERE "
            "workspace_id = {ws:String} AND id IN {ids:Array(String)}",
            {"ws": workspace, "ids": list(item_ids)},
        )
        return [str(row[0]) for row in rows]

    def restore(self, workspace: str, dataset_id: str, user: str, version: Version) -> Version:
        """Make ``version``'s items and test-suite settings current again, recorded as a new
        version; the newest version itself is returned unchanged (nothing to restore)."""
        latest = self._datasets.latest_version(workspace, dataset_id)
        if latest is not None and latest.id == version.id:
            return latest
        self._items.restore(workspace, dataset_id, version.id)
        change = Change(
            description=f"Restored from version {version.name}",
            evaluators=version.evaluators,
            execution_policy=version.execution_policy,
        )
        return self.record(workspace, dataset_id, user, change)
