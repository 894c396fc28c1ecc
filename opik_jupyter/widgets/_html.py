"""Static HTML of the views, for exported notebooks (nbviewer, GitHub, HTML export).

It travels as the ``text/html`` part of each widget's MIME bundle. Every string that comes
from a trace goes through :func:`html.escape`; only the markup written here is markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._attachment_views import static_html as attachments_html
from ._format import cost_text, esc
from ._html_io import payloads_html

_STYLE = "font-family:system-ui,sans-serif;font-size:13px;border-collapse:collapse;min-width:60%"
_CELL = "padding:2px 8px;border-bottom:1px solid rgba(128,128,128,0.35);text-align:left"
_COLORS = {"llm": "#8250df", "tool": "#1a7f37", "guardrail": "#bc4c00", "trace": "#57606a"}

UNSTORED = {"spilled": "spilled · not yet stored", "pending": "not yet stored"}
"""What a finished tree says while its trace is not in the backend (``data["delivery"]``)."""


def tree_html(data: Mapping[str, Any]) -> str:
    """The span tree of a trace as a table, with its input and output below."""
    trace = data.get("trace")
    if not trace:
        return "<div>no trace</div>"
    total = max(float(data.get("elapsed_ms") or 0), float(trace.get("duration_ms") or 0), 1.0)
    nodes = list(walk(trace, data["spans"]))
    rows = "".join(_tree_row(node, depth, total) for node, depth in nodes)
    head = "".join(
        f'<th style="{_CELL}">{h}</th>'
        for h in ("span", "type", "model", "tokens", "cost", "duration", "timeline")
    )
    unstored = "" if data.get("live") else UNSTORED.get(str(data.get("delivery")), "")
    status = "running" if data.get("live") else "error" if trace.get("error") else ""
    facts = [
        status or ("" if unstored else "ok"),
        unstored,
        duration_text(trace.get("duration_ms")),
        f"{len(data['spans'])} spans",
        f"{_int(trace['total_tokens'])} tokens" if trace.get("total_tokens") else "",
        f"cost {cost_text(trace.get('total_cost'))}" if trace.get("total_cost") else "",
    ]
    return (
        f'<div class="opik-trace-static" style="font-family:system-ui,sans-serif;font-size:13px">'
        f'<div style="font-weight:600">'
        f'{esc(trace["name"])} <span style="font-weight:400">'
        f"({esc(', '.join(f for f in facts if f))})</span></div>"
        f'<table style="{_STYLE}"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>'
        f"</table>{payloads_html([node for node, _ in nodes])}"
        f"{attachments_html([trace, *data['spans']])}</div>"
    )


def walk(
    trace: Mapping[str, Any], spans: Sequence[Mapping[str, Any]]
) -> Iterable[tuple[Mapping[str, Any], int]]:
    ids = {s["id"] for s in spans}
    children: dict[str, list[Mapping[str, Any]]] = {}
    for span in spans:
        parent = span.get("parent_id") if span.get("parent_id") in ids else trace["id"]
        children.setdefault(str(parent), []).append(span)
    stack: list[tuple[Mapping[str, Any], int]] = [(trace, 0)]
    seen: set[str] = set()
    while stack:
        node, depth = stack.pop()
        if node["id"] in seen:
            continue
        seen.add(node["id"])
        yield node, depth
        kids = sorted(children.get(node["id"], ()), key=lambda s: s.get("start_ms", 0))
        stack.extend((kid, depth + 1) for kid in reversed(kids))


def _tree_row(node: Mapping[str, Any], depth: int, total: float) -> str:
    usage = node.get("usage") or {}
    error = node.get("error")
    color = "color:#d1242f;" if error else ""
    name = esc(node["name"]) + (
        f" <b>[{esc(error.get('exception_type'))}: {esc(error.get('message'))}]</b>"
        if error
        else ""
    )
    scores = " ".join(f"{esc(s['name'])}={esc(s['value'])}" for s in node.get("scores") or ())
    cells = [
        f'<span style="padding-left:{depth * 16}px;{color}">{name}</span> {scores}',
        esc(node.get("type")),
        esc(node.get("model") or ""),
        esc(_int(usage.get("total_tokens"))),
        esc(cost_text(node.get("cost"))),
        esc(duration_text(node.get("duration_ms"))),
        _bar(node, total),
    ]
    return "<tr>" + "".join(f'<td style="{_CELL}">{cell}</td>' for cell in cells) + "</tr>"


def _bar(node: Mapping[str, Any], total: float) -> str:
    start = max(0.0, float(node.get("start_ms") or 0))
    duration = node.get("duration_ms")
    end = total if duration is None else start + float(duration)
    left = min(start / total * 100, 99.5)
    width = max(min((end - start) / total * 100, 100 - left), 0.5)
    color = _COLORS.get(str(node.get("type")), "#0969da")
    return (
        f'<div style="position:relative;width:160px;height:10px;background:rgba(128,128,128,0.2)">'
        f'<div style="position:absolute;left:{left:.2f}%;width:{width:.2f}%;top:0;'
        f'bottom:0;background:{color}"></div></div>'
    )


def table_html(project: str, rows: Sequence[Mapping[str, Any]], page: int, total: int) -> str:
    """A page of traces as a table."""
    head = "".join(
        f'<th style="{_CELL}">{h}</th>'
        for h in ("name", "start", "duration", "tokens", "cost", "scores", "error")
    )
    body = (
        "".join(_table_row(row) for row in rows)
        or f'<tr><td style="{_CELL}" colspan="7">no traces</td></tr>'
    )
    return (
        f'<div class="opik-traces-static"><div style="font-weight:600">Traces · '
        f"{esc(project)} (page {page}, {total} in all)</div>"
        f'<table style="{_STYLE}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody>'
        f"</table></div>"
    )


def _table_row(row: Mapping[str, Any]) -> str:
    scores = " ".join(f"{esc(s['name'])}={esc(s['value'])}" for s in row.get("scores") or ())
    cells = [
        esc(row.get("name")),
        esc(row.get("start_time") or ""),
        esc(duration_text(row.get("duration_ms"))),
        esc(_int(row.get("total_tokens"))),
        esc(cost_text(row.get("cost"))),
        scores,
        "error" if row.get("error") else "",
    ]
    return "<tr>" + "".join(f'<td style="{_CELL}">{cell}</td>' for cell in cells) + "</tr>"


def duration_text(ms: Any) -> str:
    if ms is None:
        return "running"
    ms = float(ms)
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.2f} s"


def _int(value: Any) -> str:
    return "" if value is None else f"{int(value)}"
