"""OTLP/HTTP trace ingestion, at Opik's path and at the standard ``/v1/traces``."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from ..otel.decode import OtelSpan, decode_request
from ..otel.records import proposed_trace_ids, writes_of
from ..storage.ingest import CreateRows
from ..storage.rows import SPANS, TRACES, now, span_row, trace_row
from .base import ApiHandler, Route, operation

PROJECT_HEADER = "projectName"  # Opik's header naming the project of OTLP spans
PROJECT_ATTRIBUTES = ("opik.project_name", "openinference.project.name", "project.name")


class OtlpTracesHandler(ApiHandler):
    """``ExportTraceServiceRequest`` in (protobuf or JSON, gzip allowed), our spans out."""

    tag = "otel"
    body_types = frozenset({"application/json", "application/x-protobuf"})

    @operation("Ingest OTLP/HTTP trace spans (protobuf or JSON)", status=200)
    async def post(self) -> None:
        spans = decode_request(self.body_bytes(), self.request.headers.get("Content-Type", ""))
        self.count_events(len(spans))
        by_project: dict[str | None, list[OtelSpan]] = {}
        for span in spans:
            by_project.setdefault(self._project_name(span), []).append(span)
        for name, group in by_project.items():
            await self._store(name, group)
        self._answer()

    def _answer(self) -> None:
        """An empty ``ExportTraceServiceResponse``, in the request's encoding."""
        if "protobuf" in self.request.headers.get("Content-Type", "").lower():
            self.set_header("Content-Type", "application/x-protobuf")
            self.finish(b"")
        else:
            self.finish(b"{}")

    def _project_name(self, span: OtelSpan) -> str | None:
        header = self.request.headers.get(PROJECT_HEADER)
        if header:
            return header
        for key in PROJECT_ATTRIBUTES:
            value = span.resource.get(key)
            if isinstance(value, str) and value:
                return value
        return None

    async def _store(self, project_name: str | None, spans: Sequence[OtelSpan]) -> None:
        project = await self.project(name=project_name, create=True)
        trace_ids = await self.blocking(
            self.services.otel_trace_ids.assign, self.workspace, proposed_trace_ids(spans)
        )
        span_bodies, trace_bodies = writes_of(spans, trace_ids)
        received = now()
        ws = self.workspace
        span_rows = [
            span_row(
                body,
                ws,
                project.id,
                str(body.id),
                str(body.trace_id),
                body.parent_span_id or "",
                received,
            )
            for body in span_bodies
        ]
        trace_rows = [
            trace_row(body, ws, project.id, str(body.id), received) for body in trace_bodies
        ]
        # both in one group of the writer: spans and their (partial or full) traces together
        await asyncio.gather(
            self.commit(CreateRows(SPANS, span_rows)), self.commit(CreateRows(TRACES, trace_rows))
        )


def routes() -> list[Route]:
    """Opik's OTLP path and the standard one."""
    return [
        (path, type(f"OtlpTraces{i}Handler", (OtlpTracesHandler,), {"path": path}))
        for i, path in enumerate(("/v1/private/otel/v1/traces", "/v1/traces"))
    ]
