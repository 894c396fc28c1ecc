"""The one recorder of LLM calls that every integration shares.

An :class:`Endpoint` says how to read one client method (its span name, provider, how to
turn a response or a stream into output, usage and model). :func:`traced` wraps a method
or function with it: the call becomes a span of type ``llm`` (current while the request
runs, so nested calls of another instrumented client are not traced twice), the response
is read into the span, and a stream is followed as the caller consumes it (see
``_streams``). The user's exceptions pass through unchanged; a bug of ours is logged once,
counted in :data:`errors`, and the call goes on untraced.
"""

from __future__ import annotations

import functools
import inspect
import re
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from .. import _config
from .._context import UNSET, Span, current
from .._tracing import _reset, begin_span, finish_span
from .._warn_once import warn_once
from ._streams import follow, parsed

errors: Counter[str] = Counter()
"""Internal failures of the integrations, by kind (each is logged once)."""

suppressors: list[Callable[[], bool]] = []
"""Checks that say a call is already traced by another integration (LangChain's)."""


@dataclass
class Instrumentation:
    """What ``instrument()`` set: the libraries traced globally, and where."""

    active: set[str] = field(default_factory=set)
    only_inside_traces: bool = False


instrumentation = Instrumentation()

# request parameters that are transport options or secrets, not part of the input
_NOT_INPUT = frozenset(
    {
        "model",
        "stream",
        "extra_headers",
        "extra_query",
        "extra_body",
        "timeout",
        "headers",
        "api_base",
        "base_url",
        "client",
        "num_retries",
        "max_retries",
        "custom_llm_provider",
        "mock_response",
        "litellm_logging_obj",
        "stream_options",
    }
)
_SECRET = re.compile(r"(key|secret|token|password)$")


class Reading(NamedTuple):
    """What a response says: the span's output, usage, and (if known) model and provider."""

    output: Any
    usage: dict[str, int] | None = None
    model: str | None = None
    provider: str | None = None


class Accumulator(Protocol):
    """Collects a stream's chunks into a :class:`Reading`; ``has_content`` turns true with
    the first chunk that carries content (text, a tool call's pieces), which times the
    span's ``ttft``."""

    @property
    def has_content(self) -> bool: ...

    def add(self, chunk: Any) -> None: ...

    def reading(self) -> Reading: ...


@dataclass(frozen=True)
class Endpoint:
    """How one client method is traced."""

    name: str
    library: str
    read: Callable[[Any], Reading]
    accumulator: Callable[[], Accumulator]
    provider: str | None = None
    params: Callable[[tuple[Any, ...], dict[str, Any]], dict[str, Any]] = lambda _args, kwargs: (
        kwargs
    )
    find_provider: Callable[[dict[str, Any]], str | None] | None = None
    streams: bool = False  # a ``.stream()`` helper: always streams


def internal_error(kind: str) -> None:
    """Count and (once per kind) log a failure of the tracing code itself."""
    errors[kind] += 1
    warn_once(
        f"integration-{kind}",
        "opik-jupyter: LLM integration failed (%s); the call is not traced",
        kind,
        exc_info=True,
    )


def should_trace(library: str, explicit: bool) -> bool:
    """Whether a call here is traced (the cheap check every instrumented call makes).

    A global patch captured somewhere before ``uninstrument()`` (a client's cached
    ``with_raw_response``) stays inert: its library is no longer active.
    """
    if not explicit and library not in instrumentation.active:
        return False
    parent = current.get()
    if parent is None:
        if instrumentation.only_inside_traces and not explicit:
            return False
    elif (
        isinstance(parent, Span)
        and parent.type == "llm"
        and "created_from" in (parent.metadata or ())
    ):
        return False  # inside another integration's LLM call (LiteLLM -> OpenAI)
    if suppressors and any(check() for check in suppressors):
        return False
    return _config.current().enabled


def request_input(params: Mapping[str, Any]) -> dict[str, Any]:
    """The request's parameters as the span input, without transport options and secrets."""
    return {
        key: value
        for key, value in params.items()
        if key not in _NOT_INPUT
        and not key.startswith("_")
        and not _SECRET.search(key)
        and value is not None
        and type(value).__name__ not in ("NotGiven", "Omit")
    }


class LLMCall:
    """One traced call: its span, and while streaming, what the stream said so far."""

    __slots__ = ("endpoint", "params", "span", "started", "stream", "token")

    def __init__(self, endpoint: Endpoint, params: dict[str, Any], span: Span) -> None:
        self.endpoint = endpoint
        self.params = params
        self.span = span
        self.started = time.monotonic_ns()  # ttft's zero: wall clocks may step
        self.stream: Accumulator | None = None
        self.token: Any = None

    @classmethod
    def open(
        cls, endpoint: Endpoint, args: tuple[Any, ...], kwargs: dict[str, Any], explicit: bool
    ) -> LLMCall | None:
        """Start the span, or None when this call is not traced."""
        if not should_trace(endpoint.library, explicit):
            return None
        try:
            params = endpoint.params(args, kwargs)
            provider = (
                endpoint.find_provider(params) if endpoint.find_provider else endpoint.provider
            )
            metadata: dict[str, Any] = {"created_from": endpoint.library}
            if params.get("stream") or endpoint.streams:
                metadata["stream"] = True
            model = params.get("model")
            span = begin_span(
                endpoint.name,
                "llm",
                request_input(params),
                metadata,
                model=str(model) if model else None,
                provider=provider,
            )
        except Exception:  # tracing must not break user code
            internal_error("start")
            return None
        return cls(endpoint, params, span) if span is not None else None

    def __enter__(self) -> LLMCall:
        self.token = current.set(self.span)
        return self

    def __exit__(self, kind: Any, error: BaseException | None, tb: Any) -> None:
        _reset(self.token)
        if error is not None:
            finish_span(self.span, error=error)

    async def awaited(self, pending: Any) -> Any:
        """Await the request with the span current; record and hand back the response."""
        with self:
            response = await pending
        return self.returned(response, asynchronous=True)

    def returned(self, response: Any, asynchronous: bool) -> Any:
        """Record ``response`` (or start following it, if it is a stream); hand it back."""
        try:
            target = parsed(response)
            if target is None:
                self.finish(None)
            elif self.params.get("stream"):
                followed = self.follow(target, asynchronous)
                return response if target is not response else followed
            else:
                self.finish(self.endpoint.read(target))
        except Exception:  # tracing must not break user code
            internal_error("response")
            self.finish(None)
        return response

    def follow(self, stream: Any, asynchronous: bool) -> Any:
        """Record ``stream`` as it is consumed; returns what to hand to the caller."""
        try:
            self.stream = self.endpoint.accumulator()
            return follow(stream, self, asynchronous)
        except Exception:  # tracing must not break user code
            internal_error("stream")
            self.finish(None)
            return stream

    def add(self, chunk: Any) -> None:
        """A stream chunk went by; the first one with content sets the span's ``ttft``."""
        try:
            stream = self.stream
            stream.add(chunk)  # type: ignore[union-attr]
            if self.span.ttft is None and stream.has_content:  # type: ignore[union-attr]
                self.span.ttft = (time.monotonic_ns() - self.started) / 1e6
        except Exception:  # tracing must not break user code
            internal_error("stream-chunk")

    def finish(
        self,
        reading: Reading | None,
        error: BaseException | None = None,
        closed_early: bool = False,
    ) -> None:
        """Fill in the span from ``reading`` (None: from the stream so far) and end it."""
        span = self.span
        if span.end_ns is not None:
            return
        try:
            if reading is None and self.stream is not None:
                reading = self.stream.reading()
            if reading is not None:
                span.update(
                    usage=reading.usage or None,
                    model=reading.model,
                    provider=reading.provider,
                    metadata={"closed_early": True} if closed_early else None,
                )
        except Exception:  # tracing must not break user code
            internal_error("reading")
        finish_span(span, reading.output if reading is not None else UNSET, error)

    def abandoned(self) -> None:
        """The stream was closed, or collected, before its end."""
        self.finish(None, closed_early=True)


def traced(
    original: Callable[..., Any], endpoint: Endpoint, explicit: bool = False
) -> Callable[..., Any]:
    """``original`` (a method or function) with every call recorded as an LLM span.

    ``explicit`` wrappers (``track_openai(client)``) trace outside of traces too, whatever
    ``instrument(only_inside_traces=...)`` said.
    """
    if inspect.iscoroutinefunction(original):

        async def awaited(*args: Any, **kwargs: Any) -> Any:
            call = LLMCall.open(endpoint, args, kwargs, explicit)
            if call is None:
                return await original(*args, **kwargs)
            return await call.awaited(original(*args, **kwargs))

        return mark(functools.wraps(original)(awaited))

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        call = LLMCall.open(endpoint, args, kwargs, explicit)
        if call is None:
            return original(*args, **kwargs)
        with call:
            response = original(*args, **kwargs)
        if inspect.isawaitable(response):  # an async method behind a plain decorator
            return call.awaited(response)
        return call.returned(response, asynchronous=False)

    return mark(functools.wraps(original)(wrapper))


def traced_manager(
    original: Callable[..., Any], endpoint: Endpoint, explicit: bool = False
) -> Callable[..., Any]:
    """A ``.stream(...)`` helper that returns a context manager (Anthropic's), traced from
    entering it to the end of the stream."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return _TracedManager(original(*args, **kwargs), endpoint, args, kwargs, explicit)

    return mark(functools.wraps(original)(wrapper))


class _TracedManager:
    """The client's stream manager, opening the span when it is entered."""

    __slots__ = ("_args", "_endpoint", "_explicit", "_kwargs", "_manager")

    def __init__(
        self,
        manager: Any,
        endpoint: Endpoint,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        explicit: bool,
    ) -> None:
        self._manager = manager
        self._endpoint = endpoint
        self._args = args
        self._kwargs = kwargs
        self._explicit = explicit

    def _open(self) -> LLMCall | None:
        return LLMCall.open(self._endpoint, self._args, self._kwargs, self._explicit)

    def __enter__(self) -> Any:
        call = self._open()
        if call is None:
            return self._manager.__enter__()
        with call:
            stream = self._manager.__enter__()
        return call.follow(stream, asynchronous=False)

    def __exit__(self, *exc: Any) -> Any:
        return self._manager.__exit__(*exc)

    async def __aenter__(self) -> Any:
        call = self._open()
        if call is None:
            return await self._manager.__aenter__()
        with call:
            stream = await self._manager.__aenter__()
        return call.follow(stream, asynchronous=True)

    async def __aexit__(self, *exc: Any) -> Any:
        return await self._manager.__aexit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._manager, name)


def mark(wrapper: Callable[..., Any]) -> Callable[..., Any]:
    wrapper.__opik_traced__ = True  # type: ignore[attr-defined]
    return wrapper


# -- usage ---------------------------------------------------------------------------------


def as_dict(value: Any) -> dict[str, Any]:
    """A pydantic model, a mapping or an object with attributes as a plain dict."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dict(dump())
    return dict(getattr(value, "__dict__", {}))


def _flatten(data: Mapping[str, Any], prefix: str, out: dict[str, int]) -> None:
    for key, value in data.items():
        if isinstance(value, Mapping):
            _flatten(value, f"{prefix}{key}.", out)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[f"{prefix}{key}"] = int(value)


def usage(original: Any, prompt_keys: tuple[str, ...], completion_key: str) -> dict[str, int]:
    """``prompt_tokens``/``completion_tokens``/``total_tokens`` plus the provider's own
    counters as ``original_usage.<key>`` (nested keys joined with dots)."""
    flat: dict[str, int] = {}
    _flatten(as_dict(original), "", flat)
    if not flat:
        return {}
    prompt = sum(flat.get(key, 0) for key in prompt_keys)
    completion = flat.get(completion_key, 0)
    out = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    out.update({f"original_usage.{key}": value for key, value in flat.items()})
    return out


def dump(value: Any) -> Any:
    """A response object as plain data, without its unset (None or empty) fields."""
    to_dict = getattr(value, "model_dump", None)
    if not callable(to_dict):
        return value
    return {key: item for key, item in to_dict(exclude_none=True).items() if item not in ({}, [])}
