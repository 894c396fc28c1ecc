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
import re
import threading
from collections.abc import Sequence
from typing import Any

import msgspec

from ..errors import Conflict, NotFound, ValidationFailed
from ..schemas import DatasetItemPatch, DatasetItemUpdate, DatasetItemWrite
from .clickhouse import ClickHouse
from .filter_sql import Compiler, Filter
from .metadata import MetadataDB, contains_pattern, utcnow
from .reads import Public, aware, json_value, latest_rows
from .rows import Row, Table, now

DATASET_ITEMS = Table(
    "dataset_items",
    (
        "workspace_id",
        "dataset_id",
        "id",
        "data",
        "source",
        "trace_id",
        "span_id",
        "description",
        "tags",
        "content_hash",
        "created_at",
        "last_updated_at",
        "evaluators",
        "execution_policy",
    ),
)
_SELECT = (
    "SELECT d.id AS id, d.workspace AS workspace, d.name AS name, "
    "d.description AS description, p.id AS project_id, d.type AS type, d.tags AS tags, "
    "d.created_at AS created_at, d.last_updated_at AS last_updated_at FROM datasets d "
    "LEFT JOIN projects p ON p.id = d.project_id AND p.workspace = d.workspace"
)
DATASET_ITEM_VERSIONS = Table(
    "dataset_item_versions",
    ("workspace_id", "dataset_id", "version_id", *DATASET_ITEMS.columns[2:]),
)
_SCOPE = "workspace_id = {ws:String} AND dataset_id = {dataset_id:String}"
_VERSION_SCOPE = f"{_SCOPE} AND version_id = {{version_id:String}}"
_VERSION_SELECT = (
    "SELECT id, workspace, dataset_id, version_number, version_hash, tags, change_description,"
    " metadata, items_total, items_added, items_modified, items_deleted, created_by,"
    " created_at, last_updated_at, evaluators, execution_policy FROM dataset_versions"
)
_VERSION_NAME = re.compile(r"^v([1-9][0-9]{0,8})$")
HASH_LENGTH = 16
_COMPARED = "(content_hash, tags)"
"""What makes an item modified between versions: its content or its tags."""


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
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "project_id": self.project_id,
            "type": self.type,
            "visibility": "private",
            "tags": json.loads(self.tags),
            "created_at": aware(self.created_at),
            "last_updated_at": aware(self.last_updated_at),
            "dataset_items_count": items_count,
            "experiment_count": experiments.get("experiment_count", 0),
            "last_created_experiment_at": experiments.get("last_created_experiment_at"),
        }
        return {key: value for key, value in out.items() if value is not None}


class Datasets:
    """CRUD over the ``datasets`` table; names are unique in a workspace."""

    def __init__(self, db: MetadataDB) -> None:
        self._db = db

    def create(
        self,
        workspace: str,
        dataset_id: str,
        name: str,
        description: str | None,
        project_id: str | None,
        kind: str,
        tags: list[str],
    ) -> Dataset:
        now = utcnow()
        try:
            self._db.execute(
                "INSERT INTO datasets (id, workspace, name, description, project_id, type, tags,"
                " created_at, last_updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    dataset_id,
                    workspace,
                    name,
                    description,
                    project_id,
                    kind,
                    json.dumps(tags),
                    now,
                    now,
                ),
            )
        except Conflict:
            taken = self.find(workspace, name) is not None
            what = f"a dataset named {name!r}" if taken else f"a dataset with id {dataset_id}"
            raise Conflict(f"{what} already exists") from None
        return self.get(workspace, dataset_id)

    def find(self, workspace: str, name: str) -> Dataset | None:
        row = self._db.fetch_one(
            f"{_SELECT} WHERE d.workspace = ? AND d.name = ?", (workspace, name)
        )
        return Dataset(**row) if row else None

    def by_name(self, workspace: str, name: str) -> Dataset:
        """The dataset called ``name``, or 404."""
        found = self.find(workspace, name)
        if found is None:
            raise NotFound(f"dataset {name!r} not found")
        return found

    def get(self, workspace: str, dataset_id: str) -> Dataset:
        """The dataset with this id, or 404."""
        row = self._db.fetch_one(
            f"{_SELECT} WHERE d.workspace = ? AND d.id = ?", (workspace, dataset_id)
        )
        if row is None:
            raise NotFound(f"dataset {dataset_id} not found")
        return Dataset(**row)

    def names(self, workspace: str, ids: Sequence[str]) -> dict[str, str]:
        """Name of each dataset id that exists."""
        if not ids:
            return {}
        rows = self._db.fetch(
            f"SELECT id, name FROM datasets WHERE workspace = ? AND id IN ({_marks(ids)})",
            (workspace, *ids),
        )
        return {row["id"]: row["name"] for row in rows}

    def update(
        self,
        workspace: str,
        dataset_id: str,
        name: str,
        description: str | None,
        tags: list[str] | None,
    ) -> None:
        old = self.get(workspace, dataset_id)
        try:
            self._db.execute(
                "UPDATE datasets SET name = ?, description = ?, tags = ?, last_updated_at = ?"
                " WHERE workspace = ? AND id = ?",
                (
                    name,
                    description if description is not None else old.description,
                    json.dumps(tags) if tags is not None else old.tags,
                    utcnow(),
                    workspace,
                    dataset_id,
                ),
            )
        except Conflict:
            raise Conflict(f"a dataset named {name!r} already exists") from None

    def delete(self, workspace: str, ids: Sequence[str]) -> None:
        """Delete datasets and their version rows (the item copies are in ClickHouse)."""
        if ids:
            self._db.execute(
                f"DELETE FROM datasets WHERE workspace = ? AND id IN ({_marks(ids)})",
                (workspace, *ids),
            )
            self._db.execute(
                f"DELETE FROM dataset_versions WHERE workspace = ? AND dataset_id IN "
                f"({_marks(ids)})",
                (workspace, *ids),
            )

    # -- versions (rows; their items are copied by DatasetItems.snapshot) ---------------------

    def add_version(
        self,
        workspace: str,
        dataset_id: str,
        version_id: str,
        user: str,
        snapshot: Snapshot,
        tags: list[str],
        change_description: str | None,
        metadata: dict[str, str] | None,
        settings: tuple[str | None, str | None] = (None, None),
    ) -> Version:
        """Record a version whose items were copied; it gets the next ``vN`` name.
        ``settings`` are its evaluators and execution policy (JSON text, or None)."""
        for tag in tags:
            holder = self._version_by_tag(workspace, dataset_id, tag)
            if holder is not None:
                raise Conflict(f"tag {tag!r} is already on version {holder.name} of this dataset")
        now = utcnow()
        for _ in range(5):  # a concurrent create may take the same number: take the next one
            row = self._db.fetch_one(
                "SELECT MAX(version_number) AS n FROM dataset_versions WHERE workspace = ? AND "
                "dataset_id = ?",
                (workspace, dataset_id),
            )
            number = int(row["n"] or 0) + 1 if row else 1
            try:
                self._db.execute(
                    "INSERT INTO dataset_versions (id, workspace, dataset_id, version_number,"
                    " version_hash, tags, change_description, metadata, items_total, items_added,"
                    " items_modified, items_deleted, created_by, created_at, last_updated_at,"
                    " evaluators, execution_policy)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        version_id,
                        workspace,
                        dataset_id,
                        number,
                        snapshot.version_hash,
                        json.dumps(tags),
                        change_description,
                        json.dumps(metadata) if metadata is not None else None,
                        snapshot.total,
                        snapshot.added,
                        snapshot.modified,
                        snapshot.deleted,
                        user,
                        now,
                        now,
                        *settings,
                    ),
                )
                break
            except Conflict:
                continue
        else:
            raise Conflict("too many versions of this dataset are being created at once; retry")
        found = self.version(workspace, dataset_id, version_id)
        assert found is not None
        return found

    def versions(
        self, workspace: str, dataset_id: str, page: int, size: int
    ) -> tuple[list[Version], int]:
        """A page of the dataset's versions, newest first, and how many there are."""
        rows = self._db.fetch(
            f"{_VERSION_SELECT} WHERE workspace = ? AND dataset_id = ? "
            "ORDER BY version_number DESC LIMIT ? OFFSET ?",
            (workspace, dataset_id, size, (page - 1) * size),
        )
        total = self._db.fetch_one(
            "SELECT COUNT(*) AS n FROM dataset_versions WHERE workspace = ? AND dataset_id = ?",
            (workspace, dataset_id),
        )
        return [Version(**row) for row in rows], int(total["n"] if total else 0)

    def latest_version(self, workspace: str, dataset_id: str) -> Version | None:
        (found, _) = self.versions(workspace, dataset_id, 1, 1)
        return found[0] if found else None

    def version(self, workspace: str, dataset_id: str, ref: str) -> Version | None:
        """The version ``ref`` names: its id, its hash (the newest version with that hash),
        its name (``v3``), one of its tags, or ``latest``; None if there is none."""
        if ref == "latest":
            return self.latest_version(workspace, dataset_id)
        match = _VERSION_NAME.match(ref)
        rows = self._db.fetch(
            f"{_VERSION_SELECT} WHERE workspace = ? AND dataset_id = ? AND (id = ? OR "
            "version_hash = ? OR version_number = ?) ORDER BY version_number DESC",
            (workspace, dataset_id, ref, ref, int(match[1]) if match else -1),
        )
        for kind in ("id", "version_hash"):
            for row in rows:
                if row[kind] == ref:
                    return Version(**row)
        if rows:
            return Version(**rows[0])  # by name
        return self._version_by_tag(workspace, dataset_id, ref)

    def _version_by_tag(self, workspace: str, dataset_id: str, tag: str) -> Version | None:
        rows = self._db.fetch(
            f"{_VERSION_SELECT} WHERE workspace = ? AND dataset_id = ? AND LOWER(tags) LIKE ? "
            "ESCAPE '!' ORDER BY version_number DESC",
            (workspace, dataset_id, contains_pattern(json.dumps(tag))),
        )
        for row in rows:
            if tag in json.loads(row["tags"]):
                return Version(**row)
        return None

    def add_version_tags(self, workspace: str, version: Version, tags: Sequence[str]) -> None:
        """Add tags to a version; 409 if another version of the dataset has one of them."""
        for tag in tags:
            holder = self._version_by_tag(workspace, version.dataset_id, tag)
            if holder is not None and holder.id != version.id:
                raise Conflict(f"tag {tag!r} is already on version {holder.name} of this dataset")
        merged = list(dict.fromkeys([*json.loads(version.tags), *tags]))
        self._db.execute(
            "UPDATE dataset_versions SET tags = ?, last_updated_at = ? WHERE workspace = ? AND "
            "id = ?",
            (json.dumps(merged), utcnow(), workspace, version.id),
        )

    def update_version(
        self, workspace: str, version: Version, description: str | None, tags: Sequence[str]
    ) -> None:
        """Add tags to a version (409 if another version has one) and set its description."""
        if tags:
            self.add_version_tags(workspace, version, tags)
        if description is not None:
            self._db.execute(
                "UPDATE dataset_versions SET change_description = ?, last_updated_at = ? WHERE "
                "workspace = ? AND id = ?",
                (description, utcnow(), workspace, version.id),
            )

    def remove_version_tag(self, workspace: str, version: Version, tag: str) -> None:
        """Take ``tag`` off a version (nothing happens if it does not have it)."""
        kept = [t for t in json.loads(version.tags) if t != tag]
        self._db.execute(
            "UPDATE dataset_versions SET tags = ?, last_updated_at = ? WHERE workspace = ? AND "
            "id = ?",
            (json.dumps(kept), utcnow(), workspace, version.id),
        )

    def page(
        self, workspace: str, page: int, size: int, name: str | None, project_id: str | None
    ) -> tuple[list[Dataset], int]:
        """Datasets newest first, by a name substring and project if given."""
        where, params = "d.workspace = ?", [workspace]
        if name:
            where += " AND LOWER(d.name) LIKE ? ESCAPE '!'"
            params.append(contains_pattern(name))
        if project_id:
            where += " AND d.project_id = ?"
            params.append(project_id)
        total = self._db.fetch_one(f"SELECT COUNT(*) AS n FROM datasets d WHERE {where}", params)
        rows = self._db.fetch(
            f"{_SELECT} WHERE {where} ORDER BY d.id DESC LIMIT ? OFFSET ?",
            [*params, size, (page - 1) * size],
        )
        return [Dataset(**row) for row in rows], int(total["n"] if total else 0)


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """What copying a dataset's items into a version found."""

    version_hash: str
    total: int
    added: int
    modified: int
    deleted: int


@dataclasses.dataclass(frozen=True)
class Version:
    id: str
    workspace: str
    dataset_id: str
    version_number: int
    version_hash: str
    tags: str
    change_description: str | None
    metadata: str | None
    items_total: int
    items_added: int
    items_modified: int
    items_deleted: int
    created_by: str
    created_at: dt.datetime
    last_updated_at: dt.datetime
    evaluators: str | None = None  # JSON text: the test-suite settings of the version
    execution_policy: str | None = None

    @property
    def name(self) -> str:
        return f"v{self.version_number}"

    def public(self, latest_number: int | None = None) -> Public:
        """The ``DatasetVersionPublic`` fields of the REST API."""
        out: Public = {
            "id": self.id,
            "dataset_id": self.dataset_id,
            "version_hash": self.version_hash,
            "tags": json.loads(self.tags),
            "version_name": self.name,
            "is_latest": None if latest_number is None else self.version_number == latest_number,
            "items_total": int(self.items_total),
            "items_added": int(self.items_added),
            "items_modified": int(self.items_modified),
            "items_deleted": int(self.items_deleted),
            "change_description": self.change_description,
            "metadata": json.loads(self.metadata) if self.metadata else None,
            "evaluators": json.loads(self.evaluators) if self.evaluators else None,
            "execution_policy": json.loads(self.execution_policy)
            if self.execution_policy
            else None,
            "created_at": aware(self.created_at),
            "created_by": self.created_by,
            "last_updated_at": aware(self.last_updated_at),
            "last_updated_by": self.created_by,
        }
        return {key: value for key, value in out.items() if value is not None}


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


# -- items ------------------------------------------------------------------------------------


def content_hash(
    data: Any, description: str | None, settings: tuple[Any, Any] = (None, None)
) -> str:
    """SHA-256 of the item's content: its data with sorted keys, its description, and its
    own evaluators and execution policy when it has them (``settings``, decoded JSON)."""
    content = {"data": data, "description": description}
    for key, value in zip(("evaluators", "execution_policy"), settings, strict=True):
        if value is not None:
            content[key] = value
    return hashlib.sha256(msgspec.json.encode(content, order="sorted")).hexdigest()


def settings_text(value: Any) -> str:
    """An item's evaluators or execution policy as stored: JSON text, "" if none."""
    return msgspec.json.encode(value).decode() if value is not None else ""


def row_hash(row: Row) -> str:
    """The content hash of a stored item row (after its fields changed)."""
    settings = tuple(
        msgspec.json.decode(row[k]) if row.get(k) else None
        for k in ("evaluators", "execution_policy")
    )
    return content_hash(
        msgspec.json.decode(row["data"]), row["description"] or None, (settings[0], settings[1])
    )


def item_row(
    body: DatasetItemWrite,
    workspace: str,
    dataset_id: str,
    item_id: str,
    ids: tuple[str, str],
    received: dt.datetime,
    where: str,
) -> Row:
    """The stored form of one item; ``ids`` are its checked trace and span ids ("" if none)."""
    raw = bytes(body.data)
    if raw[:1] != b"{":
        raise ValidationFailed(f"{where}.data: must be a JSON object")
    row: Row = {
        "workspace_id": workspace,
        "dataset_id": dataset_id,
        "id": item_id,
        "data": raw.decode(),
        "source": body.source,
        "trace_id": ids[0],
        "span_id": ids[1],
        "description": body.description or "",
        "tags": list(dict.fromkeys(body.tags or [])),
        "created_at": received,
        "last_updated_at": received,
        "evaluators": settings_text(body.evaluators),
        "execution_policy": settings_text(body.execution_policy),
    }
    row["content_hash"] = row_hash(row)
    return row


def item_public(row: Row) -> Public:
    """A dataset item as the REST API returns it."""
    out: Public = {
        "id": row["id"],
        "dataset_id": row["dataset_id"],
        "data": json_value(row["data"]),
        "source": row["source"],
        "trace_id": row["trace_id"] or None,
        "span_id": row["span_id"] or None,
        "description": row["description"] or None,
        "tags": row["tags"],
        "evaluators": json_value(row["evaluators"]) if row.get("evaluators") else None,
        "execution_policy": json_value(row["execution_policy"])
        if row.get("execution_policy")
        else None,
        "created_at": aware(row["created_at"]),
        "last_updated_at": aware(row["last_updated_at"]),
    }
    return {key: value for key, value in out.items() if value is not None}


def patched(row: Row, patch: DatasetItemPatch, ids: tuple[str | None, str | None]) -> Row:
    """An item row with the fields a ``PATCH`` gives replaced; ``ids`` are its checked
    trace and span ids (None: unchanged)."""
    out = dict(row)
    if isinstance(patch.data, msgspec.Raw):
        raw = bytes(patch.data)
        if raw[:1] != b"{":
            raise ValidationFailed("data: must be a JSON object")
        out["data"] = raw.decode()
    for key, value in (("trace_id", ids[0]), ("span_id", ids[1]), ("source", patch.source)):
        if value is not None:
            out[key] = value
    if patch.description is not None:
        out["description"] = patch.description
    if patch.tags is not None:
        out["tags"] = list(dict.fromkeys(patch.tags))
    if patch.evaluators is not None:
        out["evaluators"] = settings_text(patch.evaluators)
    if patch.execution_policy is not None:
        out["execution_policy"] = settings_text(patch.execution_policy)
    return out


def updated(row: Row, update: DatasetItemUpdate, merge_tags: bool) -> Row:
    """An item row with a batch update applied: ``data`` replaces the data, ``input``,
    ``expected_output`` and ``metadata`` set those keys of it; tags are replaced (merged
    when ``merge_tags``), then ``tags_to_add`` and ``tags_to_remove`` apply."""
    out = dict(row)
    data = dict(update.data) if update.data is not None else json.loads(row["data"])
    for key in ("input", "expected_output", "metadata"):
        value = getattr(update, key)
        if value is not None:
            data[key] = value
    out["data"] = json.dumps(data)
    if update.description is not None:
        out["description"] = update.description
    tags = list(row["tags"])
    if update.tags is not None:
        tags = [*tags, *update.tags] if merge_tags else list(update.tags)
    tags = [*tags, *(update.tags_to_add or [])]
    out["tags"] = [t for t in dict.fromkeys(tags) if t not in set(update.tags_to_remove or [])]
    if update.evaluators is not None:
        out["evaluators"] = settings_text(update.evaluators)
    if update.clear_execution_policy:
        out["execution_policy"] = ""
    elif update.execution_policy is not None:
        out["execution_policy"] = settings_text(update.execution_policy)
    return out


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

    def _holders(self, workspace: str, dataset_id: str, hashes: list[str]) -> dict[str, set[str]]:
        """Ids of the current items holding each content hash."""
        params = {"ws": workspace, "dataset_id": dataset_id, "hashes": hashes}
        with_hash = "content_hash IN {hashes:Array(String)}"
        candidates = (
            f"{_SCOPE} AND id IN (SELECT id FROM dataset_items WHERE {_SCOPE} AND {with_hash})"
        )
        latest = latest_rows(DATASET_ITEMS, candidates, ("id", "content_hash"))
        rows = self._ch.query(f"SELECT content_hash, id FROM ({latest}) WHERE {with_hash}", params)
        found: dict[str, set[str]] = {}
        for digest, item_id in rows:
            found.setdefault(str(digest), set()).add(str(item_id))
        return found

    def _current(
        self,
        workspace: str,
        dataset_id: str,
        filters: Sequence[Filter],
        version_id: str | None = None,
    ) -> tuple[str, dict[str, Any]]:
        """SQL for the items of a dataset that match ``filters``: its current items, or
        those of the version ``version_id``."""
        params: dict[str, Any] = {"ws": workspace, "dataset_id": dataset_id}
        where = Compiler("dataset_items", params).where(filters)
        if version_id is None:
            latest = latest_rows(DATASET_ITEMS, _SCOPE, DATASET_ITEMS.columns)
        else:
            params["version_id"] = version_id
            latest = latest_rows(DATASET_ITEM_VERSIONS, _VERSION_SCOPE, DATASET_ITEMS.columns)
        return f"SELECT * FROM ({latest}) WHERE {where}", params

    def page(
        self,
        workspace: str,
        dataset_id: str,
        page: int,
        size: int,
        filters: Sequence[Filter] = (),
        version_id: str | None = None,
    ) -> tuple[list[Public], int]:
        """Items newest first, and how many there are (of a version, if given)."""
        source, params = self._current(workspace, dataset_id, filters, version_id)
        rows = self._ch.query_dicts(
            f"{source} ORDER BY id DESC LIMIT {{limit:UInt32}} OFFSET {{offset:UInt64}}",
            {**params, "limit": size, "offset": (page - 1) * size},
        )
        if page == 1 and len(rows) < size:
            return [item_public(row) for row in rows], len(rows)
        total = self._ch.query(f"SELECT count() FROM ({source})", params)[0][0]
        return [item_public(row) for row in rows], int(total)

    def after(
        self,
        workspace: str,
        dataset_id: str,
        last_id: str | None,
        limit: int,
        filters: Sequence[Filter] = (),
        version_id: str | None = None,
    ) -> list[Public]:
        """Items newest first, strictly older than ``last_id`` (the stream's cursor)."""
        source, params = self._current(workspace, dataset_id, filters, version_id)
        rows = self._ch.query_dicts(
            f"SELECT * FROM ({source}) WHERE id < {{before:String}} ORDER BY id DESC "
            "LIMIT {limit:UInt32}",
            {**params, "before": last_id or "~", "limit": limit},
        )
        return [item_public(row) for row in rows]

    def data_of(self, workspace: str, ids: Sequence[str]) -> dict[str, str]:
        """The data (JSON text) of each item among ``ids``, in any dataset: the current item, or
        its copy in a version once it is deleted."""
        if not ids:
            return {}
        found: dict[str, str] = {}
        for table in (DATASET_ITEMS, DATASET_ITEM_VERSIONS):  # items since deleted: a version
            missing = [i for i in ids if i not in found]
            if not missing:
                break
            rows = self._ch.query(
                f"SELECT id, argMax(data, last_updated_at) FROM {table.name} WHERE "
                "workspace_id = {ws:String} AND id IN {ids:Array(String)} GROUP BY id",
                {"ws": workspace, "ids": missing},
            )
            found.update((str(item_id), str(data)) for item_id, data in rows)
        return found

    def counts(self, workspace: str, dataset_ids: Sequence[str]) -> dict[str, int]:
        """How many items each dataset holds."""
        if not dataset_ids:
            return {}
        rows = self._ch.query(
            "SELECT dataset_id, uniqExact(id) FROM dataset_items WHERE workspace_id = {ws:String}"
            " AND dataset_id IN {ids:Array(String)} GROUP BY dataset_id",
            {"ws": workspace, "ids": list(dataset_ids)},
        )
        return {str(dataset_id): int(n) for dataset_id, n in rows}

    def delete(self, workspace: str, ids: Sequence[str]) -> None:
        if ids:
            self._ch.command(
                "DELETE FROM dataset_items WHERE workspace_id = {ws:String} "
                "AND id IN {ids:Array(String)}",
                {"ws": workspace, "ids": list(ids)},
            )

    def delete_matching(self, workspace: str, dataset_id: str, filters: Sequence[Filter]) -> None:
        """Delete the current items of a dataset that match ``filters`` (all, if none)."""
        source, params = self._current(workspace, dataset_id, filters)
        with self._lock:
            ids = [str(row[0]) for row in self._ch.query(f"SELECT id FROM ({source})", params)]
            self.delete(workspace, ids)

    def delete_datasets(self, workspace: str, dataset_ids: Sequence[str]) -> None:
        """Delete the items of datasets and the item copies of their versions."""
        if dataset_ids:
            for table in (DATASET_ITEMS, DATASET_ITEM_VERSIONS):
                self._ch.command(
                    f"DELETE FROM {table.name} WHERE workspace_id = {{ws:String}} "
                    "AND dataset_id IN {ids:Array(String)}",
                    {"ws": workspace, "ids": list(dataset_ids)},
                )

    # -- versions ---------------------------------------------------------------------------

    def snapshot(
        self, workspace: str, dataset_id: str, version_id: str, previous_id: str | None
    ) -> Snapshot:
        """Copy the dataset's current items into version ``version_id`` inside ClickHouse
        (INSERT ... SELECT), then hash and count the copy and compare it with the version
        ``previous_id`` (added, modified, deleted items)."""
        params = {
            "ws": workspace,
            "dataset_id": dataset_id,
            "version_id": version_id,
            "previous_id": previous_id or "",
        }
        latest = latest_rows(DATASET_ITEMS, _SCOPE, DATASET_ITEMS.columns)
        copied = ", ".join(
            "{version_id:String}" if c == "version_id" else c for c in DATASET_ITEM_VERSIONS.columns
        )
        with self._lock:
            self._ch.command(
                f"INSERT INTO {DATASET_ITEM_VERSIONS.name} "
                f"({', '.join(DATASET_ITEM_VERSIONS.columns)}) SELECT {copied} FROM ({latest})",
                params,
            )
        copy = latest_rows(DATASET_ITEM_VERSIONS, _VERSION_SCOPE, ("id", "content_hash"))
        ((total, digest),) = self._ch.query(
            "SELECT count(), lower(hex(SHA256(arrayStringConcat(arraySort(groupArray("
            f"toString(content_hash))), ',')))) FROM ({copy})",
            params,
        )
        ((added, modified, deleted),) = self._ch.query(
            "SELECT countIf(in_new AND NOT in_old), countIf(in_new AND in_old AND new != old), "
            "countIf(in_old AND NOT in_new) FROM (SELECT id, max(version_id = {version_id:String})"
            " AS in_new, max(version_id = {previous_id:String}) AS in_old, "
            f"anyIf({_COMPARED}, version_id = {{version_id:String}}) AS new, "
            f"anyIf({_COMPARED}, version_id = {{previous_id:String}}) AS old "
            f"FROM {DATASET_ITEM_VERSIONS.name} WHERE {_SCOPE} AND version_id IN "
            "({version_id:String}, {previous_id:String}) GROUP BY id)",
            params,
        )
        return Snapshot(
            str(digest)[:HASH_LENGTH], int(total), int(added), int(modified), int(deleted)
        )

    def drop_version(self, workspace: str, dataset_id: str, version_id: str) -> None:
        """Delete the item copies of a version (when recording the version failed)."""
        self._ch.command(
            f"DELETE FROM {DATASET_ITEM_VERSIONS.name} WHERE {_VERSION_SCOPE}",
            {"ws": workspace, "dataset_id": dataset_id, "version_id": version_id},
        )

    # -- single items, edits, restore and diff -----------------------------------------------

    def current_rows(self, workspace: str, ids: Sequence[str]) -> list[Row]:
        """The current rows of the items ``ids`` (in any dataset); deleted ones are absent."""
        if not ids:
            return []
        return self._ch.query_dicts(
            latest_rows(
                DATASET_ITEMS,
                "workspace_id = {ws:String} AND id IN {ids:Array(String)}",
                DATASET_ITEMS.columns,
            ),
            {"ws": workspace, "ids": list(ids)},
        )

    def matching_rows(
        self, workspace: str, dataset_id: str, filters: Sequence[Filter]
    ) -> list[Row]:
        """The current rows of a dataset's items that match ``filters`` (all, if none)."""
        source, params = self._current(workspace, dataset_id, filters)
        return self._ch.query_dicts(source, params)

    def rewrite(self, rows: Sequence[Row]) -> None:
        """Store edited rows as the items' newest versions (their hashes recomputed)."""
        if not rows:
            return
        edited = now()
        fresh = [{**row, "last_updated_at": edited} for row in rows]
        for row in fresh:
            row["content_hash"] = row_hash(row)
        with self._lock:
            self._ch.insert_json(DATASET_ITEMS.name, DATASET_ITEMS.columns, fresh)

    def restore(self, workspace: str, dataset_id: str, version_id: str) -> None:
        """Make a version's items the dataset's current items: items the version lacks are
        deleted, the others are written back as they were in it (inside ClickHouse)."""
        params = {"ws": workspace, "dataset_id": dataset_id, "version_id": version_id}
        kept = f"SELECT id FROM {DATASET_ITEM_VERSIONS.name} WHERE {_VERSION_SCOPE}"
        copy = latest_rows(DATASET_ITEM_VERSIONS, _VERSION_SCOPE, DATASET_ITEMS.columns)
        columns = ", ".join(DATASET_ITEMS.columns)
        restored = ", ".join(
            "now64(6)" if c == "last_updated_at" else c for c in DATASET_ITEMS.columns
        )
        with self._lock:
            self._ch.command(
                f"DELETE FROM {DATASET_ITEMS.name} WHERE {_SCOPE} AND id NOT IN ({kept})", params
            )
            self._ch.command(
                f"INSERT INTO {DATASET_ITEMS.name} ({columns}) SELECT {restored} FROM ({copy})",
                params,
            )

    def diff(
        self, workspace: str, dataset_id: str, from_id: str | None, to_id: str | None
    ) -> dict[str, int]:
        """How the items of version ``to_id`` differ from those of ``from_id`` (None: the
        current items): added, modified, deleted and unchanged, by item id and content."""
        sides = []
        params: dict[str, Any] = {"ws": workspace, "dataset_id": dataset_id}
        for n, version_id in enumerate((from_id, to_id)):
            if version_id is None:
                sql = latest_rows(DATASET_ITEMS, _SCOPE, ("id", "content_hash", "tags"))
            else:
                params[f"v{n}"] = version_id
                scope = f"{_SCOPE} AND version_id = {{v{n}:String}}"
                sql = latest_rows(DATASET_ITEM_VERSIONS, scope, ("id", "content_hash", "tags"))
            sides.append(f"SELECT id, {_COMPARED} AS h, {n} AS side FROM ({sql})")
        ((added, modified, deleted, unchanged),) = self._ch.query(
            "SELECT countIf(t AND NOT f), countIf(t AND f AND ht != hf), countIf(f AND NOT t),"
            " countIf(t AND f AND ht = hf) FROM (SELECT id, max(side = 0) AS f,"
            " max(side = 1) AS t, anyIf(h, side = 0) AS hf, anyIf(h, side = 1) AS ht FROM"
            f" ({' UNION ALL '.join(sides)}) GROUP BY id)",
            params,
        )
        return {
            "itemsAdded": int(added),
            "itemsModified": int(modified),
            "itemsDeleted": int(deleted),
            "itemsUnchanged": int(unchanged),
        }
