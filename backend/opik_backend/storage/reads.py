"""Reading traces, spans and feedback scores back, with the fields the API computes.

Rows are versioned, so every read takes the newest version of each id first
(``ORDER BY id DESC, last_updated_at DESC LIMIT 1 BY id`` on the primary-key order, which
ClickHouse streams without sorting) and filters after that. Computed fields (span count,
summed usage and cost, feedback scores) are fetched for the ids of one page only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import msgspec
from msgspec import UNSET, Raw

from . import span_json
from .cache import Memo
from .changes import ChangeLog
from .clickhouse import ClickHouse
from .comments import Comments, by_entity
from .filter_sql import Compiler, Entity, Filter
from .recent import SPAN_PARTS, RecentTraces, Slice, Snapshot
from .rows import SCORES, SPANS, TRACES, Row, Table
from .shapes import compact
from .span_json import JSON_COLUMNS, SpanPublic
from .split import Split

COUNT_TTL_SECONDS = 10.0  # bounds staleness when other replicas write
Public = dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Query:
    """What a list or search asks for."""

    workspace: str
    project_id: str
    filters: Sequence[Filter] = ()
    search: str | None = None
    exclude: frozenset[str] = frozenset()
    trace_id: str | None = None
    span_type: str | None = None


@dataclasses.dataclass(frozen=True)
class Selection:
    """Rows of one table: a key-prefix ``scope``, conditions on the newest version, params."""

    table: Table
    scope: str
    where: str
    params: dict[str, Any]
    columns: tuple[str, ...]
    small: bool  # a single trace's spans: cheap to deduplicate whole

    @property
    def filtered(self) -> bool:
        return self.where != "(1)"

    def latest_sql(self) -> str:
        """SQL for the newest version of every id in scope that matches the conditions."""
        return (
            f"SELECT * FROM ({latest_rows(self.table, self.scope, self.columns)}) "
            f"WHERE {self.where}"
        )

    def final_sql(self, columns: str = "*") -> str:
        """The same rows through ``FINAL``: ClickHouse keeps each key's newest version while
        it reads the sorted parts, cheaper than sorting the whole scope for aggregates."""
        return f"SELECT {columns} FROM {self.table.name} FINAL WHERE {self.scope} AND {self.where}"


def _id(row: Row) -> Any:
    return row["id"]


def _newest_versions(rows: Iterable[Row], key: Callable[[Row], Any] = _id) -> dict[Any, Row]:
    """The newest version of each key (the id by default), in first-seen order."""
    newest: dict[Any, Row] = {}
    for row in rows:
        kept = newest.get(k := key(row))
        if kept is None or row["last_updated_at"] > kept["last_updated_at"]:
            newest[k] = row
    return newest


def latest_rows(table: Table, where: str, columns: Iterable[str]) -> str:
    """SQL for the newest version of each id among the rows matching ``where``."""
    return (
        f"SELECT {', '.join(columns)} FROM {table.name} WHERE {where} "
        "ORDER BY id DESC, last_updated_at DESC LIMIT 1 BY id"
    )


class Reads:
    """Read queries over traces, spans and scores."""

    def __init__(
        self, ch: ClickHouse, changes: ChangeLog, recent: RecentTraces | None = None
    ) -> None:
        self._ch = ch
        self.changes = changes
        self.recent = recent
        self.comments = Comments(ch)
        if recent is not None:
            self.comments.changed.append(recent.drop)
        self._counts: Memo[tuple[str, ...], int] = Memo(COUNT_TTL_SECONDS)
        self.split = Split(ch, changes, COUNT_TTL_SECONDS)
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="opik-backend-read")
        # Requests' reads run here, apart from the pool that serves writes' lookups, so a
        # burst of heavy reads never holds up an ingest; more threads than cores would only
        # make every read slower.
        self.executor = ThreadPoolExecutor(
            max_workers=max(2, os.cpu_count() or 2), thread_name_prefix="opik-backend-query"
        )

    # -- single entities -------------------------------------------------------------------

    def trace(self, workspace: str, trace_id: str) -> Public | None:
        found = self.recent_trace(workspace, trace_id)
        if found is not None:
            return found
        rows = self._ch.query_dicts(
            latest_rows(TRACES, "workspace_id = {ws:String} AND id = {id:String}", TRACES.columns),
            {"ws": workspace, "id": trace_id},
        )
        return self._traces_public(workspace, rows)[0] if rows else None

    def trace_project(self, workspace: str, trace_id: str) -> str | None:
        """The id of the project of a stored trace (one cheap query, not a whole read)."""
        rows = self._ch.query(
            "SELECT project_id FROM traces WHERE workspace_id = {ws:String} AND id = {id:String}"
            " ORDER BY last_updated_at DESC LIMIT 1",
            {"ws": workspace, "id": trace_id},
        )
        return str(rows[0][0]) if rows else None

    def span(self, workspace: str, span_id: str) -> Public | None:
        rows = self._ch.query_dicts(
            latest_rows(SPANS, "workspace_id = {ws:String} AND id = {id:String}", SPANS.columns),
            {"ws": workspace, "id": span_id},
        )
        return self._spans_public(workspace, rows)[0] if rows else None

    # -- pages and streams -----------------------------------------------------------------

    def traces_page(self, query: Query, page: int, size: int) -> tuple[list[Public], int]:
        found = self.recent_page(query, page, size, fill=True)
        if found is not None:
            return found
        return self._page(self.select(TRACES, "traces", query), page, size, self._traces_public)

    def spans_page(
        self, query: Query, page: int, size: int
    ) -> tuple[list[Public] | list[SpanPublic], int]:
        sel = self.select(SPANS, "spans", query)
        if not sel.small:
            return self._page(sel, page, size, self._spans_public)
        # One span more than the page: without it, the page is the last one and the total
        # is known without counting (a count is recomputed after every write to the project).
        offset = (page - 1) * size
        spans = self._tree_spans(sel, query.exclude, offset, size + 1)
        last = len(spans) <= size and (bool(spans) or page == 1)
        del spans[size:]
        total = offset + len(spans) if last else self._count(sel)
        found, notes = self._annotations_among(query.workspace, "span", [s.id for s in spans])
        for span in spans:
            _annotate(span, found.get(span.id, []), notes.get(span.id, []))
        return spans, total

    def _tree_spans(
        self, sel: Selection, exclude: frozenset[str], offset: int, limit: int
    ) -> list[SpanPublic]:
        """Spans ``offset`` to ``offset + limit`` of one trace's, newest first, shaped as
        the API returns them (FINAL keeps each span's newest version as it reads the
        trace's key range)."""
        body = self._ch.query_raw(
            sel.final_sql(span_json.columns_sql(exclude))
            + " ORDER BY id DESC LIMIT {limit:UInt32} OFFSET {offset:UInt64}",
            {**sel.params, "limit": limit, "offset": offset},
            span_json.FORMAT,
            span_json.SETTINGS,
        )
        return span_json.decode(body)

    def _page(
        self, sel: Selection, page: int, size: int, public: Callable[[str, list[Row]], list[Public]]
    ) -> tuple[list[Public], int]:
        rows = self._page_rows(sel, (page - 1) * size, size)
        if page == 1 and len(rows) < size:  # the whole selection is on this page
            return public(sel.params["ws"], rows), len(rows)
        total = self._pool.submit(self._count, sel)
        return public(sel.params["ws"], rows), total.result()

    def traces_after(self, query: Query, last_id: str | None, limit: int) -> list[Public]:
        """Newest first, strictly older than ``last_id`` (the search stream's cursor)."""
        rows = self._page_rows(self.select(TRACES, "traces", query), 0, limit, last_id)
        return self._traces_public(query.workspace, rows)

    def spans_after(self, query: Query, last_id: str | None, limit: int) -> list[Public]:
        rows = self._page_rows(self.select(SPANS, "spans", query), 0, limit, last_id)
        return self._spans_public(query.workspace, rows)

    def recent_page(
        self, query: Query, page: int, size: int, fill: bool = False
    ) -> tuple[list[Public], int] | None:
        """A page of a plain trace list from the window of newest traces, if it holds it.

        Without ``fill`` it answers only from memory (None when that would need a query),
        so it may run on the event loop.
        """
        if self.recent is None or not _newest_first_only(query):
            return None
        ws, project_id = query.workspace, query.project_id
        load = (lambda: self._snapshot(ws, project_id)) if fill else None
        found = self.recent.read(ws, project_id, (page - 1) * size, size, load)
        if found is None or (found.total is None and not fill):
            return None
        total = found.total
        if total is None:
            below = self._count_below(ws, project_id, found.floor)
            self.recent.counted_below(ws, project_id, found, below)
            total = below + found.held
        return _slice_public(found, query.exclude), total

    def recent_trace(self, workspace: str, trace_id: str) -> Public | None:
        """A trace held by a window of newest traces (from memory only), else None."""
        found = self.recent.find(workspace, trace_id) if self.recent else None
        return _slice_public(found, frozenset())[0] if found is not None else None

    def _count_below(self, workspace: str, project_id: str, floor: str) -> int:
        """How many of a project's traces have an id under ``floor``."""
        rows = self._ch.query(
            "SELECT count() FROM traces FINAL WHERE workspace_id = {ws:String}"
            " AND project_id = {project_id:String} AND id < {floor:String}",
            {"ws": workspace, "project_id": project_id, "floor": floor},
        )
        return int(rows[0][0])

    def _snapshot(self, workspace: str, project_id: str) -> Snapshot:
        """A project's newest traces with their spans, scores and comments, for a window."""
        assert self.recent is not None
        keep = self.recent.keep
        query = Query(workspace=workspace, project_id=project_id)
        rows = self._page_rows(self.select(TRACES, "traces", query), 0, keep + 1)
        floor = rows[keep - 1]["id"] if len(rows) > keep else ""
        rows = rows[:keep]
        ids = [row["id"] for row in rows]
        params = {"ws": workspace, "project_id": project_id, "floor": floor, "ids": ids}
        spans = self._pool.submit(
            self._ch.query_dicts,
            f"SELECT {', '.join(SPAN_PARTS)} FROM spans FINAL WHERE workspace_id = {{ws:String}}"
            " AND project_id = {project_id:String} AND trace_id >= {floor:String}",
            params,
        )
        comments = self._pool.submit(self.comments.of, workspace, "trace", ids)
        # Scores of the window's traces, and those logged ahead of a trace of the project.
        scores = self._ch.query_dicts(
            f"SELECT {', '.join(SCORES.columns)} FROM feedback_scores"
            " WHERE workspace_id = {ws:String} AND entity_type = 'trace' AND (entity_id IN"
            " {ids:Array(String)} OR (project_id = {project_id:String}"
            " AND entity_id >= {floor:String}))"
            " ORDER BY last_updated_at DESC LIMIT 1 BY entity_id, name",
            params,
        )
        return Snapshot(floor, rows, spans.result(), scores, comments.result())

    def select(self, table: Table, entity: Entity, query: Query) -> Selection:
        """The rows ``query`` asks for, as SQL conditions and their parameters."""
        params: dict[str, Any] = {"ws": query.workspace, "project_id": query.project_id}
        scope = "workspace_id = {ws:String} AND project_id = {project_id:String}"
        if query.trace_id:
            scope += " AND trace_id = {trace_id:String}"
            params["trace_id"] = query.trace_id
        conditions = [Compiler(entity, params).where(query.filters)]
        if query.span_type:
            conditions.append("type = {span_type:String}")
            params["span_type"] = query.span_type
        if query.search:
            params["search"] = query.search
            conditions.append(
                " OR ".join(
                    f"positionCaseInsensitiveUTF8(toString({c}), {{search:String}}) > 0"
                    for c in ("id", "name", "input", "output")
                )
            )
        columns = tuple(
            f"'' AS {c}" if c in query.exclude and c in JSON_COLUMNS else c
            for c in table.columns
            if c != "patches"
        )
        return Selection(
            table,
            scope,
            " AND ".join(f"({c})" for c in conditions),
            params,
            columns,
            small=bool(query.trace_id),
        )

    def _page_rows(
        self, sel: Selection, offset: int, limit: int, before: str | None = None
    ) -> list[Row]:
        """Rows ``offset`` to ``offset + limit`` of the selection, newest first.

        Rows come in primary-key order (ClickHouse reads only the newest granules), a few
        more than needed, and are deduplicated here, keeping the newest version of each id.
        The last id of a full window may be cut short, so the next window starts at it.
        With conditions, a row only counts if it is its id's newest version: an older
        version may match where the newest does not.
        """
        params = dict(sel.params)
        if sel.small:  # one trace's spans: dedupe them all at once
            params.update(limit=limit, offset=offset, before=before or "~")
            return self._ch.query_dicts(
                f"{sel.latest_sql()} AND id < {{before:String}} ORDER BY id DESC "
                "LIMIT {limit:UInt32} OFFSET {offset:UInt64}",
                params,
            )
        wanted = offset + limit
        batch, op, bound = wanted + 16, "<", before or "~"
        found: dict[str, Row] = {}
        while len(found) < wanted:
            params.update(bound=bound, batch=batch)
            rows = self._ch.query_dicts(
                f"SELECT {', '.join(sel.columns)} FROM {sel.table.name} WHERE {sel.scope} "
                f"AND {sel.where} AND id {op} {{bound:String}} ORDER BY id DESC "
                "LIMIT {batch:UInt32}",
                params,
            )
            full = len(rows) == batch
            cut: str | None = rows[-1]["id"] if full else None
            newest = _newest_versions(row for row in rows if row["id"] != cut)
            if sel.filtered and newest:
                newest = self._only_current(sel, newest)
            found.update(newest)
            if cut is None:
                break
            batch, op, bound = batch * 2, "<=", cut
        return list(found.values())[offset:wanted]

    def _only_current(self, sel: Selection, rows: dict[str, Row]) -> dict[str, Row]:
        """Keep the rows that are their id's newest version overall."""
        params = {**sel.params, "ids": list(rows)}
        current = dict(
            self._ch.query(
                f"SELECT id, max(last_updated_at) FROM {sel.table.name} WHERE {sel.scope} "
                "AND id IN {ids:Array(String)} GROUP BY id",
                params,
            )
        )
        return {k: row for k, row in rows.items() if row["last_updated_at"] == current.get(k)}

    def _count(self, sel: Selection) -> int:
        """How many newest versions match (cached until the project's data changes; for
        traces, the count below the project's watermark until a write reaches below it)."""
        key = (sel.table.name, sel.scope, sel.where, repr(sorted(sel.params.items())))
        workspace, project_id = sel.params["ws"], sel.params["project_id"]
        if sel.table is not TRACES:
            return self._counts.get_or_compute(
                key, self.changes.version(workspace, project_id), lambda: self._count_where(sel)
            )
        return self.split.compute(
            ("count", *key),
            workspace,
            project_id,
            lambda w: self._count_where(sel, "id < {w:String}", w),
            lambda w, sealed: (sealed or 0) + self._count_where(sel, "id >= {w:String}", w),
        )

    def _count_where(self, sel: Selection, part: str = "1", watermark: str = "") -> int:
        return int(
            self._ch.query(
                f"SELECT count() FROM {sel.table.name} FINAL WHERE {sel.scope} AND {part}"
                f" AND {sel.where}",
                {**sel.params, "w": watermark},
            )[0][0]
        )

    # -- computed fields -------------------------------------------------------------------

    def _traces_public(self, workspace: str, rows: list[Row]) -> list[Public]:
        if not rows:
            return []
        aggregates = self._pool.submit(self._span_aggregates, workspace, rows)
        scores, notes = self._annotations_of(workspace, "trace", [row["id"] for row in rows])
        found = aggregates.result()
        return [
            trace_public(
                row, found.get(row["id"]), scores.get(row["id"], []), notes.get(row["id"], [])
            )
            for row in rows
        ]

    def _spans_public(self, workspace: str, rows: list[Row]) -> list[Public]:
        if not rows:
            return []
        scores, notes = self._annotations_of(workspace, "span", [row["id"] for row in rows])
        return [
            span_public(row, scores.get(row["id"], []), notes.get(row["id"], [])) for row in rows
        ]

    def _span_aggregates(self, workspace: str, traces: list[Row]) -> dict[str, Row]:
        by_project: dict[str, list[str]] = {}
        for row in traces:
            by_project.setdefault(row["project_id"], []).append(row["id"])
        found: dict[str, Row] = {}
        for project_id, ids in by_project.items():
            # FINAL over the traces' key range: the spans' sorting key is their trace and id,
            # so it keeps each span's newest version, without sorting the rows first.
            rows = self._ch.query_dicts(
                "SELECT trace_id, count() AS span_count, countIf(type = 'llm') AS llm_span_count,"
                " sumMap(usage) AS usage, sum(total_estimated_cost) AS total_estimated_cost,"
                " countIf(total_estimated_cost IS NOT NULL) AS priced,"
                " arraySort(groupUniqArrayIf(provider, provider != '')) AS providers,"
                " countIf(type = 'tool') > 0 AS has_tool_spans"
                " FROM spans FINAL WHERE workspace_id = {ws:String}"
                " AND project_id = {project_id:String} AND trace_id IN {ids:Array(String)}"
                " GROUP BY trace_id",
                {"ws": workspace, "project_id": project_id, "ids": ids},
            )
            found.update({row["trace_id"]: row for row in rows})
        return found

    def scores(
        self, workspace: str, entity_type: str, ids: Sequence[str], project_id: str | None = None
    ) -> dict[str, list[Public]]:
        """The current feedback scores of each entity (of one project, if given), by id."""
        if not ids:
            return {}
        params = {"ws": workspace, "kind": entity_type, "ids": list(ids)}
        where = "entity_id IN {ids:Array(String)}"
        if project_id:
            where += " AND project_id = {project_id:String}"
            params["project_id"] = project_id
        return self._scores_where(where, params)

    def score_names(
        self, workspace: str, entity_type: str | None, project_ids: Sequence[str] = ()
    ) -> list[str]:
        """The names of the feedback scores on entities of a type (of every type with
        None; in these projects, if any are given)."""
        params: dict[str, Any] = {"ws": workspace}
        where = "workspace_id = {ws:String}"
        if entity_type:
            params["kind"] = entity_type
            where += " AND entity_type = {kind:String}"
        if project_ids:
            params["project_ids"] = list(project_ids)
            where += " AND project_id IN {project_ids:Array(String)}"
        rows = self._ch.query(
            f"SELECT DISTINCT name FROM feedback_scores WHERE {where} ORDER BY name", params
        )
        return [str(name) for (name,) in rows]

    def span_ids_of(self, workspace: str, trace_ids: Sequence[str]) -> list[str]:
        """The ids of the spans of these traces (any project)."""
        rows = self._ch.query(
            "SELECT DISTINCT id FROM spans WHERE workspace_id = {ws:String} "
            "AND trace_id IN {ids:Array(String)}",
            {"ws": workspace, "ids": list(trace_ids)},
        )
        return [str(span_id) for (span_id,) in rows]

    def _annotations_of(
        self, workspace: str, entity_type: str, ids: Sequence[str]
    ) -> tuple[dict[str, list[Public]], dict[str, list[Public]]]:
        """The scores and the comments of each of ``ids``."""
        return self._annotations_where(
            "entity_id IN {ids:Array(String)}",
            {"ws": workspace, "kind": entity_type, "ids": list(ids)},
        )

    def _annotations_among(
        self, workspace: str, entity_type: str, ids: Sequence[str]
    ) -> tuple[dict[str, list[Public]], dict[str, list[Public]]]:
        """The scores and the comments of each of many ``ids`` (a trace's spans): those
        between the least and the greatest id, cheaper to ask for than a long list of ids;
        the others' are never looked up."""
        if not ids:
            return {}, {}
        return self._annotations_where(
            "entity_id BETWEEN {low:String} AND {high:String}",
            {"ws": workspace, "kind": entity_type, "low": min(ids), "high": max(ids)},
        )

    def _annotations_where(
        self, where: str, params: dict[str, Any]
    ) -> tuple[dict[str, list[Public]], dict[str, list[Public]]]:
        """Current scores and comments of the entities meeting ``where``, in one plain
        query: each entity's scores by name, its comments oldest first. Planning is most of
        a query's cost here, so the newest versions are picked in Python, not by SQL."""
        annotated = f"{_OF_KIND} AND {where}"
        rows = self._ch.query_dicts(
            f"SELECT 0 AS comment, {_SCORE_COLUMNS}, '' AS id, '' AS text,"
            f" '' AS last_updated_by FROM feedback_scores WHERE {annotated} UNION ALL"
            " SELECT 1, entity_id, '', '', 0, '', '', created_at, last_updated_at, created_by,"
            f" id, text, last_updated_by FROM comments WHERE {annotated}",
            params,
        )
        notes = _newest_versions((row for row in rows if row["comment"]), _id)
        return (
            _scores_by_entity(row for row in rows if not row["comment"]),
            by_entity(sorted(notes.values(), key=_id)),
        )

    def _scores_where(self, where: str, params: dict[str, Any]) -> dict[str, list[Public]]:
        return _scores_by_entity(
            self._ch.query_dicts(
                f"SELECT {_SCORE_COLUMNS} FROM feedback_scores WHERE {_OF_KIND} AND {where}",
                params,
            )
        )


_SCORE_COLUMNS = (
    "entity_id, name, category_name, value, reason, source, created_at, last_updated_at, created_by"
)
# Annotations (scores, comments) of one kind of entity in the workspace.
_OF_KIND = "workspace_id = {ws:String} AND entity_type = {kind:String}"


def _scores_by_entity(versions: Iterable[Row]) -> dict[str, list[Public]]:
    """The newest version of each score, as public scores by entity id, each entity's by
    name."""
    newest = _newest_versions(versions, lambda row: (row["entity_id"], row["name"]))
    found: dict[str, list[Public]] = {}
    for row in sorted(newest.values(), key=lambda r: r["name"]):
        found.setdefault(row["entity_id"], []).append(score_public(row))
    return found


# -- public shapes ---------------------------------------------------------------------------


def _newest_first_only(query: Query) -> bool:
    """Whether a trace list asks for nothing but the project's traces, newest first."""
    return not (query.filters or query.search or query.trace_id or query.span_type)


def _slice_public(found: Slice, exclude: frozenset[str]) -> list[Public]:
    """Traces of a window in their public shape, as :meth:`Reads.traces_page` gives them."""
    blank = {column: "" for column in JSON_COLUMNS if column in exclude}
    out = []
    for row in found.traces:
        trace_id = row["id"]
        scores = sorted(found.scores.get(trace_id, []), key=lambda score: score["name"])
        out.append(
            trace_public(
                {**row, **blank} if blank else row,
                span_aggregates(found.spans.get(trace_id, [])),
                [score_public(score) for score in scores],
                found.comments.get(trace_id, []),
            )
        )
    return out


def span_aggregates(spans: Sequence[Row]) -> Row | None:
    """A trace's computed fields from the newest version of each of its spans, as
    :meth:`Reads._span_aggregates` computes them in ClickHouse."""
    if not spans:
        return None
    usage: dict[str, int] = {}
    costs = [span["total_estimated_cost"] for span in spans]
    for span in spans:
        for key, value in span["usage"].items():
            usage[key] = usage.get(key, 0) + value
    return {
        "span_count": len(spans),
        "llm_span_count": sum(1 for span in spans if span["type"] == "llm"),
        "usage": usage,
        "total_estimated_cost": sum(cost for cost in costs if cost is not None),
        "priced": sum(1 for cost in costs if cost is not None),
        "providers": sorted({span["provider"] for span in spans if span["provider"]}),
        "has_tool_spans": any(span["type"] == "tool" for span in spans),
    }


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """Stored naive UTC as an aware datetime (encoded with a ``Z``)."""
    return value.replace(tzinfo=dt.UTC) if value is not None else None


def json_value(text: str) -> Raw | None:
    return Raw(text.encode()) if text else None


def _duration_ms(row: Row) -> float | None:
    if row["end_time"] is None:
        return None
    return (row["end_time"] - row["start_time"]) / dt.timedelta(milliseconds=1)


def _observation_public(row: Row, scores: list[Public]) -> Public:
    out: Public = {
        "id": row["id"],
        "project_id": row["project_id"],
        "name": row["name"],
        "start_time": aware(row["start_time"]),
        "end_time": aware(row["end_time"]),
        "input": json_value(row["input"]),
        "output": json_value(row["output"]),
        "metadata": json_value(row["metadata"]),
        "tags": row["tags"],
        "error_info": json_value(row["error_info"]),
        "created_at": aware(row["created_at"]),
        "last_updated_at": aware(row["last_updated_at"]),
        "feedback_scores": scores,
        "duration": _duration_ms(row),
        "ttft": row["ttft"],
        "source": row["source"],
        "environment": row["environment"] or None,
    }
    return out


def trace_public(
    row: Row, aggregates: Row | None, scores: list[Public], comments: list[Public] | None = None
) -> Public:
    """A trace as ``GET /traces/{id}`` returns it."""
    out = _observation_public(row, scores)
    out["comments"] = comments
    agg = aggregates or {}
    out["span_count"] = int(agg.get("span_count", 0))
    out["llm_span_count"] = int(agg.get("llm_span_count", 0))
    out["has_tool_spans"] = bool(agg.get("has_tool_spans", False))
    out["usage"] = {k: int(v) for k, v in (agg.get("usage") or {}).items()}
    out["providers"] = list(agg.get("providers") or [])
    out["metadata"] = _with_providers(row["metadata"], out["providers"])
    if agg.get("priced"):
        out["total_estimated_cost"] = float(agg["total_estimated_cost"])
    if row["thread_id"]:
        out["thread_id"] = row["thread_id"]
    return compact(out)


def _with_providers(metadata: str, providers: list[str]) -> Raw | None:
    """A trace's metadata with its spans' providers first, as Opik injects them."""
    return _led_by(metadata, "providers", providers) if providers else json_value(metadata)


def _led_by(metadata: str, key: str, value: object) -> Raw | None:
    """Stored metadata with ``key`` first (Opik injects a span's ``provider`` and a
    trace's ``providers`` so); unchanged when it is not a JSON object."""
    stored = msgspec.json.decode(metadata) if metadata else {}
    if not isinstance(stored, dict):
        return json_value(metadata)
    return Raw(msgspec.json.encode({key: value, **stored}))


def span_public(row: Row, scores: list[Public], comments: list[Public] | None = None) -> Public:
    """A span as ``GET /spans/{id}`` returns it."""
    out = _observation_public(row, scores)
    out["comments"] = comments
    out.update(trace_id=row["trace_id"], type=row["type"], usage=row["usage"])
    for key in ("parent_span_id", "model", "provider", "total_estimated_cost_version"):
        if row.get(key):
            out[key] = row[key]
    if row["total_estimated_cost"] is not None:
        out["total_estimated_cost"] = row["total_estimated_cost"]
    if row["provider"]:
        out["metadata"] = _led_by(row["metadata"], "provider", row["provider"])
    return compact(out)


def _annotate(span: SpanPublic, scores: list[Public], comments: list[Public]) -> None:
    """Complete a span shaped by ClickHouse: its scores, its comments, and its provider
    first in its metadata (see :func:`span_public`)."""
    span.feedback_scores = scores
    span.comments = comments
    if span.provider:
        stored = bytes(span.metadata).decode() if span.metadata is not UNSET else ""
        span.metadata = _led_by(stored, "provider", span.provider) or UNSET


def score_public(row: Row) -> Public:
    out = {
        "name": row["name"],
        "category_name": row["category_name"] or None,
        "value": row["value"],
        "reason": row["reason"] or None,
        "source": row["source"],
        "created_at": aware(row["created_at"]),
        "last_updated_at": aware(row["last_updated_at"]),
        "created_by": row["created_by"] or None,
    }
    return {key: value for key, value in out.items() if value is not None}
