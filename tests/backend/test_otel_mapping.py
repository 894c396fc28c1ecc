"""The OTLP decoding and the GenAI / OpenInference mapping, as pure functions."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

from opik_backend.errors import BadRequest
from opik_backend.ids import check_v7, timestamp_of
from opik_backend.otel.decode import OtelSpan, decode_request
from opik_backend.otel.mapping import map_span
from opik_backend.otel.records import proposed_trace_ids, uuid7_of, writes_of

TRACE = "5b8efff798038103d269b633813fc60c"
ROOT = "eee19b7ec3c1b174"
CHILD = "eee19b7ec3c1b173"
START_NS = 1_700_000_000_123_456_789


def kv(key: str, value: object) -> KeyValue:
    any_value = AnyValue()
    if isinstance(value, bool):
        any_value.bool_value = value
    elif isinstance(value, int):
        any_value.int_value = value
    elif isinstance(value, float):
        any_value.double_value = value
    elif isinstance(value, list):
        any_value.array_value.values.extend(kv("", item).value for item in value)
    else:
        any_value.string_value = str(value)
    return KeyValue(key=key, value=any_value)


def otel(attributes: dict | None = None, **fields: object) -> OtelSpan:
    base: dict = {
        "trace_id": TRACE,
        "span_id": CHILD,
        "parent_span_id": ROOT,
        "name": "chat gpt-4o",
        "kind": "client",
        "start_time": dt.datetime(2026, 1, 1, 12),
        "end_time": dt.datetime(2026, 1, 1, 12, 0, 1),
        "attributes": attributes or {},
        "resource": {"service.name": "app"},
        "scope": {"name": "s", "version": "1"},
        "events": [],
        "links": [],
        "status": {"code": "unset", "message": ""},
    }
    return OtelSpan(**{**base, **fields})


def request_of(*spans: Span, resource: dict | None = None) -> ExportTraceServiceRequest:
    scope = ScopeSpans(spans=list(spans))
    scope.scope.name = "my.instrumentation"
    resource_spans = ResourceSpans(scope_spans=[scope])
    resource_spans.resource.attributes.extend(
        kv(k, v) for k, v in (resource or {"service.name": "app"}).items()
    )
    return ExportTraceServiceRequest(resource_spans=[resource_spans])


def proto_span(**attributes: object) -> Span:
    span = Span(
        trace_id=bytes.fromhex(TRACE),
        span_id=bytes.fromhex(CHILD),
        parent_span_id=bytes.fromhex(ROOT),
        name="chat",
        kind=Span.SPAN_KIND_CLIENT,
        start_time_unix_nano=START_NS,
        end_time_unix_nano=START_NS + 2_000_000_000,
    )
    span.attributes.extend(kv(k, v) for k, v in attributes.items())
    return span


def test_protobuf_body_decodes_ids_times_kind_resource_scope_events_links_and_status() -> None:
    span = proto_span(**{"gen_ai.request.model": "gpt-4o", "retries": 2, "flags": [1, 2]})
    event = span.events.add(name="exception", time_unix_nano=START_NS + 1000)
    event.attributes.append(kv("exception.type", "ValueError"))
    link = span.links.add(trace_id=bytes.fromhex(TRACE), span_id=bytes.fromhex(ROOT))
    link.attributes.append(kv("why", "retry"))
    span.status.code = Status.STATUS_CODE_ERROR
    span.status.message = "boom"

    (got,) = decode_request(request_of(span).SerializeToString(), "application/x-protobuf")

    assert (got.trace_id, got.span_id, got.parent_span_id) == (TRACE, CHILD, ROOT)
    assert got.kind == "client"
    assert got.start_time == dt.datetime(2023, 11, 14, 22, 13, 20, 123456)
    assert got.end_time == dt.datetime(2023, 11, 14, 22, 13, 22, 123456)
    assert got.attributes == {"gen_ai.request.model": "gpt-4o", "retries": 2, "flags": [1, 2]}
    assert got.resource == {"service.name": "app"}
    assert got.scope == {"name": "my.instrumentation", "version": ""}
    assert got.events[0]["name"] == "exception"
    assert got.events[0]["attributes"] == {"exception.type": "ValueError"}
    assert got.links == [{"trace_id": TRACE, "span_id": ROOT, "attributes": {"why": "retry"}}]
    assert got.status == {"code": "error", "message": "boom"}


def test_json_body_takes_hex_ids_as_the_otlp_json_encoding_says() -> None:
    body = {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "a"}}]
                },
                "scopeSpans": [
                    {
                        "scope": {"name": "x"},
                        "spans": [
                            {
                                "traceId": TRACE,
                                "spanId": ROOT,
                                "name": "root",
                                "kind": 2,
                                "startTimeUnixNano": str(START_NS),
                                "endTimeUnixNano": str(START_NS + 1),
                                "attributes": [
                                    {"key": "llm.token_count.prompt", "value": {"intValue": "7"}}
                                ],
                            }
                        ],
                    }
                ],
            }
        ]
    }
    (got,) = decode_request(json.dumps(body).encode(), "application/json; charset=utf-8")
    assert (got.trace_id, got.span_id, got.parent_span_id) == (TRACE, ROOT, "")
    assert got.kind == "server"
    assert got.attributes == {"llm.token_count.prompt": 7}


@pytest.mark.parametrize(
    ("body", "content_type", "named"),
    [
        (b"\xff\xff\xff", "application/x-protobuf", "protobuf"),
        (b"{not json", "application/json", "JSON"),
        (b"<xml/>", "text/xml", "Content-Type"),
    ],
)
def test_a_body_that_is_not_an_export_request_is_refused_naming_why(
    body: bytes, content_type: str, named: str
) -> None:
    with pytest.raises(BadRequest, match=named):
        decode_request(body, content_type)


def test_a_span_with_a_short_trace_id_is_refused() -> None:
    span = proto_span()
    span.trace_id = b"\x01\x02"
    with pytest.raises(BadRequest, match="16 bytes"):
        decode_request(request_of(span).SerializeToString(), "application/x-protobuf")


def test_genai_semantic_conventions_map_to_an_llm_span_with_usage_messages_and_provider() -> None:
    mapped = map_span(
        otel(
            {
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.response.model": "gpt-4o-2024-08-06",
                "gen_ai.provider.name": "openai",
                "gen_ai.usage.input_tokens": 12,
                "gen_ai.usage.output_tokens": 5,
                "gen_ai.input.messages": json.dumps([{"role": "user", "content": "hi"}]),
                "gen_ai.output.messages": json.dumps([{"role": "assistant", "content": "yo"}]),
                "gen_ai.conversation.id": "conv-1",
                "server.address": "api.openai.com",
            }
        )
    )
    assert mapped.type == "llm"
    assert mapped.model == "gpt-4o-2024-08-06"
    assert mapped.provider == "openai"
    assert mapped.usage == {"prompt_tokens": 12, "completion_tokens": 5}
    assert mapped.input == {"messages": [{"role": "user", "content": "hi"}]}
    assert mapped.output == {"messages": [{"role": "assistant", "content": "yo"}]}
    assert mapped.thread_id == "conv-1"
    assert mapped.metadata["server.address"] == "api.openai.com"
    assert "gen_ai.usage.input_tokens" not in mapped.metadata
    assert mapped.metadata["otel"]["span_id"] == CHILD
    assert mapped.metadata["otel"]["resource"] == {"service.name": "app"}


def test_openllmetry_indexed_prompts_and_completions_become_messages() -> None:
    mapped = map_span(
        otel(
            {
                "gen_ai.system": "Anthropic",
                "gen_ai.request.model": "claude-3-5-haiku",
                "gen_ai.prompt.0.role": "system",
                "gen_ai.prompt.0.content": "be brief",
                "gen_ai.prompt.1.role": "user",
                "gen_ai.prompt.1.content": "hi",
                "gen_ai.completion.0.role": "assistant",
                "gen_ai.completion.0.content": "hello",
                "gen_ai.usage.prompt_tokens": 3,
                "gen_ai.usage.completion_tokens": 1,
                "llm.request.type": "chat",
            }
        )
    )
    assert mapped.provider == "Anthropic"
    assert mapped.input == {
        "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]
    }
    assert mapped.output == {"messages": [{"role": "assistant", "content": "hello"}]}
    assert mapped.usage == {"prompt_tokens": 3, "completion_tokens": 1}


def test_openinference_attributes_map_kind_values_usage_cost_and_tags() -> None:
    mapped = map_span(
        otel(
            {
                "openinference.span.kind": "LLM",
                "llm.model_name": "gpt-4o-mini",
                "llm.provider": "openai",
                "llm.token_count.prompt": 30,
                "llm.token_count.completion": 4,
                "llm.token_count.total": 34,
                "llm.token_count.prompt_details.cache_read": 10,
                "llm.input_messages.0.message.role": "user",
                "llm.input_messages.0.message.content": "hi",
                "llm.output_messages.0.message.role": "assistant",
                "llm.output_messages.0.message.content": "hey",
                "llm.cost.total": 0.25,
                "session.id": "s-9",
                "tag.tags": ["a", "b"],
            }
        )
    )
    assert mapped.type == "llm"
    assert mapped.usage == {
        "prompt_tokens": 30,
        "completion_tokens": 4,
        "total_tokens": 34,
        "original_usage.prompt_tokens_details.cached_tokens": 10,
    }
    assert mapped.input == {"messages": [{"role": "user", "content": "hi"}]}
    assert mapped.output == {"messages": [{"role": "assistant", "content": "hey"}]}
    assert mapped.cost == 0.25
    assert mapped.thread_id == "s-9"
    assert mapped.tags == ["a", "b"]


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({"openinference.span.kind": "TOOL"}, "tool"),
        ({"openinference.span.kind": "GUARDRAIL"}, "guardrail"),
        ({"openinference.span.kind": "CHAIN"}, "general"),
        ({"openinference.span.kind": "EMBEDDING"}, "llm"),
        ({"gen_ai.operation.name": "execute_tool"}, "tool"),
        ({"gen_ai.operation.name": "invoke_agent"}, "general"),
        ({"gen_ai.operation.name": "text_completion"}, "llm"),
        ({}, "general"),
    ],
)
def test_span_type_from_either_vocabulary(attributes: dict, expected: str) -> None:
    assert map_span(otel(attributes)).type == expected


def test_json_input_value_is_parsed_and_text_kept_as_text() -> None:
    mapped = map_span(
        otel(
            {
                "input.value": '{"q": 1}',
                "input.mime_type": "application/json",
                "output.value": "plain answer",
            }
        )
    )
    assert mapped.input == {"q": 1}
    assert mapped.output == {"output": "plain answer"}


def test_an_error_status_becomes_error_info_from_the_exception_event() -> None:
    event = {
        "name": "exception",
        "time": None,
        "attributes": {
            "exception.type": "TimeoutError",
            "exception.message": "slow",
            "exception.stacktrace": "Traceback ...",
        },
    }
    mapped = map_span(otel(status={"code": "error", "message": "x"}, events=[event]))
    assert mapped.error_info == {
        "exception_type": "TimeoutError",
        "message": "slow",
        "traceback": "Traceback ...",
    }
    assert map_span(otel(status={"code": "ok", "message": ""})).error_info is None


def test_ids_are_uuid7_at_the_trace_time_and_stable_per_otel_id() -> None:
    at = dt.datetime(2026, 1, 1, 12, 0, 0, 250000)
    first = uuid7_of(CHILD, at)
    assert check_v7(first, "id") == first
    assert timestamp_of(first).replace(tzinfo=None) == at
    assert uuid7_of(CHILD, at) == first
    assert uuid7_of(ROOT, at) != first


def test_a_batch_without_its_root_writes_a_partial_trace_older_than_any_full_one() -> None:
    child = otel({"gen_ai.operation.name": "chat"})
    trace_ids = proposed_trace_ids([child])
    spans, traces = writes_of([child], trace_ids)
    (trace,) = traces
    assert trace.id == trace_ids[TRACE]
    assert trace.end_time is None
    assert trace.last_updated_at == child.start_time
    (span,) = spans
    assert span.trace_id == trace.id
    assert span.parent_span_id == uuid7_of(ROOT, timestamp_of(trace.id).replace(tzinfo=None))

    root = otel({"input.value": "q"}, span_id=ROOT, parent_span_id="", name="agent")
    root_spans, (full,) = writes_of([root], trace_ids)
    assert root_spans[0].id == span.parent_span_id
    assert (full.name, full.end_time, full.last_updated_at) == ("agent", root.end_time, None)
