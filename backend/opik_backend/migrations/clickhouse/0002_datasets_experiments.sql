-- Dataset items and experiment items: the high-volume half of datasets and experiments
-- (their names and settings live in the metadata database). Versioned like traces: a later
-- write of the same key replaces an earlier one. `data` is the item's JSON object as text;
-- `content_hash` (SHA-256 of that object with sorted keys) de-duplicates items by content
-- within a dataset. Optional ids (trace_id, span_id) are "" when absent.

CREATE TABLE IF NOT EXISTS dataset_items {on_cluster}
(
    workspace_id LowCardinality(String),
    dataset_id FixedString(36),
    id FixedString(36),
    data String,
    source LowCardinality(String),
    trace_id String,
    span_id String,
    description String,
    tags Array(String),
    content_hash FixedString(64),
    created_at DateTime64(6, 'UTC'),
    last_updated_at DateTime64(6, 'UTC'),
    INDEX id_bloom id TYPE bloom_filter GRANULARITY 1,
    INDEX hash_bloom content_hash TYPE bloom_filter GRANULARITY 1
)
ENGINE = {replacing_merge_tree}(last_updated_at)
ORDER BY (workspace_id, dataset_id, id);

-- One row links an experiment, a dataset item and the trace the task produced for it.
CREATE TABLE IF NOT EXISTS experiment_items {on_cluster}
(
    workspace_id LowCardinality(String),
    experiment_id FixedString(36),
    id FixedString(36),
    dataset_item_id FixedString(36),
    trace_id FixedString(36),
    project_id FixedString(36),
    created_at DateTime64(6, 'UTC'),
    last_updated_at DateTime64(6, 'UTC'),
    INDEX id_bloom id TYPE bloom_filter GRANULARITY 1,
    INDEX item_bloom dataset_item_id TYPE bloom_filter GRANULARITY 1,
    INDEX trace_bloom trace_id TYPE bloom_filter GRANULARITY 1
)
ENGINE = {replacing_merge_tree}(last_updated_at)
ORDER BY (workspace_id, experiment_id, id);
