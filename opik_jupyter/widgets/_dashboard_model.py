"""What the ``Dashboard`` shows: a project's metrics over a time range, from the backend's
``POST /projects/{id}/metrics`` only (one request per metric).

The view model is plain JSON, the same for the live widget, the panel's section (which
builds it in TypeScript from the same endpoint) and the static HTML::

    {"project", "project_id", "days", "interval", "start", "end",
     "kpis": [{"id", "label", "value", "unit"}],
     "charts": [{"id", "title", "unit", "series": [{"name", "points": [{"t", "v"}]}]}]}

Units: ``count``, ``tokens``, ``usd``, ``ms``, ``percent``, ``score``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ..sdk._project_metrics import project_id, project_metric
from ..sdk._rest import RestClient

Model = dict[str, Any]
Series = list[dict[str, Any]]

CHARTS: tuple[tuple[str, str, str, str], ...] = (
    ("traces", "Traces", "TRACE_COUNT", "count"),
    ("tokens", "Tokens", "TOKEN_USAGE", "tokens"),
    ("cost", "Cost", "COST", "usd"),
    ("latency", "Latency", "DURATION", "ms"),
    ("errors", "Error rate", "TRACE_ERROR_RATE", "percent"),
    ("scores", "Feedback scores", "FEEDBACK_SCORES", "score"),
)
"""Each chart: id, title, metric type, unit."""
LATENCY = ("p50", "p95", "p99")
TOTALS = ("DURATION", "FEEDBACK_SCORES")
"""Metrics also read over the whole range (``TOTAL``), for the totals."""
TOKEN_ORDER = ("prompt_tokens", "completion_tokens", "total_tokens")


def interval_for(days: float) -> str:
    """Hourly buckets up to two days, daily up to 90, weekly beyond."""
    if days <= 2:
        return "HOURLY"
    return "DAILY" if days <= 90 else "WEEKLY"


def build(
    client: RestClient,
    project: str,
    days: float = 7,
    *,
    interval: str | None = None,
    now: dt.datetime | None = None,
) -> Model:
    """The dashboard of ``project`` (a name) over the last ``days`` days."""
    if days <= 0:
        raise ValueError(f"days must be positive, got {days!r}")
    end = now or dt.datetime.now(dt.UTC)
    start = end - dt.timedelta(days=days)
    interval = (interval or interval_for(days)).upper()
    found = project_id(client, project)
    meta: Model = {
        "project": project,
        "project_id": found,
        "days": days,
        "interval": interval,
        "start": _iso(start),
        "end": _iso(end),
    }
    raw: dict[str, Series] = {}
    if found is not None:  # a project nothing was logged to yet has no metrics
        for _, _, metric, _ in CHARTS:
            raw[metric] = project_metric(client, found, metric, interval, start, end)
        if any(p.get("value") for r in raw["TRACE_COUNT"] for p in r.get("data") or []):
            for metric in TOTALS:
                raw[f"TOTAL_{metric}"] = project_metric(client, found, metric, "TOTAL", start, end)
    return model(meta, raw)


def model(meta: Model, raw: dict[str, Series]) -> Model:
    """The view model from the endpoint's answers: ``raw`` maps each metric type to its
    ``results`` (``TOTAL_DURATION`` and ``TOTAL_FEEDBACK_SCORES``: the whole range's).
    ``frontend/src/views/dashboard_model.ts`` does the same; a fixture pins both."""
    charts = [_chart(chart, raw.get(chart[2]) or []) for chart in CHARTS]
    return {**meta, "kpis": kpis(charts, raw) if meta.get("project_id") else [], "charts": charts}


def _chart(chart: tuple[str, str, str, str], results: Series) -> Model:
    chart_id, title, _, unit = chart
    series = [
        {"name": _label(chart_id, r["name"]), "points": [_point(p) for p in r.get("data") or []]}
        for r in results
    ]
    return {"id": chart_id, "title": title, "unit": unit, "series": _ordered(chart_id, series)}


def _label(chart_id: str, name: str) -> str:
    return name.rpartition(".")[2] if chart_id == "latency" else name


def _ordered(chart_id: str, series: Series) -> Series:
    if chart_id == "latency":
        by_name = {s["name"]: s for s in series}
        return [by_name[p] for p in LATENCY if p in by_name]
    if chart_id == "tokens":
        rank = {name: i for i, name in enumerate(TOKEN_ORDER)}
        return sorted(series, key=lambda s: (rank.get(s["name"], len(rank)), s["name"]))
    return sorted(series, key=lambda s: s["name"])


def _point(point: dict[str, Any]) -> dict[str, Any]:
    return {"t": point["time"], "v": point.get("value")}


def kpis(charts: Sequence[Model], raw: dict[str, Series]) -> list[Model]:
    """The range's totals: traces, tokens, cost, error rate (from the buckets), and the
    latency p50 and each score's mean over the whole range (``TOTAL`` requests)."""
    by_id = {c["id"]: c for c in charts}
    counts = _values(by_id["traces"], "traces")
    traces = sum(v or 0 for v in counts.values())
    rates = _values(by_id["errors"], "trace_error_rate")
    errors = sum((rates.get(t) or 0) * (n or 0) / 100 for t, n in counts.items())
    tokens = by_id["tokens"]["series"]
    total_tokens = next((s for s in tokens if s["name"] == "total_tokens"), None)
    token_sum = sum(
        p["v"] or 0 for s in ([total_tokens] if total_tokens else tokens) for p in s["points"]
    )
    cost = sum(p["v"] or 0 for s in by_id["cost"]["series"] for p in s["points"])
    out: list[Model] = [
        {"id": "traces", "label": "Traces", "value": traces, "unit": "count"},
        {"id": "tokens", "label": "Tokens", "value": token_sum, "unit": "tokens"},
        {"id": "cost", "label": "Cost", "value": cost, "unit": "usd"},
        {
            "id": "errors",
            "label": "Error rate",
            "value": 100 * errors / traces if traces else None,
            "unit": "percent",
        },
    ]
    if not traces:
        return out
    duration = {r["name"]: r["data"] for r in raw.get("TOTAL_DURATION") or []}
    p50 = (duration.get("duration.p50") or [{}])[0].get("value")
    out.append({"id": "p50", "label": "Latency p50", "value": p50, "unit": "ms"})
    for result in sorted(raw.get("TOTAL_FEEDBACK_SCORES") or [], key=lambda r: r["name"]):
        mean = (result.get("data") or [{}])[0].get("value")
        name = result["name"]
        out.append({"id": f"score:{name}", "label": name, "value": mean, "unit": "score"})
    return out


def _values(chart: Model, name: str) -> dict[str, Any]:
    for series in chart["series"]:
        if series["name"] == name:
            return {p["t"]: p["v"] for p in series["points"]}
    return {}


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
