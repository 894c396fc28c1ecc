"""Aggregates: per-project totals for project lists, and trace and span statistics."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .clickhouse import ClickHouse
from .filter_sql import DURATION_MS
from .reads import Query, Reads, aware, latest_rows
from .rows import SPANS, TRACES

_IN_PROJECTS = "workspace_id = {ws:String} AND project_id IN {ids:Array(String)}"


class Stats:
    def __init__(self, ch: ClickHouse, reads: Reads) -> None:
        self._ch = ch
        self._reads = reads

    def projects(self, workspace: str, project_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Trace count, last activity, duration, cost and token totals, per project."""
        if not project_ids:
            return {}
        params = {"ws": workspace, "ids": list(project_ids)}
        traces = latest_rows(
            TRACES,
            _IN_PROJECTS,
            (
                "id",
                "project_id",
                "start_time",
                "end_time",
                "error_info",
                "thread_id",
                "last_updated_at",
            ),
        )
        spans = latest_rows(
            SPANS, _IN_PROJECTS, ("id", "project_id", "usage", "total_estimated_cost")
        )
        out: dict[str, dict[str, Any]] = {pid: _empty_project() for pid in project_ids}
        for row in self._ch.query_dicts(
            "SELECT project_id, count() AS trace_count,"
            " max(last_updated_at) AS last_updated_trace_at,"
            " countIf(error_info != '') AS error_count,"
            " uniqExactIf(thread_id, thread_id != '') AS thread_count,"
            f" quantiles(0.5, 0.9, 0.99)({DURATION_MS}) AS duration"
            f" FROM ({traces}) GROUP BY project_id",
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
            f" FROM ({spans}) GROUP BY project_id",
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
        selection = self._reads.select(TRACES, "traces", query)
        source, params = selection.latest_sql(), selection.params
        (row,) = self._ch.query_dicts(
            "SELECT count() AS n, countIf(error_info != '') AS errors,"
            f" quantiles(0.5, 0.9, 0.99)({DURATION_MS}) AS duration FROM ({source})",
            params,
        )
        stats: list[dict[str, Any]] = [
            {"name": "trace_count", "type": "COUNT", "value": int(row["n"])},
            {"name": "error_count", "type": "COUNT", "value": int(row["errors"])},
            {"name": "duration", "type": "PERCENTAGE", "value": _percentiles(row["duration"])},
        ]
        spans = latest_rows(
            SPANS,
            "workspace_id = {ws:String} AND project_id = {project_id:String}"
            f" AND trace_id IN (SELECT id FROM ({source}))",
            ("id", "usage", "total_estimated_cost"),
        )
        (cost,) = self._ch.query_dicts(
            f"SELECT sum(total_estimated_cost) AS cost, sumMap(usage) AS usage FROM ({spans})",
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
