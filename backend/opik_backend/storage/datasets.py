"""Datasets: names and settings in the metadata database, items in ClickHouse.

Items are versioned rows (the newest ``last_updated_at`` of an id wins) and are
de-duplicated by content within a dataset: an item whose data another current item of the
dataset already holds is not stored again. The check and the insert run under one lock,
so concurrent uploads of the same content keep one item (per backend process).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import threading
from collections.abc import Sequence
from typing import Any

import msgspec

from ..errors import Conflict, NotFound, ValidationFailed
from ..filters import Compiler, Filter
from ..schemas import DatasetItemWrite
from .clickhouse import ClickHouse
from .metadata import MetadataDB, contains_pattern, utcnow
from .reads import Public, aware, json_value, latest_rows
from .rows import Row, Table

DATASET_ITEMS = Table("dataset_items", (
    "workspace_id", "dataset_id", "id", "data", "source", "trace_id", "span_id", "description",
    "tags", "content_hash", "created_at", "last_updated_at"))
_SELECT = ("SELECT d.id AS id, d.workspace AS workspace, d.name AS name, "
           "d.description AS description, p.id AS project_id, d.type AS type, d.tags AS tags, "
           "d.created_at AS created_at, d.last_updated_at AS last_updated_at FROM datasets d "
           "LEFT JOIN projects p ON p.id = d.project_id AND p.workspace = d.workspace")
_SCOPE = "workspace_id = {ws:String} AND dataset_id = {dataset_id:String}"


@dataclasses.dataclass(frozen=True)
class Dataset:
    id: str
    workspace: str
    name: str
    description: str | None
    project_id: str | None  # None also when the project was deleted since
    type: str
    tags: str
    created_at: dt.datetime
    last_updated_at: dt.datetime

    def public(self, items_count: int, experiments: dict[str, Any]) -> Public:
        """The ``DatasetPublic`` fields of the REST API."""
        out: Public = {
            "id": self.id, "name": self.name, "description": self.description,
            "project_id": self.project_id, "type": self.type, "visibility": "private",
            "tags": json.loads(self.tags), "created_at": aware(self.created_at),
            "last_updated_at": aware(self.last_updated_at), "dataset_items_count": items_count,
            "experiment_count": experiments.get("experiment_count", 0),
            "last_created_experiment_at": experiments.get("last_created_experiment_at"),
        }
        return {key: value for key, value in out.items() if value is not None}


class Datasets:
    """CRUD over the ``datasets`` table; names are unique in a workspace."""

    def __init__(self, db: MetadataDB) -> None:
        self._db = db

    def create(self, workspace: str, dataset_id: str, name: str, description: str | None,
               project_id: str | None, kind: str, tags: list[str]) -> Dataset:
        now = utcnow()
        try:
            self._db.execute(
                "INSERT INTO datasets (id, workspace, name, description, project_id, type, tags,"
                " created_at, last_updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (dataset_id, workspace, name, description, project_id, kind, json.dumps(tags),
                 now, now))
        except Conflict:
            taken = self.find(workspace, name) is not None
            what = f"a dataset named {name!r}" if taken else f"a dataset with id {dataset_id}"
            raise Conflict(f"{what} already exists") from None
        return self.get(workspace, dataset_id)

    def find(self, workspace: str, name: str) -> Dataset | None:
        row = self._db.fetch_one(f"{_SELECT} WHERE d.workspace = ? AND d.name = ?",
                                 (workspace, name))
        return Dataset(**row) if row else None

    def by_name(self, workspace: str, name: str) -> Dataset:
        """The dataset called ``name``, or 404."""
        found = self.find(workspace, name)
        if found is None:
            raise NotFound(f"dataset {name!r} not found")
        return found

    def get(self, workspace: str, dataset_id: str) -> Dataset:
        """The dataset with this id, or 404."""
        row = self._db.fetch_one(f"{_SELECT} WHERE d.workspace = ? AND d.id = ?",
                                 (workspace, dataset_id))
        if row is None:
            raise NotFound(f"dataset {dataset_id} not found")
        return Dataset(**row)

    def names(self, workspace: str, ids: Sequence[str]) -> dict[str, str]:
        """Name of each dataset id that exists."""
        if not ids:
            return {}
        rows = self._db.fetch(
            f"SELECT id, name FROM datasets WHERE workspace = ? AND id IN ({_marks(ids)})",
            (workspace, *ids))
        return {row["id"]: row["name"] for row in rows}

    def update(self, workspace: str, dataset_id: str, name: str, description: str | None,
               tags: list[str] | None) -> None:
        old = self.get(workspace, dataset_id)
        try:
            self._db.execute(
                "UPDATE datasets SET name = ?, description = ?, tags = ?, last_updated_at = ?"
                " WHERE workspace = ? AND id = ?",
                (name, description if description is not None else old.description,
                 json.dumps(tags) if tags is not None else old.tags, utcnow(), workspace,
                 dataset_id))
        except Conflict:
            raise Conflict(f"a dataset named {name!r} already exists") from None

    def delete(self, workspace: str, ids: Sequence[str]) -> None:
        if ids:
            self._db.execute(f"DELETE FROM datasets WHERE workspace = ? AND id IN ({_marks(ids)})",
                             (workspace, *ids))

    def page(self, workspace: str, page: int, size: int, name: str | None,
             project_id: str | None) -> tuple[list[Dataset], int]:
        """Datasets newest first, by a name substring and project if given."""
        where, params = "d.workspace = ?", [workspace]
        if name:
            where += " AND LOWER(d.name) LIKE ? ESCAPE '!'"
            params.append(contains_pattern(name))
        if project_id:
            where += " AND d.project_id = ?"
            params.append(project_id)
        total = self._db.fetch_one(f"SELECT COUNT(*) AS n FROM datasets d WHERE {where}", params)
        rows = self._db.fetch(f"{_SELECT} WHERE {where} ORDER BY d.id DESC LIMIT ? OFFSET ?",
                              [*params, size, (page - 1) * size])
        return [Dataset(**row) for row in rows], int(total["n"] if total else 0)


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


# -- items ------------------------------------------------------------------------------------

def content_hash(data: Any, description: str | None) -> str:
    """SHA-256 of the item's content: its data with sorted keys, and its description."""
    content = {"data": data, "description": description}
    return hashlib.sha256(msgspec.json.encode(content, order="sorted")).hexdigest()


def item_row(body: DatasetItemWrite, workspace: str, dataset_id: str, item_id: str,
             ids: tuple[str, str], received: dt.datetime, where: str) -> Row:
    """The stored form of one item; ``ids`` are its checked trace and span ids ("" if none)."""
    raw = bytes(body.data)
    if raw[:1] != b"{":
        raise ValidationFailed(f"{where}.data: must be a JSON object")
    data = msgspec.json.decode(raw)
    return {
        "workspace_id": workspace, "dataset_id": dataset_id, "id": item_id,
        "data": raw.decode(), "source": body.source, "trace_id": ids[0], "span_id": ids[1],
        "description": body.description or "", "tags": list(dict.fromkeys(body.tags or [])),
        "content_hash": content_hash(data, body.description), "created_at": received,
        "last_updated_at": received,
    }


def item_public(row: Row) -> Public:
    """A dataset item as the REST API returns it."""
    out: Public = {
        "id": row["id"], "dataset_id": row["dataset_id"], "data": json_value(row["data"]),
        "source": row["source"], "trace_id": row["trace_id"] or None,
        "span_id": row["span_id"] or None, "description": row["description"] or None,
        "tags": row["tags"], "created_at": aware(row["created_at"]),
        "last_updated_at": aware(row["last_updated_at"]),
    }
    return {key: value for key, value in out.items() if value is not None}


class DatasetItems:
    """Dataset items in ClickHouse: de-duplicated puts, pages, streams, counts, deletes."""

    def __init__(self, ch: ClickHouse) -> None:
        self._ch = ch
        self._lock = threading.Lock()

    def put(self, workspace: str, dataset_id: str, rows: list[Row]) -> int:
        """Store the rows whose content the dataset does not hold yet; return how many."""
        with self._lock:
            holders = self._holders(workspace, dataset_id, [r["content_hash"] for r in rows])
            kept = []
            for row in rows:
                owners = holders.setdefault(row["content_hash"], set())
                if owners and row["id"] not in owners:
                    continue  # another item holds this content already
                owners.add(row["id"])
                kept.append(row)
            self._ch.insert_json(DATASET_ITEMS.name, DATASET_ITEMS.columns, kept)
        return len(kept)

    def _holders(self, workspace: str, dataset_id: str,
                 hashes: list[str]) -> dict[str, set[str]]:
        """Ids of the current items holding each content hash."""
        params = {"ws": workspace, "dataset_id": dataset_id, "hashes": hashes}
        with_hash = "content_hash IN {hashes:Array(String)}"
        candidates = f"{_SCOPE} AND id IN (SELECT id FROM dataset_items WHERE {_SCOPE} " \
                     f"AND {with_hash})"
        latest = latest_rows(DATASET_ITEMS, candidates, ("id", "content_hash"))
        rows = self._ch.query(f"SELECT content_hash, id FROM ({latest}) WHERE {with_hash}",
                              params)
        found: dict[str, set[str]] = {}
        for digest, item_id in rows:
            found.setdefault(str(digest), set()).add(str(item_id))
        return found

    def _current(self, workspace: str, dataset_id: str,
                 filters: Sequence[Filter]) -> tuple[str, dict[str, Any]]:
        """SQL for the current items of a dataset that match ``filters``."""
        params: dict[str, Any] = {"ws": workspace, "dataset_id": dataset_id}
        where = Compiler("dataset_items", params).where(filters)
        latest = latest_rows(DATASET_ITEMS, _SCOPE, DATASET_ITEMS.columns)
        return f"SELECT * FROM ({latest}) WHERE {where}", params

    def page(self, workspace: str, dataset_id: str, page: int, size: int,
             filters: Sequence[Filter] = ()) -> tuple[list[Public], int]:
        """Items newest first, and how many there are."""
        source, params = self._current(workspace, dataset_id, filters)
        rows = self._ch.query_dicts(
            f"{source} ORDER BY id DESC LIMIT {{limit:UInt32}} OFFSET {{offset:UInt64}}",
            {**params, "limit": size, "offset": (page - 1) * size})
        if page == 1 and len(rows) < size:
            return [item_public(row) for row in rows], len(rows)
        total = self._ch.query(f"SELECT count() FROM ({source})", params)[0][0]
        return [item_public(row) for row in rows], int(total)

    def after(self, workspace: str, dataset_id: str, last_id: str | None, limit: int,
              filters: Sequence[Filter] = ()) -> list[Public]:
        """Items newest first, strictly older than ``last_id`` (the stream's cursor)."""
        source, params = self._current(workspace, dataset_id, filters)
        rows = self._ch.query_dicts(
            f"SELECT * FROM ({source}) WHERE id < {{before:String}} ORDER BY id DESC "
            "LIMIT {limit:UInt32}", {**params, "before": last_id or "~", "limit": limit})
        return [item_public(row) for row in rows]

    def data_of(self, workspace: str, ids: Sequence[str]) -> dict[str, str]:
        """The data (JSON text) of each current item among ``ids``, in any dataset."""
        if not ids:
            return {}
        rows = self._ch.query(
            "SELECT id, argMax(data, last_updated_at) FROM dataset_items WHERE "
            "workspace_id = {ws:String} AND id IN {ids:Array(String)} GROUP BY id",
            {"ws": workspace, "ids": list(ids)})
        return {str(item_id): str(data) for item_id, data in rows}

    def counts(self, workspace: str, dataset_ids: Sequence[str]) -> dict[str, int]:
        """How many items each dataset holds."""
        if not dataset_ids:
            return {}
        rows = self._ch.query(
            "SELECT dataset_id, uniqExact(id) FROM dataset_items WHERE workspace_id = {ws:String}"
            " AND dataset_id IN {ids:Array(String)} GROUP BY dataset_id",
            {"ws": workspace, "ids": list(dataset_ids)})
        return {str(dataset_id): int(n) for dataset_id, n in rows}

    def delete(self, workspace: str, ids: Sequence[str]) -> None:
        if ids:
            self._ch.command("DELETE FROM dataset_items WHERE workspace_id = {ws:String} "
                             "AND id IN {ids:Array(String)}", {"ws": workspace, "ids": list(ids)})

    def delete_matching(self, workspace: str, dataset_id: str, filters: Sequence[Filter]) -> None:
        """Delete the current items of a dataset that match ``filters`` (all, if none)."""
        source, params = self._current(workspace, dataset_id, filters)
        with self._lock:
            ids = [str(row[0]) for row in self._ch.query(f"SELECT id FROM ({source})", params)]
            self.delete(workspace, ids)

    def delete_datasets(self, workspace: str, dataset_ids: Sequence[str]) -> None:
        if dataset_ids:
            self._ch.command("DELETE FROM dataset_items WHERE workspace_id = {ws:String} "
                             "AND dataset_id IN {ids:Array(String)}",
                             {"ws": workspace, "ids": list(dataset_ids)})
