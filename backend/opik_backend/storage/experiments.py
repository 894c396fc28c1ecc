"""Experiments: names and settings in the metadata database, their items in ClickHouse.

An experiment runs a task over a dataset; each experiment item links one dataset item to
the trace the task produced for it. Names may repeat, as in Opik. Computed fields (trace
count, score averages, the comparison view) are in :mod:`.comparisons`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from ..errors import Conflict, NotFound
from .clickhouse import ClickHouse
from .metadata import MetadataDB, contains_pattern, utcnow
from .reads import Public, aware, json_value, latest_rows
from .rows import Row, Table
from .shapes import compact

EXPERIMENT_ITEMS = Table(
    "experiment_items",
    (
        "workspace_id",
        "experiment_id",
        "id",
        "dataset_item_id",
        "trace_id",
        "project_id",
        "created_at",
        "last_updated_at",
    ),
)
_COLUMNS = (
    "id",
    "workspace",
    "dataset_id",
    "project_id",
    "name",
    "metadata",
    "tags",
    "type",
    "evaluation_method",
    "status",
    "optimization_id",
    "dataset_version_id",
    "prompt_versions",
    "experiment_scores",
    "created_at",
    "last_updated_at",
    "finished_at",
)
_SELECT = (
    f"SELECT {', '.join(f'e.{c} AS {c}' for c in _COLUMNS)}, d.name AS dataset_name, "
    "p.name AS project_name FROM experiments e "
    "LEFT JOIN datasets d ON d.id = e.dataset_id AND d.workspace = e.workspace "
    "LEFT JOIN projects p ON p.id = e.project_id AND p.workspace = e.workspace"
)
UPDATABLE = ("name", "metadata", "tags", "type", "status", "experiment_scores", "finished_at")


@dataclasses.dataclass(frozen=True)
class Experiment:
    id: str
    workspace: str
    dataset_id: str
    project_id: str | None
    name: str
    metadata: str | None
    tags: str
    type: str
    evaluation_method: str
    status: str
    optimization_id: str | None
    dataset_version_id: str | None
    prompt_versions: str | None
    experiment_scores: str | None
    created_at: dt.datetime
    last_updated_at: dt.datetime
    finished_at: dt.datetime | None
    dataset_name: str | None  # None once the dataset is deleted
    project_name: str | None

    def public(self, computed: dict[str, Any]) -> Public:
        """The ``ExperimentPublic`` fields, with the computed ones (trace count, scores)."""
        versions = json.loads(self.prompt_versions) if self.prompt_versions else None
        out: Public = {
            "id": self.id,
            "name": self.name,
            "dataset_id": self.dataset_id,
            "dataset_name": self.dataset_name,
            "project_id": self.project_id,
            "project_name": self.project_name,
            "metadata": json_value(self.metadata or ""),
            "tags": json.loads(self.tags) or None,  # Opik answers null for no tags
            "type": self.type,
            "evaluation_method": self.evaluation_method,
            "status": self.status,
            "optimization_id": self.optimization_id,
            "dataset_version_id": self.dataset_version_id,
            "prompt_versions": [_prompt_link(v) for v in versions] if versions else None,
            "experiment_scores": json.loads(self.experiment_scores or "null"),
            "created_at": aware(self.created_at),
            "last_updated_at": aware(self.last_updated_at),
            "finished_at": aware(self.finished_at),
            **computed,
        }
        return compact(out)


def _prompt_link(version: dict[str, Any]) -> dict[str, Any]:
    """A stored ``prompt_versions`` entry in its public form (``PromptVersionLink``, whose
    version id Opik sends both as ``id`` and ``prompt_version_id``)."""
    version_id = version.get("id") or version.get("prompt_version_id")
    link = {"id": version_id, "prompt_version_id": version_id}
    keys = ("commit", "prompt_id", "prompt_name")
    return {**link, **{k: v for k, v in version.items() if k in keys}}


@dataclasses.dataclass(frozen=True)
class ExperimentQuery:
    """What an experiment list or stream asks for; every field narrows it."""

    workspace: str
    dataset_id: str | None = None
    name: str | None = None  # a case-insensitive substring
    exact_name: str | None = None
    project_id: str | None = None  # also keeps experiments that have no project
    types: Sequence[str] = ()
    ids: Sequence[str] = ()
    optimization_id: str | None = None

    def where(self) -> tuple[str, list[Any]]:
        conditions, params = ["e.workspace = ?"], [self.workspace]
        for column, value in (
            ("dataset_id", self.dataset_id),
            ("name", self.exact_name),
            ("optimization_id", self.optimization_id),
        ):
            if value:
                conditions.append(f"e.{column} = ?")
                params.append(value)
        if self.name:
            conditions.append("LOWER(e.name) LIKE ? ESCAPE '!'")
            params.append(contains_pattern(self.name))
        if self.project_id:
            conditions.append("(e.project_id = ? OR e.project_id IS NULL)")
            params.append(self.project_id)
        for column, values in (("type", self.types), ("id", self.ids)):
            if values:
                conditions.append(f"e.{column} IN ({', '.join('?' for _ in values)})")
                params.extend(values)
        return " AND ".join(conditions), params


class Experiments:
    """CRUD over the ``experiments`` table."""

    def __init__(self, db: MetadataDB) -> None:
        self._db = db

    def create(self, workspace: str, fields: dict[str, Any]) -> Experiment:
        """A new experiment from its column values (``id``, ``name``, ``dataset_id``...)."""
        now = utcnow()
        row = {
            "workspace": workspace,
            "created_at": now,
            "last_updated_at": now,
            "finished_at": None,
            **fields,
        }
        try:
            self._db.execute(
                f"INSERT INTO experiments ({', '.join(_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in _COLUMNS)})",
                [row[c] for c in _COLUMNS],
            )
        except Conflict:
            raise Conflict(f"an experiment with id {fields['id']} already exists") from None
        return self.get(workspace, fields["id"])

    def find(self, workspace: str, experiment_id: str) -> Experiment | None:
        row = self._db.fetch_one(
            f"{_SELECT} WHERE e.workspace = ? AND e.id = ?", (workspace, experiment_id)
        )
        return Experiment(**row) if row else None

    def get(self, workspace: str, experiment_id: str) -> Experiment:
        """The experiment with this id, or 404."""
        found = self.find(workspace, experiment_id)
        if found is None:
            raise NotFound(f"experiment {experiment_id} not found")
        return found

    def existing(self, workspace: str, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are experiments of this workspace."""
        found, _ = self.page(ExperimentQuery(workspace, ids=list(set(ids))), 1, len(ids) or 1)
        return {experiment.id for experiment in found}

    def update(self, workspace: str, experiment_id: str, changes: dict[str, Any]) -> None:
        """Set the given columns (names from :data:`UPDATABLE`); 404 if it does not exist."""
        self.get(workspace, experiment_id)
        columns = [c for c in UPDATABLE if c in changes]
        sets = "".join(f"{c} = ?, " for c in columns)
        self._db.execute(
            f"UPDATE experiments SET {sets}last_updated_at = ? WHERE workspace = ? AND id = ?",
            [*(changes[c] for c in columns), utcnow(), workspace, experiment_id],
        )

    def finish(self, workspace: str, ids: Sequence[str]) -> None:
        """Mark experiments completed; those already finished keep their time."""
        for experiment_id in ids:
            self._db.execute(
                "UPDATE experiments SET status = ?, finished_at = COALESCE(finished_at, ?), "
                "last_updated_at = ? WHERE workspace = ? AND id = ?",
                ("completed", utcnow(), utcnow(), workspace, experiment_id),
            )

    def delete(self, workspace: str, ids: Sequence[str]) -> None:
        for experiment_id in ids:
            self._db.execute(
                "DELETE FROM experiments WHERE workspace = ? AND id = ?", (workspace, experiment_id)
            )

    def page(self, query: ExperimentQuery, page: int, size: int) -> tuple[list[Experiment], int]:
        """Experiments newest first, and how many match."""
        where, params = query.where()
        total = self._db.fetch_one(f"SELECT COUNT(*) AS n FROM experiments e WHERE {where}", params)
        rows = self._db.fetch(
            f"{_SELECT} WHERE {where} ORDER BY e.id DESC LIMIT ? OFFSET ?",
            [*params, size, (page - 1) * size],
        )
        return [Experiment(**row) for row in rows], int(total["n"] if total else 0)

    def after(self, query: ExperimentQuery, last_id: str | None, limit: int) -> list[Experiment]:
        """Experiments newest first, strictly older than ``last_id`` (a stream's cursor)."""
        where, params = query.where()
        if last_id:
            where += " AND e.id < ?"
            params.append(last_id)
        rows = self._db.fetch(
            f"{_SELECT} WHERE {where} ORDER BY e.id DESC LIMIT ?", [*params, limit]
        )
        return [Experiment(**row) for row in rows]

    def per_dataset(self, workspace: str, dataset_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Experiment count and newest creation time of each dataset."""
        if not dataset_ids:
            return {}
        rows = self._db.fetch(
            "SELECT dataset_id, COUNT(*) AS n, MAX(created_at) AS last_created_at "
            f"FROM experiments WHERE workspace = ? AND dataset_id IN "
            f"({', '.join('?' for _ in dataset_ids)}) GROUP BY dataset_id",
            (workspace, *dataset_ids),
        )
        return {
            row["dataset_id"]: {
                "experiment_count": int(row["n"]),
                "last_created_experiment_at": aware(row["last_created_at"]),
            }
            for row in rows
        }


# -- items ------------------------------------------------------------------------------------


def item_public(row: Row) -> Public:
    """An experiment item as the REST API returns it (``ExperimentItemPublic``)."""
    return {
        "id": row["id"],
        "experiment_id": row["experiment_id"],
        "dataset_item_id": row["dataset_item_id"],
        "trace_id": row["trace_id"],
        "project_id": row["project_id"],
        "created_at": aware(row["created_at"]),
        "last_updated_at": aware(row["last_updated_at"]),
    }


class ExperimentItems:
    """Experiment items in ClickHouse: inserts, streams and deletes."""

    def __init__(self, ch: ClickHouse) -> None:
        self._ch = ch

    def insert(self, rows: Sequence[Row]) -> None:
        self._ch.insert_json(EXPERIMENT_ITEMS.name, EXPERIMENT_ITEMS.columns, rows)

    def after(
        self, workspace: str, experiment_ids: Sequence[str], last_id: str | None, limit: int
    ) -> list[Public]:
        """Items of the experiments, newest first, strictly older than ``last_id``."""
        if not experiment_ids:
            return []
        latest = latest_rows(
            EXPERIMENT_ITEMS,
            "workspace_id = {ws:String} AND experiment_id IN {ids:Array(String)}",
            EXPERIMENT_ITEMS.columns,
        )
        rows = self._ch.query_dicts(
            f"SELECT * FROM ({latest}) WHERE id < {{before:String}} ORDER BY id DESC "
            "LIMIT {limit:UInt32}",
            {
                "ws": workspace,
                "ids": list(experiment_ids),
                "before": last_id or "~",
                "limit": limit,
            },
        )
        return [item_public(row) for row in rows]

    def get(self, workspace: str, item_id: str) -> Public:
        """The experiment item with this id, or 404."""
        latest = latest_rows(
            EXPERIMENT_ITEMS,
            "workspace_id = {ws:String} AND id = {id:String}",
            EXPERIMENT_ITEMS.columns,
        )
        rows = self._ch.query_dicts(latest, {"ws": workspace, "id": item_id})
        if not rows:
            raise NotFound(f"experiment item {item_id} not found")
        return item_public(rows[0])

    def score_names(
        self, workspace: str, experiment_ids: Sequence[str], project_id: str | None
    ) -> list[str]:
        """The names of the scores on the traces of the experiments' items (of every
        experiment when none is named; of one project's traces with ``project_id``)."""
        params: dict[str, Any] = {"ws": workspace, "ids": list(experiment_ids)}
        where = "workspace_id = {ws:String}"
        if experiment_ids:
            where += " AND experiment_id IN {ids:Array(String)}"
        if project_id:
            params["project_id"] = project_id
            where += " AND project_id = {project_id:String}"
        rows = self._ch.query(
            "SELECT DISTINCT name FROM feedback_scores WHERE workspace_id = {ws:String}"
            " AND entity_type = 'trace'"
            f" AND entity_id IN (SELECT trace_id FROM experiment_items WHERE {where})"
            " ORDER BY name",
            params,
        )
        return [str(name) for (name,) in rows]

    def delete(self, workspace: str, column: str, ids: Sequence[str]) -> None:
        """Delete the items whose ``column`` (``id`` or ``experiment_id``) is in ``ids``."""
        assert column in ("id", "experiment_id"), column
        if ids:
            self._ch.command(
                f"DELETE FROM experiment_items WHERE workspace_id = {{ws:String}} "
                f"AND {column} IN {{ids:Array(String)}}",
                {"ws": workspace, "ids": list(ids)},
            )
