"""Threads (conversations): traces grouped by ``thread_id``, aggregated at read time."""

from __future__ import annotations

from typing import Any

from .clickhouse import ClickHouse
from .filter_sql import Compiler, Filter
from .reads import Public, Reads, aware, json_value, latest_rows
from .rows import SPANS, TRACES, Row
from .shapes import compact
from .threads_status import STATES, status_sql

_SCOPE = "workspace_id = {ws:String} AND project_id = {project_id:String}"
_TRACE_COLUMNS = (
    "id",
    "thread_id",
    "project_id",
    "start_time",
    "end_time",
    "input",
    "output",
    "tags",
    "environment",
    "created_at",
    "last_updated_at",
)
_THREADS = (
    "SELECT thread_id AS id, any(project_id) AS project_id, count() AS number_of_messages,"
    " min(start_time) AS start_time, max(ifNull(end_time, start_time)) AS end_time,"
    " dateDiff('microsecond', min(start_time), max(ifNull(end_time, start_time))) / 1000.0"
    " AS duration, argMin(input, start_time) AS first_message,"
    " argMax(output, start_time) AS last_message, min(created_at) AS created_at,"
    " max(last_updated_at) AS last_updated_at,"
    " arrayDistinct(arrayFlatten(groupArray(tags))) AS tags, any(environment) AS environment"
    " FROM ({traces}) WHERE thread_id != '' GROUP BY thread_id"
)


def _with_status(threads: str) -> str:
    """The threads with their status (see :mod:`.threads_status`)."""
    return (
        f"SELECT t.*, {status_sql('t.last_updated_at')} AS status FROM ({threads}) AS t"
        f" LEFT JOIN ({STATES}) AS s ON s.thread_id = t.id"
    )


class Threads:
    """Thread pages, search and lookups of one project."""

    def __init__(self, ch: ClickHouse, reads: Reads) -> None:
        self._ch = ch
        self._reads = reads

    def _source(
        self, workspace: str, project_id: str, filters: list[Filter]
    ) -> tuple[str, dict[str, Any]]:
        params: dict[str, Any] = {"ws": workspace, "project_id": project_id}
        threads = _with_status(_THREADS.format(traces=latest_rows(TRACES, _SCOPE, _TRACE_COLUMNS)))
        where = Compiler("threads", params).where(filters)
        return f"SELECT * FROM ({threads}) WHERE {where}", params

    def page(
        self, workspace: str, project_id: str, filters: list[Filter], page: int, size: int
    ) -> tuple[list[Public], int]:
        """Threads newest activity first."""
        source, params = self._source(workspace, project_id, filters)
        params.update(limit=size, offset=(page - 1) * size)
        rows = self._ch.query_dicts(
            f"{source} ORDER BY last_updated_at DESC, id LIMIT {{limit:UInt32}} "
            "OFFSET {offset:UInt64}",
            params,
        )
        total = self._ch.query(f"SELECT count() FROM ({source})", params)[0][0]
        return self._public(workspace, project_id, rows), int(total)

    def after(
        self,
        workspace: str,
        project_id: str,
        filters: list[Filter],
        last_id: str | None,
        limit: int,
    ) -> list[Public]:
        """Threads in id order after ``last_id`` (the search stream's cursor)."""
        source, params = self._source(workspace, project_id, filters)
        params.update(limit=limit, last_id=last_id or "")
        rows = self._ch.query_dicts(
            f"SELECT * FROM ({source}) WHERE id > {{last_id:String}} ORDER BY id "
            "LIMIT {limit:UInt32}",
            params,
        )
        return self._public(workspace, project_id, rows)

    def get(self, workspace: str, project_id: str, thread_id: str) -> Public | None:
        found = self.after(
            workspace, project_id, [Filter(field="id", operator="=", value=thread_id)], None, 1
        )
        return found[0] if found else None

    def trace_ids(self, workspace: str, project_id: str, thread_ids: list[str]) -> list[str]:
        rows = self._ch.query(
            f"SELECT DISTINCT id FROM traces WHERE {_SCOPE} AND thread_id IN "
            "{threads:Array(String)}",
            {"ws": workspace, "project_id": project_id, "threads": thread_ids},
        )
        return [str(row[0]) for row in rows]

    def _public(self, workspace: str, project_id: str, rows: list[Row]) -> list[Public]:
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        costs = self._costs(workspace, project_id, ids)
        scores = self._reads.scores(workspace, "thread", ids, project_id)
        return [thread_public(row, costs.get(row["id"]), scores.get(row["id"], [])) for row in rows]

    def _costs(self, workspace: str, project_id: str, thread_ids: list[str]) -> dict[str, Row]:
        traces = (
            f"SELECT DISTINCT id, thread_id FROM traces WHERE {_SCOPE} "
            "AND thread_id IN {threads:Array(String)}"
        )
        spans = latest_rows(
            SPANS,
            f"{_SCOPE} AND trace_id IN (SELECT id FROM ({traces}))",
            ("trace_id", "id", "usage", "total_estimated_cost"),
        )
        rows = self._ch.query_dicts(
            "SELECT t.thread_id AS thread_id, sumMap(s.usage) AS usage,"
            " sum(s.total_estimated_cost) AS cost, countIf(s.total_estimated_cost IS NOT NULL)"
            f" AS priced FROM ({spans}) AS s INNER JOIN ({traces}) AS t ON s.trace_id = t.id"
            " GROUP BY t.thread_id",
            {"ws": workspace, "project_id": project_id, "threads": thread_ids},
        )
        return {row["thread_id"]: row for row in rows}


def thread_public(row: Row, costs: Row | None, scores: list[Public]) -> Public:
    """A thread as ``/traces/threads`` returns it."""
    out: Public = {
        "id": row["id"],
        "thread_model_id": row["id"],
        "project_id": row["project_id"],
        "start_time": aware(row["start_time"]),
        "end_time": aware(row["end_time"]),
        "duration": row["duration"],
        "first_message": json_value(row["first_message"]),
        "last_message": json_value(row["last_message"]),
        "number_of_messages": int(row["number_of_messages"]),
        "status": row["status"],
        "tags": row["tags"],
        "created_at": aware(row["created_at"]),
        "last_updated_at": aware(row["last_updated_at"]),
        "feedback_scores": scores,
        "environment": row["environment"] or None,
        "usage": {k: int(v) for k, v in ((costs or {}).get("usage") or {}).items()},
    }
    if costs and costs["priced"]:
        out["total_estimated_cost"] = float(costs["cost"])
    return compact(out)
