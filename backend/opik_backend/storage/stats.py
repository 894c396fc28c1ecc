"""Aggregates: per-project totals for project lists, and trace and span statistics."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from .clickhouse import ClickHouse
from .filter_sql import DURATION_MS
from .reads import Query, Reads, Selection, aware
from .rows import SPANS, TRACES
from .split import IN_PROJECT

_LEVELS = "(0.5, 0.9, 0.99)"
_DURATIONS = (
    f"hex(quantilesState{_LEVELS}({DURATION_MS})) AS duration,"
    f" quantiles{_LEVELS}({DURATION_MS}) AS percentiles"
)
_STATE_TYPE = f"AggregateFunction(quantiles{_LEVELS}, Nullable(Float64))"
_BELOW, _ABOVE = "< {w:String}", ">= {w:String}"  # the sealed part and the tail


@dataclasses.dataclass(frozen=True)
class _Totals:
    """Aggregates of one part of a project's traces (below or above its watermark)."""

    count: int
    errors: int
    duration: str  # the hex of a quantiles state
    percentiles: list[float]  # of this part alone
    cost: float
    usage: dict[str, int]
    threads: frozenset[int] = frozenset()  # hashes of thread ids
    last_updated: dt.datetime | None = None
    scores: dict[str, tuple[float, int]] = dataclasses.field(default_factory=dict)


class Stats:
    """Aggregates over a project's traces, split at the project's watermark (see
    :mod:`.split`): the part below it is kept until a write reaches below it, the newest
    traces above it are read again after each write."""

    def __init__(self, ch: ClickHouse, reads: Reads) -> None:
        self._ch = ch
        self._reads = reads
        self._split = reads.split

    def projects(self, workspace: str, project_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Trace count, last activity, duration, cost and token totals, per project."""
        out = {pid: self._project_answer(workspace, pid) for pid in dict.fromkeys(project_ids)}
        return {pid: dict(out[pid]) for pid in project_ids}

    def _project_answer(self, workspace: str, project_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self._split.compute(
            ("project", workspace, project_id),
            workspace,
            project_id,
            lambda w: self._project(workspace, project_id, _BELOW, w),
            lambda w, below: self._project_stats(
                below, self._project(workspace, project_id, _ABOVE, w)
            ),
        )
        return found

    def _project(self, workspace: str, project_id: str, part: str, watermark: str) -> _Totals:
        params = {"ws": workspace, "project_id": project_id, "w": watermark}
        (row,) = self._ch.query_dicts(
            "SELECT count() AS n, max(last_updated_at) AS last_updated,"
            " countIf(error_info != '') AS errors,"
            " groupUniqArrayIf(cityHash64(thread_id), thread_id != '') AS threads,"
            f" {_DURATIONS} FROM traces FINAL WHERE {IN_PROJECT} AND id {part}",
            params,
        )
        (spans,) = self._ch.query_dicts(
            "SELECT sum(total_estimated_cost) AS cost, sumMap(usage) AS usage"
            f" FROM spans FINAL WHERE {IN_PROJECT} AND trace_id {part}",
            params,
        )
        return _Totals(
            count=int(row["n"]),
            errors=int(row["errors"]),
            duration=row["duration"],
            percentiles=row["percentiles"],
            cost=float(spans["cost"] or 0),
            usage={k: int(v) for k, v in spans["usage"].items()},
            threads=frozenset(row["threads"]),
            last_updated=row["last_updated"] if row["n"] else None,
        )

    def _project_stats(self, below: _Totals | None, above: _Totals) -> dict[str, Any]:
        total = _add(below, above)
        stats = _empty_project()
        if not total.count:
            return stats
        count = total.count
        stats.update(
            trace_count=count,
            error_count={"count": total.errors},  # the Opik SDK's shape
            thread_count=_thread_count(below, above),
            last_updated_trace_at=aware(total.last_updated),
            duration=self._percentiles(below, above),
            total_estimated_cost_sum=total.cost,
            usage_sum=total.usage,
            total_estimated_cost=total.cost / count,
            usage={k: v / count for k, v in total.usage.items()},
        )
        return stats

    def traces(self, query: Query) -> list[dict[str, Any]]:
        """Statistics of the traces matching ``query``: count, duration, cost, usage, scores."""
        selection = self._reads.select(TRACES, "traces", query)
        found: list[dict[str, Any]] = self._split.compute(
            ("traces", repr(query)),
            query.workspace,
            query.project_id,
            lambda w: self._trace_part(selection, _BELOW, w),
            lambda w, below: self._trace_stats(below, self._trace_part(selection, _ABOVE, w)),
        )
        return [dict(stat) for stat in found]

    def _trace_part(self, selection: Selection, part: str, watermark: str) -> _Totals:
        """Totals of the selected traces whose id is ``part`` of the watermark."""
        sel = dataclasses.replace(
            selection,
            scope=f"{selection.scope} AND id {part}",
            params={**selection.params, "w": watermark},
        )
        (row,) = self._ch.query_dicts(
            sel.final_sql(f"count() AS n, countIf(error_info != '') AS errors, {_DURATIONS}"),
            sel.params,
        )
        source = sel.final_sql("id")
        (cost,) = self._ch.query_dicts(
            f"SELECT sum(total_estimated_cost) AS cost, sumMap(usage) AS usage FROM spans FINAL"
            f" WHERE {IN_PROJECT} AND trace_id {part} AND trace_id IN ({source})",
            sel.params,
        )
        return _Totals(
            count=int(row["n"]),
            errors=int(row["errors"]),
            duration=row["duration"],
            percentiles=row["percentiles"],
            cost=float(cost["cost"] or 0),
            usage={k: int(v) for k, v in cost["usage"].items()},
            scores=self._score_totals("trace", source, sel.params, f"entity_id {part}"),
        )

    def _trace_stats(self, below: _Totals | None, above: _Totals) -> list[dict[str, Any]]:
        total = _add(below, above)
        count = max(total.count, 1)
        stats: list[dict[str, Any]] = [
            {"name": "trace_count", "type": "COUNT", "value": total.count},
            {"name": "error_count", "type": "COUNT", "value": total.errors},
            {"name": "duration", "type": "PERCENTAGE", "value": self._percentiles(below, above)},
            {"name": "total_estimated_cost", "type": "AVG", "value": total.cost / count},
            {"name": "total_estimated_cost_sum", "type": "AVG", "value": total.cost},
        ]
        stats += [
            {"name": f"usage.{k}", "type": "AVG", "value": v / count}
            for k, v in sorted(total.usage.items())
        ]
        return stats + _score_stats(total.scores)

    def _percentiles(self, below: _Totals | None, above: _Totals) -> dict[str, float] | None:
        """The duration percentiles of both parts (their quantiles states merged)."""
        if below is None:
            return _percentiles(above.percentiles)
        states = [below.duration, above.duration]
        ((values,),) = self._ch.query(
            f"SELECT quantilesMerge{_LEVELS}(CAST(unhex(state) AS {_STATE_TYPE}))"
            " FROM (SELECT arrayJoin({states:Array(String)}) AS state)",
            {"states": states},
        )
        return _percentiles(values)

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
        return stats + _score_stats(self._score_totals("span", source, params))

    def _score_totals(
        self, entity_type: str, source: str, params: dict[str, Any], where: str = "1"
    ) -> dict[str, tuple[float, int]]:
        """Per score name, the sum and count of the newest value on each entity of
        ``source`` (``where`` narrows the entity ids)."""
        return {
            name: (float(total), int(count))
            for name, total, count in self._ch.query(
                "SELECT name, sum(value), count() FROM (SELECT entity_id, name, value"
                f" FROM feedback_scores WHERE workspace_id = {{ws:String}}"
                f" AND entity_type = '{entity_type}' AND {where}"
                f" AND entity_id IN (SELECT id FROM ({source}))"
                " ORDER BY last_updated_at DESC LIMIT 1 BY entity_id, name)"
                " GROUP BY name ORDER BY name",
                params,
            )
        }


def _score_stats(totals: dict[str, tuple[float, int]]) -> list[dict[str, Any]]:
    return [
        {"name": f"feedback_scores.{name}", "type": "AVG", "value": total / count}
        for name, (total, count) in sorted(totals.items())
    ]


def _thread_count(below: _Totals | None, above: _Totals) -> int:
    """Threads with traces in either part (without copying the sealed part's big set)."""
    if below is None:
        return len(above.threads)
    return len(below.threads) + sum(1 for thread in above.threads if thread not in below.threads)


def _add(below: _Totals | None, above: _Totals) -> _Totals:
    """The totals of both parts (the duration state and the threads are the tail's: see
    ``_percentiles`` and ``_thread_count``)."""
    if below is None:
        return above
    usage = dict(below.usage)
    for key, value in above.usage.items():
        usage[key] = usage.get(key, 0) + value
    scores = dict(below.scores)
    for name, (total, count) in above.scores.items():
        before = scores.get(name, (0.0, 0))
        scores[name] = (before[0] + total, before[1] + count)
    last = [t for t in (below.last_updated, above.last_updated) if t is not None]
    return _Totals(
        count=below.count + above.count,
        errors=below.errors + above.errors,
        duration=above.duration,
        percentiles=above.percentiles,
        cost=below.cost + above.cost,
        usage=usage,
        last_updated=max(last) if last else None,
        scores=scores,
    )


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
