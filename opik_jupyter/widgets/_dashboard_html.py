"""Static HTML and text of the ``Dashboard``, for exported and saved notebooks: the range's
totals, then one table row per time bucket with every chart's values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._format import cost_text, esc
from ._html import duration_text

_TABLE = "font-family:system-ui,sans-serif;font-size:13px;border-collapse:collapse"
_CELL = "padding:3px 8px;border-bottom:1px solid rgba(128,128,128,0.35);text-align:right"
_KPI = (
    "display:inline-block;margin:0 16px 6px 0;padding:4px 10px;"
    "border:1px solid rgba(128,128,128,0.35);border-radius:6px"
)


def value_text(value: Any, unit: str) -> str:
    """A metric value in its unit (``$0.0012``, ``1.20 s``, ``3.5%``); a dash for none."""
    if value is None:
        return "\u2013"
    if unit == "usd":
        return cost_text(value)
    if unit == "ms":
        return duration_text(value)
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "score":
        return f"{value:.2f}"
    return f"{int(value):,}"


def range_text(data: Mapping[str, Any]) -> str:
    days = data.get("days")
    span = f"last {days:g} day{'s' if days != 1 else ''}" if isinstance(days, int | float) else ""
    return f"{span} · {str(data.get('interval', '')).lower()}"


def dashboard_html(data: Mapping[str, Any]) -> str:
    """Totals as cards, then a table: one row per bucket, one column per series."""
    kpis = "".join(
        f'<span style="{_KPI}"><span style="opacity:0.7">{esc(k["label"])}</span> '
        f"<b>{esc(value_text(k['value'], k['unit']))}</b></span>"
        for k in data.get("kpis") or ()
    )
    columns = _columns(data.get("charts") or ())
    title = (
        f'<div style="font-weight:600;margin-bottom:6px">Dashboard · {esc(data.get("project"))}'
        f' <span style="font-weight:400;opacity:0.7">{esc(range_text(data))}</span></div>'
    )
    if not any(v for _, _, values in columns for v in values.values()):
        body = f"<div>No traces in {esc(data.get('project'))} in this range.</div>"
        return f'<div class="opik-dashboard-static">{title}{kpis}{body}</div>'
    times = sorted({t for _, _, values in columns for t in values})
    head = "".join(f'<th style="{_CELL}">{esc(label)}</th>' for label, _, _ in columns)
    rows = "".join(
        f'<tr><td style="{_CELL};text-align:left">{esc(_bucket(t, data))}</td>'
        + "".join(
            f'<td style="{_CELL}">{esc(value_text(values.get(t), unit))}</td>'
            for _, unit, values in columns
        )
        + "</tr>"
        for t in times
    )
    table = (
        f'<table style="{_TABLE}"><thead><tr><th style="{_CELL};text-align:left">time (UTC)</th>'
        f"{head}</tr></thead><tbody>{rows}</tbody></table>"
    )
    return f'<div class="opik-dashboard-static">{title}<div>{kpis}</div>{table}</div>'


def _columns(charts: Sequence[Mapping[str, Any]]) -> list[tuple[str, str, dict[str, Any]]]:
    """(header, unit, {time: value}) per series of every chart."""
    out = []
    for chart in charts:
        for series in chart["series"]:
            label = chart["title"] if len(chart["series"]) == 1 else series["name"]
            if chart["id"] == "latency":
                label = f"latency {series['name']}"
            out.append((label, chart["unit"], {p["t"]: p["v"] for p in series["points"]}))
    return out


def _bucket(time: str, data: Mapping[str, Any]) -> str:
    day = time[:10]
    return f"{day} {time[11:16]}" if data.get("interval") == "HOURLY" else day


def dashboard_text(data: Mapping[str, Any]) -> str:
    lines = [f"Dashboard({data.get('project')!r}, {range_text(data)})"]
    lines += [
        f"  {k['label']}: {value_text(k['value'], k['unit'])}" for k in data.get("kpis") or ()
    ]
    return "\n".join(lines)
