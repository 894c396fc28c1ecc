"""``@track``: trace calls of functions, coroutines, generators and async generators.

The wrappers do only this on the calling thread: open a span (two small objects and a
queue put), make it current, call the function, close the span (a queue put). Arguments
and results are kept by reference and serialised on the sender thread. The user's
exceptions propagate unchanged, ``KeyboardInterrupt`` included, without the wrappers' own
frames in their tracebacks.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import AsyncGenerator, Callable, Generator, Iterable, Mapping
from typing import Any, TypeVar, overload

from . import _config
from ._call_args import Binder, CallArgs
from ._context import SPAN_TYPES, UNSET, Span, SpanType, current
from ._tracing import _reset, begin_span, finish_span
from ._warn_once import warn_once

F = TypeVar("F", bound=Callable[..., Any])
MAX_GENERATOR_ITEMS = 10_000


@dataclasses.dataclass(frozen=True)
class _Spec:
    """How one decorated function is traced."""

    name: str
    type: SpanType
    tags: tuple[str, ...] | None
    metadata: Mapping[str, Any] | None
    project_name: str | None
    capture_input: bool
    capture_output: bool
    binder: Binder

    def begin(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Span | None:
        if not _config.current().enabled:
            return None
        given = CallArgs(self.binder, args, kwargs) if self.capture_input else UNSET
        return begin_span(self.name, self.type, given, self.metadata, self.tags, self.project_name)

    def output(self, result: Any) -> Any:
        if not self.capture_output:
            return UNSET
        return result if type(result) is dict else {"output": result}


@overload
def track(func: F, /) -> F: ...


@overload
def track(
    func: str | None = None,
    /,
    *,
    name: str | None = None,
    type: SpanType = "general",
    tags: Iterable[str] | None = None,
    metadata: Mapping[str, Any] | None = None,
    project_name: str | None = None,
    capture_input: bool = True,
    capture_output: bool = True,
) -> Callable[[F], F]: ...


def track(
    func: Any = None,
    /,
    *,
    name: str | None = None,
    type: SpanType = "general",
    tags: Iterable[str] | None = None,
    metadata: Mapping[str, Any] | None = None,
    project_name: str | None = None,
    capture_input: bool = True,
    capture_output: bool = True,
) -> Any:
    """Trace every call of the decorated function as a span (a trace when at the top).

    Use bare (``@track``) or with options (``@track(name="retrieve", type="tool")``).
    ``capture_input=False`` / ``capture_output=False`` keep arguments / results out of the
    span. Nested calls become child spans through ``contextvars``.
    """
    if isinstance(func, str):
        name, func = func, None

    def decorate(f: Callable[..., Any]) -> Any:
        return _decorate(f, name, type, tags, metadata, project_name, capture_input, capture_output)

    return decorate if func is None else decorate(func)


def _decorate(
    func: Callable[..., Any],
    name: str | None,
    type: SpanType,
    tags: Iterable[str] | None,
    metadata: Mapping[str, Any] | None,
    project_name: str | None,
    capture_input: bool,
    capture_output: bool,
) -> Any:
    if type not in SPAN_TYPES:
        warn_once(f"type-{type}", "opik-jupyter: unknown span type %r; using 'general'", type)
        type = "general"
    spec = _Spec(
        name or str(getattr(func, "__name__", "call")),
        type,
        tuple(tags) if tags else None,
        dict(metadata) if metadata else None,
        project_name,
        capture_input,
        capture_output,
        Binder(_signature(func)),
    )
    if inspect.isasyncgenfunction(func):
        wrapper = _wrap_async_generator(func, spec)
    elif inspect.isgeneratorfunction(func):
        wrapper = _wrap_generator(func, spec)
    elif inspect.iscoroutinefunction(func):
        wrapper = _wrap_coroutine(func, spec)
    else:
        wrapper = _wrap_function(func, spec)
    tracked: Any = functools.wraps(func)(wrapper)
    tracked.__opik_tracked__ = True
    return tracked


def _drop_own_frame(exc: BaseException) -> None:
    """Leave the wrapper's frame out of ``exc``'s traceback before a bare ``raise``.

    The head of the traceback is the frame that caught ``exc`` (the wrapper); a bare
    ``raise`` re-raises with the traceback as it is, so the user's traceback shows their
    call and their function, without a ``_decorator.py ... wrapper`` line per level.
    ``__tracebackhide__`` does the same for IPython only.
    """
    tb = exc.__traceback__
    if tb is not None and tb.tb_next is not None:
        exc.__traceback__ = tb.tb_next


def _signature(func: Callable[..., Any]) -> inspect.Signature | None:
    try:
        return inspect.signature(func)
    except (TypeError, ValueError):
        return None


def _wrap_function(func: Callable[..., Any], spec: _Spec) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True  # IPython leaves this frame out of tracebacks
        span = spec.begin(args, kwargs)
        if span is None:
            try:
                return func(*args, **kwargs)
            except BaseException as exc:
                _drop_own_frame(exc)
                raise
        token = current.set(span)
        try:
            result = func(*args, **kwargs)
        except BaseException as exc:
            current.reset(token)
            finish_span(span, error=exc)
            _drop_own_frame(exc)
            raise
        current.reset(token)
        finish_span(span, spec.output(result))
        return result

    return wrapper


def _wrap_coroutine(func: Callable[..., Any], spec: _Spec) -> Callable[..., Any]:
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True  # IPython leaves this frame out of tracebacks
        span = spec.begin(args, kwargs)
        if span is None:
            try:
                return await func(*args, **kwargs)
            except BaseException as exc:
                _drop_own_frame(exc)
                raise
        token = current.set(span)
        try:
            result = await func(*args, **kwargs)
        except BaseException as exc:
            _reset(token)
            finish_span(span, error=exc)
            _drop_own_frame(exc)
            raise
        _reset(token)
        finish_span(span, spec.output(result))
        return result

    return wrapper


class _Collected:
    """Items a generator yielded, kept up to a limit (the rest are only counted)."""

    __slots__ = ("items", "more")

    def __init__(self) -> None:
        self.items: list[Any] = []
        self.more = 0

    def add(self, item: Any) -> None:
        if len(self.items) < MAX_GENERATOR_ITEMS:
            self.items.append(item)
        else:
            self.more += 1

    def output(self, spec: _Spec, closed_early: bool = False) -> Any:
        if not spec.capture_output:
            return UNSET
        out: dict[str, Any] = {"output": self.items}
        if self.more:
            out["items_not_kept"] = self.more
        if closed_early:
            out["closed_early"] = True
        return out


def _wrap_generator(func: Callable[..., Any], spec: _Spec) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True  # IPython leaves this frame out of tracebacks
        gen = func(*args, **kwargs)
        if not _config.current().enabled:
            return gen
        return _traced_generator(gen, spec, args, kwargs)

    return wrapper


def _traced_generator(
    gen: Generator[Any, Any, Any], spec: _Spec, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Generator[Any, Any, Any]:
    """Drive ``gen`` with its span current while it runs, and not while it is suspended."""
    __tracebackhide__ = True
    span = spec.begin(args, kwargs)
    if span is None:
        return (yield from gen)
    collected = _Collected()
    sent: Any = None
    thrown: BaseException | None = None
    while True:
        token = current.set(span)
        try:
            item = gen.throw(thrown) if thrown is not None else gen.send(sent)
        except StopIteration as stop:
            _reset(token)
            finish_span(span, collected.output(spec))
            return stop.value
        except BaseException as exc:
            _reset(token)
            finish_span(span, collected.output(spec), exc)
            _drop_own_frame(exc)
            raise
        _reset(token)
        collected.add(item)
        thrown = None
        try:
            sent = yield item
        except GeneratorExit:  # closed (or collected) before the end: not an error
            gen.close()
            finish_span(span, collected.output(spec, closed_early=True))
            raise
        except BaseException as exc:
            thrown = exc


def _wrap_async_generator(func: Callable[..., Any], spec: _Spec) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True  # IPython leaves this frame out of tracebacks
        agen = func(*args, **kwargs)
        if not _config.current().enabled:
            return agen
        return _traced_async_generator(agen, spec, args, kwargs)

    return wrapper


async def _traced_async_generator(
    agen: AsyncGenerator[Any, Any], spec: _Spec, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> AsyncGenerator[Any, Any]:
    __tracebackhide__ = True
    span = spec.begin(args, kwargs)
    collected = _Collected()
    sent: Any = None
    thrown: BaseException | None = None
    while True:
        token = current.set(span) if span is not None else None
        try:
            item = await (agen.athrow(thrown) if thrown is not None else agen.asend(sent))
        except StopAsyncIteration:
            _reset_and_finish(token, span, collected.output(spec))
            return
        except BaseException as exc:
            _reset_and_finish(token, span, collected.output(spec), exc)
            _drop_own_frame(exc)
            raise
        _reset_and_finish(token, None)
        collected.add(item)
        thrown = None
        try:
            sent = yield item
        except GeneratorExit:
            await agen.aclose()
            if span is not None:
                finish_span(span, collected.output(spec, closed_early=True))
            raise
        except BaseException as exc:
            thrown = exc


def _reset_and_finish(
    token: Any, span: Span | None, output: Any = UNSET, error: BaseException | None = None
) -> None:
    if token is not None:
        _reset(token)
    if span is not None:
        finish_span(span, output, error)
