"""Which project a trace id belongs to, so that one id never lands in two projects.

The first create of a trace, or of a span naming it, claims the trace id for its project
(within the workspace); a later create naming another project is refused. A PATCH that
creates a partial row claims nothing: its create may still arrive with the real project.

The answer must cost next to nothing on the ingest path, where nearly every id is new.
A single backend process (the default) is the only writer of its data, so it keeps the
owners it saw in a bounded cache and, per workspace, the highest trace id stored: UUID v7
ids grow with time, so an id above that mark cannot be stored yet and needs no lookup.
Only ids at or below the mark that are not cached (an old id sent again after a restart,
or after the cache let it go) are looked up in ClickHouse, bounded to the batch's id
range. Replicas that share ClickHouse (``shared``) see each other's writes only there, so
they look up every batch, and two replicas taking the same new id in the same moment for
two projects are not caught (documented in docs/reliability.md).
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
        self._marks: dict[str, TraceId] = {}

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
        """Data was deleted: owners are looked up again (the marks stay valid)."""
        self._cache.clear()

    def _remember(self, workspace: str, trace_id: TraceId, owner: ProjectId) -> None:
        if len(self._cache) >= CACHE_SIZE:
            del self._cache[next(iter(self._cache))]  # the oldest claim
        self._cache[(workspace, trace_id)] = owner

    def _stored(
        self, workspace: str, ids: list[TraceId], wanted: Mapping[TraceId, ProjectId]
    ) -> dict[TraceId, ProjectId]:
        """Owners in ClickHouse of ``ids``, skipping ids above the workspace's mark."""
        if not self._shared:
            mark = self._mark(workspace)
            newest = max(ids)
            self._marks[workspace] = max(mark, newest)
            ids = [trace_id for trace_id in ids if trace_id <= mark]
            if not ids:
                return {}
        return self._lookup(workspace, ids, wanted)

    def _mark(self, workspace: str) -> TraceId:
        mark = self._marks.get(workspace)
        if mark is None:
            rows = self._ch.query(
                "SELECT greatest("
                "(SELECT max(id) FROM traces WHERE workspace_id = {ws:String}), "
                "(SELECT max(trace_id) FROM spans WHERE workspace_id = {ws:String}))",
                {"ws": workspace},
            )
            mark = str(rows[0][0]).strip("\x00") if rows else ""
            self._marks[workspace] = mark
        return mark

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
