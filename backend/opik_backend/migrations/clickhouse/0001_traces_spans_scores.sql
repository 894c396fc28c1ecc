-- Traces, spans and feedback scores. Ids are UUID v7 kept as text so that sorting by id is
-- sorting by time (ClickHouse's UUID type sorts by the random half first).
-- A later write of the same key replaces an earlier one: ReplacingMergeTree(last_updated_at).
-- `patches` keeps the PATCH bodies applied to a row, so a create that arrives after its
-- PATCH is merged with it instead of overwriting it.

CREATE TABLE IF NOT EXISTS traces {on_cluster}
(
    workspace_id LowCardinality(String),
    project_id FixedString(36),
    id FixedString(36),
    name String,
    start_time DateTime64(6, 'UTC'),
    end_time Nullable(DateTime64(6, 'UTC')),
    input String,
    output String,
    metadata String,
    tags Array(String),
    error_info String,
    thread_id String,
    ttft Nullable(Float64),
    source LowCardinality(String),
    environment LowCardinality(String),
    created_at DateTime64(6, 'UTC'),
    last_updated_at DateTime64(6, 'UTC'),
    patches String,
    INDEX id_bloom id TYPE bloom_filter GRANULARITY 1,
    INDEX thread_bloom thread_id TYPE bloom_filter GRANULARITY 1
)
ENGINE = {replacing_merge_tree}(last_updated_at)
ORDER BY (workspace_id, project_id, id);

CREATE TABLE IF NOT EXISTS spans {on_cluster}
(
    workspace_id LowCardinality(String),
    project_id FixedString(36),
    trace_id FixedString(36),
    parent_span_id String,
    id FixedString(36),
    name String,
    type LowCardinality(String),
    start_time DateTime64(6, 'UTC'),
    end_time Nullable(DateTime64(6, 'UTC')),
    input String,
    output String,
    metadata String,
    model String,
    provider LowCardinality(String),
    tags Array(String),
    usage Map(String, Int64),
    total_estimated_cost Nullable(Float64),
    cost_is_manual UInt8,
    error_info String,
    ttft Nullable(Float64),
    source LowCardinality(String),
    environment LowCardinality(String),
    created_at DateTime64(6, 'UTC'),
    last_updated_at DateTime64(6, 'UTC'),
    patches String,
    INDEX id_bloom id TYPE bloom_filter GRANULARITY 1,
    INDEX trace_bloom trace_id TYPE bloom_filter GRANULARITY 1
)
ENGINE = {replacing_merge_tree}(last_updated_at)
ORDER BY (workspace_id, project_id, trace_id, id);

-- entity_type is trace, span or thread; entity_id is the trace/span id or the thread id.
-- The project is part of the key only after the entity, so that scores are found by entity
-- id even when they were logged under another project name than their trace.
CREATE TABLE IF NOT EXISTS feedback_scores {on_cluster}
(
    workspace_id LowCardinality(String),
    entity_type LowCardinality(String),
    entity_id String,
    project_id FixedString(36),
    name String,
    category_name String,
    value Float64,
    reason String,
    source LowCardinality(String),
    created_at DateTime64(6, 'UTC'),
    last_updated_at DateTime64(6, 'UTC')
)
ENGINE = {replacing_merge_tree}(last_updated_at)
ORDER BY (workspace_id, entity_type, entity_id, project_id, name);
