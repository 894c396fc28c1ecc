"""OTLP/HTTP trace bodies (protobuf or JSON) to flat :class:`OtelSpan` values."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from ..errors import BadRequest

Attributes = dict[str, Any]

_KINDS = {
    Span.SPAN_KIND_INTERNAL: "internal",
    Span.SPAN_KIND_SERVER: "server",
    Span.SPAN_KIND_CLIENT: "client",
    Span.SPAN_KIND_PRODUCER: "producer",
    Span.SPAN_KIND_CONSUMER: "consumer",
}
_STATUS = {Status.STATUS_CODE_OK: "ok", Status.STATUS_CODE_ERROR: "error"}
_ID_FIELDS = ("traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id")


@dataclasses.dataclass(frozen=True)
class OtelSpan:
    """One span with its resource and scope, ids in lowercase hex, times in naive UTC."""

    trace_id: str
    span_id: str
    parent_span_id: str
    name: str
    kind: str
    start_time: dt.datetime
    end_time: dt.datetime | None
    attributes: Attributes
    resource: Attributes
    scope: dict[str, str]
    events: list[dict[str, Any]]
    links: list[dict[str, Any]]
    status: dict[str, str]


def decode_request(body: bytes, content_type: str) -> list[OtelSpan]:
    """The spans of an OTLP trace export; 400 naming the problem when the body is not one."""
    media = content_type.split(";", 1)[0].strip().lower()
    request = ExportTraceServiceRequest()
    if media == "application/json":
        _parse_json(body, request)
    elif media in ("application/x-protobuf", "application/protobuf", ""):
        try:
            request.ParseFromString(body)
        except DecodeError as exc:
            raise BadRequest(
                f"body is not an OTLP protobuf ExportTraceServiceRequest: {exc}"
            ) from None
    else:
        raise BadRequest(
            f"Content-Type {content_type!r} is not supported; "
            "send application/x-protobuf or application/json"
        )
    return list(_spans(request))


def _parse_json(body: bytes, request: ExportTraceServiceRequest) -> None:
    """OTLP JSON: protobuf's JSON mapping, except that ids are hex (not base64)."""
    try:
        data = json.loads(body)
        _hex_ids_to_base64(data)
        json_format.ParseDict(data, request, ignore_unknown_fields=True)
    except (ValueError, json_format.ParseError) as exc:
        raise BadRequest(f"body is not an OTLP JSON ExportTraceServiceRequest: {exc}") from None


def _hex_ids_to_base64(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _hex_ids_to_base64(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in _ID_FIELDS and isinstance(value, str):
                node[key] = base64.b64encode(bytes.fromhex(value)).decode()
            else:
                _hex_ids_to_base64(value)


def _spans(request: ExportTraceServiceRequest) -> Iterator[OtelSpan]:
    for resource_spans in request.resource_spans:
        resource = attributes_of(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            scope = {"name": scope_spans.scope.name, "version": scope_spans.scope.version}
            for span in scope_spans.spans:
                yield _span(span, resource, scope)


def _span(span: Span, resource: Attributes, scope: dict[str, str]) -> OtelSpan:
    if len(span.trace_id) != 16 or len(span.span_id) != 8:
        raise BadRequest(
            f"span {span.name!r}: trace_id must be 16 bytes and span_id 8 bytes, "
            f"got {len(span.trace_id)} and {len(span.span_id)}"
        )
    return OtelSpan(
        trace_id=span.trace_id.hex(),
        span_id=span.span_id.hex(),
        parent_span_id=span.parent_span_id.hex(),
        name=span.name,
        kind=_KINDS.get(span.kind, "unspecified"),
        start_time=time_of(span.start_time_unix_nano) or dt.datetime(1970, 1, 1),
        end_time=time_of(span.end_time_unix_nano),
        attributes=attributes_of(span.attributes),
        resource=resource,
        scope=scope,
        events=[
            {
                "name": event.name,
                "time": _iso(time_of(event.time_unix_nano)),
                "attributes": attributes_of(event.attributes),
            }
            for event in span.events
        ],
        links=[
            {
                "trace_id": link.trace_id.hex(),
                "span_id": link.span_id.hex(),
                "attributes": attributes_of(link.attributes),
            }
            for link in span.links
        ],
        status={"code": _STATUS.get(span.status.code, "unset"), "message": span.status.message},
    )


def time_of(unix_nano: int) -> dt.datetime | None:
    """Naive UTC of a nanosecond timestamp; None for 0 (not set)."""
    if not unix_nano:
        return None
    return dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=unix_nano // 1000)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() + "Z" if value else None


def attributes_of(pairs: Any) -> Attributes:
    """A repeated ``KeyValue`` as a dict of plain Python values."""
    return {pair.key: value_of(pair.value) for pair in pairs if isinstance(pair, KeyValue)}


def value_of(value: AnyValue) -> Any:
    """A plain Python value of an ``AnyValue`` (bytes as base64 text)."""
    which = value.WhichOneof("value")
    if which is None:
        return None
    if which == "array_value":
        return [value_of(item) for item in value.array_value.values]
    if which == "kvlist_value":
        return attributes_of(value.kvlist_value.values)
    if which == "bytes_value":
        return base64.b64encode(value.bytes_value).decode()
    return getattr(value, which)
