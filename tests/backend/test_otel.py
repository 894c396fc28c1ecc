"""OTLP/HTTP ingestion, end to end: the OpenTelemetry SDK's own exporter and a real
OpenInference instrumentor send spans to a real backend; our REST API reads them back."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator

import httpx
import openai
import pytest
from openinference.instrumentation.openai import OpenAIInstrumentor
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import Status, StatusCode

from opik_jupyter.testing import FakeLLMServer
from tests.testlib.backends import RunningBackend

OPIK_PATH = "/v1/private/otel/v1/traces"


def provider_for(
    backend: RunningBackend,
    workspace: str,
    *,
    path: str = OPIK_PATH,
    project: str | None = "otel-app",
    resource: dict | None = None,
    compression: Compression = Compression.NoCompression,
) -> TracerProvider:
    headers = {"Comet-Workspace": workspace}
    if project:
        headers["projectName"] = project
    exporter = OTLPSpanExporter(
        endpoint=backend.url + path, headers=headers, compression=compression
    )
    provider = TracerProvider(resource=Resource.create(resource or {"service.name": "app"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


def traces_of(api: httpx.Client, project: str) -> list[dict]:
    response = api.get("v1/private/traces", params={"project_name": project, "size": 100})
    assert response.status_code == 200, response.text
    return response.json()["content"]


def spans_of(api: httpx.Client, trace_id: str) -> dict[str, dict]:
    response = api.get("v1/private/spans", params={"trace_id": trace_id, "size": 100})
    assert response.status_code == 200, response.text
    return {span["name"]: span for span in response.json()["content"]}


@pytest.mark.parametrize("compression", [Compression.NoCompression, Compression.Gzip])
def test_sdk_exporter_spans_become_one_trace_with_types_usage_cost_and_nesting(
    backend: RunningBackend, workspace: str, api: httpx.Client, compression: Compression
) -> None:
    provider = provider_for(backend, workspace, compression=compression)
    tracer = provider.get_tracer("agent-app", "1.0")
    with tracer.start_as_current_span("agent") as root:
        root.set_attribute("input.value", "what is 2+2?")
        with tracer.start_as_current_span("chat gpt-4o-mini") as llm:
            llm.set_attributes(
                {
                    "gen_ai.operation.name": "chat",
                    "gen_ai.request.model": "gpt-4o-mini",
                    "gen_ai.provider.name": "openai",
                    "gen_ai.usage.input_tokens": 1000,
                    "gen_ai.usage.output_tokens": 500,
                }
            )
            llm.add_event("gen_ai.user.message", {"content": "what is 2+2?"})
        with tracer.start_as_current_span("calculator") as tool:
            tool.set_attribute("gen_ai.operation.name", "execute_tool")
            tool.set_status(Status(StatusCode.ERROR, "division by zero"))
        root.set_attribute("output.value", "4")
    provider.shutdown()

    (trace,) = traces_of(api, "otel-app")
    assert trace["name"] == "agent"
    assert trace["input"] == {"input": "what is 2+2?"}
    assert trace["output"] == {"output": "4"}
    assert trace["end_time"] is not None
    spans = spans_of(api, trace["id"])
    assert set(spans) == {"agent", "chat gpt-4o-mini", "calculator"}
    llm_span, tool_span, agent = spans["chat gpt-4o-mini"], spans["calculator"], spans["agent"]
    assert llm_span["type"] == "llm"
    assert llm_span["model"] == "gpt-4o-mini"
    assert llm_span["usage"]["prompt_tokens"] == 1000
    assert llm_span["usage"]["completion_tokens"] == 500
    assert llm_span["total_estimated_cost"] > 0
    assert llm_span["parent_span_id"] == agent["id"]
    assert llm_span["input"] == {"messages": [{"role": "user", "content": "what is 2+2?"}]}
    assert tool_span["type"] == "tool"
    assert tool_span["error_info"]["message"] == "division by zero"
    assert not agent.get("parent_span_id")
    assert agent["metadata"]["otel"]["scope"] == {"name": "agent-app", "version": "1.0"}
    assert agent["metadata"]["otel"]["resource"]["service.name"] == "app"
    assert trace["total_estimated_cost"] == pytest.approx(llm_span["total_estimated_cost"])


def test_children_arrive_first_as_a_partial_trace_that_the_root_completes(
    backend: RunningBackend, workspace: str, api: httpx.Client
) -> None:
    provider = provider_for(backend, workspace, path="/v1/traces", project="partial")
    tracer = provider.get_tracer("t")
    with tracer.start_as_current_span("root"):
        with tracer.start_as_current_span("step-1"):
            pass
        (partial,) = traces_of(api, "partial")  # step-1 has been exported, the root has not
        assert partial.get("end_time") is None
        assert set(spans_of(api, partial["id"])) == {"step-1"}
        with tracer.start_as_current_span("step-2"):
            pass
    provider.shutdown()

    (full,) = traces_of(api, "partial")
    assert full["id"] == partial["id"]
    assert full["name"] == "root"
    assert full.get("end_time") is not None
    assert set(spans_of(api, full["id"])) == {"root", "step-1", "step-2"}


def test_project_from_a_resource_attribute_when_no_header_names_one(
    backend: RunningBackend, workspace: str, api: httpx.Client
) -> None:
    provider = provider_for(
        backend, workspace, project=None, resource={"openinference.project.name": "from-res"}
    )
    with provider.get_tracer("t").start_as_current_span("only"):
        pass
    provider.shutdown()
    assert [t["name"] for t in traces_of(api, "from-res")] == ["only"]


def test_json_body_with_gzip_is_accepted_and_answered_in_json(
    api: httpx.Client,
) -> None:
    body = {
        "resourceSpans": [
            {
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": "5b8efff798038103d269b633813fc60c",
                                "spanId": "eee19b7ec3c1b174",
                                "name": "json-root",
                                "startTimeUnixNano": "1765000000000000000",
                                "endTimeUnixNano": "1765000001000000000",
                            }
                        ]
                    }
                ]
            }
        ]
    }
    response = api.post(
        OPIK_PATH.lstrip("/"),
        content=gzip.compress(json.dumps(body).encode()),
        headers={
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
            "projectName": "json",
        },
    )
    assert response.status_code == 200, response.text
    assert response.json() == {}
    assert [t["name"] for t in traces_of(api, "json")] == ["json-root"]


def test_a_body_that_is_not_otlp_gets_400_naming_it(api: httpx.Client) -> None:
    response = api.post(
        OPIK_PATH.lstrip("/"),
        content=b"\xff\xfe garbage",
        headers={"Content-Type": "application/x-protobuf"},
    )
    assert response.status_code == 400
    assert "ExportTraceServiceRequest" in response.json()["message"]


@pytest.fixture
def instrumented_openai(
    backend: RunningBackend, workspace: str
) -> Iterator[tuple[TracerProvider, FakeLLMServer]]:
    provider = provider_for(backend, workspace, project="openinference")
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    with FakeLLMServer() as server:
        yield provider, server
    instrumentor.uninstrument()
    provider.shutdown()


def test_openinference_openai_instrumentor_traces_read_back_as_priced_llm_spans(
    instrumented_openai: tuple[TracerProvider, FakeLLMServer], api: httpx.Client
) -> None:
    provider, server = instrumented_openai
    client = openai.OpenAI(base_url=server.openai_base_url, api_key="test")
    reply = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hello there"}]
    )
    provider.force_flush()

    (trace,) = traces_of(api, "openinference")
    (span,) = spans_of(api, trace["id"]).values()
    assert span["type"] == "llm"
    assert span["model"].startswith("gpt-4o-mini")
    assert span["provider"] == "openai"
    assert span["usage"]["prompt_tokens"] == reply.usage.prompt_tokens
    assert span["usage"]["completion_tokens"] == reply.usage.completion_tokens
    assert span["total_estimated_cost"] > 0
    assert span["input"]["messages"][0]["content"] == "hello there"
    assert reply.choices[0].message.content in json.dumps(span["output"])
