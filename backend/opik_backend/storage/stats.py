"""Aggregates: per-project totals for project lists, and trace and span statistics."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .cache import Memo
from .clickhouse import ClickHouse
from .filter_sql import DURATION_MS
from .reads import COUNT_TTL_SECONDS, Query, Reads, aware
from .rows import SPANS, TRACES

_IN_PROJECTS = "workspace_id = {ws:String} AND project_id IN {ids:Array(String)}"


class Stats:
    """Aggregates over a project's traces, each kept until the project's data changes: a
    page of projects or a stats panel asked again does not rescan the project."""

    def __init__(self, ch: ClickHouse, reads: Reads) -> None:
        self._ch = ch
        self._reads = reads
        self._memo: Memo[tuple[str, ...], Any] = Memo(COUNT_TTL_SECONDS)

    def projects(self, workspace: str, project_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Trace count, last activity, duration, cost and token totals, per project."""
        versions = {pid: self._reads.changes.version(workspace, pid) for pid in project_ids}
        out: dict[str, dict[str, Any]] = {}
        for pid, version in versions.items():
            found = self._memo.get(("project", workspace, pid), version)
            if found is not None:
                out[pid] = found
        missing = [pid for pid in project_ids if pid not in out]
        for pid, stats in self._projects(workspace, missing).items():
            self._memo.put(("project", workspace, pid), versions[pid], stats)
            out[pid] = stats
        return {pid: dict(out[pid]) for pid in project_ids}

    def _projects(self, workspace: str, project_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not project_ids:
            return {}
        params = {"ws": workspace, "ids": list(project_ids)}
        out: dict[str, dict[str, Any]] = {pid: _empty_project() for pid in project_ids}
        for row in self._ch.query_dicts(
            "SELECT project_id, count() AS trace_count,"
            " max(last_updated_at) AS last_updated_trace_at,"
            " countIf(error_info != '') AS error_count,"
            " uniqExactIf(thread_id, thread_id != '') AS thread_count,"
            f" quantiles(0.5, 0.9, 0.99)({DURATION_MS}) AS duration"
            f" FROM traces FINAL WHERE {_IN_PROJECTS} GROUP BY project_id",
            params,
        ):
            out[row["project_id"]].update(
                trace_count=int(row["trace_count"]),
                error_count={"count": int(row["error_count"])},  # the Opik SDK's shape
                thread_count=int(row["thread_count"]),
                last_updated_trace_at=aware(row["last_updated_trace_at"]),
                duration=_percentiles(row["duration"]),
            )
        for row in self._ch.query_dicts(
            "SELECT project_id, sum(total_estimated_cost) AS cost, sumMap(usage) AS usage"
            f" FROM spans FINAL WHERE {_IN_PROJECTS} GROUP BY project_id",
            params,
        ):
            stats = out[row["project_id"]]
            stats["total_estimated_cost_sum"] = float(row["cost"] or 0)
            stats["usage_sum"] = {k: int(v) for k, v in row["usage"].items()}
            count = max(stats["trace_count"], 1)
            stats["total_estimated_cost"] = stats["total_estimated_cost_sum"] / count
            stats["usage"] = {k: v / count for k, v in stats["usage_sum"].items()}
        return out

    def traces(self, query: Query) -> list[dict[str, Any]]:
        """Statistics of the traces matching ``query``: count, duration, cost, usage, scores."""
        found: list[dict[str, Any]] = self._memo.get_or_compute(
            ("traces", repr(query)),
            self._reads.changes.version(query.workspace, query.project_id),
            lambda: self._traces(query),
        )
        return [dict(stat) for stat in found]

    def _traces(self, query: Query) -> list[dict[str, Any]]:
        selection = self._reads.select(TRACES, "traces", query)
        params = selection.params
        (row,) = self._ch.query_dicts(
            selection.final_sql(
                "count() AS n, countIf(error_info != '') AS errors,"
                f" quantiles(0.5, 0.9, 0.99)({DURATION_MS}) AS duration"
            ),
            params,
        )
        source = selection.final_sql("id")
        stats: list[dict[str, Any]] = [
            {"name": "trace_count", "type": "COUNT", "value": int(row["n"])},
            {"name": "error_count", "type": "COUNT", "value": int(row["errors"])},
            {"name": "duration", "type": "PERCENTAGE", "value": _percentiles(row["duration"])},
        ]
        (cost,) = self._ch.query_dicts(
            "SELECT sum(total_estimated_cost) AS cost, sumMap(usage) AS usage FROM spans FINAL"
            " WHERE workspace_id = {ws:String} AND project_id = {project_id:String}"
            f" AND trace_id IN ({source})",
            params,
        )
        count = max(int(row["n"]), 1)
        stats.append(
            {
                "name": "total_estimated_cost",
                "type": "AVG",
                "value": float(cost["cost"] or 0) / count,
            }
        )
        stats.append(
            {"name": "total_estimated_cost_sum", "type": "AVG", "value": float(cost["cost"] or 0)}
        )
        stats += [
            {"name": f"usage.{k}", "type": "AVG", "value": v / count}
            for k, v in sorted(cost["usage"].items())
        ]
        return stats + self._score_means("trace", source, params)

    def spans(self, query: Query) -> list[dict[str, Any]]:
        """Statistics of the spans matching ``query``: count, duration, cost, usage, scores."""
        selection = self._reads.select(SPANS, "spans", query)
        source, params = selection.latest_sql(), selection.params
        (row,) = self._ch.query_dicts(
            "SELECT count() AS n, countIf(error_info != '') AS errors,"
            f" quantiles(0.5, 0.9, 0.99)({DURATION_MS}) AS duration,"
            " sum(total_estimated_cost) AS cost, sumMap(usage) AS usage"
            f" FROM ({source})",
            params,
        )
        count = max(int(row["n"]), 1)
        cost = float(row["cost"] or 0)
        stats: list[dict[str, Any]] = [
            {"name": "span_count", "type": "COUNT", "value": int(row["n"])},
            {"name": "error_count", "type": "COUNT", "value": int(row["errors"])},
            {"name": "duration", "type": "PERCENTAGE", "value": _percentiles(row["duration"])},
            {"name": "total_estimated_cost", "type": "AVG", "value": cost / count},
            {"name": "total_estimated_cost_sum", "type": "AVG", "value": cost},
        ]
        stats += [
            {"name": f"usage.{k}", "type": "AVG", "value": v / count}
            for k, v in sorted(row["usage"].items())
        ]
        return stats + self._score_means("span", source, params)

    def _score_means(
        self, entity_type: str, source: str, params: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Per score name, the mean of the newest value on each entity of ``source``."""
        return [
            {"name": f"feedback_scores.{name}", "type": "AVG", "value": value}
            for name, value in self._ch.query(
                "SELECT name, avg(value) FROM (SELECT entity_id, name, value FROM feedback_scores"
                f" WHERE workspace_id = {{ws:String}} AND entity_type = '{entity_type}'"
                f" AND entity_id IN (SELECT id FROM ({source}))"
                " ORDER BY last_updated_at DESC LIMIT 1 BY entity_id, name)"
                " GROUP BY name ORDER BY name",
                params,
            )
        ]


def _empty_project() -> dict[str, Any]:
    return {
        "trace_count": 0,
        "error_count": {"count": 0},
        "thread_count": 0,
        "total_estimated_cost": 0.0,
        "total_estimated_cost_sum": 0.0,
        "usage": {},
        "usage_sum": {},
    }


def _percentiles(values: Sequence[float]) -> dict[str, float] | None:
    if not values or any(math.isnan(v) for v in values):  # no finished traces
        return None
    return dict(zip(("p50", "p90", "p99"), (float(v) for v in values), strict=True))
