"""The write path: jobs that the group-commit writer turns into ClickHouse inserts.

Events arrive out of order (the SDK sends on several threads): a span before its trace, a
PATCH before its create, a score before anything. Creates and scores need nothing from
what is stored. A PATCH reads the stored row (or writes a partial one) and records itself
in the row, and ids that were ever patched are kept in a registry, so that a create
arriving later is merged with the patches instead of replacing them. Only those creates
cost a read.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

import redis

from ..errors import ApiError, Conflict, StorageUnavailable
from ..ids import timestamp_of
from .changes import ChangeLog
from .clickhouse import ClickHouse
from .recent import RecentTraces
from .rows import SCORES, SPANS, TRACES, Row, Table, merge_create, now, partial_row, record_patch
from .trace_owners import TraceOwners
from .writer import Outcome

Key = tuple[str, str]  # (workspace_id, id)
TraceListener = Callable[[list[Row]], None]
log = logging.getLogger(__name__)


class PatchRegistry(Protocol):
    """Which (workspace, id) pairs of a table have ever been patched."""

    def known(self, table: Table, keys: Iterable[Key]) -> set[Key]: ...
    def add(self, table: Table, key: Key) -> None: ...


class LocalPatchRegistry:
    """The registry of a single backend process, rebuilt from ClickHouse at start-up."""

    def __init__(self, ch: ClickHouse) -> None:
        self._keys: dict[str, set[Key]] = {}
        for table in (TRACES, SPANS):
            rows = ch.query(
                f"SELECT DISTINCT workspace_id, id FROM {table.name} WHERE patches != ''"
            )
            self._keys[table.name] = {(str(ws), str(entity_id)) for ws, entity_id in rows}

    def known(self, table: Table, keys: Iterable[Key]) -> set[Key]:
        patched = self._keys[table.name]
        return {key for key in keys if key in patched} if patched else set()

    def add(self, table: Table, key: Key) -> None:
        self._keys[table.name].add(key)


class RedisPatchRegistry:
    """The registry shared by the replicas of a server deployment, as Redis sets."""

    TTL_SECONDS = 30 * 24 * 3600  # a create more than a month after its PATCH is not merged

    def __init__(self, url: str, prefix: str = "opik-jupyter:patched:") -> None:
        self._redis = redis.Redis.from_url(url, socket_timeout=5, decode_responses=True)
        self._prefix = prefix

    def _key(self, table: Table, workspace: str) -> str:
        return f"{self._prefix}{table.name}:{workspace}"

    def known(self, table: Table, keys: Iterable[Key]) -> set[Key]:
        by_workspace: dict[str, list[str]] = {}
        for workspace, entity_id in keys:
            by_workspace.setdefault(workspace, []).append(entity_id)
        found: set[Key] = set()
        try:
            for workspace, ids in by_workspace.items():
                flags = self._redis.smismember(self._key(table, workspace), ids)
                found.update((workspace, i) for i, hit in zip(ids, flags, strict=True) if hit)
        except redis.RedisError as exc:
            raise StorageUnavailable(f"Redis is unavailable: {exc}") from exc
        return found

    def add(self, table: Table, key: Key) -> None:
        name = self._key(table, key[0])
        try:
            pipe = self._redis.pipeline()
            pipe.sadd(name, key[1])
            pipe.expire(name, self.TTL_SECONDS)
            pipe.execute()
        except redis.RedisError as exc:
            raise StorageUnavailable(f"Redis is unavailable: {exc}") from exc


def open_patch_registry(redis_url: str, ch: ClickHouse) -> PatchRegistry:
    """Shared through Redis when configured, else rebuilt in-process from ClickHouse."""
    return RedisPatchRegistry(redis_url) if redis_url else LocalPatchRegistry(ch)


@dataclasses.dataclass(frozen=True)
class CreateRows:
    """Insert new trace or span rows (one request's batch)."""

    table: Table
    rows: Sequence[Row]

    @property
    def size(self) -> int:
        return len(self.rows)


@dataclasses.dataclass(frozen=True)
class PatchRow:
    """Apply a PATCH to one trace or span, creating a partial row if it is not stored yet."""

    table: Table
    workspace: str
    entity_id: str
    project_id: str
    changes: Mapping[str, Any]
    must_match: Mapping[str, str]  # stored columns the PATCH names and must agree with
    size: int = 1


@dataclasses.dataclass(frozen=True)
class InsertScores:
    rows: Sequence[Row]

    @property
    def size(self) -> int:
        return len(self.rows)


@dataclasses.dataclass(frozen=True)
class RunStatements:
    """Statements (deletes) that must run after everything queued before them."""

    statements: Sequence[tuple[str, Mapping[str, Any]]]
    size: int = 1


IngestJob = CreateRows | PatchRow | InsertScores | RunStatements


class _Group:
    """Rows gathered from one group of jobs, newest version per key."""

    def __init__(
        self,
        ch: ClickHouse,
        changes: ChangeLog,
        listeners: Sequence[TraceListener],
        recent: RecentTraces | None,
    ) -> None:
        self._ch = ch
        self._changes = changes
        self._listeners = listeners
        self._recent = recent
        self.rows: dict[str, dict[Key, Row]] = {TRACES.name: {}, SPANS.name: {}}
        self.scores: list[Row] = []

    def get(self, table: Table, key: Key) -> Row | None:
        return self.rows[table.name].get(key)

    def put(self, table: Table, row: Row) -> None:
        self.rows[table.name][(row["workspace_id"], row["id"])] = row

    def flush(self) -> None:
        touched: dict[tuple[str, str], str | None] = {}
        stored: dict[str, list[Row]] = {}
        for table in (TRACES, SPANS):
            pending = self.rows[table.name]
            if pending:
                self._ch.insert_json(table.name, table.columns, pending.values())
                column = "id" if table is TRACES else "trace_id"
                for row in pending.values():
                    _touch(touched, row, row[column])
                stored[table.name] = list(pending.values())
                if table is TRACES:
                    self._tell(stored[table.name])
                pending.clear()
        if self.scores:
            self._ch.insert_json(SCORES.name, SCORES.columns, self.scores)
            for row in self.scores:  # only trace scores count in trace aggregates
                _touch(touched, row, row["entity_id"] if row["entity_type"] == "trace" else None)
            stored[SCORES.name] = self.scores
            self.scores = []
        self._changes.bump(touched)
        if self._recent is not None and stored:
            self._recent.stored(*(stored.get(t.name, []) for t in (TRACES, SPANS, SCORES)))

    def _tell(self, traces: list[Row]) -> None:
        for listener in self._listeners:
            try:
                listener(traces)
            except Exception:  # stored is stored: a listener's failure must not undo it
                log.exception("a listener of stored traces failed")

    def run(self, statements: Sequence[tuple[str, Mapping[str, Any]]]) -> None:
        """Run statements (deletes) after everything gathered so far is stored."""
        self.flush()
        for sql, params in statements:
            self._ch.command(sql, params)
        self._changes.bump_all()
        if self._recent is not None:
            self._recent.drop()


def _touch(touched: dict[tuple[str, str], str | None], row: Row, trace_id: str | None) -> None:
    """Note that ``row`` changed its project, and the trace ``trace_id`` if it names one."""
    key = (row["workspace_id"], row["project_id"])
    lowest = touched.get(key)
    if key not in touched or (trace_id is not None and (lowest is None or trace_id < lowest)):
        touched[key] = trace_id


class Ingestor:
    """Commits groups of :data:`IngestJob` for the :class:`GroupCommitWriter`."""

    def __init__(
        self,
        ch: ClickHouse,
        registry: PatchRegistry,
        changes: ChangeLog,
        owners: TraceOwners,
        recent: RecentTraces | None = None,
    ) -> None:
        self._ch = ch
        self._recent = recent
        self._registry = registry
        self._changes = changes
        self._owners = owners
        self.listeners: list[TraceListener] = []
        """Called (on the writer thread) with the trace rows of each stored group."""

    def commit(self, jobs: Sequence[IngestJob]) -> list[Outcome]:
        group = _Group(self._ch, self._changes, self.listeners, self._recent)
        outcomes: list[Outcome] = []
        for job in jobs:
            try:
                self._apply(group, job)
                outcomes.append(None)
            except ApiError as exc:
                outcomes.append(exc)
        try:
            group.flush()
        finally:
            self._owners.group_done()
        return outcomes

    def _apply(self, group: _Group, job: IngestJob) -> None:
        if isinstance(job, CreateRows):
            self._create(group, job)
        elif isinstance(job, PatchRow):
            self._patch(group, job)
        elif isinstance(job, InsertScores):
            group.scores.extend(job.rows)
        else:
            group.run(job.statements)
            self._owners.forget()

    def _create(self, group: _Group, job: CreateRows) -> None:
        rows, refused = self._owned_rows(job)
        keys = [(row["workspace_id"], row["id"]) for row in rows]
        stored = self.latest(job.table, self._registry.known(job.table, keys))
        for key, row in zip(keys, rows, strict=True):
            prior = group.get(job.table, key) or stored.get(key)
            group.put(job.table, merge_create(prior, row) if prior else row)
        if refused:
            raise TraceInAnotherProject(job.table, refused, stored=len(rows))

    def _owned_rows(self, job: CreateRows) -> tuple[list[Row], list[tuple[int, str, str]]]:
        """The rows whose trace is theirs to write, and (index, trace id, owner) of the others."""
        column = "id" if job.table is TRACES else "trace_id"
        by_workspace: dict[str, dict[str, str]] = {}
        for row in job.rows:
            by_workspace.setdefault(row["workspace_id"], {}).setdefault(
                row[column], row["project_id"]
            )
        owners = {ws: self._owners.claim(ws, wanted) for ws, wanted in by_workspace.items()}
        kept: list[Row] = []
        refused: list[tuple[int, str, str]] = []
        for i, row in enumerate(job.rows):
            owner = owners[row["workspace_id"]][row[column]]
            if owner == row["project_id"]:
                kept.append(row)
            else:
                refused.append((i, row[column], owner))
        return kept, refused

    def _patch(self, group: _Group, job: PatchRow) -> None:
        key = (job.workspace, job.entity_id)
        current = group.get(job.table, key) or self.latest(job.table, [key]).get(key)
        if current is None:
            base = partial_row(
                job.table,
                job.workspace,
                job.project_id,
                job.entity_id,
                timestamp_of(job.entity_id).replace(tzinfo=None),
                now(),
            )
            row = record_patch({**base, **job.must_match}, job.changes, base_created=False)
        else:
            _check_match(job, current)
            row = record_patch(current, job.changes, base_created=True)
        group.put(job.table, row)
        self._registry.add(job.table, key)

    def latest(self, table: Table, keys: Iterable[Key]) -> dict[Key, Row]:
        """The newest stored version of each (workspace, id)."""
        by_workspace: dict[str, list[str]] = {}
        for workspace, entity_id in keys:
            by_workspace.setdefault(workspace, []).append(entity_id)
        found: dict[Key, Row] = {}
        for workspace, ids in by_workspace.items():
            rows = self._ch.query_dicts(
                f"SELECT {', '.join(table.columns)} FROM {table.name} "
                "WHERE workspace_id = {ws:String} AND id IN {ids:Array(String)} "
                "ORDER BY last_updated_at DESC LIMIT 1 BY id",
                {"ws": workspace, "ids": ids},
            )
            found.update({(workspace, row["id"]): row for row in rows})
        return found


class TraceInAnotherProject(Conflict):
    """409: rows of a batch name a trace id that another project of the workspace holds.

    The other rows of the batch are stored: the official SDK neither retries nor reports a
    409, so refusing the whole batch would silently lose every good row with the bad one.
    """

    def __init__(self, table: Table, refused: list[tuple[int, str, str]], stored: int) -> None:
        field = "id" if table is TRACES else "trace_id"
        self.refused = [
            f"{table.name}[{i}].{field}: trace {trace_id} belongs to another project "
            f"({owner}); not stored"
            for i, trace_id, owner in refused
        ]
        self.conflicts = [{"id": trace_id, "project_id": owner} for _, trace_id, owner in refused]
        super().__init__(
            f"{self.refused[0]} ({len(refused)} refused, {stored} other {table.name} stored); "
            "a trace id belongs to the project that first used it"
        )

    def body(self) -> dict[str, object]:
        return {**super().body(), "errors": self.refused, "conflicts": self.conflicts}


def _check_match(job: PatchRow, current: Row) -> None:
    for column, expected in job.must_match.items():
        if current[column] and current[column] != expected:
            kind = job.table.name[:-1]
            raise Conflict(f"{kind} {job.entity_id} has {column} {current[column]}, not {expected}")
