"""OTel spans as our span and trace writes (the bodies the REST API takes).

Ids follow Opik's scheme: a trace's UUID v7 carries the time its first spans were seen (kept
by the caller, so later batches find it); a span's UUID v7 carries its trace's time and a hash
of the OTel span id, so a child names its parent's id before the parent has arrived.

A trace is written whenever its spans arrive: from its root span once the root has ended
(the root is only exported then), otherwise as a partial trace whose ``last_updated_at`` is
its start time, older than any root write, so a partial never replaces the full trace.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec

from ..codec import encode
from ..ids import timestamp_of
from ..schemas import ErrorInfo, SpanWrite, TraceWrite
from .decode import OtelSpan
from .mapping import Mapped, map_span

_NAME_LIMIT = 1024


def uuid7_of(otel_id: str, at: dt.datetime) -> str:
    """A UUID v7 with ``at``'s milliseconds and 74 bits of SHA-256 of the OTel id."""
    millis = int(at.replace(tzinfo=dt.UTC).timestamp() * 1000) & ((1 << 48) - 1)
    digest = int.from_bytes(hashlib.sha256(bytes.fromhex(otel_id)).digest()[:10], "big")
    value = (millis << 80) | digest
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return str(uuid.UUID(int=value))


@functools.lru_cache(maxsize=1024)
def _time_of(trace_id: str) -> dt.datetime:
    """The naive UTC time in a trace's UUID v7 (the spans of a batch share a few traces)."""
    return timestamp_of(trace_id).replace(tzinfo=None)


def proposed_trace_ids(spans: Iterable[OtelSpan]) -> dict[str, str]:
    """A UUID v7 for each OTel trace id, from the earliest start among its spans here."""
    earliest: dict[str, dt.datetime] = {}
    for span in spans:
        seen = earliest.get(span.trace_id)
        if seen is None or span.start_time < seen:
            earliest[span.trace_id] = span.start_time
    return {otel_id: uuid7_of(otel_id, at) for otel_id, at in earliest.items()}


def span_write(span: OtelSpan, mapped: Mapped, trace_id: str) -> SpanWrite:
    """Our span for ``span`` in the trace ``trace_id``."""
    trace_time = _time_of(trace_id)
    return SpanWrite(
        id=uuid7_of(span.span_id, trace_time),
        trace_id=trace_id,
        parent_span_id=uuid7_of(span.parent_span_id, trace_time) if span.parent_span_id else None,
        name=span.name[:_NAME_LIMIT],
        type=mapped.type,  # type: ignore[arg-type]
        start_time=span.start_time,
        end_time=span.end_time,
        input=_raw(mapped.input),
        output=_raw(mapped.output),
        metadata=_raw(mapped.metadata),
        tags=mapped.tags or None,
        error_info=_error(mapped),
        model=mapped.model,
        provider=mapped.provider,
        usage=mapped.usage,  # type: ignore[arg-type]
        total_estimated_cost=mapped.cost,
    )


def trace_writes(
    spans: Sequence[OtelSpan], mapped: Sequence[Mapped], trace_ids: Mapping[str, str]
) -> list[TraceWrite]:
    """One trace write per OTel trace in the batch: full from its root, else partial."""
    roots = {s.trace_id: (s, m) for s, m in zip(spans, mapped, strict=True) if not s.parent_span_id}
    first: dict[str, OtelSpan] = {}
    for span in spans:
        if span.trace_id not in first or span.start_time < first[span.trace_id].start_time:
            first[span.trace_id] = span
    writes = []
    for otel_id, earliest in first.items():
        if otel_id in roots:
            writes.append(_full_trace(*roots[otel_id], trace_ids[otel_id]))
        else:
            writes.append(_partial_trace(earliest, trace_ids[otel_id]))
    return writes


def writes_of(
    spans: Sequence[OtelSpan], trace_ids: Mapping[str, str]
) -> tuple[list[SpanWrite], list[TraceWrite]]:
    """The span and trace writes of one batch of OTel spans."""
    mapped = [map_span(span) for span in spans]
    span_bodies = [
        span_write(span, m, trace_ids[span.trace_id]) for span, m in zip(spans, mapped, strict=True)
    ]
    return span_bodies, trace_writes(spans, mapped, trace_ids)


def _full_trace(root: OtelSpan, mapped: Mapped, trace_id: str) -> TraceWrite:
    return TraceWrite(
        id=trace_id,
        name=root.name[:_NAME_LIMIT],
        start_time=root.start_time,
        end_time=root.end_time,
        input=_raw(mapped.input),
        output=_raw(mapped.output),
        metadata=_raw(mapped.metadata),
        tags=mapped.tags or None,
        error_info=_error(mapped),
        thread_id=mapped.thread_id,
    )


def _partial_trace(earliest: OtelSpan, trace_id: str) -> TraceWrite:
    return TraceWrite(
        id=trace_id,
        name=earliest.name[:_NAME_LIMIT],
        start_time=earliest.start_time,
        last_updated_at=earliest.start_time,
        metadata=_raw({"otel": {"trace_id": earliest.trace_id, "partial": True}}),
    )


def _raw(value: Any) -> Any:
    if value is None:
        return msgspec.UNSET
    if not isinstance(value, dict | list | str):
        value = {"value": value}
    return msgspec.Raw(encode(value))


def _error(mapped: Mapped) -> ErrorInfo | None:
    return ErrorInfo(**mapped.error_info) if mapped.error_info else None
