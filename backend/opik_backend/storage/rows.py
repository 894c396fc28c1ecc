"""Storage rows of traces and spans: built from request bodies, patched, merged.

A row is a dict of column values ready for a JSONEachRow insert. ``input``, ``output``,
``metadata`` and ``error_info`` hold JSON text ("" when absent). Timestamps are naive UTC.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

import msgspec
from msgspec import UNSET

from .. import pricing
from ..codec import encode
from ..errors import ValidationFailed
from ..schemas import (
    INT64_MAX,
    FeedbackScore,
    JsonField,
    SpanUpdate,
    SpanWrite,
    TraceUpdate,
    TraceWrite,
)

Row = dict[str, Any]
ONE_MICROSECOND = dt.timedelta(microseconds=1)


@dataclasses.dataclass(frozen=True)
class Table:
    """A ClickHouse table of versioned rows: the newest ``last_updated_at`` per key wins."""

    name: str
    columns: tuple[str, ...]


_COMMON = (
    "workspace_id",
    "project_id",
    "id",
    "name",
    "start_time",
    "end_time",
    "input",
    "output",
    "metadata",
    "tags",
    "error_info",
    "ttft",
    "source",
    "environment",
    "created_at",
    "last_updated_at",
    "patches",
)
TRACES = Table("traces", (*_COMMON, "thread_id"))
SPANS = Table(
    "spans",
    (
        *_COMMON,
        "trace_id",
        "parent_span_id",
        "type",
        "model",
        "provider",
        "usage",
        "total_estimated_cost",
        "cost_is_manual",
        "total_estimated_cost_version",
    ),
)
SCORES = Table(
    "feedback_scores",
    (
        "workspace_id",
        "entity_type",
        "entity_id",
        "project_id",
        "name",
        "category_name",
        "value",
        "reason",
        "source",
        "created_at",
        "last_updated_at",
        "created_by",
    ),
)


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """Naive UTC; a naive input is taken to be UTC already."""
    if value is None or value.tzinfo is None:
        return value
    if value.tzinfo is dt.UTC:  # what a "...Z" timestamp decodes to
        return value.replace(tzinfo=None)
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def json_text(raw: JsonField, field: str) -> str:
    """Stored text of a JSON field: "" for absent/null, else an object, array or string."""
    if raw is UNSET:
        return ""
    data = bytes(raw)
    if data == b"null":
        return ""
    if data[:1] not in (b"{", b"[", b'"'):
        raise ValidationFailed(f"{field}: must be a JSON object, array or string")
    return data.decode()


def usage_of(usage: Mapping[str, float] | None, field: str = "usage") -> dict[str, int]:
    """Token counts as integers (some integrations send 12.0), with ``total_tokens`` added
    when the prompt and completion counts are known; a negative count is refused (422)."""
    counts: dict[str, int] = {}
    for key, value in (usage or {}).items():
        if not 0 <= value <= INT64_MAX:
            raise ValidationFailed(
                f"{field}.{key}: a token count must not be negative or above {INT64_MAX} "
                f"(the Int64 column's range), got {value}"
            )
        counts[key] = int(value)
    if "total_tokens" not in counts and {"prompt_tokens", "completion_tokens"} <= counts.keys():
        counts["total_tokens"] = min(
            counts["prompt_tokens"] + counts["completion_tokens"], INT64_MAX
        )
    return counts


def trace_row(
    body: TraceWrite, workspace: str, project_id: str, trace_id: str, received: dt.datetime
) -> Row:
    """The row a trace create stores."""
    return {
        **_common(body, workspace, project_id, trace_id, received),
        "thread_id": body.thread_id or "",
    }


def span_row(
    body: SpanWrite,
    workspace: str,
    project_id: str,
    span_id: str,
    trace_id: str,
    parent_span_id: str,
    received: dt.datetime,
    where: str = "span",
) -> Row:
    """The row a span create stores, priced from model and usage unless a cost was given
    (``where`` names the span in errors: ``spans[3]``)."""
    row = {
        **_common(body, workspace, project_id, span_id, received),
        "trace_id": trace_id,
        "parent_span_id": parent_span_id,
        "type": body.type,
        "model": body.model or "",
        "provider": body.provider or "",
        "usage": usage_of(body.usage, f"{where}.usage"),
        "total_estimated_cost": body.total_estimated_cost,
        "cost_is_manual": int(body.total_estimated_cost is not None),
        "total_estimated_cost_version": "",
    }
    return reprice(row)


def _common(
    body: TraceWrite, workspace: str, project_id: str, entity_id: str, received: dt.datetime
) -> Row:
    return {
        "workspace_id": workspace,
        "project_id": project_id,
        "id": entity_id,
        "name": body.name or "",
        "start_time": utc(body.start_time),
        "end_time": utc(body.end_time),
        "input": json_text(body.input, "input"),
        "output": json_text(body.output, "output"),
        "metadata": json_text(body.metadata, "metadata"),
        "tags": _unique(body.tags or []),
        "error_info": encode(body.error_info).decode() if body.error_info else "",
        "ttft": body.ttft,
        "source": body.source or "sdk",
        "environment": body.environment or "",
        "created_at": received,
        "last_updated_at": utc(body.last_updated_at) or received,
        "patches": "",
    }


def reprice(row: Row) -> Row:
    """Recompute the estimated cost of a span row unless the client gave one; the source of
    the price goes in ``total_estimated_cost_version`` ("" for a given or missing cost)."""
    if row["cost_is_manual"]:
        row["total_estimated_cost_version"] = ""
        return row
    priced = pricing.price(row["model"], row["provider"], row["usage"])
    row["total_estimated_cost"], row["total_estimated_cost_version"] = priced or (None, "")
    return row


def _unique(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tags))


# -- updates (PATCH) -------------------------------------------------------------------------

_PLAIN_UPDATE_FIELDS = (
    "name",
    "thread_id",
    "source",
    "environment",
    "ttft",
    "type",
    "model",
    "provider",
    "trace_id",
    "parent_span_id",
)


def changes_of(update: TraceUpdate | SpanUpdate) -> dict[str, Any]:
    """What a PATCH body sets, as storage-level changes (JSON-safe, so they can be kept)."""
    changes: dict[str, Any] = {}
    for field in _PLAIN_UPDATE_FIELDS:
        value = getattr(update, field, None)
        if value is not None:
            changes[field] = value
    if update.end_time is not None:
        changes["end_time"] = utc(update.end_time).isoformat()  # type: ignore[union-attr]
    for field in ("input", "output", "metadata"):
        text = json_text(getattr(update, field), field)
        if text:
            changes[field] = text
    if update.error_info is not None:
        changes["error_info"] = encode(update.error_info).decode()
    if update.tags is not None:
        changes["tags"] = _unique(update.tags)
    if update.tags_to_add:
        changes["+tags"] = update.tags_to_add
    if update.tags_to_remove:
        changes["-tags"] = update.tags_to_remove
    if isinstance(update, SpanUpdate):
        if update.usage is not None:
            changes["usage"] = usage_of(update.usage)
        if update.total_estimated_cost is not None:
            changes["total_estimated_cost"] = update.total_estimated_cost
            changes["cost_is_manual"] = 1
    return changes


def apply_changes(row: Row, changes: Mapping[str, Any]) -> Row:
    """A copy of ``row`` with ``changes`` applied (tags added/removed, span repriced)."""
    out = dict(row)
    for key, value in changes.items():
        if key == "+tags":
            out["tags"] = _unique([*out["tags"], *value])
        elif key == "-tags":
            out["tags"] = [tag for tag in out["tags"] if tag not in set(value)]
        elif key == "end_time":
            out["end_time"] = dt.datetime.fromisoformat(value)
        else:
            out[key] = value
    return reprice(out) if "cost_is_manual" in out else out


def partial_row(
    table: Table,
    workspace: str,
    project_id: str,
    entity_id: str,
    start_time: dt.datetime,
    received: dt.datetime,
) -> Row:
    """An empty row for a PATCH whose create has not arrived yet."""
    row: Row = {
        "workspace_id": workspace,
        "project_id": project_id,
        "id": entity_id,
        "name": "",
        "start_time": start_time,
        "end_time": None,
        "input": "",
        "output": "",
        "metadata": "",
        "tags": [],
        "error_info": "",
        "ttft": None,
        "source": "sdk",
        "environment": "",
        "created_at": received,
        "last_updated_at": received,
        "patches": "",
    }
    if table is TRACES:
        row["thread_id"] = ""
    else:
        row.update(
            trace_id="",
            parent_span_id="",
            type="general",
            model="",
            provider="",
            usage={},
            total_estimated_cost=None,
            cost_is_manual=0,
            total_estimated_cost_version="",
        )
    return row


# -- merging a create with the PATCHes that reached the row before or after it -------------


def record_patch(row: Row, changes: Mapping[str, Any], base_created: bool) -> Row:
    """Apply ``changes`` to ``row`` and remember them in its ``patches`` column."""
    history = _history(row)
    if history is None:
        history = {"create_lut": _iso(row["last_updated_at"]) if base_created else None, "ops": []}
    history["ops"].append(dict(changes))
    out = apply_changes(row, changes)
    out["patches"] = encode(history).decode()
    out["last_updated_at"] = max(now(), row["last_updated_at"] + ONE_MICROSECOND)
    return out


def merge_create(stored: Row, new: Row) -> Row:
    """The row to keep when ``new`` (a create) meets an already stored version."""
    history = _history(stored)
    if history is None:
        return new if new["last_updated_at"] >= stored["last_updated_at"] else stored
    create_lut = history["create_lut"]
    if create_lut is not None and _iso(new["last_updated_at"]) < create_lut:
        return stored  # an older create arriving late: the stored state already covers it
    out = dict(new)
    for changes in history["ops"]:
        out = apply_changes(out, changes)
    history["create_lut"] = _iso(new["last_updated_at"])
    out["patches"] = encode(history).decode()
    out["last_updated_at"] = max(
        new["last_updated_at"], stored["last_updated_at"] + ONE_MICROSECOND
    )
    return out


def _history(row: Row) -> dict[str, Any] | None:
    return msgspec.json.decode(row["patches"]) if row.get("patches") else None


def _iso(value: dt.datetime) -> str:
    return value.isoformat(timespec="microseconds")


def score_row(
    workspace: str,
    entity_type: str,
    entity_id: str,
    project_id: str,
    score: FeedbackScore,
    received: dt.datetime,
    created_by: str = "",
) -> Row:
    """The stored form of one score; the newest per (entity, name) is the current one."""
    return {
        "workspace_id": workspace,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "project_id": project_id,
        "name": score.name,
        "category_name": score.category_name or "",
        "value": score.value,
        "reason": score.reason or "",
        "source": score.source,
        "created_at": received,
        "last_updated_at": received,
        "created_by": created_by,
    }
