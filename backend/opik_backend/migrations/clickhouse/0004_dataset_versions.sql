-- Dataset versions: each version is an immutable copy of the dataset's items at the time it
-- was made (the version rows themselves live in the metadata database). A snapshot is written
-- with one INSERT ... SELECT from dataset_items, so items never pass through the backend.
-- Same columns as dataset_items plus version_id; rows are never updated after the copy.

CREATE TABLE IF NOT EXISTS dataset_item_versions {on_cluster}
(
    workspace_id LowCardinality(String),
    dataset_id FixedString(36),
    version_id FixedString(36),
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
    INDEX id_bloom id TYPE bloom_filter GRANULARITY 1
)
ENGINE = {replacing_merge_tree}(last_updated_at)
ORDER BY (workspace_id, dataset_id, version_id, id);
