"""Static HTML and text of the experiment table and the score chart, for exported notebooks.

Every string from a dataset item, an output or a reason goes through ``html.escape``
(:func:`esc`); only the markup written here is markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...widgets._html import esc

_TABLE = "font-family:system-ui,sans-serif;font-size:13px;border-collapse:collapse"
_CELL = (
    "padding:3px 8px;border-bottom:1px solid rgba(128,128,128,0.35);text-align:left;"
    "vertical-align:top;min-width:14ch;max-width:360px;white-space:pre-wrap;"
    "overflow-wrap:break-word"
)
# translucent shades over the page's own background, so the text keeps the theme's colour
_MARKS = {
    "regression": "background:rgba(209,36,47,0.2);font-weight:600",
    "improvement": "background:rgba(26,127,55,0.2)",
    "": "",
}
_BAR = "#0969da"


def classify(
    value: float | None, base: float | None, lower_is_better: bool, threshold: float = 0.0
) -> str:
    """``regression``, ``improvement`` or ``""`` for a score against the baseline's."""
    if value is None or base is None:
        return ""
    change = base - value if lower_is_better else value - base
    if change < -threshold:
        return "regression"
    return "improvement" if change > threshold else ""


def _number(value: Any) -> str:
    return "-" if value is None else f"{float(value):.3g}"


def _cells(values: Sequence[str], tag: str = "td", style: str = _CELL) -> str:
    return "".join(f'<{tag} style="{style}">{value}</{tag}>' for value in values)


# -- the experiment table -------------------------------------------------------------------


def table_html(data: Mapping[str, Any], baseline: str | None, threshold: float = 0.0) -> str:
    """Items as rows; per experiment its output and scores, regressions shaded."""
    experiments = data.get("experiments") or []
    head = _cells(
        [
            "#",
            "item",
            *(esc(e["name"]) + (" (baseline)" if e["id"] == baseline else "") for e in experiments),
        ],
        "th",
    )
    body = "".join(_table_row(row, data, baseline, threshold) for row in data.get("rows") or ())
    omitted = data.get("omitted") or 0
    more = f"<div>{omitted} more items not shown</div>" if omitted else ""
    return (
        f'<div class="opik-experiments-static"><div style="font-weight:600">Experiments · '
        f"{esc(data.get('dataset'))} ({len(data.get('rows') or ())} items)</div>"
        f'<table style="{_TABLE}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody>'
        f"</table>{more}</div>"
    )


def _table_row(
    row: Mapping[str, Any], data: Mapping[str, Any], baseline: str | None, threshold: float
) -> str:
    fields = "<br>".join(f"<b>{esc(f['name'])}</b>: {esc(f['text'])}" for f in row["fields"])
    base = row["runs"].get(baseline or "") or {}
    cells = [esc(row["index"]), fields]
    for experiment in data.get("experiments") or ():
        run = row["runs"].get(experiment["id"])
        cells.append(
            _run_cell(run, base if experiment["id"] != baseline else {}, data, threshold)
            if run
            else "<i>not run</i>"
        )
    return f"<tr>{_cells(cells)}</tr>"


def _run_cell(
    run: Mapping[str, Any], base: Mapping[str, Any], data: Mapping[str, Any], threshold: float
) -> str:
    lower = set(data.get("lower_is_better") or ())
    parts = [
        f'<div style="color:#d1242f">{esc(run["error"])}</div>'
        if run.get("error")
        else f"<div>{esc(run['output'])}</div>"
    ]
    for name, value in sorted(run["scores"].items()):
        before = (base.get("scores") or {}).get(name)
        mark = classify(value, before, name in lower, threshold)
        change = "" if before is None else f" ({value - before:+.3g})"
        parts.append(
            f'<span style="{_MARKS[mark]};padding:0 4px;white-space:nowrap">'
            f"{esc(name)} {_number(value)}{change}</span>"
        )
    parts += [
        f'<span style="color:#d1242f">{esc(name)}: failed ({esc(why)})</span>'
        for name, why in sorted(run["errors"].items())
    ]
    return " ".join(parts)


def table_text(data: Mapping[str, Any]) -> str:
    names = ", ".join(e["name"] for e in data.get("experiments") or ())
    return (
        f"ExperimentTable({data.get('dataset')!r}: {len(data.get('rows') or ())} items, "
        f"experiments {names})"
    )


# -- the score chart ------------------------------------------------------------------------


def chart_html(data: Mapping[str, Any]) -> str:
    """Per metric a table of experiments with mean, count and a histogram of bars; then the
    metric means over the dataset's runs."""
    parts = [_metric_table(metric) for metric in data.get("metrics") or ()]
    history = data.get("history") or []
    if history:
        parts.append(_history_table(history))
    body = "".join(parts) or "<div>no scores</div>"
    return (
        f'<div class="opik-scores-static"><div style="font-weight:600">Scores · '
        f"{esc(data.get('dataset'))}</div>{body}</div>"
    )


def _metric_table(metric: Mapping[str, Any]) -> str:
    low, high = metric["range"]
    rows = "".join(
        "<tr>"
        + _cells(
            [
                esc(e["name"]),
                _number(e["mean"]),
                esc(e["count"]),
                esc(e["failed"]),
                _bars(e["bins"]),
            ]
        )
        + "</tr>"
        for e in metric["experiments"]
    )
    head = _cells(["experiment", "mean", "n", "failed", f"distribution {low:g} to {high:g}"], "th")
    return (
        f'<div style="margin-top:6px;font-weight:600">{esc(metric["name"])}</div>'
        f'<table style="{_TABLE}"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>'
        "</table>"
    )


def _bars(bins: Sequence[int]) -> str:
    top = max(bins) if bins and max(bins) else 1
    bars = "".join(
        f'<div style="display:inline-block;width:8px;margin-right:1px;'
        f'height:{max(1, round(24 * count / top))}px;background:{_BAR}"></div>'
        for count in bins
    )
    return f'<div style="display:flex;align-items:flex-end;height:24px">{bars}</div>'


def _history_table(history: Sequence[Mapping[str, Any]]) -> str:
    names = sorted({name for run in history for name in run["scores"]})
    head = _cells(["run", "created", *map(esc, names)], "th")
    rows = "".join(
        "<tr>"
        + _cells(
            [
                esc(run["name"]),
                esc(run.get("created_at") or ""),
                *(_number(run["scores"].get(n)) for n in names),
            ]
        )
        + "</tr>"
        for run in history
    )
    return (
        f'<div style="margin-top:6px;font-weight:600">Over runs</div><table '
        f'style="{_TABLE}"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
    )


def chart_text(data: Mapping[str, Any]) -> str:
    lines = [f"ScoreChart({data.get('dataset')!r})"]
    for metric in data.get("metrics") or ():
        means = ", ".join(f"{e['name']}={_number(e['mean'])}" for e in metric["experiments"])
        lines.append(f"  {metric['name']}: {means}")
    return "\n".join(lines)
