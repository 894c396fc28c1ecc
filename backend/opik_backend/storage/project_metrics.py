"""Project metrics over time buckets (Opik's ``POST /projects/{id}/metrics``), one query each.

A trace, span or thread falls in the bucket of its id's time (ids are UUID v7, as in Opik),
so the id range of ``[start, end]`` bounds what ClickHouse reads. Hourly, daily and weekly
buckets are filled from the start's bucket up to the end (``WITH FILL``): counts and rates
read 0 where nothing happened, sums, averages and percentiles ``None``. ``TOTAL`` is one
bucket at the start.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Sequence
from typing import Any, Literal

from .clickhouse import ClickHouse
from .filter_sql import DURATION_MS, Filter
from .reads import Query, Reads, aware
from .rows import SPANS, TRACES, Table

Interval = Literal["HOURLY", "DAILY", "WEEKLY", "TOTAL"]
STEPS: dict[str, str] = {
    "HOURLY": "toIntervalHour(1)",
    "DAILY": "toIntervalDay(1)",
    "WEEKLY": "toIntervalWeek(1)",
}
TIME = "UUIDv7ToDateTime(toUUID(id))"
_PARAM_TIME = "toDateTime({{{}:DateTime64(6, 'UTC')}}, 'UTC')"
_COST = "total_estimated_cost"
_QUANTILES = "quantiles(0.5, 0.9, 0.95, 0.99)"  # p95 beyond Opik's three
_SCORE_MEAN = "toNullable(avg(value))"  # empty buckets read None, not 0
_ERROR_RATE = "if(count() = 0, 0, countIf(error_info != '') * 100.0 / count())"


@dataclasses.dataclass(frozen=True)
class MetricRequest:
    """What one metric request asks for, checked by the handler."""

    workspace: str
    project_id: str
    metric_type: str
    interval: Interval
    start: dt.datetime
    end: dt.datetime
    trace_filters: Sequence[Filter] = ()
    span_filters: Sequence[Filter] = ()


@dataclasses.dataclass(frozen=True)
class _Metric:
    """How one metric type is computed: its source, value expression and series names."""

    source: Literal["traces", "spans", "threads"]
    value: str
    name: str | None = None  # one series; None: the query's ``name`` column names each
    kind: Literal["plain", "percentiles", "usage", "scores", "cost"] = "plain"


METRICS: dict[str, _Metric] = {
    "TRACE_COUNT": _Metric("traces", "count()", "traces"),
    "DURATION": _Metric("traces", f"{_QUANTILES}({DURATION_MS})", "duration", "percentiles"),
    "TRACE_AVERAGE_DURATION": _Metric("traces", f"avg({DURATION_MS})", "trace_average_duration"),
    "TRACE_ERROR_RATE": _Metric("traces", _ERROR_RATE, "trace_error_rate"),
    "COST": _Metric("traces", f"sum({_COST})", "cost", "cost"),
    "TOKEN_USAGE": _Metric("traces", "sum(value)", None, "usage"),
    "FEEDBACK_SCORES": _Metric("traces", _SCORE_MEAN, None, "scores"),
    "SPAN_COUNT": _Metric("spans", "count()", "spans"),
    "SPAN_DURATION": _Metric(
        "spans", f"{_QUANTILES}({DURATION_MS})", "span_duration", "percentiles"
    ),
    "SPAN_AVERAGE_DURATION": _Metric("spans", f"avg({DURATION_MS})", "span_average_duration"),
    "SPAN_ERROR_RATE": _Metric("spans", _ERROR_RATE, "span_error_rate"),
    "SPAN_COST": _Metric("spans", f"sum({_COST})", "span_cost"),
    "SPAN_TOKEN_USAGE": _Metric("spans", "sum(value)", None, "usage"),
    "SPAN_FEEDBACK_SCORES": _Metric("spans", _SCORE_MEAN, None, "scores"),
    "THREAD_COUNT": _Metric("threads", "count()", "threads"),
    "THREAD_DURATION": _Metric(
        "threads", f"{_QUANTILES}(duration)", "thread_duration", "percentiles"
    ),
    "THREAD_AVERAGE_DURATION": _Metric("threads", "avg(duration)", "thread_average_duration"),
    "THREAD_COST": _Metric("threads", f"sum({_COST})", "thread_cost", "cost"),
    "THREAD_FEEDBACK_SCORES": _Metric("threads", _SCORE_MEAN, None, "scores"),
}
PERCENTILES = ("p50", "p90", "p95", "p99")
NO_DATA = frozenset({"GUARDRAILS_FAILED_COUNT"})
"""Metric types this backend stores nothing for (guardrails are left out): no series."""
METRIC_TYPES = (*METRICS, *NO_DATA)


def id_bound(moment: dt.datetime, upper: bool) -> str:
    """The smallest (or largest) UUID v7 text of ``moment``'s millisecond."""
    millis = f"{int(moment.timestamp() * 1000):012x}"
    tail = "-7fff-bfff-ffffffffffff" if upper else "-7000-8000-000000000000"
    return f"{millis[:8]}-{millis[8:]}{tail}"


class ProjectMetrics:
    """The metric series of one project."""

    def __init__(self, ch: ClickHouse, reads: Reads) -> None:
        self._ch = ch
        self._reads = reads

    def series(self, req: MetricRequest) -> list[dict[str, Any]]:
        """``[{"name", "data": [{"time", "value"}]}]`` for the request's metric."""
        if req.metric_type in NO_DATA:
            return []
        metric = METRICS[req.metric_type]
        params: dict[str, Any] = {
            "ws": req.workspace,
            "project_id": req.project_id,
            "from_id": id_bound(req.start, upper=False),
            "to_id": id_bound(req.end, upper=True),
            "start": req.start,
            "end": req.end,
        }
        source = _SOURCES[metric.source](self, req, params)
        rows = self._ch.query_dicts(_query(metric, source, req), params)
        return _results(metric, rows)

    # -- what the buckets count: rows with a ``t`` (bucket time) column ------------------

    def _selection(self, table: Table, req: MetricRequest, params: dict[str, Any]) -> str:
        entity: Literal["traces", "spans"] = "traces" if table is TRACES else "spans"
        filters = req.trace_filters if table is TRACES else req.span_filters
        sel = self._reads.select(table, entity, Query(req.workspace, req.project_id, filters))
        params.update(sel.params)
        needed = ("id", "start_time", "end_time", "error_info", "last_updated_at")
        extra = ("thread_id",) if table is TRACES else ("usage", _COST)
        sel = dataclasses.replace(
            sel,
            scope=sel.scope + " AND id >= {from_id:String} AND id <= {to_id:String}",
            columns=sel.columns if sel.filtered else needed + extra,
        )
        return f"SELECT *, {TIME} AS t FROM ({sel.latest_sql()})"

    def _traces(self, req: MetricRequest, params: dict[str, Any]) -> str:
        return self._selection(TRACES, req, params)

    def _spans(self, req: MetricRequest, params: dict[str, Any]) -> str:
        return self._selection(SPANS, req, params)

    def _threads(self, req: MetricRequest, params: dict[str, Any]) -> str:
        traces = self._selection(TRACES, req, params)
        return (
            "SELECT thread_id AS id, min(t) AS t, groupArray(id) AS trace_ids,"
            " dateDiff('microsecond', min(start_time), max(end_time)) / 1000.0 AS duration"
            f" FROM ({traces}) WHERE thread_id != '' GROUP BY thread_id"
        )


_SOURCES: dict[str, Callable[[ProjectMetrics, MetricRequest, dict[str, Any]], str]] = {
    "traces": ProjectMetrics._traces,
    "spans": ProjectMetrics._spans,
    "threads": ProjectMetrics._threads,
}


def _spans_of(trace_ids: str) -> str:
    """The newest version of the project's spans whose trace is in ``trace_ids`` (SQL)."""
    return (
        "SELECT trace_id, usage, total_estimated_cost FROM spans"
        " WHERE workspace_id = {ws:String} AND project_id = {project_id:String}"
        f" AND trace_id IN ({trace_ids})"
        " ORDER BY id DESC, last_updated_at DESC LIMIT 1 BY id"
    )


def _scores(entity_type: str, entity_ids: str) -> str:
    """The newest value of each score name on the entities ``entity_ids`` (SQL)."""
    return (
        "SELECT entity_id, name, value FROM feedback_scores"
        f" WHERE workspace_id = {{ws:String}} AND entity_type = '{entity_type}'"
        f" AND entity_id IN ({entity_ids})"
        + (" AND project_id = {project_id:String}" if entity_type == "thread" else "")
        + " ORDER BY last_updated_at DESC LIMIT 1 BY entity_id, name"
    )


def _rows(metric: _Metric, source: str) -> str:
    """The rows the metric aggregates, each with its bucket time ``t``."""
    if metric.kind == "cost" and metric.source == "threads":
        return (
            f"SELECT th.t AS t, s.{_COST} AS {_COST} FROM ({source}) AS th"
            " ARRAY JOIN th.trace_ids AS trace_id"
            f" JOIN ({_spans_of(f'SELECT arrayJoin(trace_ids) FROM ({source})')}) AS s"
            " ON s.trace_id = trace_id"
        )
    if metric.kind in ("cost", "usage") and metric.source == "traces":
        spans = _spans_of(f"SELECT id FROM ({source})")
        source = (
            f"SELECT tr.t AS t, s.usage AS usage, s.{_COST} AS {_COST} FROM ({source}) AS tr"
            f" JOIN ({spans}) AS s ON s.trace_id = tr.id"
        )
    if metric.kind == "usage":
        return (
            f"SELECT t, name, value FROM ({source})"
            " ARRAY JOIN mapKeys(usage) AS name, mapValues(usage) AS value WHERE value > 0"
        )
    if metric.kind == "scores":
        entity = metric.source.rstrip("s")
        scores = _scores(entity, f"SELECT id FROM ({source})")
        return (
            f"SELECT e.t AS t, fs.name AS name, fs.value AS value FROM ({scores}) AS fs"
            f" JOIN ({source}) AS e ON toString(e.id) = fs.entity_id"
        )
    return source


def _query(metric: _Metric, source: str, req: MetricRequest) -> str:
    named = metric.name is None
    if req.interval == "TOTAL":
        bucket, fill = _PARAM_TIME.format("start"), ""
    else:
        step = STEPS[req.interval]
        bucket = _start_of(f"t, {step}", req.interval)
        start = _start_of(f"{_PARAM_TIME.format('start')}, {step}", req.interval)
        fill = f" WITH FILL FROM {start} TO {_PARAM_TIME.format('end')} STEP {step}"
    keys = "name, bucket" if named else "bucket"
    return (
        f"SELECT {'name, ' if named else ''}{bucket} AS bucket, {metric.value} AS value"
        f" FROM ({_rows(metric, source)}) GROUP BY {keys} ORDER BY {keys}{fill}"
    )


def _start_of(args: str, interval: str) -> str:
    """The bucket of a time (a DateTime; weeks start on Monday, as Opik's)."""
    start = f"toStartOfInterval({args})"
    return f"toDateTime({start}, 'UTC')" if interval == "WEEKLY" else start


def _results(metric: _Metric, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    series: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        time = aware(row["bucket"])
        for name, value in _points(metric, row):
            series.setdefault(name, []).append({"time": time, "value": value})
    return [{"name": name, "data": data} for name, data in series.items()]


def _points(metric: _Metric, row: dict[str, Any]) -> list[tuple[str, Any]]:
    value = row["value"]
    if metric.kind == "percentiles":
        values = list(value or [])
        return [
            (f"{metric.name}.{p}", _number(values[i]) if i < len(values) else None)
            for i, p in enumerate(PERCENTILES)
        ]
    name = metric.name or row["name"]
    return [(name, _number(value))]


def _number(value: Any) -> int | float | None:
    if value is None or isinstance(value, int):
        return value
    number = float(value)
    return None if math.isnan(number) or math.isinf(number) else number


def token_usage_names(ch: ClickHouse, workspace: str, project_id: str) -> list[str]:
    """The usage keys (``prompt_tokens``...) with a positive count in the project's spans."""
    rows = ch.query(
        "SELECT DISTINCT name FROM spans"
        " ARRAY JOIN mapKeys(usage) AS name, mapValues(usage) AS value"
        " WHERE workspace_id = {ws:String} AND project_id = {project_id:String} AND value > 0"
        " ORDER BY name",
        {"ws": workspace, "project_id": project_id},
    )
    return [row[0] for row in rows]
