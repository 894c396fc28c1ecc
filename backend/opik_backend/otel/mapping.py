"""What an OTel span means to us: span type, model, provider, usage, input/output, cost.

Two attribute vocabularies are read: OpenTelemetry's GenAI semantic conventions
(``gen_ai.*``, including the older ``gen_ai.prompt.N``/``gen_ai.completion.N`` form that
OpenLLMetry writes and the ``gen_ai.*.message`` events) and OpenInference's (``llm.*``,
``input.value``, ``openinference.span.kind``). Attributes that are not mapped to a field are
kept in the span's metadata, with the OTel ids, kind, scope, resource, status, events and
links under ``metadata.otel``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from .decode import Attributes, OtelSpan

_LLM_OPERATIONS = frozenset(
    {"chat", "text_completion", "generate_content", "completion", "embeddings"}
)
_TYPE_OF_KIND = {"LLM": "llm", "EMBEDDING": "llm", "TOOL": "tool", "GUARDRAIL": "guardrail"}
_MODEL_KEYS = (
    "gen_ai.response.model",
    "gen_ai.request.model",
    "llm.response.model_name",
    "llm.model_name",
    "llm.request.model_name",
    "embedding.model_name",
)
_PROVIDER_KEYS = ("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system")
# usage key -> attributes that give it, first found wins
_USAGE_KEYS = {
    "prompt_tokens": (
        "gen_ai.usage.input_tokens",
        "gen_ai.usage.prompt_tokens",
        "llm.token_count.prompt",
    ),
    "completion_tokens": (
        "gen_ai.usage.output_tokens",
        "gen_ai.usage.completion_tokens",
        "llm.token_count.completion",
    ),
    "total_tokens": ("gen_ai.usage.total_tokens", "llm.token_count.total"),
    "original_usage.prompt_tokens_details.cached_tokens": (
        "gen_ai.usage.cache_read.input_tokens",
        "gen_ai.usage.cache_read_input_tokens",
        "llm.token_count.prompt_details.cache_read",
    ),
    "original_usage.completion_tokens_details.reasoning_tokens": (
        "gen_ai.usage.reasoning.output_tokens",
        "llm.token_count.completion_details.reasoning",
    ),
}
_COST_KEYS = ("gen_ai.usage.cost", "llm.cost.total", "gen_ai.cost.total")
_THREAD_KEYS = ("gen_ai.conversation.id", "session.id", "thread_id")
_INPUT_MESSAGE_EVENTS = frozenset(
    {
        "gen_ai.system.message",
        "gen_ai.user.message",
        "gen_ai.assistant.message",
        "gen_ai.tool.message",
    }
)
_MAPPED_PREFIXES = (
    "gen_ai.prompt.",
    "gen_ai.completion.",
    "llm.input_messages.",
    "llm.output_messages.",
)
_MAPPED_KEYS = frozenset(
    {
        *_MODEL_KEYS,
        *_PROVIDER_KEYS,
        *(key for keys in _USAGE_KEYS.values() for key in keys),
        *_COST_KEYS,
        *_THREAD_KEYS,
        "input.value",
        "input.mime_type",
        "output.value",
        "output.mime_type",
        "gen_ai.input.messages",
        "gen_ai.output.messages",
        "gen_ai.prompt",
        "gen_ai.completion",
        "tag.tags",
    }
)


@dataclasses.dataclass(frozen=True)
class Mapped:
    """The fields of our span (and, for a root span, its trace) that one OTel span gives."""

    type: str
    model: str | None
    provider: str | None
    usage: dict[str, int] | None
    input: Any
    output: Any
    metadata: dict[str, Any]
    cost: float | None
    error_info: dict[str, str] | None
    thread_id: str | None
    tags: list[str]


def map_span(span: OtelSpan) -> Mapped:
    """Our reading of ``span``'s attributes and events."""
    attrs = span.attributes
    return Mapped(
        type=span_type(attrs),
        model=_first_text(attrs, _MODEL_KEYS),
        provider=_first_text(attrs, _PROVIDER_KEYS),
        usage=usage_of(attrs),
        input=input_of(span),
        output=output_of(span),
        metadata=_metadata(span),
        cost=_cost(attrs),
        error_info=error_of(span),
        thread_id=_first_text(attrs, _THREAD_KEYS),
        tags=[str(tag) for tag in attrs.get("tag.tags") or []],
    )


def span_type(attrs: Attributes) -> str:
    """``llm``, ``tool``, ``guardrail`` or ``general``."""
    kind = str(attrs.get("openinference.span.kind", "")).upper()
    if kind in _TYPE_OF_KIND:
        return _TYPE_OF_KIND[kind]
    operation = str(attrs.get("gen_ai.operation.name", ""))
    if operation in _LLM_OPERATIONS:
        return "llm"
    if operation == "execute_tool":
        return "tool"
    return "general"


def usage_of(attrs: Attributes) -> dict[str, int] | None:
    """Token counts under the names the Opik SDKs use; None when there are none."""
    usage = {}
    for key, sources in _USAGE_KEYS.items():
        for source in sources:
            value = attrs.get(source)
            if isinstance(value, int | float) and not isinstance(value, bool):
                usage[key] = int(value)
                break
    return usage or None


def input_of(span: OtelSpan) -> Any:
    """The span's input: OpenInference's value or messages, or GenAI messages."""
    attrs = span.attributes
    if "input.value" in attrs:
        return _object(_value(attrs["input.value"], attrs.get("input.mime_type")), "input")
    messages = (
        indexed(attrs, "llm.input_messages.", "message.")
        or _json(attrs.get("gen_ai.input.messages"))
        or indexed(attrs, "gen_ai.prompt.", "")
        or _event_messages(span, _INPUT_MESSAGE_EVENTS)
    )
    if messages:
        return {"messages": messages}
    return _object(_json(attrs.get("gen_ai.prompt")), "input")


def output_of(span: OtelSpan) -> Any:
    """The span's output: OpenInference's value or messages, or GenAI messages/choices."""
    attrs = span.attributes
    if "output.value" in attrs:
        return _object(_value(attrs["output.value"], attrs.get("output.mime_type")), "output")
    messages = (
        indexed(attrs, "llm.output_messages.", "message.")
        or _json(attrs.get("gen_ai.output.messages"))
        or indexed(attrs, "gen_ai.completion.", "")
        or _event_messages(span, frozenset({"gen_ai.choice"}))
    )
    if messages:
        return {"messages": messages}
    return _object(_json(attrs.get("gen_ai.completion")), "output")


def indexed(attrs: Attributes, prefix: str, inner: str) -> list[dict[str, Any]]:
    """``prefix.0.inner.role`` style attributes as ``[{"role": ...}, ...]``, in index order."""
    items: dict[int, dict[str, Any]] = {}
    for key, value in attrs.items():
        if not key.startswith(prefix):
            continue
        index, _, rest = key[len(prefix) :].partition(".")
        if not index.isdigit() or not rest.startswith(inner):
            continue
        items.setdefault(int(index), {})[rest[len(inner) :]] = value
    return [items[i] for i in sorted(items)]


def error_of(span: OtelSpan) -> dict[str, str] | None:
    """Opik's ``error_info`` of a span whose status is ERROR (from its exception event)."""
    if span.status.get("code") != "error":
        return None
    exception: Mapping[str, Any] = next(
        (e["attributes"] for e in span.events if e["name"] == "exception"), {}
    )
    return {
        "exception_type": str(exception.get("exception.type") or "Error"),
        "message": str(exception.get("exception.message") or span.status.get("message") or ""),
        "traceback": str(exception.get("exception.stacktrace") or ""),
    }


def _metadata(span: OtelSpan) -> dict[str, Any]:
    kept = {
        key: value
        for key, value in span.attributes.items()
        if key not in _MAPPED_KEYS and not key.startswith(_MAPPED_PREFIXES)
    }
    kept["otel"] = {
        "trace_id": span.trace_id,
        "span_id": span.span_id,
        "parent_span_id": span.parent_span_id or None,
        "kind": span.kind,
        "scope": span.scope,
        "resource": span.resource,
        "status": span.status,
        "events": span.events,
        "links": span.links,
    }
    return kept


def _cost(attrs: Attributes) -> float | None:
    for key in _COST_KEYS:
        value = attrs.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            return float(value)
    return None


def _first_text(attrs: Attributes, keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = attrs.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _value(value: Any, mime_type: Any) -> Any:
    """An OpenInference value: parsed when its mime type says JSON, else as text."""
    if mime_type == "application/json":
        parsed = _json(value)
        if parsed is not None:
            return parsed
    return value


def _object(value: Any, key: str) -> Any:
    """``value`` as a JSON object, as Opik shows inputs and outputs: ``{key: value}`` unless it
    is one already; None stays None."""
    if value is None or isinstance(value, dict):
        return value
    return {key: value}


def _json(value: Any) -> Any:
    """``value`` parsed if it is JSON text; None when absent or not JSON."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return None


def _event_messages(span: OtelSpan, names: frozenset[str]) -> list[dict[str, Any]]:
    """Messages from the (deprecated) ``gen_ai.*.message`` / ``gen_ai.choice`` events."""
    found = []
    for event in span.events:
        if event["name"] in names:
            attrs: Mapping[str, Any] = event["attributes"]
            role = event["name"].removeprefix("gen_ai.").removesuffix(".message")
            found.append({"role": attrs.get("role", role), **attrs})
    return found
