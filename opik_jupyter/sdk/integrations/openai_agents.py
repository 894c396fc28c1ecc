"""OpenAI Agents SDK (``openai-agents``), through its tracing processor API.

One agents trace (a ``Runner.run``, or a ``with trace(...)`` block) becomes one span tree:
a ``general`` span for the workflow (under the current trace or span, as in a
``%%opik_track`` cell, or as a new trace), then its task and turn (``general``), agent
(``general``), tool (``function`` -> ``tool``), handoff (``general``, ``handoff: A -> B``),
guardrail and model spans (``response``/``generation`` -> ``llm``, with model, usage and so
cost) nested as the agents SDK nests them. While an agents span is current, the OpenAI
client calls it makes are not traced a second time by the ``openai`` integration.

    from agents import add_trace_processor
    add_trace_processor(OpikTracingProcessor())

``instrument()`` registers one for you.
"""

from __future__ import annotations

import contextlib
import json
import threading
import weakref
from typing import Any

from agents.tracing import TracingProcessor, get_current_span, get_trace_provider

from .._context import UNSET, Span, SpanType, current
from .._tracing import begin_span, finish_span
from . import _llm
from ._llm import Reading, internal_error, usage
from .openai import read_response

__all__ = ["OpikTracingProcessor"]


class AgentsError(Exception):
    """An error the agents SDK recorded on a span."""


_KINDS: dict[str, SpanType] = {
    "function": "tool",
    "response": "llm",
    "generation": "llm",
    "guardrail": "guardrail",
}


class OpikTracingProcessor(TracingProcessor):
    """Records agents traces and spans as opik-jupyter spans (see the module's doc)."""

    def __init__(self, *, explicit: bool = True) -> None:
        self._explicit = explicit  # False under instrument(): follows only_inside_traces
        self._spans: dict[str, Span] = {}
        self._lock = threading.Lock()
        _processors.add(self)

    def records(self, span_id: str) -> bool:
        """Whether the agents span (or trace) ``span_id`` is being recorded here."""
        return span_id in self._spans

    def on_trace_start(self, trace: Any) -> None:
        try:
            if not _llm.should_trace("openai_agents", self._explicit):
                return
            metadata = {"created_from": "openai_agents", "agents_trace_id": trace.trace_id}
            span = _begin(current.get(), trace.name, "general", metadata)
            if span is not None:
                with self._lock:
                    self._spans[trace.trace_id] = span
        except Exception:  # tracing must not break the agent
            internal_error("agents-trace")

    def on_trace_end(self, trace: Any) -> None:
        with self._lock:
            span = self._spans.pop(trace.trace_id, None)
        if span is not None:
            finish_span(span)

    def on_span_start(self, span: Any) -> None:
        try:
            with self._lock:
                parent = self._spans.get(span.parent_id or "") or self._spans.get(span.trace_id)
            if parent is None:  # a trace we do not record
                return
            data = span.span_data
            mine = _begin(parent, _name(data), _KINDS.get(data.type, "general"), _start(data))
            if mine is not None:
                with self._lock:
                    self._spans[span.span_id] = mine
        except Exception:  # tracing must not break the agent
            internal_error("agents-span")

    def on_span_end(self, span: Any) -> None:
        with self._lock:
            mine = self._spans.pop(span.span_id, None)
        if mine is None:
            return
        output: Any = UNSET
        try:
            output = _fill(mine, span.span_data)
        except Exception:  # tracing must not break the agent
            internal_error("agents-span-end")
        error = span.error
        failure = AgentsError(error.get("message") or "error") if error else None
        finish_span(mine, output, failure)

    def shutdown(self) -> None:
        """Nothing to release: spans are sent by the SDK's own queue."""

    def force_flush(self) -> None:
        """Nothing held here: ``opik_jupyter.flush()`` flushes the SDK's queue."""


def _begin(
    parent: Any, name: str, kind: SpanType, metadata: dict[str, Any] | None = None
) -> Span | None:
    """A span opened under ``parent`` (a trace, a span, or None for a new trace)."""
    token = current.set(parent)
    try:
        return begin_span(name, kind, metadata=metadata or {"created_from": "openai_agents"})
    finally:
        current.reset(token)


def _name(data: Any) -> str:
    kind = data.type
    if kind == "handoff":
        return f"handoff: {data.from_agent} -> {data.to_agent}"
    if kind == "turn":
        return f"turn {data.turn}"
    name = getattr(data, "name", None) if kind != "task" else None  # a task has the trace's
    return str(name) if name else kind  # agent, function, guardrail... or response, task


def _start(data: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {"created_from": "openai_agents", "agents_span_type": data.type}
    if data.type == "agent":
        for field in ("handoffs", "tools", "output_type"):
            if getattr(data, field, None):
                metadata[field] = getattr(data, field)
    return metadata


def _fill(span: Span, data: Any) -> Any:
    """Put what the ended agents span says into ``span``; returns its output."""
    kind = data.type
    if kind == "function":
        span.update(input=_json(data.input))
        return _json(data.output)
    if kind == "handoff":  # the target is known only once the handoff is done
        span.update(name=_name(data), input={"from_agent": data.from_agent})
        return {"to_agent": data.to_agent}
    if kind == "response":
        if data.input is not None:
            span.update(input={"input": data.input})
        return _model_call(span, read_response(data.response)) if data.response else UNSET
    if kind == "generation":
        span.update(input={"input": data.input})
        counts = usage(data.usage, ("input_tokens",), "output_tokens")
        return _model_call(span, Reading({"output": data.output}, counts, data.model))
    if kind == "guardrail":
        return {"triggered": data.triggered}
    return UNSET


def _model_call(span: Span, reading: Reading) -> Any:
    span.update(usage=reading.usage or None, model=reading.model, provider="openai")
    return reading.output


def _json(value: Any) -> Any:
    """A tool's arguments or result: JSON text read back as data, wrapped if not a dict."""
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    return value if isinstance(value, dict) else {"value": value}


_processors: weakref.WeakSet[OpikTracingProcessor] = weakref.WeakSet()


def _inside_recorded_agents_span() -> bool:
    """An OpenAI call made inside an agents span that is recorded already (as ``llm``)."""
    span = get_current_span()
    return span is not None and any(p.records(span.span_id) for p in list(_processors))


_llm.suppressors.append(_inside_recorded_agents_span)


def install(patch: Any) -> None:
    """Register a processor on the agents SDK's provider (``instrument``); ``uninstrument()``
    puts the provider's processors back as they were."""
    provider: Any = get_trace_provider()
    processors = provider._multi_processor  # the only handle on the registered processors
    patch(processors, "_processors", _with_ours, None)


def _with_ours(registered: tuple[Any, ...], _endpoint: Any) -> tuple[Any, ...]:
    return (*registered, OpikTracingProcessor(explicit=False))
