"""What travels from user code to the sender thread, and what the sender sends for it.

A message is a tuple ``(kind, item)``: ``(START, observation)`` when a trace or span
opens, ``(END, observation)`` when it closes (or is updated after closing), and
``(SCORE, Score)``. The calling thread builds nothing bigger than that; the wire dicts
(the ``TraceWrite``/``SpanWrite``/score bodies of the Opik REST API) are built here, on the
sender thread.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import traceback
from collections.abc import Mapping
from typing import Any, Final

from ._attachments import EntityType, Extractor, Upload, uploads_of
from ._call_args import bound
from ._context import SPAN_TYPES, UNSET, Observation, Span, Trace
from ._serialize import Limits, to_field, to_json

log = logging.getLogger(__name__)

START: Final = 0
END: Final = 1
SCORE: Final = 2
Message = tuple[int, Any]

MAX_NAME = 1024
MAX_PROJECT = 255


@dataclasses.dataclass(slots=True)
class Score:
    """A feedback score on a trace or a span."""

    entity: str  # "trace" or "span"
    id: str
    name: str
    value: float
    project_name: str
    reason: str | None = None
    category_name: str | None = None


def events_of(message: Message) -> int:
    """How many wire items a message can produce (a root span also opens/closes its trace)."""
    kind, item = message
    if kind != SCORE and type(item) is Span and item.trace.root_span is item:
        return 2
    return 1


_SECONDS: dict[int, str] = {}


def timestamp(ns: int) -> str:
    """ISO-8601 UTC with microseconds and a ``Z``, as the Opik API expects."""
    seconds, micros = divmod(ns // 1000, 1_000_000)
    prefix = _SECONDS.get(seconds)
    if prefix is None:
        if len(_SECONDS) > 4096:
            _SECONDS.clear()
        prefix = _SECONDS[seconds] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return f"{prefix}.{micros:06d}Z"


def _text(value: Any, limit: int = MAX_NAME) -> str:
    text = value if isinstance(value, str) else str(value)
    return text[:limit]


class WireBuilder:
    """Builds REST bodies from observations, with the configured size limits.

    With ``extract_min_chars``, base64 files in the payloads of finished observations become
    attachment references, and the files wait in ``uploads`` (as do explicit attachments)
    until the sender takes them.
    """

    def __init__(self, limits: Limits, extract_min_chars: int | None = None) -> None:
        self.limits = limits
        self.extract_min_chars = extract_min_chars
        self.uploads: list[Upload] = []
        self._extracted: dict[int, list[tuple[str, str, bytes]]] = {}
        """Files extracted from a payload (by the id of its wire value), for a trace that
        shares its root span's payload."""

    def trace(
        self, trace: Trace, final: bool, span_wire: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The trace body; a root span's body lends it the payloads they share."""
        out = self._common(trace, final, span_wire if trace.root_span is not None else None)
        if trace.thread_id is not None:
            out["thread_id"] = _text(trace.thread_id)
        return out

    def span(self, span: Span, final: bool) -> dict[str, Any]:
        out = self._common(span, final)
        out["trace_id"] = span.trace.id
        if span.parent is not None:
            out["parent_span_id"] = span.parent.id
        out["type"] = span.type if span.type in SPAN_TYPES else "general"
        if span.model is not None:
            out["model"] = _text(span.model)
        if span.provider is not None:
            out["provider"] = _text(span.provider)
        if span.usage:
            out["usage"] = usage_of(span.usage)
        if span.total_cost is not None and _is_cost(span.total_cost):
            out["total_estimated_cost"] = float(span.total_cost)
        if span.ttft is not None:
            out["ttft"] = span.ttft
        return out

    def _common(
        self, item: Observation, final: bool, twin: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Fields of traces and spans. ``twin`` is the body of a root span whose payloads
        the trace shares (the same objects), so they are serialised once."""
        out: dict[str, Any] = {
            "id": item.id,
            "project_name": _text(item.project_name, MAX_PROJECT),
            "name": _text(item.name),
            "start_time": timestamp(item.start_ns),
            "source": "sdk",
        }
        root = item.root_span if twin is not None and type(item) is Trace else None
        extract = final and self.extract_min_chars is not None
        self._payload(out, "input", item.input, root, twin, item if extract else None)
        if item.metadata:
            self._payload(out, "metadata", item.metadata, root, twin, item if extract else None)
        if item.tags:
            out["tags"] = [_text(tag) for tag in dict.fromkeys(item.tags)]
        if not final:
            out["last_updated_at"] = timestamp(item.start_ns)
            return out
        out["last_updated_at"] = timestamp(item.lut_ns)
        if item.end_ns is not None:
            out["end_time"] = timestamp(item.end_ns)
        self._payload(out, "output", item.output, root, twin, item if extract else None)
        if item.error is not None:
            out["error_info"] = error_info(item.error)
        if item.attachments:
            pending, item.attachments = item.attachments, []
            self.uploads += uploads_of(_entity(item), item.id, out["project_name"], pending)
        return out

    def _payload(
        self,
        out: dict[str, Any],
        field: str,
        value: Any,
        root: Span | None,
        twin: dict[str, Any] | None,
        extracting: Observation | None = None,
    ) -> None:
        if value is UNSET:
            return
        if (
            root is not None
            and twin is not None
            and field in twin
            and value is getattr(root, field)
        ):
            out[field] = twin[field]
            if extracting is not None:
                self._upload(extracting, self._extracted.get(id(twin[field]), []))
            return
        if extracting is None or self.extract_min_chars is None:
            out[field] = to_field(bound(value), field, self.limits)
            return
        extractor = Extractor(field, self.extract_min_chars)
        out[field] = to_field(bound(value), field, self.limits, extractor)
        if extractor.found:
            self._extracted[id(out[field])] = extractor.found
            self._upload(extracting, extractor.found)

    def _upload(self, item: Observation, files: list[tuple[str, str, bytes]]) -> None:
        project = _text(item.project_name, MAX_PROJECT)
        self.uploads += [
            Upload(_entity(item), item.id, project, name, mime_type, data)
            for name, mime_type, data in files
        ]

    def take_uploads(self) -> list[Upload]:
        """The files to send for what was built since the last call."""
        uploads, self.uploads = self.uploads, []
        self._extracted.clear()
        return uploads

    def score(self, score: Score) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": score.id,
            "name": _text(score.name),
            "value": float(score.value),
            "source": "sdk",
            "project_name": _text(score.project_name, MAX_PROJECT),
        }
        if score.reason is not None:
            out["reason"] = str(score.reason)
        if score.category_name is not None:
            out["category_name"] = _text(score.category_name)
        return out


def _entity(item: Observation) -> EntityType:
    return "trace" if type(item) is Trace else "span"


def usage_of(usage: Mapping[str, Any]) -> dict[str, int | float]:
    """Numeric token counts only (what ``SpanWrite.usage`` accepts)."""
    out: dict[str, int | float] = {}
    for key, value in usage.items():
        if type(value) is int or (type(value) is float and value == value):  # noqa: PLR0124
            out[str(key)] = value
    return out


def _is_cost(value: Any) -> bool:
    try:
        cost = float(value)
    except (TypeError, ValueError):
        return False
    return 0 <= cost < float("inf")


def error_info(error: Any) -> dict[str, Any]:
    """``{exception_type, message, traceback}`` from a caught exception or a user mapping."""
    if isinstance(error, tuple):
        kind, exc, tb = error
        text = "".join(traceback.format_exception(kind, exc, tb))
        return {"exception_type": _text(kind.__name__), "message": _message(exc), "traceback": text}
    if isinstance(error, Mapping):
        data = to_json(error)
        return {
            "exception_type": _text(data.get("exception_type", "Error")),
            "message": str(data.get("message", "")),
            "traceback": str(data.get("traceback", "")),
        }
    return {"exception_type": "Error", "message": str(error), "traceback": ""}


def _message(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # a broken __str__ still gets recorded
        return f"<{type(exc).__name__} (str failed)>"
