"""Following a streamed response as the caller consumes it.

The span of a streaming call ends when the stream does: at its last chunk, at an error, when
the caller closes it (``close()``, or leaving ``with stream:``), or when a stream abandoned
half-way is garbage-collected. The OpenAI, Anthropic, Groq and Mistral clients' own stream
objects are kept (so ``isinstance`` checks, ``.response`` and their ``with`` helpers keep
working): only the iterator inside them is replaced. Other streams (LiteLLM's, Gemini's,
Ollama's, Bedrock's event stream) are handed back behind a thin proxy that iterates like
them and forwards every other attribute.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator, Iterator
from typing import Any, Protocol


class Recorder(Protocol):
    def add(self, chunk: Any) -> None: ...

    def finish(self, reading: Any, error: BaseException | None = None) -> None: ...

    def abandoned(self) -> None: ...


def parsed(response: Any) -> Any:
    """The parsed response behind a ``with_raw_response`` one (parsing is cached there);
    None for a ``with_streaming_response`` one, whose body only its caller may read."""
    if type(response).__name__ == "LegacyAPIResponse":
        return response.parse()
    return None if hasattr(response, "http_response") else response


_INNER = ("_iterator", "generator")  # Stainless clients' (OpenAI...), Speakeasy's (Mistral)


def follow(stream: Any, call: Recorder, asynchronous: bool) -> Any:
    """Make ``stream`` feed ``call`` while it is consumed; returns what the caller gets."""
    attr = next((name for name in _INNER if hasattr(stream, name)), None)
    inner = getattr(stream, attr) if attr else None
    if attr and inner is not None and hasattr(inner, "__anext__") == asynchronous:
        setattr(stream, attr, (_follow_async if asynchronous else _follow)(inner, call))
        _hook_close(stream, call, asynchronous)
        weakref.finalize(stream, call.abandoned).atexit = False
        return stream
    items = _follow_async(stream.__aiter__(), call) if asynchronous else _follow(iter(stream), call)
    proxy = _Followed(stream, items)
    weakref.finalize(proxy, call.abandoned).atexit = False
    return proxy


class _Ending:
    """Ends the span when the stream is exhausted, fails, or is closed half-way."""

    __slots__ = ("call",)

    def __init__(self, call: Recorder) -> None:
        self.call = call

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, error: BaseException | None, tb: Any) -> None:
        if kind is GeneratorExit:
            self.call.abandoned()
        else:
            self.call.finish(None, error)


def _follow(items: Iterator[Any], call: Recorder) -> Iterator[Any]:
    with _Ending(call):
        for chunk in items:
            call.add(chunk)
            yield chunk


async def _follow_async(items: AsyncIterator[Any], call: Recorder) -> AsyncIterator[Any]:
    with _Ending(call):
        async for chunk in items:
            call.add(chunk)
            yield chunk


def _hook_close(stream: Any, call: Recorder, asynchronous: bool) -> None:
    """``stream.close()`` (and so leaving ``with stream:``) also ends the span."""
    close = stream.close
    if asynchronous:

        async def aclosed() -> None:
            try:
                await close()
            finally:
                call.abandoned()

        stream.close = aclosed
        return

    def closed() -> None:
        try:
            close()
        finally:
            call.abandoned()

    stream.close = closed


class _Followed:
    """A stream seen through the recorder: iterates as the stream does; other attributes
    are the stream's own."""

    __slots__ = ("__weakref__", "_items", "_stream")

    def __init__(self, stream: Any, items: Any) -> None:
        self._stream = stream
        self._items = items

    def __iter__(self) -> _Followed:
        return self

    def __next__(self) -> Any:
        return next(self._items)

    def __aiter__(self) -> _Followed:
        return self

    def __anext__(self) -> Any:
        return self._items.__anext__()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def __repr__(self) -> str:
        return f"<traced {self._stream!r}>"
