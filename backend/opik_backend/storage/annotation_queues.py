"""Annotation queues in the metadata store: queues of traces or threads for people to
review, with the score names each item needs, and their entries."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from ..errors import Conflict, NotFound
from .metadata import MetadataDB, contains_pattern, utcnow
from .reads import Public, aware
from .shapes import compact

_SELECT = (
    "SELECT q.id, q.workspace, q.project_id, p.name AS project_name, q.name, q.description,"
    " q.instructions, q.scope, q.comments_enabled, q.feedback_definition_names, q.created_by,"
    " q.last_updated_by, q.created_at, q.last_updated_at, (SELECT COUNT(*) FROM"
    " annotation_queue_items i WHERE i.queue_id = q.id) AS items_count"
    " FROM annotation_queues q LEFT JOIN projects p ON p.id = q.project_id"
)
UPDATABLE = ("name", "description", "instructions", "comments_enabled", "feedback_definition_names")


@dataclasses.dataclass(frozen=True)
class AnnotationQueue:
    id: str
    workspace: str
    project_id: str
    project_name: str | None
    name: str
    description: str | None
    instructions: str | None
    scope: str
    comments_enabled: int
    feedback_definition_names: str
    created_by: str
    last_updated_by: str
    created_at: dt.datetime
    last_updated_at: dt.datetime
    items_count: int

    def public(self) -> Public:
        """Opik's ``AnnotationQueue`` fields."""
        return compact(
            {
                "id": self.id,
                "project_id": self.project_id,
                "project_name": self.project_name,
                "name": self.name,
                "description": self.description,
                "instructions": self.instructions,
                "scope": self.scope,
                "comments_enabled": bool(self.comments_enabled),
                "feedback_definition_names": json.loads(self.feedback_definition_names),
                "items_count": int(self.items_count),
                "created_at": aware(self.created_at),
                "created_by": self.created_by,
                "last_updated_at": aware(self.last_updated_at),
                "last_updated_by": self.last_updated_by,
            }
        )


class AnnotationQueues:
    def __init__(self, db: MetadataDB) -> None:
        self._db = db

    def create(self, workspace: str, row: dict[str, Any], user: str) -> None:
        """Store a new queue (``row`` holds its columns but the bookkeeping); 409 when the
        project already has a queue of that name or the id is taken."""
        now = utcnow()
        values = {
            **row,
            "workspace": workspace,
            "created_by": user,
            "last_updated_by": user,
            "created_at": now,
            "last_updated_at": now,
        }
        marks = ", ".join("?" for _ in values)
        try:
            self._db.execute(
                f"INSERT INTO annotation_queues ({', '.join(values)}) VALUES ({marks})",
                tuple(values.values()),
            )
        except Conflict:
            raise Conflict(
                f"an annotation queue named {row['name']!r} or with id {row['id']} already exists"
            ) from None

    def get(self, workspace: str, queue_id: str) -> AnnotationQueue:
        """The queue with this id, or 404."""
        row = self._db.fetch_one(
            f"{_SELECT} WHERE q.workspace = ? AND q.id = ?", (workspace, queue_id)
        )
        if row is None:
            raise NotFound(f"annotation queue {queue_id} not found")
        return AnnotationQueue(**row)

    def page(
        self, workspace: str, page: int, size: int, name: str | None, project_id: str | None
    ) -> tuple[list[AnnotationQueue], int]:
        """Newest first; ``name`` matches a case-insensitive substring."""
        where, params = ["q.workspace = ?"], [workspace]
        if name:
            where.append("LOWER(q.name) LIKE ? ESCAPE '!'")
            params.append(contains_pattern(name))
        if project_id:
            where.append("q.project_id = ?")
            params.append(project_id)
        condition = " AND ".join(where)
        total = self._db.fetch_one(
            f"SELECT COUNT(*) AS n FROM annotation_queues q WHERE {condition}", params
        )
        rows = self._db.fetch(
            f"{_SELECT} WHERE {condition} ORDER BY q.id DESC LIMIT ? OFFSET ?",
            (*params, size, (page - 1) * size),
        )
        return [AnnotationQueue(**row) for row in rows], int(total["n"] if total else 0)

    def update(self, workspace: str, queue_id: str, changes: dict[str, Any], user: str) -> None:
        """Change the fields in ``changes`` (names from :data:`UPDATABLE`); 404 if missing."""
        self.get(workspace, queue_id)
        sets = "".join(f"{column} = ?, " for column in changes if column in UPDATABLE)
        values = [v for k, v in changes.items() if k in UPDATABLE]
        self._db.execute(
            f"UPDATE annotation_queues SET {sets}last_updated_by = ?, last_updated_at = ? "
            "WHERE workspace = ? AND id = ?",
            (*values, user, utcnow(), workspace, queue_id),
        )

    def delete(self, workspace: str, ids: Sequence[str]) -> None:
        """Delete queues of the workspace and their entries."""
        if not ids:
            return
        marks = ", ".join("?" for _ in ids)
        owned = [
            row["id"]
            for row in self._db.fetch(
                f"SELECT id FROM annotation_queues WHERE workspace = ? AND id IN ({marks})",
                (workspace, *ids),
            )
        ]
        if owned:
            marks = ", ".join("?" for _ in owned)
            self._db.execute(
                f"DELETE FROM annotation_queue_items WHERE queue_id IN ({marks})", owned
            )
            self._db.execute(f"DELETE FROM annotation_queues WHERE id IN ({marks})", owned)

    def add_items(self, workspace: str, queue_id: str, item_ids: Sequence[str]) -> None:
        """Add entries (already there ones are kept once); 404 if the queue is missing."""
        self.get(workspace, queue_id)
        marks = ", ".join("?" for _ in item_ids)
        present = {
            row["item_id"]
            for row in self._db.fetch(
                f"SELECT item_id FROM annotation_queue_items WHERE queue_id = ? AND item_id IN"
                f" ({marks})",
                (queue_id, *item_ids),
            )
        }
        now = utcnow()
        new = [item_id for item_id in dict.fromkeys(item_ids) if item_id not in present]
        for step, item_id in enumerate(new):  # a microsecond apart: the queue keeps their order
            self._db.execute(
                "INSERT INTO annotation_queue_items (queue_id, item_id, created_at)"
                " VALUES (?, ?, ?)",
                (queue_id, item_id, now + dt.timedelta(microseconds=step)),
            )

    def remove_items(self, workspace: str, queue_id: str, item_ids: Sequence[str]) -> None:
        self.get(workspace, queue_id)
        marks = ", ".join("?" for _ in item_ids)
        self._db.execute(
            f"DELETE FROM annotation_queue_items WHERE queue_id = ? AND item_id IN ({marks})",
            (queue_id, *item_ids),
        )

    def item_ids(self, queue_id: str) -> list[str]:
        """The queue's entries in the order they were added."""
        rows = self._db.fetch(
            "SELECT item_id FROM annotation_queue_items WHERE queue_id = ?"
            " ORDER BY created_at, item_id",
            (queue_id,),
        )
        return [str(row["item_id"]) for row in rows]
