"""The JSON the views render (``frontend/src/views/types.ts``), from stored or live traces.

:func:`from_stored` takes what the read client returns (``get_trace(id)``, with ``spans``,
and the ``attachments`` that ``Client.files_of`` reads: nodes get theirs as ``attachments``);
:func:`from_live` takes the SDK's in-process ``Trace`` and ``Span`` objects while a cell
runs. Both give ``{"trace": node, "spans": [node...], "live", "elapsed_ms", "omitted"}``,
times in milliseconds from the trace start, every value JSON-safe and every string cut to
:data:`MAX_TEXT` characters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..sdk._call_args import bound
from ..sdk._context import UNSET, Span, Trace
from ..sdk._messages import error_info
from ..sdk._serialize import Limits, to_json
from ._attachment_views import by_entity

MAX_TEXT = 20_000
"""Characters of one string sent to the browser (the view shows 400 and expands)."""
MAX_SPANS = 2_000
"""Spans of one trace sent to the browser; the rest are counted in ``omitted``."""
_LIMITS = Limits(max_bytes=256 * 1024, max_string_chars=MAX_TEXT, max_items=1_000)
_USAGE_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens")

TreeData = dict[str, Any]


# -- stored traces (the backend's JSON) ---------------------------------------------------


def from_stored(trace: Mapping[str, Any]) -> TreeData:
    """The view model of a trace read from the backend (with its ``spans``)."""
    start = _parse_time(trace.get("start_time"))
    spans = list(trace.get("spans") or ())
    spans.sort(key=lambda s: str(s.get("start_time") or ""))
    nodes = [_stored_node(s, start, "span") for s in spans[:MAX_SPANS]]
    root = _stored_node(trace, start, "trace")
    files = by_entity(trace.get("attachments") or ())
    for node in (root, *nodes):
        if node["id"] in files:
            node["attachments"] = files[node["id"]]
    root.update(_trace_fields(trace, nodes))
    root["total_tokens"] = total_tokens(trace.get("usage"))
    if root["total_tokens"] is None:
        root["total_tokens"] = _sum(n["usage"].get("total_tokens") for n in nodes if n["usage"])
    root["total_cost"] = number(trace.get("total_estimated_cost"))
    return {
        "trace": root,
        "spans": nodes,
        "live": False,
        "elapsed_ms": root["duration_ms"] or 0.0,
        "omitted": max(0, len(spans) - MAX_SPANS),
    }


def _stored_node(
    item: Mapping[str, Any], trace_start: dt.datetime | None, kind: str
) -> dict[str, Any]:
    start = _parse_time(item.get("start_time"))
    end = _parse_time(item.get("end_time"))
    duration = number(item.get("duration"))
    if duration is None and start and end:
        duration = (end - start).total_seconds() * 1000
    return {
        "id": str(item.get("id", "")),
        "parent_id": item.get("parent_span_id") if kind == "span" else None,
        "name": text(item.get("name") or kind),
        "type": text(item.get("type") or "general") if kind == "span" else "trace",
        "start_ms": _offset(start, trace_start),
        "duration_ms": duration if end is not None or duration is not None else None,
        "model": _text_or_none(item.get("model")),
        "provider": _text_or_none(item.get("provider")),
        "usage": _usage(item.get("usage")),
        "cost": number(item.get("total_estimated_cost")),
        "input": _json(item.get("input")),
        "output": _json(item.get("output")),
        "metadata": _json(item.get("metadata")),
        "error": _error(item.get("error_info")),
        "scores": scores(item.get("feedback_scores")),
        "tags": [text(t) for t in item.get("tags") or ()],
        **_ttft(item),
    }


def _ttft(item: Mapping[str, Any]) -> dict[str, float]:
    """A streamed LLM call's time to first token (ms), only when the backend has one."""
    ttft = number(item.get("ttft"))
    return {"ttft": ttft} if ttft is not None else {}


def _trace_fields(trace: Mapping[str, Any], nodes: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {
        "project": _text_or_none(trace.get("project_name")),
        "start_time": _text_or_none(trace.get("start_time")),
        "thread_id": _text_or_none(trace.get("thread_id")),
        "span_count": int(trace.get("span_count") or len(nodes)),
    }


# -- live traces (the SDK's objects) ------------------------------------------------------


def from_live(trace: Trace, spans: Iterable[Span], now_ns: int, live: bool = True) -> TreeData:
    """The view model of a trace being traced in this process, as of ``now_ns``."""
    items = sorted(spans, key=lambda s: s.start_ns)
    nodes = [live_node(s, trace.start_ns) for s in items[:MAX_SPANS]]
    root = live_node(trace, trace.start_ns)
    root.update(
        project=trace.project_name,
        start_time=_iso(trace.start_ns),
        thread_id=trace.thread_id,
        span_count=len(items),
        total_tokens=_sum(n["usage"].get("total_tokens") for n in nodes if n["usage"]),
        total_cost=_sum(n["cost"] for n in nodes),
    )
    elapsed = ((trace.end_ns or now_ns) - trace.start_ns) / 1e6
    return {
        "trace": root,
        "spans": nodes,
        "live": live and trace.end_ns is None,
        "elapsed_ms": elapsed,
        "omitted": max(0, len(items) - MAX_SPANS),
    }


def live_node(item: Trace | Span, trace_start_ns: int) -> dict[str, Any]:
    """One trace or span as a view node (its payloads made JSON-safe)."""
    is_span = type(item) is Span
    usage = _usage(getattr(item, "usage", None)) if is_span else None
    return {
        "id": item.id,
        "parent_id": item.parent_span_id if is_span else None,  # type: ignore[union-attr]
        "name": text(item.name),
        "type": text(item.type) if is_span else "trace",  # type: ignore[union-attr]
        "start_ms": (item.start_ns - trace_start_ns) / 1e6,
        "duration_ms": None if item.end_ns is None else (item.end_ns - item.start_ns) / 1e6,
        "model": _text_or_none(getattr(item, "model", None)),
        "provider": _text_or_none(getattr(item, "provider", None)),
        "usage": usage,
        "cost": number(getattr(item, "total_cost", None)),
        "input": _payload(item.input),
        "output": _payload(item.output),
        "metadata": _payload(item.metadata),
        "error": error_info(item.error) if item.error is not None else None,
        "scores": [],
        "tags": [text(t) for t in item.tags or ()],
    }


def _payload(value: Any) -> Any:
    if value is UNSET or value is None:
        return None
    return to_json(bound(value), _LIMITS)


# -- helpers ------------------------------------------------------------------------------


def _parse_time(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _iso(ns: int) -> str:
    return dt.datetime.fromtimestamp(ns / 1e9, dt.UTC).isoformat().replace("+00:00", "Z")


def _offset(start: dt.datetime | None, trace_start: dt.datetime | None) -> float:
    if start is None or trace_start is None:
        return 0.0
    return (start - trace_start).total_seconds() * 1000


def number(value: Any) -> float | None:
    """A finite int or float as a float; anything else (bools, NaN, text) as None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if value == value else None  # noqa: PLR0124 - NaN check


def _sum(values: Iterable[Any]) -> float | None:
    numbers = [n for n in (number(v) for v in values) if n is not None]
    return sum(numbers) if numbers else None


def _usage(usage: Any) -> dict[str, float | None] | None:
    if not isinstance(usage, Mapping) or not usage:
        return None
    out = {key: number(usage.get(key)) for key in _USAGE_KEYS}
    out["total_tokens"] = total_tokens(usage)
    return out


def total_tokens(usage: Any) -> float | None:
    """``total_tokens``, or prompt + completion tokens when only those are given."""
    if not isinstance(usage, Mapping):
        return None
    total = number(usage.get("total_tokens"))
    if total is None:
        total = _sum([usage.get("prompt_tokens"), usage.get("completion_tokens")])
    return total


def _error(info: Any) -> dict[str, str] | None:
    if not info:
        return None
    return error_info(info if isinstance(info, Mapping) else {"message": str(info)})


def scores(items: Any) -> list[dict[str, Any]]:
    """Feedback scores as ``{name, value, reason}`` (entries without a number left out)."""
    out = []
    for score in items or ():
        if isinstance(score, Mapping) and number(score.get("value")) is not None:
            out.append(
                {
                    "name": text(score.get("name", "")),
                    "value": number(score["value"]),
                    "reason": _text_or_none(score.get("reason")),
                }
            )
    return out


def _json(value: Any) -> Any:
    return None if value is None else to_json(value, _LIMITS)


def text(value: Any) -> str:
    """``value`` as a string of at most :data:`MAX_TEXT` characters."""
    text = value if isinstance(value, str) else str(value)
    return text[:MAX_TEXT]


def _text_or_none(value: Any) -> str | None:
    return None if value is None else text(value)
