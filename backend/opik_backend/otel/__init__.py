"""OpenTelemetry (OTLP/HTTP) ingestion: wire decoding and the mapping to our spans.

``decode`` turns an ``ExportTraceServiceRequest`` (protobuf or OTLP JSON, already gunzipped)
into flat :class:`~.decode.OtelSpan` values; ``mapping`` turns those into span and trace
fields. Both are pure functions; the handler stores the result through the same rows and
writer as the REST span and trace writes.
"""
