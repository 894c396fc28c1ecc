"""Opening and closing traces and spans, the context managers, and the current-context API.

:func:`begin_span` and :func:`finish_span` are the one span life cycle; ``@track`` and
:func:`start_span` are thin wrappers around them. None of this raises into user code:
internal failures are logged once and the user's code runs untraced.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from . import _config, _state
from ._context import UNSET, Span, SpanType, Trace, current, current_span, current_trace
from ._messages import SCORE, Score
from ._warn_once import warn_once

_put = _state.put
_opened = _state.opened
_emit_end = _state.emit_end


def begin_span(
    name: str,
    type: SpanType = "general",
    input: Any = UNSET,
    metadata: Mapping[str, Any] | None = None,
    tags: Iterable[str] | None = None,
    project_name: str | None = None,
    model: str | None = None,
    provider: str | None = None,
) -> Span | None:
    """Open a span under the current one (or a new trace) and queue its start."""
    try:
        parent = current.get()
        now = time.time_ns()
        if parent is None:
            trace = Trace(
                name, project_name or _config.current().project, now, input, metadata, tags
            )
            span = Span(trace, None, name, now, type, input, metadata, tags, model, provider)
            trace.root_span = span
        elif isinstance(parent, Span):
            span = Span(
                parent.trace,
                parent,
                name,
                now,
                type,
                input,
                metadata,
                tags,
                model,
                provider,
            )
        else:
            span = Span(
                parent,
                None,
                name,
                now,
                type,
                input,
                metadata,
                tags,
                model,
                provider,
            )
        span._emit = _emit_end
        _opened(span)
        return span
    except Exception:  # tracing must not break user code
        warn_once(
            "begin", "opik-jupyter: could not open a span; the call runs untraced", exc_info=True
        )
        return None


def finish_span(span: Span, output: Any = UNSET, error: BaseException | None = None) -> None:
    """Close ``span`` (and the trace it opened), recording ``output`` or ``error``."""
    try:
        end = time.time_ns()
        if span.end_ns is not None:
            return
        if output is not UNSET and span.output is UNSET:
            span.output = output
        if error is not None:
            span.error = (error.__class__, error, error.__traceback__)
        trace = span.trace
        if trace.root_span is span and trace.end_ns is None:
            _close_trace_with(trace, span, end)
        span.end_ns = end
        span.lut_ns = end if end > span.lut_ns else span.lut_ns + 1000
        _emit_end(span)
    except Exception:  # tracing must not break user code
        warn_once("finish", "opik-jupyter: could not close a span", exc_info=True)


def _close_trace_with(trace: Trace, span: Span, end: int) -> None:
    trace.end_ns = end
    trace.lut_ns = end if end > trace.lut_ns else trace.lut_ns + 1000
    if trace.output is UNSET:
        trace.output = span.output
    if span.error is not None and trace.error is None:
        trace.error = span.error


@contextlib.contextmanager
def start_span(
    name: str,
    *,
    type: SpanType = "general",
    input: Any = UNSET,
    metadata: Mapping[str, Any] | None = None,
    tags: Iterable[str] | None = None,
    model: str | None = None,
    provider: str | None = None,
    project_name: str | None = None,
) -> Iterator[Span]:
    """A span around a block (under the current span or trace, or in a new trace).

    Yields the span, whose ``update(output=, usage=, model=, provider=, metadata=,
    total_cost=)`` fills it in. An exception leaving the block is recorded and re-raised.
    """
    span = begin_span(name, type, input, metadata, tags, project_name, model, provider)
    if span is None:
        span = _detached_span(name)
        yield span
        return
    token = current.set(span)
    try:
        yield span
    except GeneratorExit:  # the block's generator was closed: not an error
        finish_span(span)
        raise
    except BaseException as exc:
        finish_span(span, error=exc)
        raise
    else:
        finish_span(span)
    finally:
        _reset(token)


@contextlib.contextmanager
def start_trace(
    name: str = "trace",
    *,
    input: Any = UNSET,
    metadata: Mapping[str, Any] | None = None,
    tags: Iterable[str] | None = None,
    thread_id: str | None = None,
    project_name: str | None = None,
) -> Iterator[Trace]:
    """A new trace around a block; spans opened inside belong to it.

    Yields the trace, whose ``update(output=, metadata=, tags=, thread_id=)`` fills it in.
    """
    try:
        trace = Trace(
            name,
            project_name or _config.current().project,
            time.time_ns(),
            input,
            metadata,
            tags,
            thread_id,
        )
        trace._emit = _state.emit_end
        _state.opened(trace)
    except Exception:  # tracing must not break user code
        warn_once("trace", "opik-jupyter: could not open a trace", exc_info=True)
        yield Trace(name, project_name or "", time.time_ns())
        return
    token = current.set(trace)
    try:
        yield trace
    except GeneratorExit:
        raise
    except BaseException as exc:
        trace.error = (type(exc), exc, exc.__traceback__)
        raise
    finally:
        _reset(token)
        _end_quietly(trace)


def _end_quietly(trace: Trace) -> None:
    try:
        trace.end()
    except Exception:  # tracing must not break user code
        warn_once("trace-end", "opik-jupyter: could not close a trace", exc_info=True)


def _reset(token: Any) -> None:
    try:
        current.reset(token)
    except ValueError:  # exited in another context (e.g. a generator moved between tasks)
        current.set(None)


def _detached_span(name: str) -> Span:
    """A span that is never sent: what a failed ``start_span`` yields, so ``update`` works."""
    return Span(Trace(name, "", time.time_ns()), None, name, time.time_ns())


# -- the current context --------------------------------------------------------------------


def get_current_span() -> Span | None:
    """The innermost open span of this thread or task, or None."""
    return current_span()


def get_current_trace() -> Trace | None:
    """The open trace of this thread or task, or None."""
    return current_trace()


def update_current_span(**fields: Any) -> bool:
    """Update the current span (see ``Span.update``); False if there is none."""
    span = current_span()
    if span is None:
        warn_once("no-span", "opik-jupyter: update_current_span() outside of a span is ignored")
        return False
    return _update(span, fields)


def update_current_trace(**fields: Any) -> bool:
    """Update the current trace (see ``Trace.update``); False if there is none."""
    trace = current_trace()
    if trace is None:
        warn_once("no-trace", "opik-jupyter: update_current_trace() outside of a trace is ignored")
        return False
    return _update(trace, fields)


def _update(item: Span | Trace, fields: dict[str, Any]) -> bool:
    try:
        item.update(**fields)
    except TypeError as exc:
        warn_once(f"update-{exc}", "opik-jupyter: bad update ignored: %s", exc)
        return False
    return True


def log_feedback_score(
    name: str,
    value: float,
    reason: str | None = None,
    trace_id: str | None = None,
    span_id: str | None = None,
    category_name: str | None = None,
    project_name: str | None = None,
) -> bool:
    """Score a span (``span_id``), a trace (``trace_id``) or, by default, the current trace.

    Returns False (and logs once) when there is nothing to score or the value is not a
    number; never raises.
    """
    trace = current_trace()
    project = project_name or (trace.project_name if trace else _config.current().project)
    if span_id is not None:
        entity, target = "span", span_id
    elif trace_id is not None:
        entity, target = "trace", trace_id
    elif trace is not None:
        entity, target = "trace", trace.id
    else:
        warn_once(
            "no-score-target",
            "opik-jupyter: log_feedback_score() needs trace_id or "
            "span_id outside of a trace; ignored",
        )
        return False
    try:
        score = Score(entity, str(target), str(name), float(value), project, reason, category_name)
    except (TypeError, ValueError):
        warn_once("score-value", "opik-jupyter: a feedback score needs a number; got %r", value)
        return False
    _state.put((SCORE, score))
    return True
