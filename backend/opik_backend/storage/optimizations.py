"""Optimizations in the metadata store: create, read, page, rename or change status, delete.

An optimization's trials are the experiments that name it (``experiments.optimization_id``);
``num_trials`` counts them.
"""

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

_COLUMNS = (
    "o.id, o.workspace, o.name, o.dataset_id, o.dataset_name, o.project_id, o.objective_name,"
    " o.status, o.metadata, o.studio_config, o.created_by, o.last_updated_by, o.created_at,"
    " o.last_updated_at, (SELECT COUNT(*) FROM experiments e WHERE e.workspace = o.workspace"
    " AND e.optimization_id = o.id) AS num_trials"
)
_SELECT = f"SELECT {_COLUMNS} FROM optimizations o"


@dataclasses.dataclass(frozen=True)
class Optimization:
    id: str
    workspace: str
    name: str
    dataset_id: str
    dataset_name: str
    project_id: str | None
    objective_name: str
    status: str
    metadata: str | None
    studio_config: str | None
    created_by: str
    last_updated_by: str
    created_at: dt.datetime
    last_updated_at: dt.datetime
    num_trials: int

    def public(self) -> Public:
        """Opik's ``Optimization`` fields."""
        return compact(
            {
                "id": self.id,
                "name": self.name,
                "dataset_id": self.dataset_id,
                "dataset_name": self.dataset_name,
                "project_id": self.project_id,
                "objective_name": self.objective_name,
                "status": self.status,
                "metadata": json.loads(self.metadata) if self.metadata else None,
                "studio_config": json.loads(self.studio_config) if self.studio_config else None,
                "num_trials": int(self.num_trials),
                "created_at": aware(self.created_at),
                "created_by": self.created_by,
                "last_updated_at": aware(self.last_updated_at),
                "last_updated_by": self.last_updated_by,
            }
        )


@dataclasses.dataclass(frozen=True)
class OptimizationQuery:
    """What a list asks for; every field narrows it."""

    workspace: str
    dataset_id: str | None = None
    name: str | None = None  # a case-insensitive substring
    dataset_name: str | None = None  # a case-insensitive substring
    project_id: str | None = None


class Optimizations:
    def __init__(self, db: MetadataDB) -> None:
        self._db = db

    def create(self, workspace: str, row: dict[str, Any], user: str) -> Optimization:
        """Store a new optimization (``row`` holds its columns but the bookkeeping)."""
        now = utcnow()
        values = {
            **row,
            "workspace": workspace,
            "created_by": user,
            "last_updated_by": user,
            "created_at": now,
            "last_updated_at": now,
        }
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        try:
            self._db.execute(
                f"INSERT INTO optimizations ({names}) VALUES ({marks})", tuple(values.values())
            )
        except Conflict:
            raise Conflict(f"an optimization with id {row['id']} already exists") from None
        return self.get(workspace, row["id"])

    def get(self, workspace: str, optimization_id: str) -> Optimization:
        """The optimization with this id, or 404."""
        row = self._db.fetch_one(
            f"{_SELECT} WHERE o.workspace = ? AND o.id = ?", (workspace, optimization_id)
        )
        if row is None:
            raise NotFound(f"optimization {optimization_id} not found")
        return Optimization(**row)

    def page(
        self, query: OptimizationQuery, page: int, size: int
    ) -> tuple[list[Optimization], int]:
        """Newest first."""
        where, params = ["o.workspace = ?"], [query.workspace]
        for column, value in (("dataset_id", query.dataset_id), ("project_id", query.project_id)):
            if value:
                where.append(f"o.{column} = ?")
                params.append(value)
        for column, text in (("name", query.name), ("dataset_name", query.dataset_name)):
            if text:
                where.append(f"LOWER(o.{column}) LIKE ? ESCAPE '!'")
                params.append(contains_pattern(text))
        condition = " AND ".join(where)
        total = self._db.fetch_one(
            f"SELECT COUNT(*) AS n FROM optimizations o WHERE {condition}", params
        )
        rows = self._db.fetch(
            f"{_SELECT} WHERE {condition} ORDER BY o.id DESC LIMIT ? OFFSET ?",
            (*params, size, (page - 1) * size),
        )
        return [Optimization(**row) for row in rows], int(total["n"] if total else 0)

    def update(
        self, workspace: str, optimization_id: str, changes: dict[str, str], user: str
    ) -> None:
        """Rename it or change its status; 404 if there is no such optimization."""
        self.get(workspace, optimization_id)
        sets = ", ".join(f"{column} = ?" for column in changes)
        self._db.execute(
            f"UPDATE optimizations SET {sets}, last_updated_by = ?, last_updated_at = ? "
            "WHERE workspace = ? AND id = ?",
            (*changes.values(), user, utcnow(), workspace, optimization_id),
        )

    def delete(self, workspace: str, ids: Sequence[str]) -> None:
        if ids:
            marks = ", ".join("?" for _ in ids)
            self._db.execute(
                f"DELETE FROM optimizations WHERE workspace = ? AND id IN ({marks})",
                (workspace, *ids),
            )
