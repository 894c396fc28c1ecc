"""Comments (annotations) on traces and spans, stored in ClickHouse.

A comment is versioned like every other row: editing its text writes a newer version of the
same id (``ReplacingMergeTree(last_updated_at)``), and reads take the newest version of each
id. Reads of a page of traces or spans fetch the comments of that page's ids in one query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from .clickhouse import ClickHouse
from .rows import ONE_MICROSECOND, Row, Table, now

COMMENTS = Table(
    "comments",
    (
        "workspace_id",
        "entity_type",
        "entity_id",
        "project_id",
        "id",
        "text",
        "created_at",
        "last_updated_at",
        "created_by",
        "last_updated_by",
    ),
)
Public = dict[str, Any]
_COLUMNS = ", ".join(COMMENTS.columns)


def comment_public(row: Row) -> Public:
    """A comment as the API returns it (Opik's ``Comment``)."""
    return {
        "id": row["id"],
        "text": row["text"],
        "created_at": _aware(row["created_at"]),
        "last_updated_at": _aware(row["last_updated_at"]),
        "created_by": row["created_by"],
        "last_updated_by": row["last_updated_by"],
    }


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC)


class Comments:
    """Add, read, edit and delete the comments of traces and spans."""

    def __init__(self, ch: ClickHouse) -> None:
        self._ch = ch
        self.changed: list[Callable[[str], None]] = []
        """Called with the workspace after every add, edit or delete."""

    def add(
        self,
        workspace: str,
        entity_type: str,
        entity_id: str,
        project_id: str,
        comment_id: str,
        text: str,
        user: str,
    ) -> None:
        received = now()
        self._ch.insert_json(
            COMMENTS.name,
            COMMENTS.columns,
            [
                {
                    "workspace_id": workspace,
                    "entity_type": entity_type,
                    "entity_id": entity_id,
                    "project_id": project_id,
                    "id": comment_id,
                    "text": text,
                    "created_at": received,
                    "last_updated_at": received,
                    "created_by": user,
                    "last_updated_by": user,
                }
            ],
        )
        self._tell(workspace)

    def get(self, workspace: str, entity_type: str, comment_id: str) -> Row | None:
        """The newest version of a comment of this entity type, or None."""
        rows = self._ch.query_dicts(
            f"SELECT {_COLUMNS} FROM comments WHERE workspace_id = {{ws:String}} "
            "AND entity_type = {kind:String} AND id = {id:String} "
            "ORDER BY last_updated_at DESC LIMIT 1",
            {"ws": workspace, "kind": entity_type, "id": comment_id},
        )
        return rows[0] if rows else None

    def update(
        self, workspace: str, entity_type: str, comment_id: str, text: str, user: str
    ) -> bool:
        """Replace a comment's text; False if there is no such comment."""
        current = self.get(workspace, entity_type, comment_id)
        if current is None:
            return False
        # A strictly newer version, even within the microsecond of the last one.
        stamp = max(now(), current["last_updated_at"] + ONE_MICROSECOND)
        self._ch.insert_json(
            COMMENTS.name,
            COMMENTS.columns,
            [
                {
                    **current,
                    "text": text,
                    "last_updated_at": stamp,
                    "last_updated_by": user,
                }
            ],
        )
        self._tell(workspace)
        return True

    def delete(self, workspace: str, entity_type: str, ids: Sequence[str]) -> None:
        if ids:
            self._ch.command(
                "DELETE FROM comments WHERE workspace_id = {ws:String} "
                "AND entity_type = {kind:String} AND id IN {ids:Array(String)}",
                {"ws": workspace, "kind": entity_type, "ids": list(ids)},
            )
            self._tell(workspace)

    def _tell(self, workspace: str) -> None:
        for listener in self.changed:
            listener(workspace)

    def of(self, workspace: str, entity_type: str, ids: Sequence[str]) -> dict[str, list[Public]]:
        """The comments of each of ``ids`` (one query), oldest first, by entity id."""
        if not ids:
            return {}
        return self.where(
            "entity_id IN {ids:Array(String)}",
            {"ws": workspace, "kind": entity_type, "ids": list(ids)},
        )

    def where(self, condition: str, params: dict[str, Any]) -> dict[str, list[Public]]:
        """The comments whose entity meets ``condition`` (SQL on bound ``params``, which name
        the workspace ``ws`` and the entity type ``kind``), oldest first, by entity id."""
        return by_entity(self._ch.query_dicts(latest_sql(condition), params))


def latest_sql(condition: str, columns: str = _COLUMNS) -> str:
    """SQL for the newest version of each comment whose entity meets ``condition`` (on the
    bound ``ws`` and ``kind``), oldest comment first."""
    return (
        f"SELECT {columns} FROM comments WHERE workspace_id = {{ws:String}} "
        f"AND entity_type = {{kind:String}} AND {condition} "
        "ORDER BY id, last_updated_at DESC LIMIT 1 BY id"
    )


def by_entity(rows: list[Row]) -> dict[str, list[Public]]:
    """Comment rows (oldest first) as public comments, by entity id."""
    found: dict[str, list[Public]] = {}
    for row in rows:
        found.setdefault(row["entity_id"], []).append(comment_public(row))
    return found
