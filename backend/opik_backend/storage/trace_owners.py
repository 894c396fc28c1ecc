"""Which project a trace id belongs to, so that one id never lands in two projects.

The first create of a trace, or of a span naming it, claims the trace id for its project
(within the workspace); a later create naming another project is refused. A PATCH that
creates a partial row claims nothing: its create may still arrive with the real project.

The answer must cost next to nothing on the ingest path, where nearly every id is new.
A single backend process (the default) is the only writer of its data, so it keeps every
owner it sees in a cache and, per workspace, a floor: the highest trace id stored when it
started, raised to the id of each entry the bounded cache lets go. Every id stored above
the floor is in the cache, so an id above it that the cache does not hold is new and
needs no lookup, whatever order the batches arrive in (UUID v7 ids grow with time, so
old ids sit below the floor). Ids below it that are not cached (an old id sent again
after a restart) are looked up in ClickHouse, bounded to the batch's id range.
Replicas that share ClickHouse (``shared``) see each other's writes only there, so they
look up every batch, and two replicas taking the same new id in the same moment for two
projects are not caught (documented in docs/reliability.md).
"""

from __future__ import annotations

from collections.abc import Mapping

from .clickhouse import ClickHouse

TraceId = str
ProjectId = str

CACHE_SIZE = 200_000
"""Owners kept in memory (about 20 MB); older ones are looked up again when sent again."""

_PARTIAL = '{"create_lut":null'  # a row that only PATCHes made (see rows.record_patch)


class TraceOwners:
    """Claims trace ids for projects, first claim wins."""

    def __init__(self, ch: ClickHouse, *, shared: bool = False) -> None:
        self._ch = ch
        self._shared = shared
        self._cache: dict[tuple[str, TraceId], ProjectId] = {}
        self._floors: dict[str, TraceId] = {}  # every id stored above is cached
        self._highest: dict[str, TraceId] = {}  # the highest id claimed

    def claim(
        self, workspace: str, wanted: Mapping[TraceId, ProjectId]
    ) -> dict[TraceId, ProjectId]:
        """The owner of each id in ``wanted``: the project that claimed it first, else
        (claimed now) the project ``wanted`` names."""
        owners: dict[TraceId, ProjectId] = {}
        unknown: list[TraceId] = []
        for trace_id in wanted:
            owner = self._cache.get((workspace, trace_id))
            if owner is None:
                unknown.append(trace_id)
            else:
                owners[trace_id] = owner
        if unknown:
            stored = self._stored(workspace, unknown, wanted)
            for trace_id in unknown:
                owner = stored.get(trace_id, wanted[trace_id])
                owners[trace_id] = owner
                self._remember(workspace, trace_id, owner)
        return owners

    def group_done(self) -> None:
        """The writer stored (or failed) a group: replicas forget what others may change."""
        if self._shared:
            self._cache.clear()

    def forget(self) -> None:
        """Data was deleted: owners of ids claimed so far are looked up again."""
        self._cache.clear()
        self._floors.update(self._highest)

    def _remember(self, workspace: str, trace_id: TraceId, owner: ProjectId) -> None:
        if len(self._cache) >= CACHE_SIZE:
            (ws, let_go), _ = next(iter(self._cache.items()))  # the oldest claim
            del self._cache[(ws, let_go)]
            self._floors[ws] = max(self._floors[ws], let_go)
        self._cache[(workspace, trace_id)] = owner
        if trace_id > self._highest.get(workspace, ""):
            self._highest[workspace] = trace_id

    def _stored(
        self, workspace: str, ids: list[TraceId], wanted: Mapping[TraceId, ProjectId]
    ) -> dict[TraceId, ProjectId]:
        """Owners in ClickHouse of ``ids`` (not cached), skipping ids above the floor."""
        if not self._shared:
            floor = self._floor(workspace)
            ids = [trace_id for trace_id in ids if trace_id <= floor]
            if not ids:
                return {}
        return self._lookup(workspace, ids, wanted)

    def _floor(self, workspace: str) -> TraceId:
        floor = self._floors.get(workspace)
        if floor is None:
            rows = self._ch.query(
                "SELECT greatest("
                "(SELECT max(id) FROM traces WHERE workspace_id = {ws:String}), "
                "(SELECT max(trace_id) FROM spans WHERE workspace_id = {ws:String}))",
                {"ws": workspace},
            )
            floor = str(rows[0][0]).strip("\x00") if rows else ""
            self._floors[workspace] = floor
        return floor

    def _lookup(
        self, workspace: str, ids: list[TraceId], wanted: Mapping[TraceId, ProjectId]
    ) -> dict[TraceId, ProjectId]:
        """The stored project of each id; the wanted one wherever it is among several."""
        params = {"ws": workspace, "ids": ids, "lo": min(ids), "hi": max(ids), "partial": _PARTIAL}
        rows = self._ch.query(
            "SELECT id, project_id FROM traces WHERE workspace_id = {ws:String} "
            "AND id BETWEEN {lo:String} AND {hi:String} AND id IN {ids:Array(String)} "
            "AND NOT startsWith(patches, {partial:String}) "
            "UNION DISTINCT "
            "SELECT trace_id, project_id FROM spans WHERE workspace_id = {ws:String} "
            "AND trace_id BETWEEN {lo:String} AND {hi:String} "
            "AND trace_id IN {ids:Array(String)} AND NOT startsWith(patches, {partial:String})",
            params,
        )
        found: dict[TraceId, ProjectId] = {}
        for stored_id, stored_project in rows:
            trace_id = str(stored_id)
            if found.get(trace_id) != wanted[trace_id]:  # its own project wins over others
                found[trace_id] = str(stored_project)
        return found
