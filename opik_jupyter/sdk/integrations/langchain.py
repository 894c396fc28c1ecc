"""LangChain: a callback handler that turns runs into nested spans.

``OpikTracer`` maps each LangChain run to a span (run id -> span id, parent run -> parent
span): chains and retrievers become ``general`` spans, tools ``tool`` spans, chat models and
LLMs ``llm`` spans with model, provider (LangChain's ``ls_provider``), token usage and the
generated message. A root run nests under the current span or trace (a ``@track``
function, a traced cell) or starts a trace. ``instrument()`` adds one handler to every
LangChain run through LangChain's ``register_configure_hook``; while it records a model
call, the OpenAI/Anthropic client call LangChain makes inside it is not traced again.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable, Mapping
from types import FrameType
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.tracers.context import register_configure_hook

from .. import _config
from .._context import UNSET, Span, SpanType, current
from .._tracing import begin_span, finish_span
from . import _llm
from ._llm import Reading, request_input, usage

__all__ = ["OpikTracer"]

_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}
_model_runs: set[UUID] = set()  # model runs being recorded now (by any handler)


def _safe(method: Callable[..., None]) -> Callable[..., None]:
    """A callback never raises into LangChain: failures are logged once and counted."""

    @functools.wraps(method)
    def wrapper(self: OpikTracer, *args: Any, **kwargs: Any) -> None:
        try:
            method(self, *args, **kwargs)
        except Exception:  # tracing must not break user code
            _llm.internal_error(f"langchain-{method.__name__}")

    return wrapper


def _name(serialized: Mapping[str, Any] | None, kwargs: Mapping[str, Any], default: str) -> str:
    if kwargs.get("name"):
        return str(kwargs["name"])
    serialized = serialized or {}
    ids = serialized.get("id") or [default]
    return str(serialized.get("name") or ids[-1])


def _wrapped(value: Any, key: str) -> Any:
    return value if isinstance(value, dict) else {key: value}


def _message(message: Any) -> dict[str, Any]:
    kind = message.type.removesuffix("MessageChunk").lower()  # AIMessageChunk -> ai
    out = {"role": _ROLES.get(kind, kind), "content": message.content}
    if getattr(message, "tool_calls", None):
        out["tool_calls"] = message.tool_calls
    return out


class OpikTracer(BaseCallbackHandler):
    """A LangChain callback handler recording runs as opik-jupyter spans.

    Pass it per call (``chain.invoke(x, config={"callbacks": [OpikTracer()]})``) or once
    to a runnable (``chain.with_config(callbacks=[OpikTracer()])``). ``project_name``,
    ``tags`` and ``metadata`` apply to the spans (and traces) it starts.
    """

    run_inline = True  # called in the run's own thread and context, in order

    def __init__(
        self,
        *,
        project_name: str | None = None,
        tags: Iterable[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        _auto: bool = False,
    ) -> None:
        self.project_name = project_name
        self.tags = list(tags) if tags else None
        self.metadata = dict(metadata or {})
        self._auto = _auto
        self._spans: dict[UUID, Span] = {}

    # -- runs -> spans ---------------------------------------------------------------------

    def _start(
        self,
        run_id: UUID,
        parent_run_id: UUID | None,
        name: str,
        type: SpanType,
        input: Any,
        metadata: Mapping[str, Any] | None,
        model: str | None = None,
        provider: str | None = None,
    ) -> None:
        parent = self._spans.get(parent_run_id) if parent_run_id is not None else None
        if not self._traces(parent):
            return
        token = current.set(parent) if parent is not None else None
        try:
            span = begin_span(
                name,
                type,
                input,
                {"created_from": "langchain", **self.metadata, **(metadata or {})},
                self.tags,
                self.project_name,
                model,
                provider,
            )
        finally:
            if token is not None:
                current.reset(token)
        if span is not None:
            self._spans[run_id] = span
            if type == "llm":
                _model_runs.add(run_id)

    def _traces(self, parent: Span | None) -> bool:
        if not _config.current().enabled:
            return False
        if not self._auto or parent is not None:
            return True
        return "langchain" in _llm.instrumentation.active and (
            current.get() is not None or not _llm.instrumentation.only_inside_traces
        )

    def _end(
        self,
        run_id: UUID,
        output: Any = UNSET,
        error: BaseException | None = None,
        reading: Reading | None = None,
    ) -> None:
        span = self._spans.pop(run_id, None)
        _model_runs.discard(run_id)
        if span is None:
            return
        if reading is not None:
            span.update(usage=reading.usage or None, model=reading.model)
            output = reading.output
        finish_span(span, output, error)

    # -- callbacks -------------------------------------------------------------------------

    @_safe
    def on_chain_start(
        self,
        serialized: dict[str, Any] | None,
        inputs: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self._start(
            run_id,
            parent_run_id,
            _name(serialized, kwargs, "chain"),
            "general",
            _wrapped(inputs, "input"),
            metadata,
        )

    @_safe
    def on_chain_end(self, outputs: Any, *, run_id: UUID, **_kwargs: Any) -> None:
        self._end(run_id, _wrapped(outputs, "output"))

    @_safe
    def on_chain_error(self, error: BaseException, *, run_id: UUID, **_kwargs: Any) -> None:
        self._end(run_id, error=error)

    on_tool_error = on_chain_error
    on_retriever_error = on_chain_error
    on_llm_error = on_chain_error

    @_safe
    def on_tool_start(
        self,
        serialized: dict[str, Any] | None,
        input_str: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        metadata: dict[str, Any] | None = None,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self._start(
            run_id,
            parent_run_id,
            _name(serialized, kwargs, "tool"),
            "tool",
            inputs if inputs is not None else {"input": input_str},
            metadata,
        )

    @_safe
    def on_tool_end(self, output: Any, *, run_id: UUID, **_kwargs: Any) -> None:
        self._end(run_id, {"output": output})

    @_safe
    def on_retriever_start(
        self,
        serialized: dict[str, Any] | None,
        query: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self._start(
            run_id,
            parent_run_id,
            _name(serialized, kwargs, "retriever"),
            "general",
            {"query": query},
            metadata,
        )

    @_safe
    def on_retriever_end(self, documents: Any, *, run_id: UUID, **_kwargs: Any) -> None:
        self._end(
            run_id,
            {
                "documents": [
                    {"page_content": doc.page_content, "metadata": doc.metadata}
                    for doc in documents
                ]
            },
        )

    @_safe
    def on_chat_model_start(
        self,
        serialized: dict[str, Any] | None,
        messages: list[list[Any]],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        batches = [[_message(m) for m in batch] for batch in messages]
        self._start_model(
            run_id,
            parent_run_id,
            serialized,
            kwargs,
            metadata,
            {"messages": batches[0] if len(batches) == 1 else batches},
        )

    @_safe
    def on_llm_start(
        self,
        serialized: dict[str, Any] | None,
        prompts: list[str],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self._start_model(run_id, parent_run_id, serialized, kwargs, metadata, {"prompts": prompts})

    def _start_model(
        self,
        run_id: UUID,
        parent_run_id: UUID | None,
        serialized: dict[str, Any] | None,
        kwargs: dict[str, Any],
        metadata: dict[str, Any] | None,
        input: dict[str, Any],
    ) -> None:
        params = dict(kwargs.get("invocation_params") or {})
        metadata = metadata or {}
        model = (
            params.pop("model", None)
            or params.pop("model_name", None)
            or metadata.get("ls_model_name")
        )
        self._start(
            run_id,
            parent_run_id,
            _name(serialized, kwargs, "llm"),
            "llm",
            {**input, **request_input(params)},
            metadata,
            model=model,
            provider=metadata.get("ls_provider"),
        )

    @_safe
    def on_llm_end(self, response: Any, *, run_id: UUID, **_kwargs: Any) -> None:
        self._end(run_id, reading=read_llm_result(response))


def read_llm_result(result: Any) -> Reading:
    """An ``LLMResult``: the first generation, its usage and model."""
    generations = result.generations[0] if result.generations else []
    generation = generations[0] if generations else None
    message = getattr(generation, "message", None)
    output = (
        _message(message) if message is not None else {"text": getattr(generation, "text", None)}
    )
    llm_output = result.llm_output or {}
    metadata = getattr(message, "response_metadata", None) or {}
    model = llm_output.get("model_name") or metadata.get("model_name") or metadata.get("model")
    return Reading(
        output,
        _usage(llm_output.get("token_usage"), getattr(message, "usage_metadata", None)),
        model,
    )


def _usage(token_usage: Any, usage_metadata: Any) -> dict[str, int] | None:
    """The provider's usage when LangChain kept it (OpenAI's ``token_usage``), else
    LangChain's ``usage_metadata`` in OpenAI's shape (so cached tokens are priced)."""
    if isinstance(token_usage, Mapping) and "prompt_tokens" in token_usage:
        return usage(token_usage, ("prompt_tokens",), "completion_tokens")
    if not usage_metadata:
        return None
    details = usage_metadata.get("input_token_details") or {}
    shaped = {
        "prompt_tokens": usage_metadata.get("input_tokens", 0),
        "completion_tokens": usage_metadata.get("output_tokens", 0),
        "total_tokens": usage_metadata.get("total_tokens"),
        "prompt_tokens_details": {"cached_tokens": details.get("cache_read")},
    }
    return usage(shaped, ("prompt_tokens",), "completion_tokens")


# -- instrument(): one handler for every run, and no double LLM spans -------------------------


class _Hook:
    """What LangChain's configure hook reads (``.get()``): our handler while instrumented."""

    def __init__(self) -> None:
        self.handler: OpikTracer | None = None

    def get(self) -> OpikTracer | None:
        return self.handler


_HOOK = _Hook()
register_configure_hook(_HOOK, inheritable=True, handle_class=OpikTracer)  # type: ignore[arg-type]


def install(patch: Any) -> None:
    """Give every LangChain run the handler (``instrument``; ``uninstrument`` takes it away)."""
    patch(_HOOK, "handler", lambda _old, _endpoint: OpikTracer(_auto=True), None)


def _inside_model_run() -> bool:
    """A client call made by a LangChain model whose run is recorded already."""
    if not _model_runs:
        return False
    frame: FrameType | None = sys._getframe(1)
    for _ in range(64):
        if frame is None:
            return False
        if frame.f_globals.get("__name__", "").startswith("langchain_core.language_models"):
            return True
        frame = frame.f_back
    return False


_llm.suppressors.append(_inside_model_run)
