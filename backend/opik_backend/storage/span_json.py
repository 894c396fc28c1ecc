"""Spans read as JSON rows and shaped into structs, for the big pages (a trace's tree).

Building a dict per span from the driver's rows (aware datetimes, raw JSON, left-out
empties) cost more than the query itself for a 1,000-span tree. Here ClickHouse writes the
columns the API shows as ``JSONCompactEachRow`` (ISO timestamps, the duration, NULL for
empty values), msgspec decodes them into :class:`_Row` in C, and each becomes a
:class:`SpanPublic`, whose encoding is byte for byte what
:func:`~opik_backend.storage.reads.span_public` gives: the same fields in the same order,
stored JSON passed through raw, absent values and empty lists left out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from msgspec import UNSET, Raw, UnsetType

JSON_COLUMNS = ("input", "output", "metadata")


class SpanPublic(msgspec.Struct, omit_defaults=True, gc=False):
    """A span as ``GET /spans/{id}`` returns it (fields in the order of ``span_public``).

    Untracked by the garbage collector (``gc=False``): it never holds a reference cycle,
    and a thousand tracked objects per tree would only give the collector work."""

    id: str
    project_id: str
    name: str
    start_time: dt.datetime
    end_time: dt.datetime | None = None
    input: Raw | UnsetType = UNSET
    output: Raw | UnsetType = UNSET
    metadata: Raw | UnsetType = UNSET
    tags: list[str] = msgspec.field(default_factory=list)
    error_info: Raw | UnsetType = UNSET
    created_at: dt.datetime | None = None
    last_updated_at: dt.datetime | None = None
    feedback_scores: list[dict[str, Any]] = msgspec.field(default_factory=list)
    duration: float | None = None
    ttft: float | None = None
    source: str | None = None
    environment: str | None = None
    comments: list[dict[str, Any]] = msgspec.field(default_factory=list)
    trace_id: str | None = None
    type: str | None = None
    usage: dict[str, int] | None = None
    parent_span_id: str | None = None
    model: str | None = None
    provider: str | None = None
    total_estimated_cost_version: str | None = None
    total_estimated_cost: float | None = None


class _Row(msgspec.Struct, array_like=True, gc=False):
    """One row of :func:`columns_sql`, in its column order."""

    id: str
    project_id: str
    name: str
    start_time: dt.datetime
    end_time: dt.datetime | None
    input: str
    output: str
    metadata: str
    tags: list[str]
    error_info: str
    created_at: dt.datetime
    last_updated_at: dt.datetime
    duration: float | None
    ttft: float | None
    source: str
    environment: str | None
    trace_id: str
    type: str
    usage: dict[str, int]
    parent_span_id: str | None
    model: str | None
    provider: str | None
    total_estimated_cost_version: str | None
    total_estimated_cost: float | None


_DECODER = msgspec.json.Decoder(list[_Row])
_OPTIONAL = ("environment", "parent_span_id", "model", "provider", "total_estimated_cost_version")
# Timestamps as RFC 3339 instants (``...Z``, decoded as aware datetimes), token counts as
# numbers rather than quoted strings.
SETTINGS = "date_time_output_format = 'iso', output_format_json_quote_64bit_integers = 0"
FORMAT = "JSONCompactEachRow"


def columns_sql(excluded: frozenset[str] = frozenset()) -> str:
    """The SELECT list of :class:`_Row`; the stored JSON columns in ``excluded`` read as ''."""
    columns = []
    for name in _Row.__struct_fields__:
        if name in JSON_COLUMNS and name in excluded:
            columns.append("''")
        elif name == "duration":
            columns.append("dateDiff('microsecond', start_time, end_time) / 1000")
        elif name in _OPTIONAL:
            columns.append(f"nullIf({name}, '')")
        else:
            columns.append(name)
    return ", ".join(columns)


def decode(body: bytes) -> list[SpanPublic]:
    """The spans in ``JSONCompactEachRow`` output of :func:`columns_sql`."""
    rows = _DECODER.decode(b"[" + body.rstrip(b"\n").replace(b"\n", b",") + b"]")
    return [
        SpanPublic(
            r.id,
            r.project_id,
            r.name,
            r.start_time,
            r.end_time,
            _raw(r.input),
            _raw(r.output),
            _raw(r.metadata),
            r.tags,
            _raw(r.error_info),
            r.created_at,
            r.last_updated_at,
            [],
            r.duration,
            r.ttft,
            r.source,
            r.environment,
            [],
            r.trace_id,
            r.type,
            r.usage,
            r.parent_span_id,
            r.model,
            r.provider,
            r.total_estimated_cost_version,
            r.total_estimated_cost,
        )
        for r in rows
    ]


def _raw(text: str) -> Raw | UnsetType:
    """Stored JSON text, passed through as it is (left out when empty)."""
    return Raw(text.encode()) if text else UNSET
