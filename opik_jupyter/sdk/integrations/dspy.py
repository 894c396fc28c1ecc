"""DSPy, through its callback API: each module call is a ``general`` span, each LM call an
``llm`` span (model, provider, usage from the LM's history), each tool call a ``tool`` span,
nested as DSPy runs them and under the current trace (``%%opik_track``'s cell).

    dspy.configure(lm=lm, callbacks=[OpikDSPyCallback()])
"""

from __future__ import annotations

import contextlib
from typing import Any

from dspy.utils.callback import BaseCallback

from .._context import Span, SpanType, current
from .._tracing import begin_span, finish_span

__all__ = ["OpikDSPyCallback"]


class OpikDSPyCallback(BaseCallback):
    """A DSPy callback that records modules, LM calls and tools as spans."""

    def __init__(self) -> None:
        self._open: dict[str, tuple[Span, Any, Any]] = {}

    def on_module_start(self, call_id: str, instance: Any, inputs: dict[str, Any]) -> None:
        self._start(call_id, type(instance).__name__, "general", inputs)

    def on_module_end(self, call_id: str, outputs: Any, exception: Exception | None = None) -> None:
        self._end(call_id, outputs, exception)

    def on_lm_start(self, call_id: str, instance: Any, inputs: dict[str, Any]) -> None:
        provider, _, model = str(getattr(instance, "model", "")).rpartition("/")
        self._start(call_id, "lm", "llm", inputs, model or None, provider or None, instance)

    def on_lm_end(self, call_id: str, outputs: Any, exception: Exception | None = None) -> None:
        self._end(call_id, outputs, exception)

    def on_tool_start(self, call_id: str, instance: Any, inputs: dict[str, Any]) -> None:
        self._start(call_id, str(getattr(instance, "name", "tool")), "tool", inputs)

    def on_tool_end(self, call_id: str, outputs: Any, exception: Exception | None = None) -> None:
        self._end(call_id, outputs, exception)

    def _start(
        self,
        call_id: str,
        name: str,
        kind: SpanType,
        inputs: dict[str, Any],
        model: str | None = None,
        provider: str | None = None,
        lm: Any = None,
    ) -> None:
        inputs = {key: value for key, value in inputs.items() if key != "self"}
        span = begin_span(
            name, kind, inputs, {"created_from": "dspy"}, model=model, provider=provider
        )
        if span is not None:
            self._open[call_id] = (span, current.set(span), lm)

    def _end(self, call_id: str, outputs: Any, exception: Exception | None) -> None:
        opened = self._open.pop(call_id, None)
        if opened is None:
            return
        span, token, lm = opened
        with contextlib.suppress(ValueError):  # ended in another context (async): still closed
            current.reset(token)
        if lm is not None and getattr(lm, "history", None):
            usage = lm.history[-1].get("usage")
            if usage:
                span.update(usage={k: v for k, v in dict(usage).items() if isinstance(v, int)})
        plain = _plain(outputs)
        output = plain if isinstance(plain, dict) else {"output": plain}
        finish_span(span, output, exception)


def _plain(value: Any) -> Any:
    """A DSPy ``Prediction`` as its fields; anything else as it is."""
    to_dict = getattr(value, "toDict", None)
    return to_dict() if callable(to_dict) else value
