-- OpenTelemetry trace ids (16 random bytes, as hex) and the UUID v7 each was given when its
-- first spans arrived, so that later batches of the same trace land in the same trace.

CREATE TABLE IF NOT EXISTS otel_trace_ids
(
    workspace VARCHAR(150) NOT NULL,
    otel_trace_id CHAR(32) NOT NULL,
    trace_id CHAR(36) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (workspace, otel_trace_id)
) {table_options};
