"""Traces and spans in flight, and which one is current (a ``ContextVar``).

A :class:`Trace` or :class:`Span` is both the record the sender serialises and the handle
user code holds (``with start_span(...) as span: span.update(...)``). The calling thread
only stores references in it; the sender thread turns them into JSON. Updates replace
containers instead of mutating them, so the sender never sees a dict change under it.

The current observation lives in one ``ContextVar``, so nesting follows threads started
through ``contextvars.copy_context().run`` and asyncio tasks (each task runs in a copy of
its creator's context).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from types import TracebackType
from typing import Any, Final, Literal

from ._call_args import bound
from ._ids import new_id

SpanType = Literal["general", "llm", "tool", "guardrail"]
SPAN_TYPES: Final = ("general", "llm", "tool", "guardrail")


class _Unset:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = _Unset()
"""A field that was never given (distinct from ``None``, which is a value)."""

Emit = Callable[["Observation"], None]
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
"""A caught exception, kept as it is and formatted only when it is sent."""


class Observation:
    """What traces and spans share: identity, timing, payloads and updates."""

    __slots__ = (
        "_emit",
        "attachments",
        "end_ns",
        "error",
        "id",
        "input",
        "lut_ns",
        "metadata",
        "name",
        "output",
        "project_name",
        "start_ns",
        "start_sent",
        "tags",
    )

    id: str
    name: str
    project_name: str
    start_ns: int
    end_ns: int | None
    lut_ns: int
    """Last-updated time: the newest version of an id wins in the backend."""
    input: Any
    output: Any
    metadata: Mapping[str, Any] | None
    tags: Iterable[str] | None
    error: Mapping[str, Any] | ExcInfo | None
    start_sent: bool
    _emit: Emit | None
    trace: Trace
    attachments: list[Any]
    """Files (``Attachment``) not yet handed to the sender."""

    @property
    def ended(self) -> bool:
        return self.end_ns is not None

    def to_dict(self) -> dict[str, Any]:
        """A snapshot of the fields, with call arguments bound to parameter names."""
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "project_name": self.project_name,
            "start_time": _datetime(self.start_ns),
            "end_time": _datetime(self.end_ns),
            "input": _plain(self.input),
            "output": _plain(self.output),
            "metadata": self.metadata,
            "tags": list(self.tags or ()),
            "error": self.error,
        }
        out.update(self._extra())
        return out

    def _extra(self) -> dict[str, Any]:
        return {}

    def _set_common(
        self,
        name: str | None,
        input: Any,
        output: Any,
        metadata: Mapping[str, Any] | None,
        tags: Iterable[str] | None,
        error_info: Mapping[str, Any] | None,
        attachments: Iterable[Any] | None = None,
    ) -> None:
        if name is not None:
            self.name = name
        if attachments:
            self.attachments = [*self.attachments, *attachments]
        if input is not UNSET:
            self.input = input
        if output is not UNSET:
            self.output = output
        if metadata:
            self.metadata = {**(self.metadata or {}), **metadata}
        if tags:
            self.tags = list(dict.fromkeys([*(self.tags or ()), *tags]))
        if error_info is not None:
            self.error = dict(error_info)

    def _updated(self) -> None:
        """An update of an ended observation is sent again, as a newer version."""
        if self.end_ns is not None and self._emit is not None:
            self.lut_ns = max(time.time_ns(), self.lut_ns + 1000)
            self._emit(self)

    def end(self, end_ns: int | None = None) -> None:
        """Mark the end now (idempotent); the sender sends the complete version."""
        if self.end_ns is None:
            self.end_ns = end_ns or time.time_ns()
            self.lut_ns = max(self.end_ns, self.lut_ns + 1000)
            if self._emit is not None:
                self._emit(self)


class Trace(Observation):
    """A trace: the root of a tree of spans."""

    __slots__ = ("root_span", "thread_id")

    def __init__(
        self,
        name: str,
        project_name: str,
        start_ns: int,
        input: Any = UNSET,
        metadata: Mapping[str, Any] | None = None,
        tags: Iterable[str] | None = None,
        thread_id: str | None = None,
    ) -> None:
        # fields set here rather than through super().__init__: this is the hot path
        self.id = new_id(start_ns)
        self.name = name
        self.project_name = project_name
        self.start_ns = self.lut_ns = start_ns
        self.end_ns = None
        self.input = input
        self.output = UNSET
        self.metadata = metadata
        self.tags = tags
        self.error = None
        self._emit = None
        self.start_sent = False
        self.attachments = []
        self.thread_id = thread_id
        self.root_span: Span | None = None

    @property
    def trace(self) -> Trace:  # type: ignore[override]
        return self

    def _extra(self) -> dict[str, Any]:
        return {"thread_id": self.thread_id}

    def update(
        self,
        *,
        name: str | None = None,
        input: Any = UNSET,
        output: Any = UNSET,
        metadata: Mapping[str, Any] | None = None,
        tags: Iterable[str] | None = None,
        thread_id: str | None = None,
        error_info: Mapping[str, Any] | None = None,
        attachments: Iterable[Any] | None = None,
    ) -> None:
        """Change fields; ``metadata`` is merged, ``tags`` and ``attachments`` (files, see
        ``Attachment``) are added."""
        self._set_common(name, input, output, metadata, tags, error_info, attachments)
        if thread_id is not None:
            self.thread_id = thread_id
        self._updated()

    def __repr__(self) -> str:
        return f"Trace(id={self.id!r}, name={self.name!r}, project_name={self.project_name!r})"


class Span(Observation):
    """A span inside a trace, optionally under a parent span."""

    __slots__ = ("model", "parent", "provider", "total_cost", "trace", "ttft", "type", "usage")

    def __init__(
        self,
        trace: Trace,
        parent: Span | None,
        name: str,
        start_ns: int,
        type: SpanType = "general",
        input: Any = UNSET,
        metadata: Mapping[str, Any] | None = None,
        tags: Iterable[str] | None = None,
        model: str | None = None,
        provider: str | None = None,
    ) -> None:
        self.id = new_id(start_ns)
        self.name = name
        self.project_name = trace.project_name
        self.start_ns = self.lut_ns = start_ns
        self.end_ns = None
        self.input = input
        self.output = UNSET
        self.metadata = metadata
        self.tags = tags
        self.error = None
        self._emit = None
        self.start_sent = False
        self.attachments = []
        self.trace = trace
        self.parent = parent
        self.type = type
        self.model = model
        self.provider = provider
        self.usage: Mapping[str, Any] | None = None
        self.total_cost: float | None = None
        self.ttft: float | None = None
        """Milliseconds from the start to the first streamed token (streamed LLM calls)."""

    @property
    def trace_id(self) -> str:
        return self.trace.id

    @property
    def parent_span_id(self) -> str | None:
        return self.parent.id if self.parent is not None else None

    def _extra(self) -> dict[str, Any]:
        return {
            "trace_id": self.trace.id,
            "parent_span_id": self.parent_span_id,
            "type": self.type,
            "model": self.model,
            "provider": self.provider,
            "usage": self.usage,
            "total_cost": self.total_cost,
            "ttft": self.ttft,
        }

    def update(
        self,
        *,
        name: str | None = None,
        input: Any = UNSET,
        output: Any = UNSET,
        metadata: Mapping[str, Any] | None = None,
        tags: Iterable[str] | None = None,
        usage: Mapping[str, Any] | None = None,
        model: str | None = None,
        provider: str | None = None,
        total_cost: float | None = None,
        type: SpanType | None = None,
        error_info: Mapping[str, Any] | None = None,
        attachments: Iterable[Any] | None = None,
    ) -> None:
        """Change fields; ``metadata`` is merged, ``tags`` and ``attachments`` (files, see
        ``Attachment``) added and ``usage`` merged."""
        self._set_common(name, input, output, metadata, tags, error_info, attachments)
        if usage:
            self.usage = {**(self.usage or {}), **usage}
        if model is not None:
            self.model = model
        if provider is not None:
            self.provider = provider
        if total_cost is not None:
            self.total_cost = total_cost
        if type is not None:
            self.type = type
        self._updated()

    def __repr__(self) -> str:
        return f"Span(id={self.id!r}, name={self.name!r}, trace_id={self.trace.id!r})"


def _datetime(ns: int | None) -> dt.datetime | None:
    if ns is None:
        return None
    return dt.datetime.fromtimestamp(ns // 1000 / 1e6, dt.UTC)


def _plain(value: Any) -> Any:
    if value is UNSET:
        return None
    return bound(value)


current: ContextVar[Trace | Span | None] = ContextVar("opik_jupyter_current", default=None)
"""The innermost open span, or the open trace when no span is open."""


def current_span() -> Span | None:
    """The innermost open span of this context, if any."""
    found = current.get()
    return found if type(found) is Span else None


def current_trace() -> Trace | None:
    """The open trace of this context, if any."""
    found = current.get()
    return found.trace if found is not None else None
