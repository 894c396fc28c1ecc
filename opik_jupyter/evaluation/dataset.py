"""``Dataset``: named collections of items (dicts) to evaluate tasks on, stored by the
backend (items in ClickHouse, de-duplicated by content)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..sdk import Client
from ..sdk._client import FilterArg
from ..sdk._ids import new_id
from ..sdk._transport import HttpStatusError
from . import _api, _sources

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger("opik_jupyter")


@dataclasses.dataclass(frozen=True)
class DatasetVersion:
    """An immutable snapshot of a dataset's items, made by :meth:`Dataset.create_version`.

    ``name`` is ``v1``, ``v2``, ... in order of creation; ``hash`` is derived from the
    items' content (the same items give the same hash). Any of ``id``, ``hash``, ``name``
    or a tag names the version wherever a version is asked for.
    """

    id: str
    name: str
    hash: str
    dataset_id: str
    items_total: int
    tags: tuple[str, ...] = ()
    description: str | None = None
    metadata: Mapping[str, str] | None = None
    created_at: str | None = None
    created_by: str | None = None
    is_latest: bool | None = None

    @classmethod
    def _of(cls, record: Mapping[str, Any]) -> DatasetVersion:
        return cls(
            id=record["id"],
            name=record.get("version_name") or "",
            hash=record.get("version_hash") or "",
            dataset_id=record.get("dataset_id", ""),
            items_total=int(record.get("items_total") or 0),
            tags=tuple(record.get("tags") or ()),
            description=record.get("change_description"),
            metadata=record.get("metadata"),
            created_at=record.get("created_at"),
            created_by=record.get("created_by"),
            is_latest=record.get("is_latest"),
        )


@dataclasses.dataclass(frozen=True)
class DatasetDiff:
    """How the items of one version (or the current items) differ from another's: by item
    id, an item is added, deleted, modified (its content or tags changed) or unchanged."""

    from_version: str
    to_version: str
    added: int
    modified: int
    deleted: int
    unchanged: int

    @classmethod
    def _of(cls, record: Mapping[str, Any]) -> DatasetDiff:
        stats = record.get("statistics") or {}
        return cls(
            from_version=record.get("from_version") or "",
            to_version=record.get("to_version") or "",
            added=int(stats.get("itemsAdded") or 0),
            modified=int(stats.get("itemsModified") or 0),
            deleted=int(stats.get("itemsDeleted") or 0),
            unchanged=int(stats.get("itemsUnchanged") or 0),
        )


VersionArg = DatasetVersion | str | None
"""A version: a :class:`DatasetVersion`, or its hash, id, name (``"v1"``) or a tag."""


class Dataset:
    """A dataset of the workspace, got by name or created.

    ``Dataset("qa")`` returns the dataset named ``qa``, creating it if there is none
    (``Dataset.get("qa")`` only finds). Items are dicts of field names to JSON values
    (``{"input": ..., "expected_output": ...}``); an item whose content the dataset
    already holds is not stored twice.
    """

    def __init__(
        self,
        name: str,
        description: str | None = None,
        *,
        project_name: str | None = None,
        client: Client | None = None,
    ) -> None:
        client = client or Client()
        record = _api.find_dataset(client, name) or _create(client, name, description, project_name)
        self._load(record, client)

    @classmethod
    def get(cls, name: str, *, client: Client | None = None) -> Dataset:
        """The dataset named ``name``; ``LookupError`` if there is none."""
        client = client or Client()
        record = _api.find_dataset(client, name)
        if record is None:
            raise LookupError(
                f"no dataset named {name!r} in workspace {client.workspace!r}: "
                f"create it with Dataset({name!r})"
            )
        dataset = cls.__new__(cls)
        dataset._load(record, client)
        return dataset

    def _load(self, record: Mapping[str, Any], client: Client) -> None:
        self.id: str = record["id"]
        self.name: str = record["name"]
        self.description: str | None = record.get("description")
        self.client = client

    # -- adding items ---------------------------------------------------------------------

    def insert(self, items: Iterable[Mapping[str, Any]] | pd.DataFrame) -> int:
        """Add items (a list of dicts or a DataFrame, one item per row); returns how many
        were sent. A record with an ``id`` (as :meth:`to_pandas` gives) replaces that item.
        Every record is checked first: a bad one raises and nothing is stored."""
        writes, made = _sources.item_writes(_sources.records_of(items))
        return self._put(writes, made)

    def insert_csv(self, path: str | Path, **read_csv: Any) -> int:
        """Add the rows of a CSV file (columns become fields; ``read_csv`` options go to
        ``pandas.read_csv``)."""
        writes, made = _sources.item_writes(_sources.read_csv(path, **read_csv))
        return self._put(writes, made)

    def insert_jsonl(self, path: str | Path) -> int:
        """Add the objects of a JSON Lines file, one item per line."""
        writes, made = _sources.item_writes(_sources.read_jsonl(path), "line")
        return self._put(writes, made)

    def insert_traces(
        self,
        filter: FilterArg = None,
        *,
        project_name: str | None = None,
        limit: int | None = 1000,
        input_key: str = "input",
        output_key: str = "expected_output",
    ) -> int:
        """Add an item per trace matching ``filter`` (the SDK's filter language, e.g.
        ``'tags contains "golden"'``): its input as ``input_key`` and its output as
        ``output_key``, linked to the trace."""
        traces = self.client.search_traces(filter, project_name, limit)
        writes = _sources.trace_writes(traces, input_key, output_key)
        return self._put(writes, [w["id"] for w in writes])

    def _put(self, writes: list[dict[str, Any]], made: list[str]) -> int:
        """Store the items; if a later batch fails, remove the new items of earlier ones."""
        try:
            _api.put_items(self.client, self.id, writes)
        except BaseException:
            _undo(self.client, made)
            raise
        return len(writes)

    # -- reading and removing -------------------------------------------------------------

    def items(self, version: VersionArg = None) -> list[dict[str, Any]]:
        """Every item, oldest first, as ``{"id": ..., **fields}``; with ``version``, the
        items of that version (see :meth:`create_version`) instead of the current ones."""
        version_id = self.version(version).id if version is not None else None
        return [
            {"id": row["id"], **_fields(row)}
            for row in _api.stream_items(self.client, self.name, version_id)
        ]

    def to_pandas(self, version: VersionArg = None) -> pd.DataFrame:
        """The items (of ``version``, if given) as a DataFrame: an ``id`` column, then one
        column per field."""
        import pandas as pd  # noqa: PLC0415 - pandas loads only when asked for

        items = self.items(version)
        return pd.DataFrame(items, columns=None if items else ["id"])

    # -- versions ---------------------------------------------------------------------------

    def create_version(
        self,
        tag: str | None = None,
        description: str | None = None,
        *,
        tags: Iterable[str] = (),
        metadata: Mapping[str, str] | None = None,
    ) -> DatasetVersion:
        """Name the current items' version. Every insert or delete that changes the
        items records a version (``v1``, ``v2``, ...), as Opik does; this puts ``tag`` (and
        ``tags``), the description and metadata on the newest one. Later changes do not
        change it; read it back with ``items(version=...)`` or ``to_pandas(version=...)``,
        or evaluate on it with ``evaluate(..., dataset_version=...)``. A tag belongs to
        one version of the dataset."""
        all_tags = list(dict.fromkeys([*([tag] if tag else []), *tags]))
        body: dict[str, Any] = {
            "tags": all_tags,
            "change_description": description,
            "metadata": dict(metadata) if metadata is not None else None,
        }
        created = _api.create_version(
            self.client, self.id, {k: v for k, v in body.items() if v is not None}
        )
        return DatasetVersion._of(created)

    def versions(self) -> list[DatasetVersion]:
        """Every version of the dataset, newest first."""
        return [DatasetVersion._of(r) for r in _api.list_versions(self.client, self.id)]

    def version(self, ref: DatasetVersion | str) -> DatasetVersion:
        """The version ``ref`` names (a :class:`DatasetVersion`, or a hash, id, name such
        as ``"v1"``, tag, or ``"latest"``); ``LookupError`` if the dataset has none."""
        if isinstance(ref, DatasetVersion):
            if ref.dataset_id and ref.dataset_id != self.id:
                raise LookupError(
                    f"version {ref.name} ({ref.hash}) belongs to another dataset "
                    f"than {self.name!r}: pick one of dataset.versions()"
                )
            ref = ref.id
        if not isinstance(ref, str) or not ref:
            raise TypeError(
                f"version must be a DatasetVersion or a non-empty str (hash, id, "
                f"name such as 'v1', or tag), not {ref!r}"
            )
        found = _api.get_version(self.client, self.id, ref)
        if found is None:
            raise LookupError(
                f"dataset {self.name!r} has no version {ref!r}: "
                "dataset.versions() lists its versions, "
                "dataset.create_version() makes one"
            )
        return DatasetVersion._of(found)

    def diff(self, start: VersionArg = None, end: VersionArg = None) -> DatasetDiff:
        """How the items of version ``end`` differ from those of version ``start``: by
        default, how the current items differ from the newest version; ``diff("v1")``
        compares the current items with ``v1``, ``diff("v1", "v3")`` two versions."""
        refs = [self.version(v).id if v is not None else None for v in (start, end)]
        found = _api.diff_versions(self.client, self.id, refs[0], refs[1])
        if found is None:
            raise LookupError(
                f"dataset {self.name!r} has no version yet: insert items to make 'v1'"
            )
        labels = [_label(v) for v in (start, end)]
        return dataclasses.replace(
            DatasetDiff._of(found),
            from_version=labels[0] or "latest",
            to_version=labels[1] or "current",
        )

    def restore(self, version: DatasetVersion | str) -> DatasetVersion:
        """Make ``version``'s items (and its test-suite settings) the current ones again.
        This records a new version, so nothing is lost: ``restore("v2")`` undoes
        ``restore("v1")``. Restoring the newest version changes nothing and returns it."""
        ref = self.version(version).id
        found = _api.restore_version(self.client, self.id, ref)
        if found is None:
            raise LookupError(f"dataset {self.name!r} has no version {version!r}")
        return DatasetVersion._of(found)

    def get_item(self, item_id: str) -> dict[str, Any]:
        """The current item with this id, as ``{"id": ..., **fields}`` (as
        :meth:`items` gives them); ``LookupError`` if the dataset has no such item."""
        row = _api.get_item(self.client, item_id) if item_id else None
        if row is None or row.get("dataset_id") != self.id:
            raise LookupError(
                f"dataset {self.name!r} has no item {item_id!r}: dataset.items() lists "
                "its items with their ids"
            )
        return {"id": row["id"], **_fields(row)}

    def update_item(
        self,
        item_id: str,
        fields: Mapping[str, Any] | None = None,
        *,
        replace: bool = False,
        tags: Iterable[str] | None = None,
        description: str | None = None,
    ) -> dict[str, Any]:
        """Change one item and return it: ``fields`` are set on it (the others stay,
        unless ``replace=True``), ``tags`` and ``description`` replace its own. Records a
        new version of the dataset, as every change does; ``LookupError`` if the dataset
        has no such item."""
        current = self.get_item(item_id)
        body: dict[str, Any] = {}
        if fields is not None:
            if not isinstance(fields, Mapping):
                raise TypeError(f"fields must be a dict of field names to values, not {fields!r}")
            kept = {} if replace else {k: v for k, v in current.items() if k != "id"}
            body["data"] = {**kept, **fields}
        if tags is not None:
            if isinstance(tags, str):
                raise TypeError("tags must be a list of str, not one str")
            body["tags"] = list(tags)
        if description is not None:
            body["description"] = description
        if body:
            _api.patch_item(self.client, item_id, body)
        return self.get_item(item_id)

    def delete_items(self, item_ids: Iterable[str]) -> None:
        """Remove items by id."""
        _api.delete_items(self.client, list(item_ids))

    def delete(self) -> None:
        """Delete the dataset, its items and versions (experiments run on it stay)."""
        _api.delete_dataset(self.client, self.id)

    def __len__(self) -> int:
        record = _api.get_dataset(self.client, self.id) or {}
        return int(record.get("dataset_items_count") or 0)

    def __repr__(self) -> str:
        return f"Dataset(name={self.name!r}, id={self.id!r})"


def _create(
    client: Client, name: str, description: str | None, project_name: str | None
) -> dict[str, Any]:
    body = {"id": new_id(), "name": name, "description": description, "project_name": project_name}
    try:
        return _api.create_dataset(client, {k: v for k, v in body.items() if v is not None})
    except HttpStatusError as exc:
        found = _api.find_dataset(client, name) if exc.status == 409 else None
        if found is None:  # not a race with another creator of the same name
            raise
        return found


def _label(version: VersionArg) -> str | None:
    """How a diff names a version it was given."""
    if isinstance(version, DatasetVersion):
        return version.name
    return version


def _fields(row: Mapping[str, Any]) -> dict[str, Any]:
    data = row.get("data")
    return dict(data) if isinstance(data, Mapping) else {"data": data}


def _undo(client: Client, item_ids: list[str]) -> None:
    try:
        _api.delete_items(client, item_ids)
    except Exception:  # the original error is the one to raise; say that this failed too
        log.warning(
            "opik-jupyter: could not remove the %d items of a failed insert",
            len(item_ids),
            exc_info=True,
        )
