"""LlamaIndex, through its instrumentation API (a span handler on the root dispatcher).

Every method LlamaIndex instruments (``query``, ``retrieve``, ``synthesize``, ``get_response``
...) becomes a ``general`` span named ``Class.method``, nested as LlamaIndex runs them and
under the current trace (``%%opik_track``'s cell). An LLM's ``chat``/``complete`` (and
their async and streaming forms) is an ``llm`` span with the model, the provider (the
``llama_index.llms.<provider>`` package) and the usage of the provider's raw response, so
the client library's own call inside it is not traced twice.

    from llama_index.core.instrumentation import get_dispatcher
    get_dispatcher().add_span_handler(OpikSpanHandler())

``instrument()`` adds one for you.
"""

from __future__ import annotations

import contextlib
import inspect
from typing import Any

from llama_index.core.instrumentation import root_dispatcher
from llama_index.core.instrumentation.span import BaseSpan
from llama_index.core.instrumentation.span_handlers import BaseSpanHandler
from llama_index.core.llms import LLM
from pydantic import ConfigDict

from .. import _context
from .._context import UNSET, Span, SpanType
from .._tracing import begin_span, finish_span
from . import _llm
from ._llm import as_dict, usage

__all__ = ["OpikSpanHandler"]

_LLM_METHODS = frozenset(
    {
        "chat",
        "complete",
        "achat",
        "acomplete",
        "stream_chat",
        "stream_complete",
        "astream_chat",
        "astream_complete",
    }
)
_UUID = 37  # the "-<uuid4>" LlamaIndex appends to span ids


class _Open(BaseSpan):
    """A LlamaIndex span, and ours with the context token that made it current."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    span: Any
    token: Any


class OpikSpanHandler(BaseSpanHandler[_Open]):
    """A LlamaIndex span handler that records its spans as opik-jupyter spans."""

    explicit: bool = True  # False under instrument(): follows only_inside_traces

    @classmethod
    def class_name(cls) -> str:
        return "OpikSpanHandler"

    def new_span(
        self,
        id_: str,
        bound_args: inspect.BoundArguments,
        instance: Any | None = None,
        parent_span_id: str | None = None,
        tags: dict[str, Any] | None = None,  # noqa: ARG002 - the handler interface
        **kwargs: Any,  # noqa: ARG002
    ) -> _Open | None:
        parent = self.open_spans.get(parent_span_id or "")
        if parent is None and not _llm.should_trace("llama_index", self.explicit):
            return None
        try:
            span = _open(id_, bound_args, instance, parent.span if parent else None)
        except Exception:  # tracing must not break LlamaIndex
            _llm.internal_error("llama-index-span")
            return None
        if span is None:
            return None
        token = _context.current.set(span)
        return _Open(id_=id_, parent_id=parent_span_id, span=span, token=token)

    def prepare_to_exit_span(
        self,
        id_: str,
        bound_args: inspect.BoundArguments,  # noqa: ARG002 - the handler interface
        instance: Any | None = None,  # noqa: ARG002
        result: Any | None = None,
        **kwargs: Any,  # noqa: ARG002
    ) -> _Open | None:
        return self._close(id_, result, None)

    def prepare_to_drop_span(
        self,
        id_: str,
        bound_args: inspect.BoundArguments,  # noqa: ARG002 - the handler interface
        instance: Any | None = None,  # noqa: ARG002
        err: BaseException | None = None,
        **kwargs: Any,  # noqa: ARG002
    ) -> _Open | None:
        return self._close(id_, UNSET, err)

    def _close(self, id_: str, result: Any, error: BaseException | None) -> _Open | None:
        opened = self.open_spans.get(id_)
        if opened is None:
            return None
        with contextlib.suppress(ValueError):  # ended in another context (a stream): closed
            _context.current.reset(opened.token)
        output: Any = UNSET
        if result is not UNSET and result is not None:
            try:
                output = _output(opened.span, result)
            except Exception:  # tracing must not break LlamaIndex
                _llm.internal_error("llama-index-result")
        finish_span(opened.span, output, error)
        return opened


def _open(id_: str, bound_args: inspect.BoundArguments, instance: Any, parent: Any) -> Any:
    name = id_[:-_UUID] if len(id_) > _UUID else id_
    method = name.rsplit(".", 1)[-1]
    inputs = {k: v for k, v in bound_args.arguments.items() if k not in ("self", "kwargs")}
    kind: SpanType = "general"
    model = provider = None
    if isinstance(instance, LLM) and method in _LLM_METHODS:
        kind = "llm"
        model = getattr(instance.metadata, "model_name", None)
        provider = _provider(instance)
    metadata = {"created_from": "llama_index"}
    token = _context.current.set(parent) if parent is not None else None
    try:
        return begin_span(name, kind, inputs, metadata, model=model, provider=provider)
    finally:
        if token is not None:
            _context.current.reset(token)


def _provider(instance: Any) -> str | None:
    """``llama_index.llms.openai.base`` -> ``openai``."""
    parts = type(instance).__module__.split(".")
    return parts[2] if parts[:2] == ["llama_index", "llms"] and len(parts) > 2 else None


def _output(span: Span, result: Any) -> Any:
    """What a span returned; an LLM's response also gives the span its usage and model."""
    if span.type != "llm" or inspect.isgenerator(result) or inspect.isasyncgen(result):
        return {"output": result} if not isinstance(result, dict) else result
    raw = as_dict(getattr(result, "raw", None))
    counts = usage(raw.get("usage"), ("prompt_tokens",), "completion_tokens")
    if not counts:
        extra = getattr(result, "additional_kwargs", None) or {}
        counts = usage(extra, ("prompt_tokens",), "completion_tokens")
    span.update(usage=counts or None, model=raw.get("model") or None)
    message = getattr(result, "message", None)
    if message is not None:
        return {
            "role": str(getattr(message.role, "value", message.role)),
            "content": message.content,
        }
    return {"text": getattr(result, "text", str(result))}


def install(patch: Any) -> None:
    """Add a handler to LlamaIndex's root dispatcher (``instrument``); ``uninstrument()``
    puts the dispatcher's handlers back as they were."""
    patch(root_dispatcher, "span_handlers", _with_ours, None)


def _with_ours(handlers: list[Any], _endpoint: Any) -> list[Any]:
    ours = OpikSpanHandler()
    ours.explicit = False
    return [*handlers, ours]
